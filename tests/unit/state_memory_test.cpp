// Unit tests of the division of a job's state memory budget (runtime/state/state_memory).
#include <doctest/doctest.h>

#include "runtime/state/state_memory.hpp"

using namespace flow::runtime;

TEST_CASE("state memory: the budget's parts add up to at most the budget, whatever the number of stores") {
  constexpr int64_t kMiB = int64_t{1} << 20;
  for (int64_t budget_mib : {8, 64, 256, 4096})
    for (size_t state_stores : {1, 8, 9, 64})
      for (size_t offset_stores : {0, 8}) {
        CAPTURE(budget_mib);
        CAPTURE(state_stores);
        CAPTURE(offset_stores);
        StateMemory memory(budget_mib * kMiB, state_stores, offset_stores);
        const StateStoreOptions& state = memory.state_store();
        const StateStoreOptions& offsets = memory.offset_store();
        CHECK(state.block_cache != nullptr);
        CHECK(state.block_cache == offsets.block_cache);  // one cache for every store
        CHECK(state.write_buffer_bytes >= size_t{64} << 10);
        CHECK(state.write_buffer_bytes <= size_t{4} << 20);
        CHECK(state.cache_bytes >= kMiB);
        int64_t per_store = state.cache_bytes + 2 * static_cast<int64_t>(state.write_buffer_bytes);
        int64_t block_cache = std::max(kMiB, budget_mib * kMiB / 8);
        int64_t total = block_cache + static_cast<int64_t>(state_stores) * per_store +
                        static_cast<int64_t>(offset_stores) * 2 * static_cast<int64_t>(offsets.write_buffer_bytes);
        // Only the floor of 1 MiB of entries per store may take it past a budget too small for the stores.
        if (budget_mib * kMiB >= block_cache + static_cast<int64_t>(state_stores) * 2 * kMiB) CHECK(total <= budget_mib * kMiB);
        CHECK(memory.describe().find("of state memory") != std::string::npos);
      }
}

TEST_CASE("state memory: a budget gives each store its share, less two write buffers, for entries") {
  // 256 MiB − 32 MiB of block cache = 28 MiB a store: two write buffers of 3.5 MiB, 21 MiB of entries.
  StateMemory small(int64_t{256} << 20, 8, 0);
  CHECK(small.state_store().write_buffer_bytes == size_t{7} << 19);
  CHECK(small.state_store().cache_bytes == int64_t{21} << 20);
  // The default, 1 GiB: 112 MiB a store, write buffers at LevelDB's 4 MiB, 104 MiB of entries.
  StateMemory memory(StateMemory::kDefaultBudgetMiB << 20, 8, 0);
  CHECK(memory.state_store().write_buffer_bytes == size_t{4} << 20);
  CHECK(memory.state_store().cache_bytes == int64_t{104} << 20);
}
