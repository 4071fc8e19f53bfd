// The on-disk cache of compiled objects: a restart of the same application, with the same compiler
// and CPU, loads its machine code instead of compiling it again. Internal to compiler/codegen.
#pragma once

#include <llvm/ExecutionEngine/ObjectCache.h>

#include <string>
#include <vector>

namespace flow::compiler::codegen {

//! The entry of one program (one module) in a cache directory; see cache_entry.hpp for its format.
class DiskObjectCache : public llvm::ObjectCache {
 public:
  //! The entry of `key` (the text of everything the machine code depends on) in `directory`.
  DiskObjectCache(std::string directory, std::string key);

  //! Reads and checks the entry: true when it is whole and this program's (getObject then gives
  //! it to the JIT). A damaged or foreign entry is removed, with a warning naming it and why.
  bool load();
  //! Removes the entry loaded, whose machine code the JIT could not link (`why`), with a warning.
  void discard(const std::string& why);

  //! Writes the object of our module atomically, behind its header; a failure is a warning.
  void notifyObjectCompiled(const llvm::Module* module, llvm::MemoryBufferRef object) override;
  //! The object `load` checked, or null (then LLVM compiles the module and notifies us).
  std::unique_ptr<llvm::MemoryBuffer> getObject(const llvm::Module* module) override;

  //! The entry's file name ("flow-HASH.o"): the module identifier of the program it holds.
  const std::string& name() const { return name_; }
  //! One line per problem met ("code cache entry `PATH` …"), for the caller to print.
  const std::vector<std::string>& warnings() const { return warnings_; }

 private:
  std::string path() const { return directory_ + "/" + name_; }
  void remove(const std::string& why);
  std::string directory_, key_, name_;
  std::string entry_;      //!< the file as read by `load`
  std::string_view object_;  //!< the checked object inside `entry_`; empty when there is none
  std::vector<std::string> warnings_;
};

}  // namespace flow::compiler::codegen
