// The LevelDB store with its write-back cache (state_store.hpp).
#include "runtime/state/state_store.hpp"

#include <fmt/format.h>
#include <leveldb/cache.h>
#include <leveldb/db.h>
#include <leveldb/filter_policy.h>
#include <leveldb/write_batch.h>

#include <algorithm>
#include <filesystem>

#include "runtime/state/value_codec.hpp"

namespace flow::runtime {

namespace {

constexpr char kStatePrefix = 'u';
constexpr char kOffsetPrefix = 'o';
constexpr std::string_view kCountsKey = "m";
constexpr std::string_view kLogPositionKey = "l";

std::string state_key(std::string_view key) { return kStatePrefix + std::string(key); }

std::string_view view(const leveldb::Slice& slice) { return {slice.data(), slice.size()}; }

//! Every read checks the checksums of the blocks it reads: a damaged table file is an error, not
//! a value that is silently missing or wrong.
leveldb::ReadOptions checked_reads() {
  leveldb::ReadOptions options;
  options.verify_checksums = true;
  return options;
}

//! What to do about a damaged store in `directory`: its state cannot be rebuilt from it.
std::string damaged_help(const std::string& directory) {
  std::string root = std::filesystem::path(directory).parent_path().string();
  return fmt::format("restore `{}` from a backup, or delete the state directory `{}` and run with `--on-lost-state "
                     "reprocess` to reprocess the input from the earliest offsets its topics still hold; when the store "
                     "has a changelog (`--changelog on`, the default), deleting `{}` alone is enough: the next run "
                     "restores it from the changelog",
                     directory, root.empty() ? directory : root, directory);
}

//! A read that failed: damage (a checksum) or an I/O error, with what to do.
std::string unreadable(const std::string& directory, const leveldb::Status& status) {
  return fmt::format("the state store in `{}` is damaged or cannot be read ({}); {}", directory, status.ToString(),
                     damaged_help(directory));
}

//! A LevelDB table, write-ahead log or manifest (`000005.ldb`, `000003.log`, `MANIFEST-000002`):
//! the files that hold a store's data. `MANIFEST-000001` alone is what a first open leaves when
//! it stops before writing `CURRENT` (no data yet), so it does not count.
bool holds_data(const std::string& name) {
  auto digits = [](std::string_view text) {
    return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (name.starts_with("MANIFEST-")) return digits(name.substr(9)) && name != "MANIFEST-000001";
  size_t dot = name.rfind('.');
  if (dot == std::string::npos) return false;
  std::string_view ext = std::string_view(name).substr(dot);
  return (ext == ".ldb" || ext == ".sst" || ext == ".log") && digits(std::string_view(name).substr(0, dot));
}

//! An error text when `directory` holds a store's data files but no `CURRENT` (LevelDB would
//! start an empty store there and delete them); empty otherwise.
std::string missing_current(const std::string& directory) {
  std::error_code ec;
  if (std::filesystem::exists(std::filesystem::path(directory) / "CURRENT", ec)) return "";
  for (const auto& entry : std::filesystem::directory_iterator(directory, ec)) {
    std::string name = entry.path().filename().string();
    if (holds_data(name))
      return fmt::format("the state store in `{}` is damaged: it holds LevelDB files (`{}`) but no `CURRENT` file, "
                         "so its state cannot be read; {}",
                         directory, name, damaged_help(directory));
  }
  return "";
}

}  // namespace

StateStore::StateStore(std::string directory, StateStoreOptions options)
    : directory_(std::move(directory)), options_(options) {}

StateStore::~StateStore() = default;

std::unique_ptr<StateStore> StateStore::open(const std::string& directory, std::string& error,
                                             StateStoreOptions options) {
  std::error_code ec;
  std::filesystem::create_directories(directory, ec);
  if (ec) {
    error = "cannot create the state directory `" + directory + "`: " + ec.message();
    return nullptr;
  }
  error = missing_current(directory);
  if (!error.empty()) return nullptr;
  std::unique_ptr<StateStore> store(new StateStore(directory, options));
  store->filter_.reset(leveldb::NewBloomFilterPolicy(10));
  leveldb::Options db_options;
  db_options.create_if_missing = true;
  // A damaged write-ahead log, table or manifest stops the open. Without it LevelDB drops the
  // damaged commit and keeps the later ones: their offsets move on, so nothing is replayed and
  // the dropped state is lost. A log cut short by a crash (kill -9) is not damage: its last,
  // incomplete commit is dropped as it must be, and the offsets go back with it.
  db_options.paranoid_checks = true;
  db_options.filter_policy = store->filter_.get();
  db_options.block_cache = options.block_cache;
  db_options.write_buffer_size = options.write_buffer_bytes;
  leveldb::DB* db = nullptr;
  leveldb::Status status = leveldb::DB::Open(db_options, directory, &db);
  if (status.IsCorruption()) {
    error = fmt::format("the state store in `{}` is damaged ({}); {}", directory, status.ToString(),
                        damaged_help(directory));
    return nullptr;
  }
  if (!status.ok()) {
    error = "cannot open the state store in `" + directory + "`: " + status.ToString() +
            (status.IsIOError() ? " (is another flowrun using this state directory?)" : "");
    return nullptr;
  }
  store->db_.reset(db);
  error = store->load_counts();
  if (!error.empty()) return nullptr;
  return store;
}

std::string StateStore::load_counts() {
  std::optional<std::string> counts;
  try {
    counts = read_committed(kCountsKey);
    committed_offsets();  // read once here, where damage is an error the caller gets
  } catch (const StateCorruption& e) {
    return e.what();
  }
  keys_ = 0;
  bytes_ = 0;
  if (counts) {
    try {
      ValueReader reader(*counts);
      keys_ = reader.varint();
      bytes_ = static_cast<int64_t>(reader.varint());
    } catch (const StateCorruption& e) {
      return fmt::format("the state store in `{}` is damaged: its key and byte counts cannot be read ({}); {}",
                         directory_, e.what(), damaged_help(directory_));
    }
  }
  // A store with no state yet starts with a cache that holds every key it has (none): until it
  // first evicts, a key the cache does not hold is absent, and LevelDB is not asked. "No state"
  // is checked in LevelDB itself, not only in the counts (a store written without them).
  holds_every_key_ = false;
  if (keys_ == 0) {
    std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(checked_reads()));
    it->Seek(std::string(1, kStatePrefix));
    bool state_there = it->Valid() && it->key().size() > 0 && it->key()[0] == kStatePrefix;
    if (!it->status().ok()) return unreadable(directory_, it->status());
    holds_every_key_ = !state_there;
  }
  return "";
}

std::optional<std::string> StateStore::log_position() { return read_committed(kLogPositionKey); }

bool StateStore::empty_on_disk() {
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(checked_reads()));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    char prefix = it->key().size() > 0 ? it->key()[0] : 0;
    if (prefix == kStatePrefix || prefix == kOffsetPrefix) return false;
  }
  if (!it->status().ok()) throw StateCorruption(unreadable(directory_, it->status()));
  return true;
}

