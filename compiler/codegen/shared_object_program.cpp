// Loading a `flowc build` shared object (see build_shared_object in codegen.hpp for its layout).
#include "compiler/codegen/shared_object_program.hpp"

#include <dlfcn.h>

#include "compiler/codegen/shared_object_layout.hpp"

namespace flow::compiler::codegen {

std::unique_ptr<SharedObjectProgram> SharedObjectProgram::load(const std::string& path, std::string& error) {
  // RTLD_LOCAL: two applications in one process do not see each other's symbols.
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char* why = dlerror();
    error = std::string("cannot load `") + path + "`: " + (why ? why : "unknown error");
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
  const char* source = text(kSharedObjectSourceSymbol);
  const char* plan = text(kSharedObjectPlanSymbol);
  const char* target = text(kSharedObjectTargetSymbol);
  if (!source || !plan || !target) {
    error = "`" + path + "` lacks its source, plan or target: it is damaged";
    return nullptr;
  }
  program->source_text_ = source;
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

flow_batch_fn SharedObjectProgram::batch_function(const std::string& source) const {
  for (const auto& [name, fn] : functions_)
    if (name == source) return fn;
  return nullptr;
}

}  // namespace flow::compiler::codegen
