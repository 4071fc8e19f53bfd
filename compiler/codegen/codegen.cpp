// Driving LLVM: lower the plan to a module, optimise it at O2 for the host CPU (the target machine
// gives the vectorisers their cost model), and either print it or JIT it with ORC LLJIT. External
// functions are registered as absolute symbols: an explicit contract, no -rdynamic needed.
#include "compiler/codegen/codegen.hpp"

#include <llvm/Analysis/CGSCCPassManager.h>
#include <llvm/Analysis/LoopAnalysisManager.h>
#include <llvm/Config/llvm-config.h>
#include <llvm/ExecutionEngine/Orc/CompileUtils.h>
#include <llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/ExecutionEngine/Orc/ThreadSafeModule.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/IR/PassManager.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/TargetParser/Host.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <stdexcept>

#include "compiler/codegen/atomic_file.hpp"
#include "compiler/codegen/expression_lowering.hpp"
#include "compiler/codegen/handler_lowering.hpp"
#include "compiler/codegen/lowering_context.hpp"
#include "compiler/codegen/object_cache.hpp"
#include "compiler/codegen/pipeline_lowering.hpp"
#include "compiler/codegen/shared_object_layout.hpp"
#include "compiler/codegen/shared_object_trailer.hpp"
#include "compiler/codegen/stage_lowering.hpp"
#include "compiler/physical/physical_planner.hpp"
#include "compiler/plan/operators/logical_process.hpp"
#include "compiler/plan/plan_image.hpp"

namespace flow::compiler::codegen {

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

void initialise_llvm() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
  });
}

std::unique_ptr<llvm::TargetMachine> host_target_machine(bool position_independent = false) {
  auto builder = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!builder) throw std::runtime_error("cannot describe the host CPU: " + llvm::toString(builder.takeError()));
  builder->setCodeGenOptLevel(llvm::CodeGenOpt::Aggressive);
  builder->setCPU(llvm::sys::getHostCPUName().str());  // schedule for this CPU, not a generic one
  if (position_independent) builder->setRelocationModel(llvm::Reloc::PIC_);
  auto machine = builder->createTargetMachine();
  if (!machine) throw std::runtime_error("cannot create a target machine: " + llvm::toString(machine.takeError()));
  return std::move(*machine);
}

//! Lowers the plan into a fresh context and module; throws CodegenError for unsupported constructs.
std::unique_ptr<LoweringContext> lower(const plan::Plan& plan, std::string* evaluated_handlers = nullptr) {
  auto cx = std::make_unique<LoweringContext>("flow");
  lower_pipelines(*cx, plan);
  lower_handlers(*cx, plan, evaluated_handlers);
  lower_stage_functions(*cx, plan, evaluated_handlers);
  std::string problems;
  llvm::raw_string_ostream out(problems);
  if (llvm::verifyModule(cx->module(), &out)) throw std::logic_error("generated code does not verify: " + problems);
  return cx;
}

void optimise(llvm::Module& module, llvm::TargetMachine& machine) {
  module.setDataLayout(machine.createDataLayout());
  module.setTargetTriple(machine.getTargetTriple().str());
  // The new pass manager's four analysis managers, registered and cross-linked, then O2.
  llvm::LoopAnalysisManager loops;
  llvm::FunctionAnalysisManager functions;
  llvm::CGSCCAnalysisManager cgscc;
  llvm::ModuleAnalysisManager modules;
  llvm::PassBuilder passes(&machine);
  passes.registerModuleAnalyses(modules);
  passes.registerCGSCCAnalyses(cgscc);
  passes.registerFunctionAnalyses(functions);
  passes.registerLoopAnalyses(loops);
  passes.crossRegisterProxies(loops, functions, cgscc, modules);
  passes.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O2).run(module, modules);
}

//! Bump when the generated code changes for the same plan (lowering, ABI, optimisation).
constexpr const char* kCodeGeneratorVersion = "flow-codegen-6";  // 6: the operators after keyed state

