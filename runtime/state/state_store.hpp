// One task's keyed state on disk: a LevelDB database in its own directory, so a partition's state
// can move between machines as one directory. Changes stay in an in-memory write-back cache until
// a checkpoint commits them, together with the source offsets they came from, in one atomic,
// synced LevelDB WriteBatch: after a crash the store is exactly as of the last commit.
//
// LevelDB keys: `u` + the caller's key (state), `o` + a source partition's name (its next offset,
// 8 ordered bytes, see value_codec.hpp), `m` (the store's key and byte counts, two varints), `l`
// (with a changelog: its position after the last commit, commit_log.hpp).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "runtime/state/commit_log.hpp"

namespace leveldb {
class Cache;
class DB;
class FilterPolicy;
class WriteBatch;
}  // namespace leveldb

namespace flow::runtime {

struct StateStoreOptions {
  //! Memory the committed entries kept for reads may take, as allocated (their strings and hash-table
  //! nodes, not only their bytes). Past it, a commit evicts a quarter of it, entries read since the
  //! last eviction last (a second chance). Changes not yet committed are always kept: they come on
  //! top, bounded by what one commit interval changes. state_memory.hpp divides a job's budget.
  int64_t cache_bytes = int64_t{64} << 20;
  //! LevelDB's cache of uncompressed table blocks, shared by a job's stores; null: LevelDB's own
  //! (8 MiB per store). Must outlive the store.
  leveldb::Cache* block_cache = nullptr;
  //! LevelDB's write buffer (its memtable; two while one is written to a table).
  size_t write_buffer_bytes = size_t{4} << 20;
};

class StateStore {
 public:
  //! Opens (creating if needed) the store in `directory`. Null with `error` set when it cannot,
  //! e.g. because another process holds it.
  static std::unique_ptr<StateStore> open(const std::string& directory, std::string& error,
                                          StateStoreOptions options = {});
  //! Closes the store. Changes not committed are lost, as in a crash.
  ~StateStore();
  StateStore(const StateStore&) = delete;
  StateStore& operator=(const StateStore&) = delete;

  //! The value of `key`, including changes not yet committed. Throws StateCorruption when
  //! LevelDB cannot read it.
  std::optional<std::string> get(std::string_view key);
  //! get() into `value`, reusing its buffer; false (and `value` unchanged) when `key` is absent.
  bool get_into(std::string_view key, std::string& value);
  //! Where a read left a key's entry in the cache, so that writing the key back right after it
  //! neither hashes nor allocates again. It stays usable while no entry leaves the cache (an
  //! eviction — a read of another key may evict — or a commit of an erase); after that a write
  //! through it goes by key.
  struct EntryRef {
    void* entry = nullptr;
    uint64_t evictions = 0;
  };
  //! get_into() that also says where the entry is (`ref`), present or absent.
  bool get_into(std::string_view key, std::string& value, EntryRef& ref);
  //! Sets `key`; kept in memory until commit.
  void put(std::string key, std::string value);
  //! `put` of a key whose current value the caller has just read: `old_size` is that value's size
  //! (none: absent). Saves the read `put` makes to keep the counts exact.
  void put_read(std::string key, std::string value, std::optional<size_t> old_size);
  //! put_read() of the key `ref` was read for: the value copied into the entry's own buffer (no
  //! allocation once it is large enough).
  void put_read(const EntryRef& ref, std::string_view key, std::string_view value, std::optional<size_t> old_size);
  //! `put` of a key the caller knows is new: never committed, or erased since the last commit
  //! (an expiry entry at a new deadline). Saves the read `put` makes to keep the counts exact.
  void put_new(std::string key, std::string value);
  //! Removes `key`; kept in memory until commit.
  void erase(std::string key);

  //! The entries with `begin <= key < end` (no `end`: to the last key), in key order, changes not
  //! yet committed included; at most `limit` of them.
  std::vector<std::pair<std::string, std::string>> scan(std::string_view begin, std::optional<std::string_view> end,
                                                        size_t limit = SIZE_MAX);

  //! Writes every change since the last commit plus `offsets` (source partition -> next offset
  //! to read) in one synced WriteBatch — with a commit log, once the log has acknowledged it
  //! (waiting for it). Returns an error text (empty on success); on failure the changes stay
  //! pending and a later commit retries them.
  std::string commit(const std::map<std::string, int64_t>& offsets);
  //! commit() in two steps, so that a task does not wait for its commit log: prepare_commit hands
  //! the log the commit (sent, not yet acknowledged) and keeps its batch; finish_commit writes it
  //! to LevelDB, once CommitLog::acknowledged() (or after CommitLog::wait()). In between the
  //! store is used as usual: the prepared entries stay in the cache (never evicted) and later
  //! changes are the next commit's. Without a log, prepare and finish are one commit.
  std::string prepare_commit(const std::map<std::string, int64_t>& offsets);
  //! Writes the prepared commit. An error text; the commit stays prepared on failure.
  std::string finish_commit();
  bool commit_prepared() const { return prepared_batch_ != nullptr; }
  CommitLog* commit_log() const { return log_; }
  //! The offsets of the last commit (read at start to resume from them). Throws StateCorruption
  //! when LevelDB cannot read them (open() has read them once: a store it opened could).
  std::map<std::string, int64_t> committed_offsets();

