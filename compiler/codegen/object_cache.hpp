// The on-disk cache of compiled objects: a restart of the same application, with the same compiler
// and CPU, loads its machine code instead of compiling it again. Internal to compiler/codegen.
#pragma once

#include <llvm/ExecutionEngine/ObjectCache.h>

#include <string>

namespace flow::compiler::codegen {

class DiskObjectCache : public llvm::ObjectCache {
 public:
  explicit DiskObjectCache(std::string directory) : directory_(std::move(directory)) {}

  //! Writes the object of `module` (named by its cache key) atomically: a file is whole or absent.
  void notifyObjectCompiled(const llvm::Module* module, llvm::MemoryBufferRef object) override;
  //! The cached object of `module`, or null (then LLVM compiles it and notifies us).
  std::unique_ptr<llvm::MemoryBuffer> getObject(const llvm::Module* module) override;

  bool hit() const { return hit_; }

 private:
  std::string path_of(const llvm::Module* module) const;
  std::string directory_;
  bool hit_ = false;
};

}  // namespace flow::compiler::codegen