//! The object cache key: everything the machine code depends on (DiskObjectCache names and
//! checks entries by its SHA-256).
std::string cache_key(const plan::Plan& plan, const llvm::TargetMachine& machine) {
  std::string text = physical::plan_and_physical_json(plan);
  text += kCodeGeneratorVersion;
  text += LLVM_VERSION_STRING;
  text += machine.getTargetTriple().str();
  text += machine.getTargetCPU().str();
  text += machine.getTargetFeatureString().str();
  return text;
}

//! A constant C string global named `name` (exported), for the shared object's loader.
void add_text_global(llvm::Module& module, const std::string& name, const std::string& text) {
  auto* data = llvm::ConstantDataArray::getString(module.getContext(), text);
  auto* storage = new llvm::GlobalVariable(module, data->getType(), true, llvm::GlobalValue::PrivateLinkage, data,
                                           name + ".text");
  auto* ptr = llvm::PointerType::get(module.getContext(), 0);
  new llvm::GlobalVariable(module, ptr, true, llvm::GlobalValue::ExternalLinkage, storage, name);
}

//! Constant bytes (NULs included) exported as `name` (a pointer to them) and `size_name` (int64).
void add_bytes_global(llvm::Module& module, const std::string& name, const std::string& size_name,
                      const std::string& bytes) {
  llvm::LLVMContext& context = module.getContext();
  auto* data = llvm::ConstantDataArray::getString(context, bytes, /*AddNull=*/false);
  auto* storage = new llvm::GlobalVariable(module, data->getType(), true, llvm::GlobalValue::PrivateLinkage, data,
                                           name + ".bytes");
  new llvm::GlobalVariable(module, llvm::PointerType::get(context, 0), true, llvm::GlobalValue::ExternalLinkage,
                           storage, name);
  auto* i64 = llvm::Type::getInt64Ty(context);
  new llvm::GlobalVariable(module, i64, true, llvm::GlobalValue::ExternalLinkage,
                           llvm::ConstantInt::get(i64, bytes.size()), size_name);
}

//! Routes every call to a host or stdlib function (`flow_*`, declared, not defined) through a
//! slot `flow_import_NAME` the loader fills, and lists the names in `flow_aot_imports`: the
//! shared object then has no undefined symbols of ours (libc's, like memcpy, stay ordinary).
void route_imports_through_slots(llvm::Module& module) {
  llvm::LLVMContext& context = module.getContext();
  auto* ptr = llvm::PointerType::get(context, 0);
  std::vector<llvm::Function*> imports;
  for (llvm::Function& function : module)
    if (function.isDeclaration() && !function.isIntrinsic() && function.getName().startswith("flow_"))
      imports.push_back(&function);
  std::vector<llvm::Constant*> names;
  for (llvm::Function* function : imports) {
    std::string name = function->getName().str();
    auto* slot = new llvm::GlobalVariable(module, ptr, false, llvm::GlobalValue::ExternalLinkage,
                                          llvm::ConstantPointerNull::get(ptr), kSharedObjectSlotPrefix + name);
    std::vector<llvm::CallInst*> calls;
    for (llvm::User* user : function->users()) {
      auto* call = llvm::dyn_cast<llvm::CallInst>(user);
      if (!call || call->getCalledOperand() != function)
        throw std::runtime_error("`" + name + "` is used other than called; it cannot be imported");
      calls.push_back(call);
    }
    for (llvm::CallInst* call : calls) {
      llvm::IRBuilder<> builder(call);
      call->setCalledOperand(builder.CreateLoad(ptr, slot, name + ".address"));
    }
    function->eraseFromParent();
    auto* text = llvm::ConstantDataArray::getString(context, name);
    names.push_back(new llvm::GlobalVariable(module, text->getType(), true, llvm::GlobalValue::PrivateLinkage, text,
                                             "flow_import_name." + name));
  }
  names.push_back(llvm::ConstantPointerNull::get(ptr));
  auto* type = llvm::ArrayType::get(ptr, names.size());
  new llvm::GlobalVariable(module, type, true, llvm::GlobalValue::ExternalLinkage,
                           llvm::ConstantArray::get(type, names), kSharedObjectImportsSymbol);
}

}  // namespace

