// A job's state memory: one budget (`flowrun run --state-cache-mb`, default 1 GiB) divided over
// every store the job opens, so that memory stays bounded whatever the number of keys. Each store
// that keeps keyed state gets an equal share for LevelDB's write buffers and its cache of
// committed entries; one LevelDB block cache serves them all; a store that keeps only a stateless
// task's offsets gets the least LevelDB takes. What is not in the budget: the changes of one
// commit interval (kept until their commit), LevelDB's index and bloom-filter blocks of the tables
// it has open (about 1.3 bytes a key), and what the operators keep besides the store (a join's
// records waiting for the watermark).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "runtime/state/state_store.hpp"

namespace flow::runtime {

class StateMemory {
 public:
  static constexpr int64_t kDefaultBudgetMiB = 1024;
  //! `budget_bytes` over `state_stores` stores of keyed state and `offset_stores` that keep only a
  //! task's offsets.
  StateMemory(int64_t budget_bytes, size_t state_stores, size_t offset_stores);
  ~StateMemory();
  StateMemory(const StateMemory&) = delete;
  StateMemory& operator=(const StateMemory&) = delete;

  //! The options of a store of keyed state, and of one that keeps only offsets (valid while this lives).
  const StateStoreOptions& state_store() const { return state_; }
  const StateStoreOptions& offset_store() const { return offsets_; }
  //! How the budget is divided, for the launch line.
  std::string describe() const;

 private:
  int64_t budget_ = 0;
  size_t state_stores_ = 0;
  int64_t block_cache_bytes_ = 0;
  std::unique_ptr<leveldb::Cache> block_cache_;
  StateStoreOptions state_, offsets_;
};

}  // namespace flow::runtime
