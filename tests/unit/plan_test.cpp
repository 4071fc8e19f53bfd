// Unit tests of the logical plan: types, the core budget, the plan JSON.
#include <doctest/doctest.h>
#include <simdjson.h>

#include "compiler/explain/explain.hpp"
#include "compiler/physical/physical_planner.hpp"
#include "compiler/plan/planner.hpp"
#include "compiler/syntax/parser.hpp"

using namespace flow::compiler;

namespace {

struct Checked {
  SourceFile file;
  DiagnosticSink sink;
  plan::Plan plan;
};

std::unique_ptr<Checked> check(std::string text) {
  auto c = std::make_unique<Checked>(Checked{SourceFile("test.flow", std::move(text)), {}, {}});
  ast::Program program = syntax::parse_program(c->file, c->sink);
  REQUIRE_FALSE(c->sink.has_errors());
  c->plan = plan::build_plan(program, c->sink);
  return c;
}

const char* kTwoSources = R"(
source clicks from kafka "clicks" as json { user: string, ts: timestamp } with (partitions = 8);
source orders from kafka "orders" as json { buyer: string, amount: float } with (partitions = 8);
sink out to stdout;
query carts {
    from clicks key by user, orders key by buyer
    | process state { clicks: int = 0, spent: float = 0.0 } timeout 1h in processing time {
        on clicks { state.clicks += 1 }
        on orders { state.spent += amount }
        on timeout { emit { user: key, clicks: state.clicks, spent: state.spent } }
    }
    | into out
}
query click_log {
    from clicks
    | select user
    | into out
}
)";

}  // namespace

TEST_CASE("types print as flow source and unify as documented") {
  using plan::Type;
  using plan::TypeKind;
  CHECK(Type::list(Type::scalar(TypeKind::String), 20).as_nullable().to_string() == "list<string>(max 20)?");
  CHECK(plan::unify(Type::scalar(TypeKind::Int), Type::scalar(TypeKind::Float)) == Type::scalar(TypeKind::Float));
  CHECK(plan::unify(Type::scalar(TypeKind::Null, true), Type::scalar(TypeKind::Int)) ==
        Type::scalar(TypeKind::Int, true));
  CHECK(plan::unify(Type::scalar(TypeKind::String), Type::scalar(TypeKind::Int)).is_error());
  CHECK(plan::assignable(Type::scalar(TypeKind::Int), Type::scalar(TypeKind::Float)));
  CHECK_FALSE(plan::assignable(Type::scalar(TypeKind::Int, true), Type::scalar(TypeKind::Int)));
}

TEST_CASE("a union's sources share their tasks, each source is read once for all its queries") {
  auto c = check(kTwoSources);
  REQUIRE_FALSE(c->sink.has_errors());
  physical::CoreBudget budget = physical::core_budget(physical::build_physical_plan(c->plan));
  CHECK(budget.tasks == 8);                 // partition i of clicks and orders is one task
  CHECK(budget.spark_cores == 8 + 8 + 8 + 1);  // Spark: each query reads its sources itself, plus a producer
}

TEST_CASE("the plan JSON is valid JSON carrying the documented members") {
  auto c = check(kTwoSources);
  REQUIRE_FALSE(c->sink.has_errors());
  std::string json = plan::plan_to_json(c->plan);
  simdjson::ondemand::parser parser;
  simdjson::padded_string padded(json);
  simdjson::ondemand::document doc = parser.iterate(padded);
  CHECK(int64_t(doc["flow_plan_version"]) == 1);
  simdjson::ondemand::array queries = doc["queries"];
  size_t count = 0;
  for (simdjson::ondemand::object query : queries) {
    std::string_view name = query["name"];
    CHECK((name == "carts" || name == "click_log"));
    ++count;
  }
  CHECK(count == 2);
}

TEST_CASE("checked plans know every operator's output schema") {
  auto c = check(kTwoSources);
  const plan::QueryPlan& carts = c->plan.queries.at(0);
  REQUIRE(carts.operators.size() == 3);  // Union, Process, Sink
  CHECK(carts.operators[0]->kind == plan::OperatorKind::Union);
  CHECK(plan::schema_to_string(carts.operators[1]->output) == "{ user: string, clicks: int, spent: float }");
  CHECK(carts.stateful_operator() == carts.operators[1].get());
}