void StateStore::for_each_raw(const std::function<void(std::string_view key, std::string_view value)>& take) {
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(checked_reads()));
  for (it->SeekToFirst(); it->Valid(); it->Next())
    if (view(it->key()) != kLogPositionKey) take(view(it->key()), view(it->value()));
  if (!it->status().ok()) throw StateCorruption(unreadable(directory_, it->status()));
}

std::string StateStore::clear_raw() {
  std::vector<std::pair<std::string, std::optional<std::string>>> all;
  for_each_raw([&](std::string_view key, std::string_view) { all.emplace_back(std::string(key), std::nullopt); });
  std::string problem = write_raw(all, "", true);
  if (!problem.empty()) return problem;
  leveldb::WriteOptions write_options;
  write_options.sync = true;
  leveldb::Status status =
      db_->Delete(write_options, leveldb::Slice(kLogPositionKey.data(), kLogPositionKey.size()));
  if (!status.ok()) return "cannot write state to `" + directory_ + "`: " + status.ToString();
  return "";
}

std::string StateStore::write_raw(const std::vector<std::pair<std::string, std::optional<std::string>>>& changes,
                                  const std::string& position, bool sync) {
  leveldb::WriteBatch batch;
  for (const auto& [key, value] : changes) {
    if (key == kLogPositionKey) continue;  // the position is the store's own, never restored
    if (value)
      batch.Put(key, *value);
    else
      batch.Delete(key);
  }
  batch.Put(leveldb::Slice(kLogPositionKey.data(), kLogPositionKey.size()), position);
  leveldb::WriteOptions write_options;
  write_options.sync = sync;
  leveldb::Status status = db_->Write(write_options, &batch);
  if (!status.ok()) return "cannot write state to `" + directory_ + "`: " + status.ToString();
  // Before the store is used: nothing is cached or pending yet, but start clean all the same.
  entries_.clear();
  dirty_.clear();
  clean_memory_ = 0;
  ++evictions_;
  return load_counts();
}

