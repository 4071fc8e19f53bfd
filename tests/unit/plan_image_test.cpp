// The plan image (compiler/plan/plan_image.hpp): every example's and fixture's plan survives the
// round trip exactly — the same plan JSON (with the physical plan) and the same bytes written
// again — and a damaged image is an error, never a crash or a huge allocation.
#include "compiler/plan/plan_image.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <random>

#include "compiler/physical/physical_planner.hpp"
#include "tests/unit/support/application_text.hpp"
#include "tests/unit/support/checked_plan.hpp"

using namespace flow::compiler;

namespace {

//! Every `.flow` file under `folders`.
std::vector<std::string> flow_files(std::initializer_list<const char*> folders) {
  std::vector<std::string> files;
  for (const char* folder : folders)
    for (const auto& entry : std::filesystem::recursive_directory_iterator(std::string(FLOW_SOURCE_DIR) + folder))
      if (entry.path().extension() == ".flow") files.push_back(entry.path().string());
  std::sort(files.begin(), files.end());
  return files;
}

plan::Plan plan_of(const std::string& path) {
  INFO(path);
  return testing::checked_plan(flow::testing::read_file(path));
}

}  // namespace

TEST_CASE("plan image: every application's plan reads back as it was written") {
  // The examples, fixtures and benchmarks check cleanly; of the language tests, those without
  // errors (the others have no plan).
  std::vector<plan::Plan> plans;
  for (const auto& path : flow_files({"/examples", "/tests/fixtures", "/tests/kafka", "/bench"}))
    plans.push_back(plan_of(path));
  size_t applications = plans.size();
  for (const auto& path : flow_files({"/tests/language"})) {
    CheckedFile checked = check_text(path, flow::testing::read_file(path), true, {});
    if (checked.ok()) plans.push_back(std::move(*checked.plan));
  }
  INFO(applications << " applications, " << plans.size() - applications << " language tests");
  REQUIRE(applications >= 23);
  REQUIRE(plans.size() - applications >= 15);
  for (const auto& original : plans) {
    std::string image = plan::write_plan_image(original);
    std::string error;
    auto read = plan::read_plan_image(image, error);
    REQUIRE_MESSAGE(read, error);
    CHECK(physical::plan_and_physical_json(*read) == physical::plan_and_physical_json(original));
    CHECK(plan::write_plan_image(*read) == image);
  }
}

TEST_CASE("plan image: a truncated, extended or damaged image is an error, not a crash") {
  std::string image = plan::write_plan_image(plan_of(std::string(FLOW_SOURCE_DIR) + "/examples/page_views/page_views.flow"));
  std::string error;
  SUBCASE("every truncation") {
    for (size_t n = 0; n < image.size(); ++n) {
      error.clear();
      CHECK_FALSE(plan::read_plan_image(std::string_view(image).substr(0, n), error));
      CHECK(!error.empty());
    }
  }
  SUBCASE("trailing bytes") {
    CHECK_FALSE(plan::read_plan_image(image + "x", error));
    CHECK(error.find("bytes follow the plan") != std::string::npos);
  }
  SUBCASE("another magic or format") {
    std::string other = image;
    other[0] = 'G';
    CHECK_FALSE(plan::read_plan_image(other, error));
    CHECK(error == "it is not a flow plan image");
    other = image;
    other[8] = 9;
    CHECK_FALSE(plan::read_plan_image(other, error));
    CHECK(error == "its plan image has format 9, this build reads format " + std::to_string(plan::kPlanImageVersion));
  }
  SUBCASE("random bytes changed: an error or a plan, never a crash (run under ASan in the sanitizer build)") {
    std::mt19937_64 random(15);
    int refused = 0;
    for (int round = 0; round < 3000; ++round) {
      std::string damaged = image;
      for (int flips = 0; flips < 1 + round % 4; ++flips)
        damaged[12 + random() % (damaged.size() - 12)] = static_cast<char>(random());
      error.clear();
      if (!plan::read_plan_image(damaged, error)) {
        ++refused;
        CHECK(error.starts_with("its plan image is damaged: "));
      }
    }
    CHECK(refused > 1000);
  }
}

TEST_CASE("plan image: a length past the end or nesting too deep is refused before it allocates or recurses") {
  plan::Plan p;
  p.sources.emplace_back();
  plan::Type deep = plan::Type::scalar(plan::TypeKind::Int);
  for (int i = 0; i < 600; ++i) deep = plan::Type::list(deep, 2);
  p.sources[0].schema.push_back({"nested", deep});
  std::string error;
  CHECK_FALSE(plan::read_plan_image(plan::write_plan_image(p), error));
  CHECK(error.find("nests more than 512 levels deep") != std::string::npos);

  plan::Plan empty;
  std::string image = plan::write_plan_image(empty);
  // The source count becomes 2^62: refused as running past the end, not resized to.
  image = image.substr(0, 12) + std::string("\x80\x80\x80\x80\x80\x80\x80\x80\x40", 9) + image.substr(13);
  CHECK_FALSE(plan::read_plan_image(image, error));
  CHECK(error.find("runs past the end") != std::string::npos);
}
