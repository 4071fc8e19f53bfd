// For differential tests: random well-typed flow expressions (every operator and built-in the
// code generator lowers), as source text, from a seed; the source they read and random JSON
// records of it.
#pragma once

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace flow::testing {

//! Generates random well-typed flow expressions of a requested type.
class ExpressionGenerator {
 public:
  //! The leaves of each type, by type name ("int", "float", "bool", "string", "timestamp",
  //! "duration"); a type not given uses the defaults, which name the fields of the differential
  //! tests' source (a, b: int?; x, y: float?; s, t: string?; p: bool?; ts: timestamp?; d: duration?).
  using Leaves = std::map<std::string, std::vector<std::string>>;

  explicit ExpressionGenerator(uint64_t seed, Leaves leaves = {}) : random_(seed), leaves_(std::move(leaves)) {}

  std::string of(const std::string& type, int depth) {
    if (depth <= 0 || pick(4) == 0) return leaf(type);
    if (type == "int") return int_expr(depth - 1);
    if (type == "float") return float_expr(depth - 1);
    if (type == "bool") return bool_expr(depth - 1);
    if (type == "string") return string_expr(depth - 1);
    if (type == "timestamp") return timestamp_expr(depth - 1);
    return duration_expr(depth - 1);
  }

 private:
  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(random_); }
  template <typename T>
  const T& one_of(const std::vector<T>& items) {
    return items[pick(static_cast<int>(items.size()))];
  }

  std::string leaf(const std::string& type) {
    if (auto given = leaves_.find(type); given != leaves_.end()) return one_of(given->second);
    if (type == "int")
      return one_of<std::string>({"a", "b", "0", "1", "7", "(-1)", "9223372036854775807", "(-9223372036854775807)",
                                  "1000000007"});
    if (type == "float") return one_of<std::string>({"x", "y", "0.5", "(-2.5)", "1.0e10", "0.0", "3.25"});
    if (type == "bool") return one_of<std::string>({"p", "true", "false"});
    if (type == "string") return one_of<std::string>({"s", "t", "\"\"", "\"a,b,c\"", "\"héllo\"", "\"x\\\"y\""});
    if (type == "timestamp") return "ts";
    return one_of<std::string>({"d", "30s", "250ms"});
  }

  //! A pattern literal for regexp_matches and regexp_count (as flow source: backslashes doubled).
  std::string pattern() {
    return one_of<std::string>({R"~("[a-z]+")~", R"~("^.")~", R"~("b|,")~", R"~("x*")~", R"~("(?i)h(é|e)llo")~",
                                R"~("[^\\x00-\\x7f]")~", R"~("$")~", R"~("\\bc\\b")~", R"~("")~"});
  }

  struct GroupPattern {
    std::string pattern, replacement, group;
  };

  std::string int_expr(int d) {
    switch (pick(10)) {
      case 0: return "(" + of("int", d) + " " + one_of<std::string>({"+", "-", "*", "/", "%"}) + " " + of("int", d) + ")";
      case 8: return "regexp_count(" + of("string", d) + ", " + pattern() + ")";
      case 1: return "(-" + of("int", d) + ")";
      case 2: return "len(" + of("string", d) + ")";
      case 3: return one_of<std::string>({"abs", "floor", "ceil"}) + "(" + of("int", d) + ")";
      case 4: return "(if " + of("bool", d) + " then " + of("int", d) + " else " + of("int", d) + ")";
      case 5: return "coalesce(" + of("int", d) + ", " + of("int", d) + ")";
      case 6: return one_of<std::string>({"least", "greatest"}) + "(" + of("int", d) + ", " + of("int", d) + ")";
      case 7: return one_of<std::string>({"hour", "minute", "day_of_week", "unix_millis"}) + "(" + of("timestamp", d) + ")";
      default: return "hash(" + of("string", d) + ")";
    }
  }

  std::string float_expr(int d) {
    switch (pick(6)) {
      case 0: return "(" + of("float", d) + " " + one_of<std::string>({"+", "-", "*", "/"}) + " " + of("float", d) + ")";
      case 1: return "(" + of("int", d) + " " + one_of<std::string>({"+", "*", "/"}) + " " + of("float", d) + ")";
      case 2: return one_of<std::string>({"abs", "round", "floor", "ceil"}) + "(" + of("float", d) + ")";
      case 3: return "round(" + of("float", d) + ", " + one_of<std::string>({"0", "2", "(-1)"}) + ")";
      case 4: return "(if " + of("bool", d) + " then " + of("float", d) + " else " + of("int", d) + ")";
      default: return one_of<std::string>({"least", "greatest"}) + "(" + of("float", d) + ", " + of("int", d) + ")";
    }
  }

  std::string bool_expr(int d) {
    std::string cmp = one_of<std::string>({"==", "!=", "<", "<=", ">", ">="});
    switch (pick(9)) {
      case 0: return "(" + of("int", d) + " " + cmp + " " + of("int", d) + ")";
      case 7: return "regexp_matches(" + of("string", d) + ", " + pattern() + ")";
      case 1: return "(" + of("float", d) + " " + cmp + " " + of("int", d) + ")";
      case 2: return "(" + of("string", d) + " " + cmp + " " + of("string", d) + ")";
      case 3: return "(" + of("bool", d) + " " + one_of<std::string>({"and", "or"}) + " " + of("bool", d) + ")";
      case 4: return "(not " + of("bool", d) + ")";
      case 5:
        return one_of<std::string>({"contains", "starts_with", "ends_with"}) + "(" + of("string", d) + ", " +
               of("string", d) + ")";
      case 6: return "(" + of("timestamp", d) + " " + cmp + " " + of("timestamp", d) + ")";
      default: return "(" + of("bool", d) + " " + one_of<std::string>({"==", "!="}) + " " + of("bool", d) + ")";
    }
  }

  std::string string_expr(int d) {
    switch (pick(9)) {
      case 0: return one_of<std::string>({"lower", "upper"}) + "(" + of("string", d) + ")";
      case 6: {
        // A pattern with groups and a replacement or group that fits it.
        const GroupPattern chosen = one_of<GroupPattern>({
            {R"~("([a-z]+)")~", R"~("<\\1>")~", "1"},
            {R"~("(\\w)(\\w*)")~", R"~("\\2\\1")~", "2"},
            {R"~("(?i)h(é|e)(l+)o")~", R"~("[\\0|\\2]")~", "1"},
            {R"~("(b)?,")~", R"~("\\1;\\\\")~", "1"},
            {R"~("(x*)")~", R"~("-")~", "0"},
            {R"~("([^\\x00-\\x7f])")~", R"~("\\1\\1")~", "1"},
        });
        if (pick(2)) return "regexp_replace(" + of("string", d) + ", " + chosen.pattern + ", " + chosen.replacement + ")";
        std::string extract = "regexp_extract(" + of("string", d) + ", " + chosen.pattern + ", " + chosen.group + ")";
        return pick(2) ? extract : "coalesce(" + extract + ", \"?\")";  // null when nothing matches
      }
      case 1: return "substr(" + of("string", d) + ", " + of("int", d) + ")";
      case 2: return "substr(" + of("string", d) + ", " + of("int", d) + ", " + of("int", d) + ")";
      case 3: return "concat(" + of("string", d) + ", " + of("string", d) + (pick(2) ? ", " + of("string", d) : "") + ")";
      case 4: return "split_part(" + of("string", d) + ", \",\", " + of("int", d) + ")";
      case 5: return "(if " + of("bool", d) + " then " + of("string", d) + " else " + of("string", d) + ")";
      default: return "format_time(" + of("timestamp", d) + ", \"%Y-%m-%d %H:%M\")";
    }
  }

  std::string timestamp_expr(int d) {
    switch (pick(4)) {
      case 0: return "(" + of("timestamp", d) + " + " + of("duration", d) + ")";
      case 1: return "date_trunc(\"" + one_of<std::string>({"hour", "day", "month", "week"}) + "\", " + of("timestamp", d) + ")";
      case 2: return "timestamp_millis(" + of("int", d) + ")";
      default: return "(" + of("timestamp", d) + " - " + of("duration", d) + ")";
    }
  }

  std::string duration_expr(int d) {
    switch (pick(3)) {
      case 0: return "(" + of("timestamp", d) + " - " + of("timestamp", d) + ")";
      case 1: return "(" + of("duration", d) + " * " + of("int", d) + ")";
      default: return "(" + of("duration", d) + " + " + of("duration", d) + ")";
    }
  }

  std::mt19937_64 random_;
  Leaves leaves_;
};

