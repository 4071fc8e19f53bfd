// Unit tests of the reference evaluator's `process` handlers: initial state, let, =, +=, -=,
// if/else, emit, clear state, tally and bounded append, fed record by record as the runtime would.
#include <doctest/doctest.h>

#include <limits>
#include <map>

#include "runtime/eval/process_handler.hpp"
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
} with (partitions = 4);
sink out to stdout;
metric suspicious;
)";

std::vector<Value> click(std::string user, std::string url, int64_t bytes) {
  return {Value::string(std::move(user)), Value::string(std::move(url)), Value::integer(bytes)};
}

//! One query's keyed state, driven the way the runtime drives it: the stateless part, then the
//! key's handler; a cleared key is dropped.
struct Harness {
  physical::PhysicalPlan plan;
  const physical::Query& query;
  const physical::Process& process;
  std::map<std::string, eval::ProcessState> states;  // by key text

  explicit Harness(const std::string& query_text)
      : plan(compile(std::string(kClicks) + query_text)),
        query(plan.queries.at(0)),
        process(query.stateful_operator()->as<physical::Process>()) {}

  eval::HandlerResult run(const std::string& event, const Value& key, const std::vector<Value>* record) {
    const plan::HandlerPlan* handler = eval::find_handler(process, event);
    REQUIRE(handler != nullptr);
    auto [entry, fresh] = states.try_emplace(key.text, eval::ProcessState::initial(process));
    eval::HandlerResult result = eval::run_handler(process, *handler, entry->second, key, record);
    if (result.cleared) states.erase(entry);
    return result;
  }

  eval::HandlerResult send(const std::vector<Value>& record) {
    eval::StatelessResult stateless = eval::run_stateless(query, record);
    REQUIRE(stateless.passed);
    REQUIRE(stateless.key.has_value());
    return run("event", *stateless.key, &stateless.output);
  }

  eval::HandlerResult timeout(const std::string& key) { return run("timeout", Value::string(key), nullptr); }

  const std::vector<Value>& state(const std::string& key) { return states.at(key).fields; }
};

}  // namespace

TEST_CASE("eval: a new key's state starts at its initial values or the type's zero, null if nullable") {
  Harness h(R"(
query q {
    from clicks key by user
    | process state {
        n: int = 5,
        f: float = 1,
        z: int,
        s: string,
        b: bool,
        d: duration,
        t: timestamp,
        maybe: string?,
        pages: list<string>(max 3),
        big: int = -9223372036854775807 - 1,
    } timeout 1h in processing time {
        on event { }
    }
    | into out
})");
  eval::ProcessState state = eval::ProcessState::initial(h.process);
  CHECK(state.fields == std::vector<Value>{Value::integer(5), Value::floating(1.0), Value::integer(0),
                                           Value::string(""), Value::boolean(false), Value::duration(0),
                                           Value::timestamp(0), Value::null(), Value::list({}),
                                           Value::integer(std::numeric_limits<int64_t>::min())});
}

TEST_CASE("eval: handlers count with +=, -=, if/else and let, and emit records") {
  Harness h(R"(
query q {
    from clicks key by user
    | process state {
        clicks: int = 0,
        bytes: int = 0,
        large: int = 0,
        small: int = 0,
        ratio: float = 0.0,
    } timeout 30m in processing time {
        on event {
            let kib = bytes / 1024
            state.clicks += 1
            state.bytes -= bytes
            if kib > 1 {
                let twice = kib * 2
                state.large += twice
            } else if kib == 1 {
                state.small += 10
            } else {
                state.small += 1
            }
            state.ratio += kib
            emit { user: key, clicks: state.clicks, kib: kib }
        }
        on timeout {
            emit { user: key, clicks: state.clicks, kib: state.large }
            tally suspicious
        }
    }
    | into out
})");
  eval::HandlerResult first = h.send(click("ann", "/", 3000));
  CHECK(first.emitted == std::vector<std::vector<Value>>{{Value::string("ann"), Value::integer(1), Value::integer(2)}});
  CHECK_FALSE(first.cleared);
  CHECK(first.tallies.empty());
  h.send(click("ann", "/", 1500));
  h.send(click("ann", "/", 10));
  h.send(click("bob", "/", 10));
  CHECK(h.state("ann") == std::vector<Value>{Value::integer(3), Value::integer(-4510), Value::integer(4),
                                             Value::integer(11), Value::floating(3.0)});
  CHECK(h.state("bob") == std::vector<Value>{Value::integer(1), Value::integer(-10), Value::integer(0),
                                             Value::integer(1), Value::floating(0.0)});
  eval::HandlerResult timed_out = h.timeout("ann");
  CHECK(timed_out.emitted ==
        std::vector<std::vector<Value>>{{Value::string("ann"), Value::integer(3), Value::integer(4)}});
  CHECK(timed_out.tallies == eval::Tallies{{"suspicious", 1}});
}

