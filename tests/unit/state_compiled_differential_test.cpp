// Differential tests of keyed state in generated code: the same keyed state runs twice side by
// side, each over its own LevelDB store — once with `process` handlers as native code (JIT), or
// an `aggregate` handed the group and arguments generated code computed, and once in the reference
// evaluator — on random records (every type, nulls, edge numbers, NaN, -0.0, Unicode), random
// watermark and clock steps, commits and restarts. After every record and every step both must
// have emitted the same records (bit for bit: -0.0 is not 0.0), the same tallies and the same live
// keys, and at every commit both stores must hold the same bytes. Run for every example with a
// `process`, for random handlers and for random aggregates. Fixed seeds: a failure reproduces.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <random>

#include "compiler/codegen/codegen.hpp"
#include "compiler/physical/physical_planner.hpp"
#include "runtime/codec/json_codec.hpp"
#include "compiler/plan/operators/logical_process.hpp"
#include "runtime/host/recording_host.hpp"
#include "runtime/state/keyed_state.hpp"
#include "tests/unit/support/application_text.hpp"
#include "tests/unit/support/checked_plan.hpp"
#include "tests/unit/support/compiled_plan.hpp"
#include "tests/unit/support/expression_generator.hpp"

using namespace flow::compiler;
namespace eval = flow::runtime::eval;
using eval::Value;
using flow::runtime::KeyedStateOperator;
using flow::runtime::StateOutput;
using flow::runtime::StateStore;
using flow::runtime::StateTallies;

namespace {

constexpr int64_t kMinute = 60'000;
constexpr int64_t kBaseTime = 1'700'000'000'000;

std::string text_of(const std::vector<StateOutput>& outputs) {
  std::string text;
  for (const auto& output : outputs)
    text += (output.key ? output.key->to_json() : "-") + " " + Value::list(output.record).to_json() + " @" +
            std::to_string(output.event_time_ms) + "\n";
  return text;
}

//! Whether two runs emitted the same: keys and records equal as Value::operator== has it (floats
//! by their bits), same event times, same order.
bool same(const std::vector<StateOutput>& a, const std::vector<StateOutput>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].query != b[i].query || a[i].key.has_value() != b[i].key.has_value() || (a[i].key && !(*a[i].key == *b[i].key)) ||
        !(a[i].record == b[i].record) || a[i].event_time_ms != b[i].event_time_ms)
      return false;
  return true;
}

//! One query's keyed state twice: compiled handlers and the evaluator, compared step by step.
class SideBySide {
 public:
  SideBySide(const plan::Plan& plan, size_t query, const codegen::Program& program)
      : physical_(physical::build_physical_plan(plan)), query_(query), compiled_handlers_(codegen::handler_functions(&program, plan, query)) {
    for (Side* side : {&compiled_, &evaluated_}) {
      side->directory = (std::filesystem::temp_directory_path() / "flow-compiled-diff-XXXXXX").string();
      REQUIRE(mkdtemp(side->directory.data()) != nullptr);
    }
    open();
    if (auto* process = dynamic_cast<const plan::LogicalProcess*>(plan.queries[query].stateful_operator()))
      REQUIRE(compiled_.op->compiled_handlers() == process->handlers.size());  // every handler is native code
    REQUIRE(evaluated_.op->compiled_handlers() == 0);
  }
  ~SideBySide() {
    for (Side* side : {&compiled_, &evaluated_}) {
      side->op.reset();
      side->store.reset();
      std::filesystem::remove_all(side->directory);
    }
  }