//! The source the expressions read: every field nullable, every type.
inline const char* kSource = R"(source src from kafka "src" as json {
    a: int?, b: int?, x: float?, y: float?, s: string?, t: string?, p: bool?, ts: timestamp?, d: duration?,
} with (partitions = 1);
sink out to stdout;
)";

//! Random JSON records for the source above: every field sometimes null, edge values included.
inline std::string random_record(std::mt19937_64& random) {
  auto pick = [&](int n) { return std::uniform_int_distribution<int>(0, n - 1)(random); };
  auto maybe = [&](const std::string& value) { return pick(6) == 0 ? std::string("null") : value; };
  std::vector<std::string> ints = {"0", "1", "-1", "42", "-7", "9223372036854775807", "-9223372036854775808",
                                   "1000", "3"};
  std::vector<std::string> floats = {"0.0", "-0.0", "1.5", "-2.5", "1e300", "3.14159", "2.675", "7"};
  std::vector<std::string> strings = {"\"\"", "\"a\"", "\"a,b,c\"", "\"Héllo Wörld\"", "\"x\\\"y\"", "\"ABC\"",
                                      "\"/health\"", "\"日本\""};
  std::vector<std::string> stamps = {"0", "1763892000123", "-86400001", "\"2024-02-29T23:59:59.999Z\"",
                                     "951782400000"};
  std::vector<std::string> durations = {"0", "1000", "-5000", "86400000", "1"};
  return "{\"a\":" + maybe(ints[pick(9)]) + ",\"b\":" + maybe(ints[pick(9)]) + ",\"x\":" + maybe(floats[pick(8)]) +
         ",\"y\":" + maybe(floats[pick(8)]) + ",\"s\":" + maybe(strings[pick(8)]) + ",\"t\":" +
         maybe(strings[pick(8)]) + ",\"p\":" + maybe(pick(2) ? "true" : "false") + ",\"ts\":" +
         maybe(stamps[pick(5)]) + ",\"d\":" + maybe(durations[pick(5)]) + "}";
}

}  // namespace flow::testing
