// The expiry index of one query: which keys time out, and which windows close, by when. It lives
// in the store itself (the `x` keyspace of query_keyspace.hpp), ordered by deadline, so it
// survives restarts with the state it indexes, needs no memory of its own, and finding what is due
// reads only the due entries — never every key.
#pragma once

#include <cstdint>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/state/query_keyspace.hpp"
#include "runtime/state/state_store.hpp"

namespace flow::runtime {

class ExpiryIndex {
 public:
  ExpiryIndex(StateStore& store, const QueryKeyspace& keyspace) : store_(store), keyspace_(keyspace) {}

  struct Entry {
    int64_t deadline = 0;
    std::string id;
  };

  //! `id` must have no entry at `deadline` (each id has at most one entry, at its deadline).
  void add(int64_t deadline, std::string_view id) { store_.put_new(keyspace_.expiry(deadline, id), ""); }
  void remove(int64_t deadline, std::string_view id) { store_.erase(keyspace_.expiry(deadline, id)); }

  //! The entries whose deadline is at most `up_to`, earliest first (then by id): at most `limit`
  //! of them (the first ones; those removed since are not read again, even before a commit).
  std::vector<Entry> due(int64_t up_to, size_t limit = SIZE_MAX) {
    std::vector<Entry> out;
    size_t offset = keyspace_.expiry_deadline_offset();
    for (auto& [key, value] : store_.scan(keyspace_.expiry_begin(), keyspace_.expiry_after(up_to), limit))
      out.push_back({read_ordered(std::string_view(key).substr(offset)), key.substr(offset + 8)});
    return out;
  }

 private:
  StateStore& store_;
  QueryKeyspace keyspace_;
};

}  // namespace flow::runtime