std::optional<std::string> StateStore::read_committed(std::string_view key) {
  std::string value;
  leveldb::Status status = db_->Get(checked_reads(), leveldb::Slice(key.data(), key.size()), &value);
  if (status.IsNotFound()) return std::nullopt;
  if (!status.ok()) throw StateCorruption(unreadable(directory_, status));
  return value;
}

namespace {

//! What malloc takes for `size` bytes: glibc's chunks are 16-byte multiples with an 8-byte header,
//! at least 32 bytes.
constexpr int64_t allocated(size_t size) { return std::max<int64_t>(32, static_cast<int64_t>((size + 8 + 15) / 16 * 16)); }

//! A string's heap buffer: none within std::string's 15-byte inline buffer.
int64_t heap_of(const std::string& text) { return text.capacity() > 15 ? allocated(text.capacity() + 1) : 0; }

}  // namespace

int64_t StateStore::entry_memory(const std::string& key, const std::optional<std::string>& value) {
  // A node holds the pair, the next pointer and the cached hash; a bucket is one pointer (the table
  // keeps about one per entry).
  constexpr int64_t node = allocated(sizeof(EntryMap::value_type) + 2 * sizeof(void*)) + sizeof(void*);
  return node + heap_of(key) + (value ? heap_of(*value) : 0);
}

const std::optional<std::string>& StateStore::lookup(std::string_view key) { return lookup_entry(key).second.value; }

StateStore::EntryMap::value_type& StateStore::lookup_entry(std::string_view key) {
  if (auto found = entries_.find(key); found != entries_.end()) {
    found->second.referenced = true;
    return *found;
  }
  std::optional<std::string> value;
  if (!holds_every_key_) {
    ++cache_misses_;
    value = read_committed(state_key(key));
  }
  auto entry = entries_.emplace(std::string(key), Entry{std::move(value), false}).first;
  clean_memory_ += entry_memory(entry->first, entry->second.value);
  // Reads alone (no commit in between) must not outgrow the budget either: past a quarter more,
  // evict now, keeping the entry just read (its value is what the caller gets).
  if (clean_memory_ > options_.cache_bytes + options_.cache_bytes / 4) trim_cache(&*entry);
  return *entry;
}

StateStore::EntryMap::value_type& StateStore::changing(std::string&& key) {
  auto [entry, added] = entries_.try_emplace(std::move(key));
  if (added) {  // not cached: no memory of it counted yet
    entry->second.dirty = true;
    dirty_.push_back(&*entry);
  }
  mark_dirty(*entry);
  return *entry;
}

void StateStore::mark_dirty(EntryMap::value_type& entry) {
  entry.second.referenced = true;
  if (entry.second.dirty) return;
  // A pinned entry (in the prepared commit) was not counted with the clean ones.
  if (!entry.second.pinned) clean_memory_ -= entry_memory(entry.first, entry.second.value);
  entry.second.dirty = true;
  dirty_.push_back(&entry);
}

std::optional<std::string> StateStore::get(std::string_view key) { return lookup(key); }

bool StateStore::get_into(std::string_view key, std::string& value) {
  const std::optional<std::string>& found = lookup(key);
  if (!found) return false;
  value.assign(*found);
  return true;
}

bool StateStore::get_into(std::string_view key, std::string& value, EntryRef& ref) {
  EntryMap::value_type& entry = lookup_entry(key);
  ref = {&entry, evictions_};  // after lookup_entry's own eviction, if any: it kept this entry
  if (!entry.second.value) return false;
  value.assign(*entry.second.value);
  return true;
}

std::optional<size_t> StateStore::current_size(const std::string& key) {
  const std::optional<std::string>& value = lookup(key);
  return value ? std::optional(value->size()) : std::nullopt;
}

void StateStore::put(std::string key, std::string value) {
  std::optional<size_t> old = current_size(key);
  put_read(std::move(key), std::move(value), old);
}