std::string host_target_description() {
  initialise_llvm();
  auto machine = host_target_machine();
  // A CPU LLVM does not know is "generic": the instruction set features tell machines apart.
  uint32_t hash = 2166136261u;
  for (unsigned char c : machine->getTargetFeatureString()) hash = (hash ^ c) * 16777619u;
  char features[9];
  std::snprintf(features, sizeof features, "%08x", hash);
  return machine->getTargetTriple().str() + " " + machine->getTargetCPU().str() + " (features " + features + ")";
}

std::string object_cache_key(const plan::Plan& plan) {
  initialise_llvm();
  return cache_key(plan, *host_target_machine());
}

bool build_shared_object(const plan::Plan& plan, const std::string& output, std::string& error,
                         std::string* evaluated_handlers) {
  namespace fs = std::filesystem;
  initialise_llvm();
  try {
    auto cx = lower(plan, evaluated_handlers);
    auto machine = host_target_machine(/*position_independent=*/true);
    llvm::Module& module = cx->module();
    optimise(module, *machine);
    route_imports_through_slots(module);
    add_text_global(module, kSharedObjectAbiSymbol, kSharedObjectAbi);
    add_bytes_global(module, kSharedObjectPlanImageSymbol, kSharedObjectPlanImageSizeSymbol,
                     plan::write_plan_image(plan));
    add_text_global(module, kSharedObjectPlanSymbol, physical::plan_and_physical_json(plan));
    add_text_global(module, kSharedObjectTargetSymbol, host_target_description());
    std::string problems;
    llvm::raw_string_ostream verify_out(problems);
    if (llvm::verifyModule(module, &verify_out)) throw std::logic_error("the built module does not verify: " + problems);

    fs::path object = fs::path(output).string() + ".o";
    {
      std::error_code ec;
      llvm::raw_fd_ostream out(object.string(), ec, llvm::sys::fs::OF_None);
      if (ec) throw std::runtime_error("cannot write `" + object.string() + "`: " + ec.message());
      llvm::legacy::PassManager passes;
      if (machine->addPassesToEmitFile(passes, out, nullptr, llvm::CGFT_ObjectFile))
        throw std::runtime_error("this target cannot write object files");
      passes.run(module);
    }
    // The system C compiler driver knows this machine's linker and its flags for a shared object.
    // It links aside; the object with flowc's trailer (checked before dlopen) then replaces
    // `output` whole, so an interrupted build leaves the old file or none, never half of one.
    std::string linked = fs::path(output).string() + ".link.tmp";
    std::string command = "cc -shared -o '" + linked + "' '" + object.string() + "' 2>&1";
    std::string linker_output;
    FILE* pipe = popen(command.c_str(), "r");
    if (!pipe) throw std::runtime_error("cannot run `cc` to link the shared object");
    char buffer[512];
    while (size_t n = fread(buffer, 1, sizeof buffer, pipe)) linker_output.append(buffer, n);
    int status = pclose(pipe);
    std::error_code ignored;
    fs::remove(object, ignored);
    std::string bytes, problem;
    bool read = status == 0 && read_whole_file(linked, bytes, problem);
    fs::remove(linked, ignored);
    if (status != 0) throw std::runtime_error("linking with `cc -shared` failed: " + linker_output);
    if (!read) throw std::runtime_error("cannot read the linked `" + linked + "`: " + problem);
    bytes += shared_object_trailer(bytes);
    if (!write_file_atomically(output, bytes, problem)) throw std::runtime_error(problem);
  } catch (const std::exception& e) {
    error = e.what();
    return false;
  }
  return true;
}

std::string emit_ir(const plan::Plan& plan, bool optimise_module) {
  initialise_llvm();
  auto cx = lower(plan);
  if (optimise_module) {
    auto machine = host_target_machine();
    optimise(cx->module(), *machine);
  }
  std::string text;
  llvm::raw_string_ostream out(text);
  cx->module().print(out, nullptr);
  return text;
}

