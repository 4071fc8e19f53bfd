// Type rules of the built-in functions. Nullability: a function of a nullable argument is
// nullable (SQL's rule), except `coalesce`, whose point is to remove it.
#include "compiler/plan/builtin_functions.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <map>

namespace flow::compiler::plan {

namespace {

using K = TypeKind;

bool any_nullable(const std::vector<Type>& args) {
  return std::any_of(args.begin(), args.end(), [](const Type& t) { return t.nullable; });
}

bool is(const Type& t, K kind) { return t.is_error() || t.kind == kind; }
bool numeric(const Type& t) { return t.is_error() || t.is_numeric(); }

CallCheck ok(K kind, const std::vector<Type>& args) { return {Type::scalar(kind, any_nullable(args)), {}}; }
CallCheck fail(std::string message) { return {std::nullopt, std::move(message)}; }

using Rule = std::function<CallCheck(const std::vector<Type>&)>;

//! The element type of a list argument, or null when `t` is no list.
const Type* element_of(const Type& t) { return t.kind == K::List && !t.element.empty() ? &t.element.front() : nullptr; }

//! sort(list): the same list type, ascending; the elements must be ordered (numbers, strings,
//! timestamps, durations). A set sorted is a list (its order is no longer the order of adding).
CallCheck sort_rule(const std::vector<Type>& a) {
  const Type* element = a.size() == 1 ? element_of(a[0]) : nullptr;
  if (!element || !(element->is_error() || element->is_ordered()))
    return fail("`sort` takes (list) of numbers, strings, timestamps or durations: `sort(state.prices)`");
  Type result = a[0];
  result.set = false;
  return {result, {}};
}

//! list_min(list) / list_max(list): the smallest / largest non-null element, null when there is none.
CallCheck list_extreme_rule(const char* name, const std::vector<Type>& a) {
  const Type* element = a.size() == 1 ? element_of(a[0]) : nullptr;
  if (!element || !(element->is_error() || element->is_ordered()))
    return fail(fmt::format("`{}` takes (list) of numbers, strings, timestamps or durations", name));
  return {element->as_nullable(true), {}};
}

const std::map<std::string, Rule>& scalar_rules() {
  static const std::map<std::string, Rule> rules = {
      {"len", [](auto& a) {
         return a.size() == 1 && (is(a[0], K::String) || a[0].kind == K::List)
                    ? ok(K::Int, a)
                    : fail("`len` takes (string): its characters, or (list): its elements");
       }},
      {"lower", [](auto& a) { return a.size() == 1 && is(a[0], K::String) ? ok(K::String, a) : fail("`lower` takes (string)"); }},
      {"upper", [](auto& a) { return a.size() == 1 && is(a[0], K::String) ? ok(K::String, a) : fail("`upper` takes (string)"); }},
      {"contains", [](auto& a) {
         if (a.size() == 2 && is(a[0], K::String) && is(a[1], K::String)) return ok(K::Bool, a);
         // contains(list, x): whether an element `==` x; the elements are scalars.
         if (a.size() == 2 && a[0].kind == K::List && !a[0].element.empty() && is_scalar_kind(a[0].element[0].kind) &&
             assignable(a[1], a[0].element[0].as_nullable(true)))
           return ok(K::Bool, a);
         return fail("`contains` takes (string, string): whether the first holds the second, or (list, value): "
                     "whether an element of the list equals the value");
       }},
      {"starts_with", [](auto& a) { return a.size() == 2 && is(a[0], K::String) && is(a[1], K::String) ? ok(K::Bool, a) : fail("`starts_with` takes (string, string)"); }},
      {"ends_with", [](auto& a) { return a.size() == 2 && is(a[0], K::String) && is(a[1], K::String) ? ok(K::Bool, a) : fail("`ends_with` takes (string, string)"); }},
      {"substr", [](auto& a) {
         bool shape = (a.size() == 2 || a.size() == 3) && is(a[0], K::String) && is(a[1], K::Int) && (a.size() == 2 || is(a[2], K::Int));
         return shape ? ok(K::String, a) : fail("`substr` takes (string, int) or (string, int, int)");
       }},
      {"concat", [](auto& a) {
         bool shape = !a.empty() && std::all_of(a.begin(), a.end(), [](const Type& t) { return is(t, K::String); });
         return shape ? ok(K::String, a) : fail("`concat` takes one or more strings");
       }},
      {"split_part", [](auto& a) { return a.size() == 3 && is(a[0], K::String) && is(a[1], K::String) && is(a[2], K::Int) ? ok(K::String, a) : fail("`split_part` takes (string, string, int)"); }},
      // A list of every piece, empty ones kept; the separator must be a non-empty literal (ExpressionBinder).
      {"split", [](auto& a) {
         return a.size() == 2 && is(a[0], K::String) && is(a[1], K::String)
                    ? CallCheck{Type::list(Type::scalar(K::String), 0).as_nullable(a[0].nullable), {}}
                    : fail("`split` takes (string, string separator): `split(line, \",\")` is the list of the pieces "
                           "of `line` between commas");
       }},
      // The pattern (and group, and replacement) must also be literals: see ExpressionBinder.
      {"regexp_matches", [](auto& a) { return a.size() == 2 && is(a[0], K::String) && is(a[1], K::String) ? ok(K::Bool, a) : fail("`regexp_matches` takes (string, string pattern)"); }},
      {"regexp_extract", [](auto& a) {
         bool shape = a.size() == 3 && is(a[0], K::String) && is(a[1], K::String) && is(a[2], K::Int);
         return shape ? CallCheck{Type::scalar(K::String, true), {}} : fail("`regexp_extract` takes (string, string pattern, int group)");
       }},
      {"regexp_replace", [](auto& a) { return a.size() == 3 && is(a[0], K::String) && is(a[1], K::String) && is(a[2], K::String) ? ok(K::String, a) : fail("`regexp_replace` takes (string, string pattern, string replacement)"); }},
      {"regexp_split", [](auto& a) {
         return a.size() == 2 && is(a[0], K::String) && is(a[1], K::String)
                    ? CallCheck{Type::list(Type::scalar(K::String), 0).as_nullable(a[0].nullable), {}}
                    : fail("`regexp_split` takes (string, string pattern): `regexp_split(line, \"\\\\W+\")` is the "
                           "list of the pieces of `line` between runs of non-word characters");
       }},
      {"regexp_count", [](auto& a) { return a.size() == 2 && is(a[0], K::String) && is(a[1], K::String) ? ok(K::Int, a) : fail("`regexp_count` takes (string, string pattern)"); }},
      {"hour", [](auto& a) { return a.size() == 1 && is(a[0], K::Timestamp) ? ok(K::Int, a) : fail("`hour` takes (timestamp)"); }},
      {"minute", [](auto& a) { return a.size() == 1 && is(a[0], K::Timestamp) ? ok(K::Int, a) : fail("`minute` takes (timestamp)"); }},
      {"day_of_week", [](auto& a) { return a.size() == 1 && is(a[0], K::Timestamp) ? ok(K::Int, a) : fail("`day_of_week` takes (timestamp)"); }},
      {"date_trunc", [](auto& a) { return a.size() == 2 && is(a[0], K::String) && is(a[1], K::Timestamp) ? ok(K::Timestamp, a) : fail("`date_trunc` takes (string, timestamp), e.g. date_trunc(\"hour\", ts)"); }},
      {"unix_millis", [](auto& a) { return a.size() == 1 && is(a[0], K::Timestamp) ? ok(K::Int, a) : fail("`unix_millis` takes (timestamp): the milliseconds since 1970-01-01T00:00:00Z"); }},
      {"timestamp_millis", [](auto& a) { return a.size() == 1 && is(a[0], K::Int) ? ok(K::Timestamp, a) : fail("`timestamp_millis` takes (int): milliseconds since 1970-01-01T00:00:00Z"); }},
      {"format_time", [](auto& a) { return a.size() == 2 && is(a[0], K::Timestamp) && is(a[1], K::String) ? ok(K::String, a) : fail("`format_time` takes (timestamp, string)"); }},
      {"abs", [](auto& a) { return a.size() == 1 && numeric(a[0]) ? CallCheck{a[0], {}} : fail("`abs` takes (int) or (float)"); }},
      {"round", [](auto& a) {
         if (a.size() == 1 && numeric(a[0])) return CallCheck{a[0], {}};
         if (a.size() == 2 && numeric(a[0]) && is(a[1], K::Int)) return CallCheck{a[0].as_nullable(any_nullable(a)), {}};
         return fail("`round` takes (number) or (number, int digits)");
       }},
      {"floor", [](auto& a) { return a.size() == 1 && numeric(a[0]) ? CallCheck{a[0], {}} : fail("`floor` takes (int) or (float)"); }},
      {"ceil", [](auto& a) { return a.size() == 1 && numeric(a[0]) ? CallCheck{a[0], {}} : fail("`ceil` takes (int) or (float)"); }},
      {"least", [](auto& a) { return a.size() == 2 && numeric(a[0]) && numeric(a[1]) ? CallCheck{unify(a[0], a[1]), {}} : fail("`least` takes two numbers"); }},
      {"greatest", [](auto& a) { return a.size() == 2 && numeric(a[0]) && numeric(a[1]) ? CallCheck{unify(a[0], a[1]), {}} : fail("`greatest` takes two numbers"); }},
      {"hash", [](auto& a) {
         bool shape = a.size() == 1 && (is(a[0], K::String) || numeric(a[0]));
         return shape ? ok(K::Int, a) : fail("`hash` takes (string), (int) or (float)");
       }},
      {"sort", [](auto& a) { return sort_rule(a); }},
      {"list_min", [](auto& a) { return list_extreme_rule("list_min", a); }},
      {"list_max", [](auto& a) { return list_extreme_rule("list_max", a); }},
      {"coalesce", [](auto& a) {
         if (a.size() < 2) return fail("`coalesce` takes two or more values of one type");
         Type result = a[0];
         for (size_t i = 1; i < a.size(); ++i) result = unify(result, a[i]);
         if (result.is_error() && std::none_of(a.begin(), a.end(), [](const Type& t) { return t.is_error(); }))
           return fail("`coalesce` takes values of one type");
         return CallCheck{result.as_nullable(a.back().nullable), {}};
       }},
  };
  return rules;
}

//! max_by(x, y) / min_by(x, y): x of the record with the largest / smallest y. Null when no record
//! has a y (so nullable when y is), or when that record's x is null.
CallCheck by_rule(const char* name, const std::vector<Type>& a) {
  if (a.size() != 2 || !(a[1].is_error() || a[1].is_ordered()))
    return fail(fmt::format("`{0}` takes (value, ordering), the ordering a number, string, timestamp or duration: "
                            "`{0}(bidder, price)` is the bidder of the {1} price",
                            name, std::string_view(name) == "max_by" ? "highest" : "lowest"));
  return {a[0].as_nullable(a[0].nullable || a[1].nullable), {}};
}

const std::map<std::string, Rule>& aggregate_rules() {
  static const std::map<std::string, Rule> rules = {
      {"count", [](auto& a) { return a.size() <= 1 ? CallCheck{Type::scalar(K::Int), {}} : fail("`count` takes () or (value)"); }},
      {"sum", [](auto& a) { return a.size() == 1 && numeric(a[0]) ? CallCheck{a[0].as_nullable(false), {}} : fail("`sum` takes (int) or (float)"); }},
      {"avg", [](auto& a) { return a.size() == 1 && numeric(a[0]) ? CallCheck{Type::scalar(K::Float), {}} : fail("`avg` takes (int) or (float)"); }},
      {"min", [](auto& a) { return a.size() == 1 && (a[0].is_error() || a[0].is_ordered()) ? CallCheck{a[0], {}} : fail("`min` takes a number, string, timestamp or duration"); }},
      {"max", [](auto& a) { return a.size() == 1 && (a[0].is_error() || a[0].is_ordered()) ? CallCheck{a[0], {}} : fail("`max` takes a number, string, timestamp or duration"); }},
      {"first", [](auto& a) { return a.size() == 1 ? CallCheck{a[0], {}} : fail("`first` takes (value)"); }},
      {"last", [](auto& a) { return a.size() == 1 ? CallCheck{a[0], {}} : fail("`last` takes (value)"); }},
      {"count_distinct", [](auto& a) {
         return a.size() == 2 && is(a[1], K::Int)
                    ? CallCheck{Type::scalar(K::Int), {}}
                    : fail("`count_distinct` takes (value, bound): `count_distinct(user, 100000)` counts up to 100000 "
                           "distinct users exactly; `approx_count_distinct(user)` estimates without a bound");
       }},
      {"approx_count_distinct", [](auto& a) {
         return a.size() == 1 ? CallCheck{Type::scalar(K::Int), {}}
                              : fail("`approx_count_distinct` takes (value)");
       }},
      {"max_by", [](auto& a) { return by_rule("max_by", a); }},
      {"min_by", [](auto& a) { return by_rule("min_by", a); }},
  };
  return rules;
}

}  // namespace

bool is_list_sum(const std::vector<Type>& arguments) {
  return arguments.size() == 1 && arguments[0].kind == K::List;
}

CallCheck check_list_sum(const std::vector<Type>& a) {
  const Type* element = element_of(a[0]);
  if (!element || !(element->is_error() || element->is_numeric()))
    return fail("`sum` of a list takes a list of int or float: `sum(state.amounts)`");
  return {Type::scalar(element->is_error() ? K::Error : element->kind, a[0].nullable), {}};
}

bool is_scalar_function(const std::string& name) { return scalar_rules().count(name) > 0; }
bool is_aggregate_function(const std::string& name) { return aggregate_rules().count(name) > 0; }

const std::vector<std::string>& function_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& [name, rule] : scalar_rules()) out.push_back(name);
    for (const auto& [name, rule] : aggregate_rules()) out.push_back(name);
    return out;
  }();
  return names;
}

CallCheck check_scalar_call(const std::string& name, const std::vector<Type>& arguments) {
  return scalar_rules().at(name)(arguments);
}

CallCheck check_aggregate_call(const std::string& name, const std::vector<Type>& arguments) {
  return aggregate_rules().at(name)(arguments);
}

}  // namespace flow::compiler::plan
