// Operators on values. Integer arithmetic goes through uint64_t, where C++ defines wrapping, and
// the two divisions that C++ leaves undefined (by zero, INT64_MIN by -1) are decided here.
#include "runtime/eval/operators.hpp"

#include <fmt/format.h>

#include <compare>
#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>

namespace flow::runtime::eval {

namespace {

using K = ValueKind;

[[noreturn]] void unsupported(std::string_view op, const Value& a, const Value& b) {
  throw std::logic_error(fmt::format("eval: `{}` does not apply to {} and {}", op, a.to_json(), b.to_json()));
}

uint64_t bits(int64_t x) { return static_cast<uint64_t>(x); }
int64_t wrap_add(int64_t a, int64_t b) { return static_cast<int64_t>(bits(a) + bits(b)); }
int64_t wrap_sub(int64_t a, int64_t b) { return static_cast<int64_t>(bits(a) - bits(b)); }
int64_t wrap_mul(int64_t a, int64_t b) { return static_cast<int64_t>(bits(a) * bits(b)); }

//! Truncating division; nullopt for a zero divisor; INT64_MIN / -1 wraps to INT64_MIN.
std::optional<int64_t> divide(int64_t a, int64_t b) {
  if (b == 0) return std::nullopt;
  if (b == -1) return wrap_sub(0, a);
  return a / b;
}

//! The remainder of `divide`, with the sign of `a`; nullopt for a zero divisor.
std::optional<int64_t> remainder(int64_t a, int64_t b) {
  if (b == 0) return std::nullopt;
  if (b == -1) return 0;
  return a % b;
}

double as_double(const Value& v) { return v.kind == K::Float ? v.float_value : static_cast<double>(v.int_value); }

Value arithmetic(std::string_view op, const Value& a, const Value& b) {
  // Numbers: int op int stays int; anything with a float is float.
  if ((a.kind == K::Int || a.kind == K::Float) && (b.kind == K::Int || b.kind == K::Float)) {
    if (a.kind == K::Int && b.kind == K::Int) {
      int64_t x = a.int_value, y = b.int_value;
      if (op == "+") return Value::integer(wrap_add(x, y));
      if (op == "-") return Value::integer(wrap_sub(x, y));
      if (op == "*") return Value::integer(wrap_mul(x, y));
      if (op != "/" && op != "%") unsupported(op, a, b);
      std::optional<int64_t> result = op == "/" ? divide(x, y) : remainder(x, y);
      return result ? Value::integer(*result) : Value::null();
    }
    double x = as_double(a), y = as_double(b);
    if (op == "+") return Value::floating(x + y);
    if (op == "-") return Value::floating(x - y);
    if (op == "*") return Value::floating(x * y);
    if (op == "/") return Value::floating(x / y);
    unsupported(op, a, b);
  }
  // Time, in milliseconds.
  int64_t x = a.int_value, y = b.int_value;
  auto is = [&](K first, K second) { return a.kind == first && b.kind == second; };
  if (op == "+") {
    if (is(K::Timestamp, K::Duration) || is(K::Duration, K::Timestamp)) return Value::timestamp(wrap_add(x, y));
    if (is(K::Duration, K::Duration)) return Value::duration(wrap_add(x, y));
  } else if (op == "-") {
    if (is(K::Timestamp, K::Duration)) return Value::timestamp(wrap_sub(x, y));
    if (is(K::Timestamp, K::Timestamp) || is(K::Duration, K::Duration)) return Value::duration(wrap_sub(x, y));
  } else if (op == "*") {
    if (is(K::Duration, K::Int) || is(K::Int, K::Duration)) return Value::duration(wrap_mul(x, y));
  } else if (op == "/") {
    if (is(K::Duration, K::Int)) {
      std::optional<int64_t> result = divide(x, y);
      return result ? Value::duration(*result) : Value::null();
    }
  }
  unsupported(op, a, b);
}

//! Order of two non-null values of comparable kinds; `unordered` for NaN.
std::partial_ordering order(std::string_view op, const Value& a, const Value& b) {
  bool numbers = (a.kind == K::Int || a.kind == K::Float) && (b.kind == K::Int || b.kind == K::Float);
  if (numbers) {
    if (a.kind == K::Int && b.kind == K::Int) return a.int_value <=> b.int_value;
    return as_double(a) <=> as_double(b);
  }
  if (a.kind != b.kind) unsupported(op, a, b);
  switch (a.kind) {
    case K::String: {
      // std::string compares with char_traits<char>, which compares as unsigned char.
      int c = a.text.compare(b.text);
      return c <=> 0;
    }
    case K::Bool:
    case K::Timestamp:
    case K::Duration: return a.int_value <=> b.int_value;
    default: unsupported(op, a, b);
  }
}

}  // namespace

bool equals(const Value& a, const Value& b) {
  if (a.is_null() || b.is_null()) return a.is_null() && b.is_null();
  return order("==", a, b) == std::partial_ordering::equivalent;
}

Value apply_unary(std::string_view op, const Value& operand) {
  if (operand.is_null()) return Value::null();
  if (op == "not" && operand.kind == K::Bool) return Value::boolean(operand.int_value == 0);
  if (op == "-") {
    if (operand.kind == K::Int) return Value::integer(wrap_sub(0, operand.int_value));
    if (operand.kind == K::Duration) return Value::duration(wrap_sub(0, operand.int_value));
    if (operand.kind == K::Float) return Value::floating(-operand.float_value);
  }
  throw std::logic_error(fmt::format("eval: `{}` does not apply to {}", op, operand.to_json()));
}

Value apply_binary(std::string_view op, const Value& a, const Value& b) {
  if (op == "and" || op == "or") {
    // Kleene logic: the deciding value (false for `and`, true for `or`) wins over null.
    bool decisive = op == "or";
    auto is_decisive = [&](const Value& v) { return !v.is_null() && (v.int_value != 0) == decisive; };
    if (is_decisive(a) || is_decisive(b)) return Value::boolean(decisive);
    if (a.is_null() || b.is_null()) return Value::null();
    return Value::boolean(!decisive);
  }
  if (op == "==") return Value::boolean(equals(a, b));
  if (op == "!=") return Value::boolean(!equals(a, b));
  if (a.is_null() || b.is_null()) return Value::null();
  if (op == "<") return Value::boolean(order(op, a, b) == std::partial_ordering::less);
  if (op == ">") return Value::boolean(order(op, a, b) == std::partial_ordering::greater);
  if (op == "<=") {
    std::partial_ordering o = order(op, a, b);
    return Value::boolean(o == std::partial_ordering::less || o == std::partial_ordering::equivalent);
  }
  if (op == ">=") {
    std::partial_ordering o = order(op, a, b);
    return Value::boolean(o == std::partial_ordering::greater || o == std::partial_ordering::equivalent);
  }
  return arithmetic(op, a, b);
}

}  // namespace flow::runtime::eval
