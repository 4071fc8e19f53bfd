// libFuzzer target for the plan image reader (compiler/plan/plan_image.hpp), what `flowrun run
// APP.so` reads its plan from: any bytes are refused with a reason or read as a plan, and a plan
// read writes back to exactly the bytes it was read from (one encoding per plan), whose JSON
// reads as that plan's. With FLOW_FUZZ_SEED_DIR set, it first writes the images of the files
// given in FLOW_FUZZ_SEED_FILES (the examples), so mutations start from real plans. Run with
// scripts/fuzz (docs/testing.md).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "compiler/diagnostics/diagnostic.hpp"
#include "compiler/plan/plan_image.hpp"
#include "compiler/plan/planner.hpp"
#include "compiler/syntax/parser.hpp"

using namespace flow::compiler;

namespace {

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "plan_image_fuzzer: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const char* directory = std::getenv("FLOW_FUZZ_SEED_DIR");
  const char* files = std::getenv("FLOW_FUZZ_SEED_FILES");
  if (!directory || !files) return 0;
  std::istringstream paths(files);
  int n = 0;
  for (std::string path; paths >> path;) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    SourceFile file(path, text.str());
    DiagnosticSink sink;
    ast::Program program = syntax::parse_program(file, sink);
    if (sink.has_errors()) continue;
    plan::Plan plan = plan::build_plan(program, sink);
    if (sink.has_errors()) continue;
    std::ofstream(std::string(directory) + "/seed-" + std::to_string(n++), std::ios::binary)
        << plan::write_plan_image(plan);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  std::string error;
  auto plan = plan::read_plan_image(bytes, error);
  if (!plan) {
    if (error.empty()) fail("a refusal without a reason");
    return 0;
  }
  if (plan::write_plan_image(*plan) != bytes) fail("a plan reads back from bytes the writer would not write");
  volatile size_t json = plan::plan_to_json(*plan).size();  // what flowrun compares: must not crash
  (void)json;
  return 0;
}