  void record(const std::string& source, const Value& key, const std::vector<Value>& fields, int64_t ts) {
    std::vector<flow_value> slots;
    std::vector<std::vector<flow_value>> lists;  // a list field's elements (scalars), alive for the call
    lists.reserve(fields.size());
    for (const Value& field : fields) {
      if (field.kind != eval::ValueKind::List) {
        slots.push_back(field.to_abi());
        continue;
      }
      lists.emplace_back();
      for (const Value& element : field.items) lists.back().push_back(element.to_abi());
      slots.push_back(flow_value{reinterpret_cast<int64_t>(lists.back().data()),
                                 static_cast<int64_t>(lists.back().size()), 0});
    }
    flow_value key_slot = key.to_abi();
    for (Side* side : {&compiled_, &evaluated_})
      side->op->on_abi_record(source, &key_slot, slots.data(), static_cast<int64_t>(slots.size()), ts, side->out,
                              side->tallies);
    compare("record " + Value::list(fields).to_json() + " key " + key.to_json());
  }

  //! An `aggregate`'s input: the compiled side is handed what generated code computed (the
  //! group's values and the arguments), the evaluated side the record, to evaluate them itself.
  void aggregate_input(const std::vector<flow_value>& computed, const std::vector<flow_value>& record, int64_t ts,
                       const std::string& record_text) {
    compiled_.op->on_aggregate_input(computed.data(), ts, compiled_.out);
    evaluated_.op->on_abi_record("src", nullptr, record.data(), static_cast<int64_t>(record.size()), ts,
                                 evaluated_.out, evaluated_.tallies);
    compare("record " + record_text + " at " + std::to_string(ts));
  }

  void advance(int64_t watermark, int64_t now) {
    for (Side* side : {&compiled_, &evaluated_}) {
      side->op->advance_watermark(watermark, side->out, side->tallies);
      side->op->advance_processing_time(now, side->out, side->tallies);
    }
    compare("watermark " + std::to_string(watermark) + ", clock " + std::to_string(now));
  }

  //! Commits both; their stores must hold the same entries, byte for byte.
  void commit() {
    for (Side* side : {&compiled_, &evaluated_}) REQUIRE(side->store->commit({}).empty());
    auto compiled = compiled_.store->scan("", std::nullopt);
    auto evaluated = evaluated_.store->scan("", std::nullopt);
    REQUIRE(compiled.size() == evaluated.size());
    int64_t bytes = 0;
    for (size_t i = 0; i < compiled.size(); ++i) {
      INFO("state entry " << i);
      REQUIRE(compiled[i].first == evaluated[i].first);
      REQUIRE(compiled[i].second == evaluated[i].second);
      bytes += static_cast<int64_t>(compiled[i].first.size() + compiled[i].second.size());
    }
    // The stores' running counts (progress reports them) stay exact.
    for (Side* side : {&compiled_, &evaluated_}) {
      CHECK(side->store->keys() == compiled.size());
      CHECK(side->store->bytes() == bytes);
    }
  }

  //! Both restart from their last commit.
  void restart() {
    for (Side* side : {&compiled_, &evaluated_}) {
      side->op.reset();
      side->store.reset();
    }
    open();
  }

  int64_t compared = 0;  //!< steps at which both were compared
  int64_t emitted = 0;   //!< records both emitted

 private:
  struct Side {
    std::string directory;
    std::unique_ptr<StateStore> store;
    std::unique_ptr<KeyedStateOperator> op;
    std::vector<StateOutput> out;
    StateTallies tallies;
  };

  void open() {
    std::string error;
    for (Side* side : {&compiled_, &evaluated_}) {
      side->store = StateStore::open(side->directory, error);
      REQUIRE(side->store != nullptr);
      auto handlers = side == &compiled_ ? compiled_handlers_ : std::vector<flow_handler_fn>{};
      side->op = std::make_unique<KeyedStateOperator>(physical_, static_cast<int32_t>(query_), *side->store,
                                                      [this] { return now_; }, handlers);
    }
  }

  void compare(const std::string& step) {
    INFO(step);
    INFO("compiled:\n" << text_of(compiled_.out) << "evaluated:\n" << text_of(evaluated_.out));
    REQUIRE(same(compiled_.out, evaluated_.out));
    REQUIRE(compiled_.tallies == evaluated_.tallies);
    REQUIRE(compiled_.op->live_keys() == evaluated_.op->live_keys());
    emitted += static_cast<int64_t>(compiled_.out.size());
    ++compared;
    compiled_.out.clear();
    evaluated_.out.clear();
  }

