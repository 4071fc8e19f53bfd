// An entry is checked whole before the JIT sees it: a truncated, garbled or foreign object would
// otherwise fail to link at every start, or link and crash. A bad entry costs one recompilation.
#include "compiler/codegen/object_cache.hpp"

#include <llvm/IR/Module.h>
#include <llvm/Support/MemoryBuffer.h>

#include <filesystem>

#include "compiler/codegen/atomic_file.hpp"
#include "compiler/codegen/cache_entry.hpp"

namespace flow::compiler::codegen {

DiskObjectCache::DiskObjectCache(std::string directory, std::string key)
    : directory_(std::move(directory)), key_(std::move(key)), name_(cache_entry_name(key_)) {}

bool DiskObjectCache::load() {
  object_ = {};
  std::string error;
  std::error_code missing;
  if (!std::filesystem::exists(path(), missing) && !missing) return false;  // a first start: nothing to say
  if (!read_whole_file(path(), entry_, error)) {
    warnings_.push_back("cannot read code cache entry `" + path() + "`: " + error + "; compiling again");
    return false;
  }
  std::string why;
  auto object = decode_cache_entry(entry_, key_, why);
  if (!object) {
    remove(why);
    return false;
  }
  object_ = *object;
  return true;
}

void DiskObjectCache::discard(const std::string& why) {
  object_ = {};
  remove(why);
}

void DiskObjectCache::remove(const std::string& why) {
  std::error_code error;
  std::filesystem::remove(path(), error);
  warnings_.push_back("code cache entry `" + path() + "` discarded: " + why + "; compiling again" +
                      (error ? " (it cannot be removed: " + error.message() + ")" : ""));
}

void DiskObjectCache::notifyObjectCompiled(const llvm::Module* module, llvm::MemoryBufferRef object) {
  if (module->getModuleIdentifier() != name_) return;
  std::error_code created;
  std::filesystem::create_directories(directory_, created);
  std::string error;
  if (created) {
    error = "cannot create `" + directory_ + "`: " + created.message();
  } else {
    std::string entry = encode_cache_entry(key_, std::string_view(object.getBufferStart(), object.getBufferSize()));
    if (write_file_atomically(path(), entry, error)) return;
  }
  warnings_.push_back("code cache entry `" + path() + "` not written (" + error + "); the next start compiles again");
}

std::unique_ptr<llvm::MemoryBuffer> DiskObjectCache::getObject(const llvm::Module* module) {
  if (object_.empty() || module->getModuleIdentifier() != name_) return nullptr;
  // A copy: the JIT's linker wants a buffer of its own, aligned for the object's headers.
  return llvm::MemoryBuffer::getMemBufferCopy(llvm::StringRef(object_.data(), object_.size()), name_);
}

}  // namespace flow::compiler::codegen