void StateStore::count_put(size_t key_size, std::optional<size_t> old, size_t size) {
  if (!old) {
    ++keys_;
    bytes_ += static_cast<int64_t>(key_size);
  }
  bytes_ += static_cast<int64_t>(size) - static_cast<int64_t>(old.value_or(0));
}

void StateStore::put_read(std::string key, std::string value, std::optional<size_t> old) {
  count_put(key.size(), old, value.size());
  changing(std::move(key)).second.value = std::move(value);
}

void StateStore::put_read(const EntryRef& ref, std::string_view key, std::string_view value,
                          std::optional<size_t> old) {
  if (!ref.entry || ref.evictions != evictions_) {  // the entry may be gone: by key
    put_read(std::string(key), std::string(value), old);
    return;
  }
  auto& entry = *static_cast<EntryMap::value_type*>(ref.entry);
  count_put(key.size(), old, value.size());
  mark_dirty(entry);
  if (entry.second.value)
    entry.second.value->assign(value);  // its buffer, reused
  else
    entry.second.value.emplace(value);
}

void StateStore::put_new(std::string key, std::string value) {
  auto found = entries_.find(key);
  if (found != entries_.end() && found->second.value) {  // not new after all: a plain put
    put(std::move(key), std::move(value));
    return;
  }
  ++keys_;
  bytes_ += static_cast<int64_t>(key.size() + value.size());
  changing(std::move(key)).second.value = std::move(value);
}

void StateStore::erase(std::string key) {
  std::optional<size_t> old = current_size(key);
  if (old) {
    --keys_;
    bytes_ -= static_cast<int64_t>(key.size() + *old);
  }
  changing(std::move(key)).second.value.reset();
}

std::vector<std::pair<std::string, std::string>> StateStore::scan(std::string_view begin,
                                                                   std::optional<std::string_view> end,
                                                                   size_t limit) {
  std::vector<std::pair<std::string, std::string>> out;
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(checked_reads()));
  std::string db_end = end ? state_key(*end) : std::string(1, kStatePrefix + 1);
  it->Seek(state_key(begin));
  // The changes in range, in key order, merged with the committed entries.
  // The prepared commit's entries are not in LevelDB yet either (those changed again since are
  // in dirty_ too: taken once).
  std::vector<const EntryMap::value_type*> changes;
  for (const auto* entry : dirty_)
    if (entry->first >= begin && (!end || entry->first < *end)) changes.push_back(entry);
  for (const auto* entry : prepared_)
    if (!entry->second.dirty && entry->first >= begin && (!end || entry->first < *end)) changes.push_back(entry);
  std::sort(changes.begin(), changes.end(), [](const auto* a, const auto* b) { return a->first < b->first; });
  auto change = changes.begin();
  auto last_change = changes.end();
  while (out.size() < limit) {
    bool committed = it->Valid() && it->key().compare(db_end) < 0;
    bool changed = change != last_change;
    if (!committed && !changed) break;
    std::string_view committed_key = committed ? view(it->key()).substr(1) : std::string_view();
    if (changed && (!committed || (*change)->first <= committed_key)) {
      if (committed && (*change)->first == committed_key) it->Next();  // the change replaces it
      if ((*change)->second.value) out.emplace_back((*change)->first, *(*change)->second.value);
      ++change;
    } else {
      out.emplace_back(committed_key, view(it->value()));
      it->Next();
    }
  }
  if (!it->status().ok()) throw StateCorruption(unreadable(directory_, it->status()));
  return out;
}

std::string StateStore::commit(const std::map<std::string, int64_t>& offsets) {
  std::string problem = prepare_commit(offsets);
  if (problem.empty() && log_) problem = log_->wait();
  if (!problem.empty()) return problem;
  return finish_commit();
}