 public:
  int64_t now_ = kBaseTime;  //!< the clock both sides read

 private:
  const physical::PhysicalPlan physical_;
  size_t query_;
  std::vector<flow_handler_fn> compiled_handlers_;
  Side compiled_, evaluated_;
};

//! Random values of a type: nulls where nullable, edge numbers, strings the examples test for.
class ValueGenerator {
 public:
  //! `literals`: strings the application compares with (its string literals), picked often so
  //! that its branches are taken.
  ValueGenerator(uint64_t seed, std::vector<std::string> literals) : random_(seed), literals_(std::move(literals)) {}

  int64_t pick(int64_t n) { return static_cast<int64_t>(random_() % static_cast<uint64_t>(n)); }

  Value of(const plan::Type& type, int64_t event_time) {
    if (type.nullable && pick(6) == 0) return Value::null();
    switch (type.kind) {
      case plan::TypeKind::Bool: return Value::boolean(pick(2) == 1);
      case plan::TypeKind::Int: {
        static const int64_t ints[] = {0, 1, -1, 42, -7, 1000, 3, 5, std::numeric_limits<int64_t>::max(),
                                       std::numeric_limits<int64_t>::min()};
        return Value::integer(pick(4) == 0 ? ints[pick(10)] : pick(200) - 20);
      }
      case plan::TypeKind::Float: {
        static const double floats[] = {0.0, -0.0, 1.5, -2.5, 1e300, 3.14159, 2.675, 7.0,
                                        std::numeric_limits<double>::quiet_NaN(),
                                        std::numeric_limits<double>::infinity()};
        return Value::floating(pick(3) == 0 ? floats[pick(10)] : static_cast<double>(pick(100000)) / 100.0);
      }
      case plan::TypeKind::String: {
        static const char* strings[] = {"", "a", "approved", "declined", "/logout", "/checkout", "/cart",
                                        "Héllo Wörld", "日本", "x\"y", "a,b,c", "ABC"};
        if (!literals_.empty() && pick(2) == 0) return Value::string(literals_[static_cast<size_t>(pick(static_cast<int64_t>(literals_.size())))]);
        return Value::string(strings[pick(12)]);
      }
      case plan::TypeKind::Timestamp: return Value::timestamp(pick(8) == 0 ? pick(3) * 86'400'000 : event_time - pick(kMinute));
      case plan::TypeKind::Duration: {
        static const int64_t durations[] = {0, 1000, -5000, 86'400'000, 1, 90'000};
        return Value::duration(durations[pick(6)]);
      }
      case plan::TypeKind::List: {
        std::vector<Value> elements;
        int64_t count = pick(std::max<int64_t>(type.max_length, 4) + 1);
        for (int64_t i = 0; i < count; ++i) elements.push_back(of(type.element.front(), event_time));
        return Value::list(std::move(elements));
      }
      default: FAIL("no random values of type " << type.to_string()); return Value::null();
    }
  }

 private:
  std::mt19937_64 random_;
  std::vector<std::string> literals_;
};

//! Random records through `query` of `plan`, both ways; returns the records compared.
int64_t run_side_by_side(const std::string& text, size_t query, uint64_t seed, int records) {
  auto [plan, program] = testing::compiled_plan(text);
  const plan::QueryPlan& q = plan.queries[query];
  const auto& process = static_cast<const plan::LogicalProcess&>(*q.stateful_operator());
  SideBySide both(plan, query, *program);
  ValueGenerator values(seed, flow::testing::string_literals(text));
  std::vector<Value> keys;
  for (int k = 0; k < 8; ++k) {
    plan::Type key_type = process.key_type;
    key_type.nullable = false;
    keys.push_back(values.of(key_type, kBaseTime));
  }
  int64_t event_time = kBaseTime, watermark = INT64_MIN;
  for (int i = 0; i < records; ++i) {
    event_time += values.pick(4 * kMinute);
    both.now_ += values.pick(4 * kMinute);
    const std::string& source = q.sources[static_cast<size_t>(values.pick(static_cast<int64_t>(q.sources.size())))];
    const plan::Schema& schema = *q.state_input_schema(source);
    std::vector<Value> fields;
    for (const auto& field : schema) fields.push_back(values.of(field.type, event_time));
    int64_t ts = event_time - values.pick(kMinute);
    both.record(source, keys[static_cast<size_t>(values.pick(static_cast<int64_t>(keys.size())))], fields, ts);
    if (values.pick(10) == 0) {
      watermark = std::max(watermark, event_time - 2 * kMinute);
      both.advance(watermark, both.now_);
    }
    if (values.pick(50) == 0) both.commit();
    if (values.pick(200) == 0) both.restart();
  }
  both.advance(INT64_MAX, INT64_MAX);
  both.commit();
  MESSAGE("query `" << q.name << "`: " << both.compared << " steps compared, " << both.emitted << " records emitted");
  return both.compared;
}

//! A `process` with random statements over every state type: assignments, += and -=, `let` of
//! values and of records (members, `if` of records), nested `if`/`else`, `append` to a bounded
//! list, `emit`, `tally` and `clear state`, with random expressions (every operator and built-in)
//! over the record, the state and the key.
class HandlerGenerator {
 public:
  explicit HandlerGenerator(uint64_t seed)
      : random_(seed),
        on_event_(seed * 7 + 1, with_state({})),
        on_timeout_(seed * 7 + 2, with_state({{"int", {"7", "(-1)", "0"}},
                                              {"float", {"0.5", "(-2.5)", "0.0"}},
                                              {"bool", {"true", "false"}},
                                              {"string", {"\"\"", "\"a,b,c\"", "\"héllo\""}},
                                              {"timestamp", {}},
                                              {"duration", {"30s", "250ms"}}})) {}

