// The division of a job's state memory budget (state_memory.hpp).
#include "runtime/state/state_memory.hpp"

#include <fmt/format.h>
#include <leveldb/cache.h>

#include <algorithm>

namespace flow::runtime {

namespace {

constexpr int64_t kMiB = int64_t{1} << 20;
//! LevelDB's bounds on a write buffer (it clips to 64 KiB at least); past 4 MiB (its default)
//! larger memtables save little and cost memory per store.
constexpr int64_t kMinWriteBuffer = int64_t{64} << 10, kMaxWriteBuffer = 4 * kMiB;
//! A cache of committed entries below this would evict at every commit.
constexpr int64_t kMinEntryCache = kMiB;

std::string mib(int64_t bytes) {
  return bytes >= kMiB ? fmt::format("{:.0f} MiB", static_cast<double>(bytes) / kMiB)
                       : fmt::format("{} KiB", bytes >> 10);
}

}  // namespace

StateMemory::StateMemory(int64_t budget_bytes, size_t state_stores, size_t offset_stores)
    : budget_(budget_bytes), state_stores_(state_stores) {
  // An eighth for the block cache: the entry caches already keep the hot values, and a block read
  // again after its entry was evicted is what it saves.
  block_cache_bytes_ = std::max(kMiB, budget_bytes / 8);
  block_cache_.reset(leveldb::NewLRUCache(static_cast<size_t>(block_cache_bytes_)));
  offsets_.block_cache = block_cache_.get();
  offsets_.write_buffer_bytes = static_cast<size_t>(kMinWriteBuffer);
  offsets_.cache_bytes = kMinEntryCache;
  int64_t left = budget_bytes - block_cache_bytes_ - static_cast<int64_t>(offset_stores) * 2 * kMinWriteBuffer;
  int64_t share = state_stores ? left / static_cast<int64_t>(state_stores) : left;
  // A store has up to two memtables (one being written out): at most a quarter of its share.
  int64_t write_buffer = std::clamp(share / 8, kMinWriteBuffer, kMaxWriteBuffer);
  state_.block_cache = block_cache_.get();
  state_.write_buffer_bytes = static_cast<size_t>(write_buffer);
  state_.cache_bytes = std::max(kMinEntryCache, share - 2 * write_buffer);
}

StateMemory::~StateMemory() = default;

std::string StateMemory::describe() const {
  return fmt::format("{} of state memory: {} of block cache, and per store of state ({} stores) {} of entries and a "
                     "write buffer of {}",
                     mib(budget_), mib(block_cache_bytes_), state_stores_, mib(state_.cache_bytes),
                     mib(static_cast<int64_t>(state_.write_buffer_bytes)));
}

}  // namespace flow::runtime
