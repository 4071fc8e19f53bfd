// libFuzzer target for the bytes flow reads from disk before machine code from them runs: a code
// cache entry before the JIT links it (decode_cache_entry) and a `flowc build` shared object before
// dlopen (check_shared_object_trailer). Any bytes: a check never crashes, refuses with a reason,
// and accepts only exactly what the writer writes; any payload, sealed, passes, and with any one
// byte changed is refused. Run with scripts/fuzz (docs/testing.md). With FLOW_FUZZ_SEED_DIR set,
// it first writes seed files there: whole entries and objects, so mutations start past the magic.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "compiler/codegen/cache_entry.hpp"
#include "compiler/codegen/shared_object_trailer.hpp"

using namespace flow::compiler::codegen;

namespace {

constexpr std::string_view kKey = "the key of the fuzzed program: plan JSON, versions, target";

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "loader_fuzzer: %s\n", what);
  std::abort();
}

std::string sealed_object(std::string_view object) { return std::string(object) + shared_object_trailer(object); }

//! The reason of a refusal is never empty.
void refused_with_reason(const std::string& why) {
  if (why.empty()) fail("a refusal without a reason");
}

void write_seed(const std::string& directory, const std::string& name, const std::string& bytes) {
  std::string path = directory + "/" + name;
  if (FILE* out = std::fopen(path.c_str(), "wb")) {
    std::fwrite(bytes.data(), 1, bytes.size(), out);
    std::fclose(out);
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (const char* directory = std::getenv("FLOW_FUZZ_SEED_DIR")) {
    std::string object = "\x7f" "ELF\x02\x01\x01" + std::string(57, '\0') + "machine code";
    write_seed(directory, "seed-cache-entry", encode_cache_entry(kKey, object));
    write_seed(directory, "seed-cache-entry-other-key", encode_cache_entry("another program", object));
    write_seed(directory, "seed-shared-object", sealed_object(object));
    write_seed(directory, "seed-both", sealed_object(encode_cache_entry(kKey, object)));
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  std::string why;

  // The input as a cache entry, then as a shared object: accepted only when it is exactly what
  // the writer would have written for what was accepted.
  if (auto object = decode_cache_entry(bytes, kKey, why)) {
    if (object->data() < bytes.data() || object->data() + object->size() > bytes.data() + bytes.size())
      fail("the accepted object lies outside the entry");
    if (encode_cache_entry(kKey, *object) != bytes) fail("an entry the writer would not write is accepted");
  } else {
    refused_with_reason(why);
  }
  why.clear();
  if (auto object = check_shared_object_trailer(bytes, why)) {
    if (object->data() != bytes.data() || sealed_object(*object) != bytes)
      fail("a shared object flowc would not write is accepted");
  } else {
    refused_with_reason(why);
  }
  if (bytes.empty()) return 0;

  // The input as a payload: sealed it passes, and any one byte changed is refused (the byte and
  // the change chosen by the input itself).
  std::string entry = encode_cache_entry(kKey, bytes);
  why.clear();
  auto object = decode_cache_entry(entry, kKey, why);
  if (!object || *object != bytes) fail("a whole entry is refused");
  std::string file = sealed_object(bytes);
  auto checked = check_shared_object_trailer(file, why);
  if (!checked || *checked != bytes) fail("a whole shared object is refused");
  size_t choice = 0;
  for (unsigned char c : bytes.substr(0, 8)) choice = choice * 131 + c;
  uint8_t change = static_cast<uint8_t>(bytes.back() | 1);  // never 0: the byte does change
  entry[choice % entry.size()] = static_cast<char>(entry[choice % entry.size()] ^ change);
  why.clear();
  if (decode_cache_entry(entry, kKey, why)) fail("an entry with a byte changed is accepted");
  refused_with_reason(why);
  file[choice % file.size()] = static_cast<char>(file[choice % file.size()] ^ change);
  why.clear();
  if (check_shared_object_trailer(file, why)) fail("a shared object with a byte changed is accepted");
  refused_with_reason(why);
  return 0;
}
