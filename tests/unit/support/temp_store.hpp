// A state store in a fresh temporary directory, removed with it; open() again to restart.
#pragma once

#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "runtime/state/state_store.hpp"

namespace flow::testing {

struct TempStore {
  TempStore() {
    directory = (std::filesystem::temp_directory_path() / "flow-state-XXXXXX").string();
    REQUIRE(mkdtemp(directory.data()) != nullptr);
    open();
  }
  ~TempStore() {
    store.reset();
    std::filesystem::remove_all(directory);
  }
  void open() {
    store.reset();  // closed first: LevelDB allows one opener
    std::string error;
    store = runtime::StateStore::open(directory + "/store", error);
    REQUIRE_MESSAGE(store, error);
  }
  std::string directory;
  std::unique_ptr<runtime::StateStore> store;
};

}  // namespace flow::testing