  //! From now on every commit goes to `log` first (null: none). The log must outlive the store.
  void set_commit_log(CommitLog* log) { log_ = log; }
  bool has_commit_log() const { return log_ != nullptr; }
  // What a changelog needs at open, to restore the store, repair the log or write it whole
  // (changelog.hpp): LevelDB's own keys and values, committed state only, `l` aside.
  //! The log position kept with the last commit (none: no commit went to a log).
  std::optional<std::string> log_position();
  //! No state and no offsets committed: a new (or lost) store.
  bool empty_on_disk();
  //! A committed LevelDB entry (none: absent).
  std::optional<std::string> read_raw(std::string_view key) { return read_committed(key); }
  //! Every committed entry in key order, `l` aside.
  void for_each_raw(const std::function<void(std::string_view key, std::string_view value)>& take);
  //! Writes `changes` (value none: delete) and the log `position` in one batch, synced when
  //! `sync`, as a restore does before the store is used: the counts and the cache start again
  //! from what LevelDB then holds. An error text, empty on success.
  std::string write_raw(const std::vector<std::pair<std::string, std::optional<std::string>>>& changes,
                        const std::string& position, bool sync);
  //! Deletes every entry, the log position included (a restore that failed part way). An error text.
  std::string clear_raw();

  //! Entries in the store, changes not yet committed included (exact; kept with every commit).
  size_t keys() const { return keys_; }
  //! Bytes of their keys and values, as stored before LevelDB's compression (exact, likewise).
  int64_t bytes() const { return bytes_; }
  //! Memory the committed entries kept for reads take (estimated as allocated; StateStoreOptions).
  int64_t cache_memory() const { return clean_memory_; }
  //! Reads the cache could not answer: LevelDB was asked (a key not cached, or evicted). None
  //! while the cache holds every key of the store (it started empty and has not evicted yet).
  int64_t cache_misses() const { return cache_misses_; }
  const std::string& directory() const { return directory_; }

 private:
  StateStore(std::string directory, StateStoreOptions options);

  std::optional<std::string> read_committed(std::string_view key);
  //! The current value of `key` (none: absent), read into the cache if need be. Valid until the
  //! key is erased from the cache (a commit of its erase, or a trim: the next lookup may trim).
  const std::optional<std::string>& lookup(std::string_view key);
  //! The current value's size, or none if `key` is absent.
  std::optional<size_t> current_size(const std::string& key);

  //! Reads the counts (`m`) and whether LevelDB holds any state, after open or a write_raw.
  std::string load_counts();

  std::string directory_;
  StateStoreOptions options_;
  CommitLog* log_ = nullptr;
  //! The offsets of the last commit that went to the log: a commit with no change and the same
  //! offsets does not go again.
  std::map<std::string, int64_t> logged_offsets_;
  std::unique_ptr<const leveldb::FilterPolicy> filter_;  // outlives db_, which uses it
  std::unique_ptr<leveldb::DB> db_;
  //! Hashes a key given as a string or a string_view alike, so lookups need no copy of the key.
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(std::string_view key) const { return std::hash<std::string_view>{}(key); }
  };
  struct Entry {
    std::optional<std::string> value;  //!< none: absent (erased, or known not to be in LevelDB)
    bool dirty = false;                //!< changed since the last commit
    bool referenced = true;            //!< read or written since an eviction pass last saw it
    //! In the prepared commit, not yet in LevelDB: kept in the cache (never evicted) until then.
    bool pinned = false;
  };
  using EntryMap = std::unordered_map<std::string, Entry, KeyHash, std::equal_to<>>;
  //! Every key read or written since it was last trimmed: its current value, changed or as
  //! committed. One map for both, so a read hashes once and a commit moves nothing between maps
  //! (it writes the changed entries and clears their flag). Hashed, not ordered: a record's reads
  //! and writes are point operations; a scan sorts the few changes in its range.
  EntryMap entries_;
  //! The entries changed since the last commit (nodes of entries_, whose addresses are stable).
  std::vector<EntryMap::value_type*> dirty_;
  //! The prepared commit's batch and entries (pinned; some may be changed again since: dirty).
  std::unique_ptr<leveldb::WriteBatch> prepared_batch_;
  std::vector<EntryMap::value_type*> prepared_;
  //! Marks `key`'s entry changed (adding it if absent, as absent) and returns it.
  EntryMap::value_type& changing(std::string&& key);
  //! lookup(), the entry itself.
  EntryMap::value_type& lookup_entry(std::string_view key);
  //! Marks `entry` changed (listing it with the changes, out of the clean entries' memory).
  void mark_dirty(EntryMap::value_type& entry);
  //! Counts a put of `key` over a value of `old` size (none: absent) with one of `size`.
  void count_put(size_t key_size, std::optional<size_t> old, size_t size);
  //! Evicts committed entries down to three quarters of the budget, if over it (never `keep`).
  void trim_cache(const EntryMap::value_type* keep = nullptr);
  //! What an entry takes in memory as allocated: its node, its bucket and its strings' heap buffers.
  static int64_t entry_memory(const std::string& key, const std::optional<std::string>& value);
  //! Memory of the clean entries: what the cache bound applies to.
  int64_t clean_memory_ = 0;
  int64_t cache_misses_ = 0;
  //! The cache holds every key the store has: it opened with no state and never evicted, so a key
  //! it does not hold is absent (no LevelDB read; an erase commits away from both alike).
  bool holds_every_key_ = false;
  //! Times entries left the cache (evictions, commits): an EntryRef of an older count may dangle.
  uint64_t evictions_ = 0;
  size_t keys_ = 0;
  int64_t bytes_ = 0;
};

}  // namespace flow::runtime