  std::string application() {
    std::string text = R"(source src from kafka "src" as json {
    k: string, a: int?, b: int?, x: float?, y: float?, s: string?, t: string?, p: bool?, ts: timestamp?, d: duration?,
} with (partitions = 1, event_time = ts, watermark = 1m);
sink out to stdout;
metric m;
query q {
    from src
    | key by k
    | process state {
        si: int = 0, sf: float = 1, ss: string = "start", sn: int?, st: timestamp, sd: duration = 1m,
        sb: bool, sl: list<float>(max 3), sset: set<int>(max 3),
    } timeout 30m)";
    text += pick(2) ? " in processing time {\n" : " {\n";
    text += R"(        on event {
)";
    text += block(on_event_, 3, 12);
    text += "            " + emit(on_event_) + "\n";  // at least one emit: no consume-only query
    text += "        }\n        on timeout {\n";
    text += block(on_timeout_, 3, 6);
    text += "        }\n    }\n    | into out\n}\n";
    return text;
  }

 private:
  using Leaves = flow::testing::ExpressionGenerator::Leaves;

  //! The leaves of the record's fields (as in the expression differential test), the state's and
  //! the key, with `fallback` replacing the record's where given.
  static Leaves with_state(const Leaves& fallback) {
    Leaves leaves = {{"int", {"a", "b", "0", "1", "7", "(-1)", "9223372036854775807"}},
                     {"float", {"x", "y", "0.5", "(-2.5)", "0.0"}},
                     {"bool", {"p", "true", "false"}},
                     {"string", {"s", "t", "\"\"", "\"a,b,c\"", "\"héllo\""}},
                     {"timestamp", {"ts"}},
                     {"duration", {"d", "30s", "250ms"}}};
    for (const auto& [type, names] : fallback) leaves[type] = names;
    leaves["int"].insert(leaves["int"].end(), {"state.si", "state.sn", "len(state.sl)", "len(state.sset)",
                                               "sum(state.sset)", "state.sset[state.si % 4]", "list_min(state.sset)"});
    leaves["float"].insert(leaves["float"].end(), {"state.sf", "state.sl[0]", "state.sl[len(state.sl) - 1]",
                                                   "sum(state.sl)", "list_max(state.sl)", "sort(state.sl)[1]"});
    leaves["string"].insert(leaves["string"].end(), {"state.ss", "key"});
    leaves["timestamp"].push_back("state.st");
    leaves["duration"].push_back("state.sd");
    leaves["bool"].insert(leaves["bool"].end(), {"state.sb", "contains(state.sl, state.sf)", "contains(state.sl, state.sn)",
                                                 "contains(state.sl, 0.5)", "contains(state.sset, 3)"});
    return leaves;
  }

  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(random_); }

  static std::string emit(flow::testing::ExpressionGenerator& expressions) {
    return "emit { user: key, si: state.si, sf: state.sf, ss: state.ss, sn: state.sn, st: state.st, sl: state.sl, "
           "sorted: sort(state.sset), "
           "e: " + expressions.of("int", 3) + ", f: " + expressions.of("float", 3) + " }";
  }

  std::string block(flow::testing::ExpressionGenerator& expressions, int depth, int statements) {
    std::string text;
    std::string indent(static_cast<size_t>(12 + 4 * (3 - depth)), ' ');
    for (int i = 0; i < statements; ++i) {
      auto e = [&](const char* type) { return expressions.of(type, 3); };
      switch (pick(depth > 0 ? 17 : 14)) {
        case 0: text += indent + "state.si = coalesce(" + e("int") + ", 0)\n"; break;
        case 1: text += indent + "state.si += coalesce(" + e("int") + ", 1)\n"; break;
        case 2: text += indent + "state.sf " + (pick(2) ? "+=" : "-=") + " coalesce(" + e(pick(2) ? "float" : "int") + ", 0.5)\n"; break;
        case 3: text += indent + "state.ss = coalesce(" + e("string") + ", \"none\")\n"; break;
        case 4: text += indent + "state.sn = " + e("int") + "\n"; break;
        case 5: text += indent + "state.st = coalesce(" + e("timestamp") + ", state.st)\n"; break;
        case 6: text += indent + "state.sd += coalesce(" + e("duration") + ", 1s)\n"; break;
        case 7: text += indent + "state.sb = coalesce(" + e("bool") + ", false)\n"; break;
        case 8: text += indent + "state.sl.append(coalesce(" + e(pick(2) ? "float" : "int") + ", 0.5))\n"; break;
        case 9: text += indent + emit(expressions) + "\n"; break;
        case 10: text += indent + "tally m\n"; break;
        case 11:
          if (pick(4) == 0) text += indent + "clear state\n";
          break;
        case 12: {
          std::string name = "v" + std::to_string(locals_++);
          if (pick(2)) {
            text += indent + "let " + name + " = coalesce(" + e("int") + ", 2)\n";
            text += indent + "state.si -= " + name + "\n";
            break;
          }
          // A record, taken apart: literals, `if` of records, members.
          auto record = [&](bool nullable) {
            if (nullable) return "{ i: " + e("int") + ", s: " + e("string") + ", f: " + e("float") + " }";
            return "{ i: coalesce(" + e("int") + ", 0), s: coalesce(" + e("string") + ", \"\"), f: coalesce(" +
                   e("float") + ", 0.0) }";  // `if` branches must have one type
          };
          text += indent + "let " + name + " = " +
                  (pick(2) ? record(true) : "if " + e("bool") + " then " + record(false) + " else " + record(false)) +
                  "\n";
          text += indent + "state.si += coalesce(" + name + ".i, 3)\n";
          text += indent + "state.ss = coalesce(" + name + ".s, \"r\")\n";
          text += indent + "state.sl.append(coalesce(" + name + ".f, 1.5))\n";
          break;
        }
        case 13:
          text += indent + "state.sset." + (pick(3) ? "add" : "remove") + "(coalesce(" + e("int") + ", " +
                  std::to_string(pick(5)) + ") % 5)\n";
          break;
        case 14:
        case 15: {
          // A loop over a state list or set; its body may write the field it goes over.
          std::string name = "e" + std::to_string(locals_++);
          bool floats = pick(2);
          std::string list = floats ? "state.sl" : (pick(2) ? "sort(state.sset)" : "state.sset");
          text += indent + "for " + name + " in " + list + " {\n";
          text += indent + "    state." + (floats ? "sf" : "si") + " += " + name + "\n";
          text += block(expressions, depth - 1, 1 + pick(3)) + indent + "}\n";
          break;
        }
        default:
          text += indent + "if " + e("bool") + " {\n" + block(expressions, depth - 1, 1 + pick(3)) + indent + "}";
          if (pick(2)) text += " else {\n" + block(expressions, depth - 1, 1 + pick(3)) + indent + "}";
          text += "\n";
          break;
      }
    }
    return text;
  }

  std::mt19937_64 random_;
  flow::testing::ExpressionGenerator on_event_, on_timeout_;
  int locals_ = 0;
};

}  // namespace