TEST_CASE("eval: += wraps, and a null operand or field stays null") {
  Harness h(R"(
query q {
    from clicks key by user
    | process state {
        total: int = 9223372036854775807,
        maybe: int?,
        per: int = 0,
    } timeout 30m in processing time {
        on event {
            state.total += bytes
            state.maybe += 1
            state.per = 100 / bytes
        }
    }
    | into out
})");
  h.send(click("ann", "/", 1));
  CHECK(h.state("ann")[0] == Value::integer(std::numeric_limits<int64_t>::min()));
  CHECK(h.state("ann")[1] == Value::null());
  CHECK(h.state("ann")[2] == Value::integer(100));
  h.send(click("ann", "/", 0));
  CHECK(h.state("ann")[2] == Value::null());  // division by zero
}

TEST_CASE("eval: emit conforms each field to the query's one emit shape") {
  Harness h(R"(
query q {
    from clicks key by user
    | process state { n: int = 0 } timeout 30m in processing time {
        on event {
            if bytes > 10 {
                emit { user: key, v: 1, note: null }
            } else {
                emit { user: key, v: 2.5, note: url }
            }
        }
    }
    | into out
})");
  REQUIRE(h.process.output.size() == 3);
  CHECK(h.process.output[1].type == plan::Type::scalar(plan::TypeKind::Float));
  CHECK(h.send(click("ann", "/x", 100)).emitted ==
        std::vector<std::vector<Value>>{{Value::string("ann"), Value::floating(1.0), Value::null()}});
  CHECK(h.send(click("ann", "/x", 1)).emitted ==
        std::vector<std::vector<Value>>{{Value::string("ann"), Value::floating(2.5), Value::string("/x")}});
}

TEST_CASE("eval: append keeps the newest N elements") {
  Harness h(R"(
query q {
    from clicks key by user
    | process state {
        pages: list<string>(max 3),
        sizes: list<float>(max 1),
    } timeout 30m in processing time {
        on event {
            state.pages.append(url)
            state.sizes.append(bytes)
        }
        on timeout {
            emit { user: key, pages: state.pages }
        }
    }
    | into out
})");
  for (const char* url : {"/1", "/2", "/3", "/4", "/5"}) h.send(click("ann", url, 7));
  CHECK(h.state("ann")[0] == Value::list({Value::string("/3"), Value::string("/4"), Value::string("/5")}));
  CHECK(h.state("ann")[1] == Value::list({Value::floating(7.0)}));
  h.send(click("bob", "/only", 1));
  CHECK(h.timeout("bob").emitted ==
        std::vector<std::vector<Value>>{{Value::string("bob"), Value::list({Value::string("/only")})}});
}

TEST_CASE("eval: clear state restores the initial values, a later write keeps the key") {
  Harness h(R"(
query q {
    from clicks key by user
    | process state { clicks: int = 0, pages: list<string>(max 5) } {
        on event {
            state.clicks += 1
            state.pages.append(url)
            if url == "/logout" {
                emit { user: key, clicks: state.clicks, pages: state.pages }
                clear state
                emit { user: key, clicks: state.clicks, pages: state.pages }
            }
            if url == "/restart" {
                clear state
                state.clicks = 100
            }
        }
    }
    | into out
})");
  h.send(click("ann", "/a", 1));
  eval::HandlerResult logout = h.send(click("ann", "/logout", 1));
  CHECK(logout.cleared);
  CHECK(logout.emitted ==
        std::vector<std::vector<Value>>{
            {Value::string("ann"), Value::integer(2), Value::list({Value::string("/a"), Value::string("/logout")})},
            {Value::string("ann"), Value::integer(0), Value::list({})}});
  CHECK(h.states.count("ann") == 0);

  eval::HandlerResult again = h.send(click("ann", "/b", 1));
  CHECK_FALSE(again.cleared);
  CHECK(h.state("ann")[0] == Value::integer(1));

  eval::HandlerResult restart = h.send(click("ann", "/restart", 1));
  CHECK_FALSE(restart.cleared);
  CHECK(h.state("ann") == std::vector<Value>{Value::integer(100), Value::list({})});
}

TEST_CASE("eval: a null if condition takes the else branch, tally counts each run") {
  Harness h(R"(
source events from kafka "events" as json { id: string, flag: bool? } with (partitions = 1);
query q {
    from events key by id
    | process state { yes: int = 0, no: int = 0 } timeout 1h in processing time {
        on event {
            if flag {
                state.yes += 1
            } else {
                state.no += 1
                tally suspicious
                tally suspicious
            }
        }
    }
    | into out
})");
  std::vector<Value> unknown{Value::string("e"), Value::null()};
  std::vector<Value> yes{Value::string("e"), Value::boolean(true)};
  CHECK(h.send(unknown).tallies == eval::Tallies{{"suspicious", 2}});
  CHECK(h.send(yes).tallies.empty());
  CHECK(h.state("e") == std::vector<Value>{Value::integer(1), Value::integer(1)});
}

