// Where one query's keyed state lives in its task's store. Every key starts with the query's name
// and a NUL (names are identifiers, so no query's keys are a prefix of another's), then:
//   `s` + ID                    the state of ID: a process key, an aggregate group (and window)
//   `x` + ordered(DEADLINE) + ID  the expiry index: ID's timeout or window end, ordered by time
//   `m` + NAME                  the operator's own counters (watermark, live entries)
//   `p` + ordered(TIME) + ordered(SEQUENCE)  a join's stream records waiting for the watermark
// ID is the canonical encoding of the key or group values (value_codec.hpp), followed, for a
// tumbling or hopping window, by the window's ordered start.
#pragma once

#include <string>
#include <string_view>

#include "runtime/state/value_codec.hpp"

namespace flow::runtime {

class QueryKeyspace {
 public:
  explicit QueryKeyspace(const std::string& query) : prefix_(query + '\0') {}

  // Each key is built in one allocation: they are made for every record.
  std::string state(std::string_view id) const { return make_key('s', 0, id); }
  std::string meta(std::string_view name) const { return make_key('m', 0, name); }
  //! state(id) built in `buffer` (reused: no allocation once it is large enough).
  std::string_view state_into(std::string& buffer, std::string_view id) const {
    buffer.assign(prefix_);
    buffer += 's';
    buffer += id;
    return buffer;
  }

  std::string expiry(int64_t deadline, std::string_view id) const {
    std::string out = make_key('x', 8 + id.size(), {});
    append_ordered(out, deadline);
    out += id;
    return out;
  }
  //! The first possible expiry key.
  std::string expiry_begin() const { return prefix_ + 'x'; }
  //! The first expiry key after every deadline up to `deadline`.
  std::string expiry_after(int64_t deadline) const {
    std::string key = prefix_ + 'x';
    append_ordered(key, deadline);
    // The successor of a prefix: drop trailing 0xff bytes, then add one to the last byte.
    while (static_cast<uint8_t>(key.back()) == 0xff) key.pop_back();
    key.back() = static_cast<char>(static_cast<uint8_t>(key.back()) + 1);
    return key;
  }
  //! The start of a keyspace of the operator's own, `kind` (a letter no other use takes here):
  //! a join's waiting records are `p` + ordered(TIME) + ordered(SEQUENCE).
  std::string begin_of(char kind) const { return prefix_ + kind; }
  //! Where a key of one's own keyspace starts after its kind letter.
  size_t own_offset() const { return prefix_.size() + 1; }
  //! Where the deadline starts in an expiry key; the ID follows its 8 bytes.
  size_t expiry_deadline_offset() const { return prefix_.size() + 1; }

 private:
  //! prefix_, `kind`, then `tail`, with room for `extra` more bytes.
  std::string make_key(char kind, size_t extra, std::string_view tail) const {
    std::string out;
    out.reserve(prefix_.size() + 1 + extra + tail.size());
    out += prefix_;
    out += kind;
    out += tail;
    return out;
  }

  std::string prefix_;
};

}  // namespace flow::runtime
