// Unit tests of the reference evaluator's stateless operators (where, select, tally, key by),
// union keys, and the Value type's bridge to flow_value.
#include <doctest/doctest.h>

#include <limits>
#include <stdexcept>

#include "runtime/eval/stateless_pipeline.hpp"
#include "compiler/plan/planner.hpp"
#include "compiler/syntax/parser.hpp"
#include "tests/unit/support/checked_plan.hpp"

using namespace flow::compiler;
namespace eval = flow::runtime::eval;
using eval::Value;

namespace {

physical::PhysicalPlan compile(const std::string& text) { return testing::checked_physical_plan(text); }

const char* kClicks = R"(
source clicks from kafka "clicks" as json {
    user: string,
    url: string,
    bytes: int,
    ref: string?,
} with (partitions = 4);
source orders from kafka "orders" as json {
    buyer: string,
    amount: float,
} with (partitions = 4);
sink out to stdout;
metric health;
metric big;
metric all_records;
)";

std::vector<Value> click(std::string user, std::string url, int64_t bytes, Value ref = Value::null()) {
  return {Value::string(std::move(user)), Value::string(std::move(url)), Value::integer(bytes), std::move(ref)};
}

}  // namespace

TEST_CASE("eval: where passes true, drops false and null, later operators do not run") {
  physical::PhysicalPlan plan = compile(std::string(kClicks) + R"(
query q {
    from clicks
    | tally all_records
    | where ref != null and bytes > 100 or url == "/"
    | tally big when bytes > 1000
    | into out
})");
  const physical::Query& query = plan.queries.at(0);

  eval::StatelessResult kept = eval::run_stateless(query, click("ann", "/a", 5000, Value::string("x")));
  CHECK(kept.passed);
  CHECK(kept.output == click("ann", "/a", 5000, Value::string("x")));
  CHECK(kept.tallies == eval::Tallies{{"all_records", 1}, {"big", 1}});
  CHECK_FALSE(kept.key.has_value());

  // ref is null: `ref != null` is false, `false and …` is false, `false or url == "/"` is false.
  eval::StatelessResult dropped = eval::run_stateless(query, click("bob", "/a", 5000));
  CHECK_FALSE(dropped.passed);
  CHECK(dropped.tallies == eval::Tallies{{"all_records", 1}});

  CHECK(eval::run_stateless(query, click("bob", "/", 5000)).passed);
}

TEST_CASE("eval: a null where condition drops the record and a null tally condition does not count") {
  physical::PhysicalPlan plan = compile(std::string(kClicks) + R"(
query q {
    from clicks
    | tally health when ref == "/health" or starts_with(ref, "/h")
    | where starts_with(ref, "/")
    | into out
})");
  const physical::Query& query = plan.queries.at(0);
  eval::StatelessResult no_ref = eval::run_stateless(query, click("ann", "/a", 1));
  CHECK_FALSE(no_ref.passed);
  CHECK(no_ref.tallies.empty());
  eval::StatelessResult health = eval::run_stateless(query, click("ann", "/a", 1, Value::string("/health")));
  CHECK(health.passed);
  CHECK(health.tallies == eval::Tallies{{"health", 1}});
}

TEST_CASE("eval: tally counts per metric, in first-counted order, and passes every record") {
  physical::PhysicalPlan plan = compile(std::string(kClicks) + R"(
query q {
    from clicks
    | tally big when bytes > 10
    | tally health
    | tally big when bytes > 20
    | into out
})");
  eval::StatelessResult result = eval::run_stateless(plan.queries.at(0), click("ann", "/", 30));
  CHECK(result.passed);
  CHECK(result.tallies == eval::Tallies{{"big", 2}, {"health", 1}});
  result = eval::run_stateless(plan.queries.at(0), click("ann", "/", 15));
  CHECK(result.tallies == eval::Tallies{{"big", 1}, {"health", 1}});
}

TEST_CASE("eval: select computes the new record and key by sets the key") {
  physical::PhysicalPlan plan = compile(std::string(kClicks) + R"(
query q {
    from clicks key by user
    | select user, lower(url) as path, bytes / 1024 as kib, coalesce(ref, "-") as ref, key as k
    | key by concat(path, "#", user)
    | select path, kib * 2 as twice, key as k
    | into out
})");
  eval::StatelessResult result = eval::run_stateless(plan.queries.at(0), click("ann", "/A/B", 5000));
  REQUIRE(result.passed);
  CHECK(result.output == std::vector<Value>{Value::string("/a/b"), Value::integer(8), Value::string("/a/b#ann")});
  REQUIRE(result.key.has_value());
  CHECK(*result.key == Value::string("/a/b#ann"));
}

TEST_CASE("eval: the stateless part stops before process and a float field accepts an int") {
  physical::PhysicalPlan plan = compile(std::string(kClicks) + R"(
query q {
    from orders
    | where amount > 0.5
    | key by buyer
    | process state { n: int = 0 } timeout 1h in processing time {
        on event { state.n += 1 }
    }
    | into out
})");
  eval::StatelessResult result = eval::run_stateless(plan.queries.at(0), {Value::string("ann"), Value::integer(2)});
  CHECK(result.passed);
  CHECK(result.output == std::vector<Value>{Value::string("ann"), Value::floating(2.0)});
  CHECK(*result.key == Value::string("ann"));
}