struct JitProgram::Engine {
  std::unique_ptr<DiskObjectCache> cache;  // outlives the JIT, whose compiler points to it
  std::unique_ptr<llvm::orc::LLJIT> jit;
  std::string session_errors;  //!< what the JIT's session reported (not printed: it ends up in an error)
};

JitProgram::JitProgram() : engine_(std::make_unique<Engine>()) {}
JitProgram::~JitProgram() = default;

std::unique_ptr<JitProgram> JitProgram::compile(const plan::Plan& plan, const std::vector<HostSymbol>& host,
                                                std::string& error, const std::string& cache_directory) {
  std::vector<std::string> warnings;
  bool from_cache = false;
  auto program = compile_once(plan, host, error, cache_directory, /*read_cache=*/true, warnings, from_cache);
  if (!program && from_cache) {  // a whole entry of this program that still does not link: compile, once
    error.clear();
    program = compile_once(plan, host, error, cache_directory, /*read_cache=*/false, warnings, from_cache);
  }
  if (program) program->cache_warnings_ = std::move(warnings);
  return program;
}

std::unique_ptr<JitProgram> JitProgram::compile_once(const plan::Plan& plan, const std::vector<HostSymbol>& host,
                                                     std::string& error, const std::string& cache_directory,
                                                     bool read_cache, std::vector<std::string>& warnings,
                                                     bool& from_cache) {
  initialise_llvm();
  std::unique_ptr<JitProgram> program(new JitProgram());
  std::unique_ptr<DiskObjectCache> cache;  // outside the try: a failed link discards the entry
  from_cache = false;
  try {
    auto start = Clock::now();
    auto cx = lower(plan, &program->evaluated_handlers_);
    program->timings_.lower_ms = ms_since(start);

    auto machine = host_target_machine();
    if (!cache_directory.empty()) {
      cache = std::make_unique<DiskObjectCache>(cache_directory, cache_key(plan, *machine));
      cx->module().setModuleIdentifier(cache->name());
      program->timings_.cache_hit = from_cache = read_cache && cache->load();
    }
    start = Clock::now();
    if (program->timings_.cache_hit) {
      // The cached object replaces compilation; the module only names what it defines.
      cx->module().setDataLayout(machine->createDataLayout());
      cx->module().setTargetTriple(machine->getTargetTriple().str());
    } else {
      optimise(cx->module(), *machine);
    }
    program->timings_.optimise_ms = ms_since(start);

    start = Clock::now();
    DiskObjectCache* cache_pointer = cache.get();
    auto jit = llvm::orc::LLJITBuilder()
                   .setCompileFunctionCreator(
                       [cache_pointer](llvm::orc::JITTargetMachineBuilder builder)
                           -> llvm::Expected<std::unique_ptr<llvm::orc::IRCompileLayer::IRCompiler>> {
                         builder.setCodeGenOptLevel(llvm::CodeGenOpt::Aggressive);
                         auto target = builder.createTargetMachine();
                         if (!target) return target.takeError();
                         return std::make_unique<llvm::orc::TMOwningSimpleCompiler>(std::move(*target), cache_pointer);
                       })
                   .create();
    if (!jit) throw std::runtime_error("cannot start the JIT: " + llvm::toString(jit.takeError()));
    // The reason a symbol fails to materialize goes to the session's reporter, not into the error.
    std::string* session_errors = &program->engine_->session_errors;
    (*jit)->getExecutionSession().setErrorReporter([session_errors](llvm::Error e) {
      *session_errors += (session_errors->empty() ? "" : "; ") + llvm::toString(std::move(e));
    });
    auto lookup_error = [&](const std::string& name, llvm::Error e) {
      std::string why = llvm::toString(std::move(e));
      if (!session_errors->empty()) why = *session_errors + " (" + why + ")";
      return std::runtime_error("cannot compile `" + name + "`: " + why);
    };
    llvm::orc::SymbolMap symbols;
    auto add = [&](std::string_view name, const void* address) {
      symbols[(*jit)->mangleAndIntern(llvm::StringRef(name.data(), name.size()))] = llvm::JITEvaluatedSymbol(
          llvm::pointerToJITTargetAddress(address), llvm::JITSymbolFlags::Exported | llvm::JITSymbolFlags::Callable);
    };
    for (const auto& symbol : callable_symbols(host)) add(symbol.name, symbol.address);
    if (auto e = (*jit)->getMainJITDylib().define(llvm::orc::absoluteSymbols(std::move(symbols))))
      throw std::runtime_error("cannot register host functions: " + llvm::toString(std::move(e)));
    std::vector<std::string> names, handlers, stages;
    for (const auto& source : plan.sources)
      if (cx->module().getFunction(batch_function_name(source.name))) names.push_back(source.name);
    for (const llvm::Function& function : cx->module())
      if (!function.isDeclaration() && function.getName().startswith("flow_handler_"))
        handlers.push_back(function.getName().str());
      else if (!function.isDeclaration() && function.getName().startswith("flow_stage_"))
        stages.push_back(function.getName().str());
    auto module = cx->release_module();
    auto context = cx->release_context();
    if (auto e = (*jit)->addIRModule(llvm::orc::ThreadSafeModule(std::move(module), std::move(context))))
      throw std::runtime_error("cannot add the module to the JIT: " + llvm::toString(std::move(e)));
    for (const auto& name : names) {
      auto address = (*jit)->lookup(batch_function_name(name));
      if (!address) throw lookup_error(name, address.takeError());
      program->functions_.emplace_back(name, address->toPtr<flow_batch_fn>());
    }
    for (const auto& name : handlers) {
      auto address = (*jit)->lookup(name);
      if (!address) throw lookup_error(name, address.takeError());
      program->handlers_[name] = address->toPtr<flow_handler_fn>();
    }
    for (const auto& name : stages) {
      auto address = (*jit)->lookup(name);
      if (!address) throw lookup_error(name, address.takeError());
      program->stages_[name] = address->toPtr<flow_stage_fn>();
    }
    program->engine_->jit = std::move(*jit);
    program->timings_.machine_ms = ms_since(start);
  } catch (const std::exception& e) {
    error = e.what();
    if (from_cache) cache->discard("its machine code cannot be linked (" + error + ")");
    if (cache) warnings.insert(warnings.end(), cache->warnings().begin(), cache->warnings().end());
    return nullptr;
  }
  if (cache) warnings.insert(warnings.end(), cache->warnings().begin(), cache->warnings().end());
  program->engine_->cache = std::move(cache);
  return program;
}

