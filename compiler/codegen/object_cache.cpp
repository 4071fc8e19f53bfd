// Cache files are named by the module identifier, which codegen.cpp sets to a hash of everything
// the machine code depends on (plan, compiler and code generator versions, CPU and features).
#include "compiler/codegen/object_cache.hpp"

#include <llvm/IR/Module.h>
#include <llvm/Support/MemoryBuffer.h>

#include <filesystem>
#include <fstream>

namespace flow::compiler::codegen {

std::string DiskObjectCache::path_of(const llvm::Module* module) const {
  return directory_ + "/" + module->getModuleIdentifier() + ".o";
}

void DiskObjectCache::notifyObjectCompiled(const llvm::Module* module, llvm::MemoryBufferRef object) {
  std::error_code error;
  std::filesystem::create_directories(directory_, error);
  if (error) return;  // a cache that cannot be written only costs a recompilation
  std::string path = path_of(module);
  std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out.write(object.getBufferStart(), static_cast<std::streamsize>(object.getBufferSize()));
    if (!out) return;
  }
  std::filesystem::rename(temporary, path, error);
}

std::unique_ptr<llvm::MemoryBuffer> DiskObjectCache::getObject(const llvm::Module* module) {
  auto buffer = llvm::MemoryBuffer::getFile(path_of(module), /*IsText=*/false, /*RequiresNullTerminator=*/false);
  if (!buffer) return nullptr;
  hit_ = true;
  return std::move(*buffer);
}

}  // namespace flow::compiler::codegen