std::string StateStore::prepare_commit(const std::map<std::string, int64_t>& offsets) {
  if (prepared_batch_) return "cannot commit state to `" + directory_ + "`: the previous commit is not written yet";
  auto batch = std::make_unique<leveldb::WriteBatch>();
  std::string db_key(1, kStatePrefix);
  for (const auto* entry : dirty_) {
    db_key.resize(1);
    db_key += entry->first;
    if (entry->second.value)
      batch->Put(db_key, *entry->second.value);
    else
      batch->Delete(db_key);
  }
  for (const auto& [partition, offset] : offsets) {
    std::string bytes;
    append_ordered(bytes, offset);
    batch->Put(kOffsetPrefix + partition, bytes);
  }
  std::string counts;
  append_varint(counts, keys_);
  append_varint(counts, static_cast<uint64_t>(bytes_));
  batch->Put(leveldb::Slice(kCountsKey.data(), kCountsKey.size()), counts);
  // With a changelog, the log takes the commit first: a crash after the log has it and before
  // LevelDB does leaves records past the kept position, which the next open repairs.
  if (log_ && (!dirty_.empty() || offsets != logged_offsets_)) {
    struct ToLog : leveldb::WriteBatch::Handler {
      CommitLog* log;
      void Put(const leveldb::Slice& key, const leveldb::Slice& value) override {
        std::string_view bytes = view(value);
        log->add(view(key), &bytes);
      }
      void Delete(const leveldb::Slice& key) override { log->add(view(key), nullptr); }
    } to_log;
    to_log.log = log_;
    batch->Iterate(&to_log);
    std::string position;
    std::string problem = log_->seal(position);
    if (!problem.empty()) return problem;
    batch->Put(leveldb::Slice(kLogPositionKey.data(), kLogPositionKey.size()), position);
    logged_offsets_ = offsets;
  } else if (!log_) {
    // A commit no log has: a log the store had before no longer holds its state, so its next
    // open with a log writes the store to it whole instead of taking the log for current.
    batch->Delete(leveldb::Slice(kLogPositionKey.data(), kLogPositionKey.size()));
  }
  // The changes are the prepared commit's now; a later change makes its entry dirty again.
  for (auto* entry : dirty_) {
    entry->second.dirty = false;
    entry->second.pinned = true;
  }
  prepared_ = std::move(dirty_);
  dirty_.clear();
  prepared_batch_ = std::move(batch);
  return "";
}

std::string StateStore::finish_commit() {
  if (!prepared_batch_) return "";
  leveldb::WriteOptions write_options;
  write_options.sync = true;
  leveldb::Status status = db_->Write(write_options, prepared_batch_.get());
  if (!status.ok()) return "cannot commit state to `" + directory_ + "`: " + status.ToString();
  prepared_batch_.reset();
  // Committed values stay cached; erased keys leave the cache (remembering every erased expiry
  // entry would only grow it). An entry changed again since the prepare is the next commit's.
  for (auto* entry : prepared_) {
    entry->second.pinned = false;
    if (entry->second.dirty) continue;
    if (entry->second.value) {
      clean_memory_ += entry_memory(entry->first, entry->second.value);
    } else {
      entries_.erase(entries_.find(std::string_view(entry->first)));
      ++evictions_;
    }
  }
  prepared_.clear();
  trim_cache();
  return "";
}

void StateStore::trim_cache(const EntryMap::value_type* keep) {
  if (clean_memory_ <= options_.cache_bytes) return;
  // A quarter out, so that evictions are rare (each walks the table): a first pass evicts what was
  // not used since a pass last saw it and clears the others' mark; a second, if need be, evicts by
  // the table's order.
  const int64_t target = options_.cache_bytes - options_.cache_bytes / 4;
  for (int pass = 0; pass < 2 && clean_memory_ > target; ++pass)
    for (auto it = entries_.begin(); it != entries_.end() && clean_memory_ > target;) {
      Entry& entry = it->second;
      if (entry.dirty || entry.pinned || &*it == keep || (pass == 0 && entry.referenced)) {
        if (!entry.dirty && !entry.pinned) entry.referenced = false;
        ++it;
        continue;
      }
      clean_memory_ -= entry_memory(it->first, entry.value);
      it = entries_.erase(it);
      ++evictions_;
      holds_every_key_ = false;
    }
}

std::map<std::string, int64_t> StateStore::committed_offsets() {
  std::map<std::string, int64_t> out;
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(checked_reads()));
  for (it->Seek(std::string(1, kOffsetPrefix)); it->Valid() && it->key()[0] == kOffsetPrefix; it->Next())
    out[std::string(view(it->key()).substr(1))] = read_ordered(view(it->value()));
  if (!it->status().ok()) throw StateCorruption(unreadable(directory_, it->status()));
  return out;
}

}  // namespace flow::runtime