TEST_CASE("compiled process handlers equal the evaluator's on every example") {
  int64_t compared = 0;
  uint64_t seed = 1;
  for (const char* name : {"clicks", "sessions", "cart_abandonment", "fraud_alert", "rate_limited_ingest"}) {
    INFO("example " << name);
    std::string text = flow::testing::example_text(name);
    plan::Plan plan = testing::checked_plan(text);
    for (size_t q = 0; q < plan.queries.size(); ++q)
      if (dynamic_cast<const plan::LogicalProcess*>(plan.queries[q].stateful_operator()))
        compared += run_side_by_side(text, q, seed++, 2500);
  }
  CHECK(compared >= 10'000);
}

TEST_CASE("compiled process handlers equal the evaluator's on random handlers") {
  int64_t compared = 0;
  for (uint64_t seed = 1; seed <= 16; ++seed) {
    HandlerGenerator generator(seed);
    std::string text = generator.application();
    INFO("seed " << seed << ", application:\n" << text);
    compared += run_side_by_side(text, 0, 100 + seed, 700);
  }
  CHECK(compared >= 10'000);
}

TEST_CASE("lists in state read by len and contains: compiled handlers equal the evaluator's") {
  const char* text = R"(source src from kafka "src" as json {
    k: string, a: int?, x: float?, s: string?, p: bool?, ts: timestamp,
} with (partitions = 1, event_time = ts, watermark = 1m);
sink out to stdout;
query q {
    from src
    | key by k
    | process state { names: list<string>(max 4), counts: list<int>(max 3), flags: list<bool>(max 2),
                      ratios: list<float>(max 3) } timeout 1h {
        on event {
            let seen = contains(state.names, s)
            state.names.append(coalesce(s, "none"))
            state.counts.append(coalesce(a, 5))
            state.flags.append(coalesce(p, false))
            state.ratios.append(coalesce(x, 0.0))
            emit { user: key, seen: seen, names: len(state.names), has_a: contains(state.counts, a),
                   widened: contains(state.ratios, a), has_x: contains(state.ratios, x),
                   flag: contains(state.flags, true), five: contains(state.counts, 5) }
        }
    }
    | into out
}
)";
  int64_t compared = 0;
  for (uint64_t seed = 1; seed <= 4; ++seed) compared += run_side_by_side(text, 0, 900 + seed, 600);
  CHECK(compared >= 2'000);
}

TEST_CASE("lists read by for, index, sort, sum, list_min, list_max and bounded sets: compiled handlers equal the evaluator's") {
  const char* text = R"(source src from kafka "src" as json {
    k: string, a: int?, b: int, x: float?, s: string?, p: bool?, d: duration?, ts: timestamp, tags: list<string>(max 4)?,
} with (partitions = 1, event_time = ts, watermark = 1m);
sink out to stdout;
metric long_names;
query q {
    from src
    | key by k
    | process state { names: list<string>(max 4), counts: list<int>(max 5), ratios: list<float>(max 4),
                      waits: list<duration>(max 3), seen: set<string>(max 3), amounts: set<float>(max 3),
                      picks: set<int>(max 2), total: int = 0, two: list<int>(max 2),
                      few: set<float>(max 2) } timeout 1h {
        on event {
            state.names.append(coalesce(s, "none"))
            state.counts.append(coalesce(a, b))
            state.ratios.append(coalesce(x, 0.5))
            state.waits.append(coalesce(d, 1s))
            if coalesce(p, false) {
                state.seen.remove(coalesce(s, "none"))
                state.amounts.remove(coalesce(x, 0.5))
            } else {
                state.seen.add(coalesce(s, "none"))
                state.amounts.add(coalesce(x, 0.5))
            }
            state.picks.add(b % 3)
            // A longer list (or set) assigned keeps its newest elements: the field's bound holds.
            state.two = if coalesce(p, true) then state.counts else sort(state.counts)
            state.few = state.amounts
            // The body appends to the list it goes over: the loop sees the list as it was.
            for c in state.counts {
                state.counts.append(c + 1)
                state.total += c
                for n in state.seen {
                    if len(n) > 4 {
                        tally long_names
                    }
                }
            }
            for t in coalesce(tags, state.names) {
                emit { user: key, at: t, i: state.counts[b % 7 - 1], f: list_max(state.ratios), lo: list_min(state.ratios),
                       sum_i: sum(state.counts), sum_f: sum(state.ratios), n: len(state.seen), sorted: sort(state.names),
                       first: sort(state.ratios)[0], last_wait: list_max(state.waits), total: state.total }
            }
            emit { user: key, at: state.seen[0], i: list_min(state.counts), f: sum(state.amounts), lo: state.amounts[len(state.amounts) - 1],
                   sum_i: sum(state.picks), sum_f: sum(sort(state.amounts)), n: len(state.picks), sorted: sort(state.seen),
                   first: state.ratios[a], last_wait: sort(state.waits)[2], total: state.total }
            emit { user: key, at: null, i: state.two[0], f: state.few[1], lo: null, sum_i: sum(state.two), sum_f: sum(state.few),
                   n: len(state.two) + len(state.few), sorted: null, first: null, last_wait: null, total: state.total }
        }
    }
    | into out
}
)";
  int64_t compared = 0;
  for (uint64_t seed = 1; seed <= 4; ++seed) compared += run_side_by_side(text, 0, 950 + seed, 600);
  CHECK(compared >= 2'000);
}