TEST_CASE("eval: `for` goes over the list as it was when the loop started, and each `emit` in it is a record") {
  Harness h(R"(
query q {
    from clicks key by user
    | process state {
        pages: list<string>(max 3),
        steps: int = 0,
    } timeout 30m in processing time {
        on event {
            state.pages.append(url)
            for page in state.pages {
                state.pages.append(concat(page, "+"))
                state.steps += 1
                emit { user: key, page: page, at: state.pages[0], past: state.pages[3], before: state.pages[-1] }
            }
        }
    }
    | into out
})");
  eval::HandlerResult first = h.send(click("ann", "/a", 1));
  // One element when the loop started: one run of the body, although the body appended.
  REQUIRE(first.emitted.size() == 1);
  CHECK(first.emitted[0] == std::vector<Value>{Value::string("ann"), Value::string("/a"), Value::string("/a"),
                                               Value::null(), Value::null()});
  CHECK(h.state("ann")[0] == Value::list({Value::string("/a"), Value::string("/a+")}));
  // Three elements now (the bound): three runs, each appending, the list keeping its newest 3.
  eval::HandlerResult second = h.send(click("ann", "/b", 1));
  REQUIRE(second.emitted.size() == 3);
  CHECK(second.emitted[0][1] == Value::string("/a"));
  CHECK(second.emitted[1][1] == Value::string("/a+"));
  CHECK(second.emitted[2][1] == Value::string("/b"));
  CHECK(h.state("ann")[0] == Value::list({Value::string("/a+"), Value::string("/a++"), Value::string("/b+")}));
  CHECK(h.state("ann")[1] == Value::integer(4));
}

TEST_CASE("eval: a set keeps each value once, in the order added, evicting the oldest when full") {
  Harness h(R"(
query q {
    from clicks key by user
    | process state {
        seen: set<string>(max 3),
    } timeout 30m in processing time {
        on event {
            if bytes < 0 {
                state.seen.remove(url)
            } else {
                state.seen.add(url)
            }
            emit { user: key, n: len(state.seen), has: contains(state.seen, url), sorted: sort(state.seen),
                   low: list_min(state.seen), high: list_max(state.seen) }
        }
    }
    | into out
})");
  for (const char* url : {"/c", "/a", "/c", "/b"}) h.send(click("ann", url, 1));
  CHECK(h.state("ann")[0] == Value::list({Value::string("/c"), Value::string("/a"), Value::string("/b")}));
  eval::HandlerResult full = h.send(click("ann", "/d", 1));  // full: `/c`, the oldest added, goes
  CHECK(h.state("ann")[0] == Value::list({Value::string("/a"), Value::string("/b"), Value::string("/d")}));
  Value sorted = Value::list({Value::string("/a"), Value::string("/b"), Value::string("/d")});
  CHECK(full.emitted[0] == std::vector<Value>{Value::string("ann"), Value::integer(3), Value::boolean(true), sorted,
                                              Value::string("/a"), Value::string("/d")});
  eval::HandlerResult removed = h.send(click("ann", "/b", -1));
  CHECK(h.state("ann")[0] == Value::list({Value::string("/a"), Value::string("/d")}));
  CHECK(removed.emitted[0][2] == Value::boolean(false));
  h.send(click("ann", "/zzz", -1));  // removing what is not there changes nothing
  CHECK(h.state("ann")[0] == Value::list({Value::string("/a"), Value::string("/d")}));
}

TEST_CASE("eval: sum, sort, list_min and list_max of lists with nulls, and of none") {
  Harness h(R"(
query q {
    from clicks key by user
    | process state {
        sizes: list<int?>(max 4),
        ratios: list<float>(max 4),
    } timeout 30m in processing time {
        on event {
            if bytes != 0 {
                state.sizes.append(if bytes > 0 then bytes else null)
                state.ratios.append(bytes / 2.0)
            }
            emit { user: key, total: sum(state.sizes), ftotal: sum(state.ratios), sorted: sort(state.sizes),
                   low: list_min(state.sizes), high: list_max(state.ratios) }
        }
    }
    | into out
})");
  eval::HandlerResult none = h.send(click("ann", "/", 0));
  CHECK(none.emitted[0] == std::vector<Value>{Value::string("ann"), Value::integer(0), Value::floating(0.0),
                                              Value::list({}), Value::null(), Value::null()});
  h.send(click("ann", "/", 5));
  h.send(click("ann", "/", -3));
  eval::HandlerResult some = h.send(click("ann", "/", 2));
  CHECK(some.emitted[0] == std::vector<Value>{Value::string("ann"), Value::integer(7), Value::floating(2.0),
                                              Value::list({Value::null(), Value::integer(2), Value::integer(5)}),
                                              Value::integer(2), Value::floating(2.5)});
}

TEST_CASE("eval: a list assigned to a field with a smaller bound keeps its newest elements") {
  Harness h(R"(
query q {
    from clicks key by user
    | process state {
        all: list<string>(max 5),
        last_two: list<string>(max 2),
    } timeout 30m in processing time {
        on event {
            state.all.append(url)
            state.last_two = state.all
        }
    }
    | into out
})");
  for (const char* url : {"/1", "/2", "/3", "/4"}) h.send(click("ann", url, 1));
  CHECK(h.state("ann")[0] == Value::list({Value::string("/1"), Value::string("/2"), Value::string("/3"),
                                          Value::string("/4")}));
  CHECK(h.state("ann")[1] == Value::list({Value::string("/3"), Value::string("/4")}));
}
