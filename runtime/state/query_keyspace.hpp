// Where one query's keyed state lives in its task's store. Every key starts with the query's name
// and a NUL (names are identifiers, so no query's keys are a prefix of another's), then:
//   `s` + ID                    the state of ID: a process key, an aggregate group (and window)
//   `x` + ordered(DEADLINE) + ID  the expiry index: ID's timeout or window end, ordered by time
//   `m` + NAME                  the operator's own counters (watermark, live entries)
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

  std::string state(std::string_view id) const { return prefix_ + 's' + std::string(id); }
  std::string meta(std::string_view name) const { return prefix_ + 'm' + std::string(name); }

  std::string expiry(int64_t deadline, std::string_view id) const {
    std::string key = prefix_ + 'x';
    append_ordered(key, deadline);
    key += id;
    return key;
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
  //! Where the deadline starts in an expiry key; the ID follows its 8 bytes.
  size_t expiry_deadline_offset() const { return prefix_.size() + 1; }

 private:
  std::string prefix_;
};

}  // namespace flow::runtime