TEST_CASE("a compiled handler that outgrows its scratch memory runs again with more, with the same results") {
  // 40 KB strings, concatenated twice per record: more than the operator's first 64 KiB arena.
  std::string text = R"(source src from kafka "src" as json { k: string, s: string, ts: timestamp }
    with (partitions = 1, event_time = ts, watermark = 1m);
sink out to stdout;
query q {
    from src
    | key by k
    | process state { long: string, sizes: list<int>(max 3) } timeout 1h {
        on event {
            let twice = concat(s, s)
            state.long = concat(twice, "!")
            state.sizes.append(len(state.long))
            emit { user: key, size: len(state.long), sizes: state.sizes, tail: substr(state.long, len(state.long) - 2) }
        }
    }
    | into out
}
)";
  auto [plan, program] = testing::compiled_plan(text);
  SideBySide both(plan, 0, *program);
  for (int i = 0; i < 6; ++i) {
    std::string big(40'000 + i, static_cast<char>('a' + i));
    both.record("src", Value::string(i % 2 ? "ann" : "bob"),
                {Value::string("k"), Value::string(big), Value::timestamp(kBaseTime + i)}, kBaseTime + i);
    both.commit();
  }
  CHECK(both.emitted == 6);
}

TEST_CASE("aggregates handed their group and arguments by generated code equal the evaluator's") {
  constexpr int kRounds = 16;
  constexpr int kRecordsPerRound = 700;
  const char* windows[] = {"tumbling(1m)", "hopping(2m, 1m)", "session(30s)"};
  int64_t compared = 0;
  for (int round = 0; round < kRounds; ++round) {
    flow::testing::ExpressionGenerator e(3000 + round);
    std::mt19937_64 random(4000 + round);
    std::string text = std::string(flow::testing::kSource);
    text.replace(text.find("with (partitions = 1)"), 21, "with (partitions = 1, event_time = ts, watermark = 1m)");
    const char* groups[] = {"a", "s", "p", "x", "ts"};  // `group by` takes fields
    text += "query q {\n    from src\n    | group by " + std::string(groups[round % 5]);
    if (round % 3 == 0) text += ", t";
    text += " window " + std::string(windows[round % 3]) + "\n    | aggregate count() as n, count(" + e.of("int", 3) +
            ") as c, sum(" + e.of("int", 3) + ") as si, sum(" + e.of("float", 3) + ") as sf, avg(" + e.of("float", 3) +
            ") as af, min(" + e.of("string", 3) + ") as mn, max(" + e.of("int", 3) + ") as mx, first(" +
            e.of("timestamp", 2) + ") as ft, last(" + e.of("float", 3) + ") as lf, max_by(" + e.of("string", 2) + ", " +
            e.of("int", 2) + ") as xb, min_by(" + e.of("int", 2) + ", " + e.of("float", 2) + ") as nb, count_distinct(" + e.of("string", 2) +
            ", 1000) as cd, approx_count_distinct(" + e.of("int", 3) + ") as ad\n    | emit " +
            (round % 2 ? "changes" : "final") + "\n    | into out\n}\n";
    INFO("round " << round << ", application:\n" << text);
    auto [plan, program] = testing::compiled_plan(text);
    const plan::SourcePlan& source = plan.sources.front();
    std::vector<bool> all(source.schema.size(), true);
    flow::runtime::DecoderPtr decoder = flow::runtime::make_decoder(source.schema, all, 1 << 20);
    flow::runtime::DecoderPtr reference = flow::runtime::make_decoder(source.schema, all, 1 << 20);
    std::vector<std::string> records;
    std::vector<flow_record> batch;
    for (int r = 0; r < kRecordsPerRound; ++r) records.push_back(flow::testing::random_record(random));
    for (int r = 0; r < kRecordsPerRound; ++r)
      batch.push_back({records[r].data(), static_cast<int64_t>(records[r].size()), nullptr, 0, r,
                       kBaseTime + r * 10'000});
    flow::runtime::RecordingHost host;
    program->batch_function("src")(host.task(), decoder.get(), nullptr, batch.data(), static_cast<int64_t>(batch.size()));
    REQUIRE(host.dead_letters.empty());
    REQUIRE(host.handed_to_aggregate.size() == records.size());  // no filter: every record is grouped

    SideBySide both(plan, 0, *program);
    std::vector<char> arena_buffer(1 << 16);
    for (size_t r = 0; r < records.size(); ++r) {
      const auto& handed = host.handed_to_aggregate[r];
      std::vector<flow_value> computed;
      for (const auto& value : handed.fields) {
        flow_value v = value.raw;
        if (v.len > 0) v.bits = reinterpret_cast<int64_t>(value.text.data());  // a string, copied by the host
        computed.push_back(v);
      }
      flow_arena arena;
      flow_arena_init(&arena, arena_buffer.data(), static_cast<int64_t>(arena_buffer.size()));
      std::vector<flow_value> fields(source.schema.size());
      flow_str detail{};
      REQUIRE(flow_json_decode(reference.get(), records[r].data(), static_cast<int64_t>(records[r].size()),
                               fields.data(), &arena, &detail) == FLOW_DECODE_OK);
      both.aggregate_input(computed, fields, handed.event_time_ms, records[r]);
      if (random() % 10 == 0) both.advance(handed.event_time_ms - 60'000, both.now_);
      if (random() % 50 == 0) both.commit();
      if (random() % 200 == 0) both.restart();
    }
    both.advance(INT64_MAX, INT64_MAX);
    both.commit();
    compared += both.compared;
  }
  CHECK(compared >= 10'000);
}
