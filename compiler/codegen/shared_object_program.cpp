// Loading a `flowc build` shared object (see build_shared_object in codegen.hpp for its layout):
// its trailer is checked before dlopen maps a byte of it.
#include "compiler/codegen/shared_object_program.hpp"

#include <dlfcn.h>
#include <sys/mman.h>
#include <unistd.h>

#include <filesystem>

#include "compiler/codegen/atomic_file.hpp"
#include "compiler/codegen/shared_object_layout.hpp"
#include "compiler/codegen/shared_object_trailer.hpp"

namespace flow::compiler::codegen {

namespace {

//! dlopen of the bytes checked, not of the path again: a file that changes on disk between the
//! check and the load, or is truncated while mapped, cannot reach the loader. The copy lives in an
//! anonymous memory file; where those are not available the path is opened (as a path: a bare
//! name is not searched for in the library path).
void* open_checked(const std::string& path, std::string_view object, std::string& why) {
  // RTLD_LOCAL: two applications in one process do not see each other's symbols.
  if (int fd = memfd_create("flow-application", MFD_CLOEXEC); fd >= 0) {
    bool written = write_fully(fd, object);
    std::string name = "/proc/self/fd/" + std::to_string(fd);
    void* handle = written ? dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL) : nullptr;
    const char* reason = handle || !written ? nullptr : dlerror();
    std::string error = reason ? reason : "";
    ::close(fd);  // the mapping keeps the memory file
    if (handle) return handle;
    // Without /proc the memory file has no name to open: the path is opened instead.
    if (written && !error.ends_with("No such file or directory")) {
      why = error.starts_with(name + ": ") ? error.substr(name.size() + 2) : error;
      return nullptr;
    }
  }
  std::string absolute = std::filesystem::absolute(path).string();
  void* handle = dlopen(absolute.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char* reason = dlerror();
    why = reason ? reason : "unknown error";
  }
  return handle;
}

}  // namespace

std::unique_ptr<SharedObjectProgram> SharedObjectProgram::load(const std::string& path, std::string& error) {
  std::string file, why;
  if (!read_whole_file(path, file, why)) {
    error = "cannot load `" + path + "`: " + why;
    return nullptr;
  }
  auto object = check_shared_object_trailer(file, why);
  if (!object) {
    error = "`" + path + "` " + why + "; build it again with `flowc build APP.flow -o " + path + "`";
    return nullptr;
  }
  void* handle = open_checked(path, *object, why);
  if (!handle) {
    error = "cannot load `" + path + "`: " + why;
    return nullptr;
  }
  std::unique_ptr<SharedObjectProgram> program(new SharedObjectProgram());
  program->handle_ = handle;
  auto text = [&](const char* name) -> const char* {
    auto* value = static_cast<const char* const*>(dlsym(handle, name));
    return value ? *value : nullptr;
  };
  const char* abi = text(kSharedObjectAbiSymbol);
  if (!abi) {
    error = "`" + path + "` is not an application built by `flowc build`";
    return nullptr;
  }
  if (std::string(abi) != kSharedObjectAbi) {
    error = "`" + path + "` was built by another version of flowc (" + abi + ", this flowrun reads " +
            kSharedObjectAbi + "); build it again";
    return nullptr;
  }
  const char* image = text(kSharedObjectPlanImageSymbol);
  auto* image_size = static_cast<const int64_t*>(dlsym(handle, kSharedObjectPlanImageSizeSymbol));
  const char* plan = text(kSharedObjectPlanSymbol);
  const char* target = text(kSharedObjectTargetSymbol);
  if (!image || !image_size || *image_size < 0 || !plan || !target) {
    error = "`" + path + "` lacks its plan or target: it is damaged";
    return nullptr;
  }
  program->plan_image_.assign(image, static_cast<size_t>(*image_size));
  program->plan_json_ = plan;
  program->target_ = target;
  return program;
}

SharedObjectProgram::~SharedObjectProgram() {
  if (handle_) dlclose(handle_);
}

bool SharedObjectProgram::bind(const plan::Plan& plan, const std::vector<HostSymbol>& host, std::string& error) {
  std::vector<HostSymbol> provided = callable_symbols(host);
  auto* imports = static_cast<const char* const*>(dlsym(handle_, kSharedObjectImportsSymbol));
  if (!imports) {
    error = "the shared object lists no imports: it is damaged";
    return false;
  }
  for (const char* const* name = imports; *name; ++name) {
    const void* address = nullptr;
    for (const auto& symbol : provided)
      if (symbol.name == *name) address = symbol.address;
    auto** slot = static_cast<const void**>(dlsym(handle_, (std::string(kSharedObjectSlotPrefix) + *name).c_str()));
    if (!address || !slot) {
      error = std::string("the shared object calls `") + *name + "`, which this flowrun does not provide; build it again";
      return false;
    }
    *slot = address;
  }
  for (const auto& source : plan.sources)
    if (void* fn = dlsym(handle_, batch_function_name(source.name).c_str()))
      functions_.emplace_back(source.name, reinterpret_cast<flow_batch_fn>(fn));
  return true;
}

flow_handler_fn SharedObjectProgram::handler_function(size_t query, size_t handler) const {
  // A handler the lowering left out is not in the object: the runtime interprets it.
  return reinterpret_cast<flow_handler_fn>(dlsym(handle_, handler_function_name(query, handler).c_str()));
}

flow_stage_fn SharedObjectProgram::stage_function(size_t query, size_t stage) const {
  // Operators after keyed state that the lowering left out are not in the object: the runtime
  // interprets them.
  return reinterpret_cast<flow_stage_fn>(dlsym(handle_, stage_function_name(query, stage).c_str()));
}

flow_batch_fn SharedObjectProgram::batch_function(const std::string& source) const {
  for (const auto& [name, fn] : functions_)
    if (name == source) return fn;
  return nullptr;
}

}  // namespace flow::compiler::codegen