TEST_CASE("eval: a union computes the key of the record's own source") {
  physical::PhysicalPlan plan = compile(std::string(kClicks) + R"(
query q {
    from clicks key by upper(user), orders key by buyer
    | process state { n: int = 0 } timeout 1h in processing time {
        on clicks { state.n += 1 }
        on orders { state.n -= 1 }
    }
    | into out
})");
  const physical::Query& query = plan.queries.at(0);
  eval::StatelessResult from_clicks = eval::run_stateless(query, click("ann", "/", 1), 0);
  CHECK(*from_clicks.key == Value::string("ANN"));
  eval::StatelessResult from_orders = eval::run_stateless(query, {Value::string("ann"), Value::floating(1.0)}, 1);
  CHECK(*from_orders.key == Value::string("ann"));
  CHECK(from_orders.output == std::vector<Value>{Value::string("ann"), Value::floating(1.0)});
}

TEST_CASE("eval: a record that does not fit the source schema is refused") {
  physical::PhysicalPlan plan = compile(std::string(kClicks) + "query q { from clicks | into out }");
  const physical::Query& query = plan.queries.at(0);
  CHECK_THROWS_AS(eval::run_stateless(query, {Value::string("ann")}), std::logic_error);
  CHECK_THROWS_AS(eval::run_stateless(query, {Value::null(), Value::string("/"), Value::integer(1), Value::null()}),
                  std::logic_error);
  CHECK_THROWS_AS(eval::run_stateless(query, click("ann", "/", 1, Value::integer(3))), std::logic_error);
}

TEST_CASE("eval: values cross the flow_value ABI unchanged") {
  using plan::Type;
  using plan::TypeKind;
  std::vector<std::pair<Value, Type>> cases = {
      {Value::boolean(true), Type::scalar(TypeKind::Bool)},
      {Value::integer(std::numeric_limits<int64_t>::min()), Type::scalar(TypeKind::Int)},
      {Value::floating(-0.0), Type::scalar(TypeKind::Float)},
      {Value::string(std::string("a\0b", 3)), Type::scalar(TypeKind::String)},
      {Value::string(""), Type::scalar(TypeKind::String)},
      {Value::timestamp(-1), Type::scalar(TypeKind::Timestamp)},
      {Value::duration(30'000), Type::scalar(TypeKind::Duration)},
      {Value::null(), Type::scalar(TypeKind::Int, true)},
  };
  for (const auto& [value, type] : cases) {
    flow_value abi = value.to_abi();
    CAPTURE(value);
    CHECK(Value::from_abi(abi, type) == value);
  }
  CHECK(Value::null().to_abi().is_null == 1);
  CHECK(Value::integer(42).to_abi().bits == 42);
  CHECK(Value::floating(1.0).to_abi().bits == 0x3FF0000000000000);
  CHECK_THROWS_AS(Value::list({}).to_abi(), std::logic_error);
}

TEST_CASE("eval: identical values: NaNs are identical, -0.0 and 0.0 are not, kinds matter") {
  double nan = std::numeric_limits<double>::quiet_NaN();
  CHECK(Value::floating(nan) == Value::floating(-nan));
  CHECK_FALSE(Value::floating(0.0) == Value::floating(-0.0));
  CHECK_FALSE(Value::integer(5) == Value::duration(5));
  CHECK_FALSE(Value::integer(1) == Value::boolean(true));
  CHECK(Value::list({Value::integer(1)}).to_json() == "[1]");
  CHECK(Value::floating(2.0).to_json() == "2.0");
  CHECK(Value::floating(-std::numeric_limits<double>::infinity()).to_json() == "-Infinity");
  CHECK(Value::string("a\"\n").to_json() == R"("a\"\n")");
  CHECK(Value::timestamp(5).to_json() == "ts(5)");
}

TEST_CASE("eval: explode makes one row per element, in order, a null or empty list none") {
  physical::PhysicalPlan plan = compile(std::string(kClicks) + R"(
query q {
    from clicks
    | explode split(coalesce(ref, ""), "/") as part
    | tally all_records
    | where part != "x"
    | explode regexp_split(part, "-") as piece
    | into out
})");
  const physical::Query& query = plan.queries.at(0);
  eval::StatelessRows rows = eval::run_stateless_rows(query, click("ann", "/", 1, Value::string("a-b/x/c")));
  REQUIRE(rows.rows.size() == 3);
  auto row = [&](const char* part, const char* piece) {
    std::vector<Value> fields = click("ann", "/", 1, Value::string("a-b/x/c"));
    fields.push_back(Value::string(part));
    fields.push_back(Value::string(piece));
    return fields;
  };
  CHECK(rows.rows[0].output == row("a-b", "a"));
  CHECK(rows.rows[1].output == row("a-b", "b"));
  CHECK(rows.rows[2].output == row("c", "c"));
  CHECK(rows.tallies == eval::Tallies{{"all_records", 3}});  // a-b, x, c
  // A null list gives no row: `ref` null is "" here, one empty piece; split of null is null.
  CHECK(eval::run_stateless_rows(query, click("bob", "/", 1)).rows.size() == 1);
  CHECK_THROWS_AS(eval::run_stateless(query, click("ann", "/", 1, Value::string("a-b/x/c"))), std::logic_error);
  CHECK(eval::run_stateless(query, click("ann", "/", 1, Value::string("x"))).passed == false);

  physical::PhysicalPlan nulls = compile(std::string(kClicks) + R"(
query q {
    from clicks
    | explode split(ref, ",") as part
    | into out
})");
  eval::StatelessRows none = eval::run_stateless_rows(nulls.queries.at(0), click("bob", "/", 1));
  CHECK(none.rows.empty());
  CHECK_FALSE(eval::run_stateless(nulls.queries.at(0), click("bob", "/", 1)).passed);
}