flow_batch_fn JitProgram::batch_function(const std::string& source) const {
  for (const auto& [name, fn] : functions_)
    if (name == source) return fn;
  return nullptr;
}

std::string evaluated_handler_notes(const std::string& tool, const std::string& evaluated_handlers) {
  std::string notes;
  size_t start = 0;
  while (start < evaluated_handlers.size()) {
    size_t end = evaluated_handlers.find('\n', start);
    if (end == std::string::npos) end = evaluated_handlers.size();
    notes += tool + ": note: " + evaluated_handlers.substr(start, end - start) + "\n";
    start = end + 1;
  }
  return notes;
}

flow_handler_fn JitProgram::handler_function(size_t query, size_t handler) const {
  auto found = handlers_.find(handler_function_name(query, handler));
  return found == handlers_.end() ? nullptr : found->second;
}

flow_stage_fn JitProgram::stage_function(size_t query, size_t stage) const {
  auto found = stages_.find(stage_function_name(query, stage));
  return found == stages_.end() ? nullptr : found->second;
}

std::vector<flow_handler_fn> handler_functions(const Program* program, const plan::Plan& plan, size_t query) {
  const plan::QueryPlan& q = plan.queries.at(query);
  if (!q.process_index()) return {};
  const auto* process = static_cast<const plan::LogicalProcess*>(q.operators[q.process_index()].get());
  return abi::handler_functions(program, query, process->handlers.size());
}

}  // namespace flow::compiler::codegen
