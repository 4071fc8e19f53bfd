// Value construction, the flow_value bridge, identity for differential tests, and printing.
#include "runtime/eval/value.hpp"

#include "runtime/codec/json_string.hpp"

#include <fmt/format.h>

#include <bit>
#include <charconv>
#include <cmath>
#include <ostream>
#include <stdexcept>

namespace flow::runtime::eval {

namespace {

using plan::TypeKind;

Value scalar(ValueKind kind, int64_t bits) {
  Value v;
  v.kind = kind;
  v.int_value = bits;
  return v;
}

const char* kind_name(ValueKind kind) {
  switch (kind) {
    case ValueKind::Null: return "null";
    case ValueKind::Bool: return "bool";
    case ValueKind::Int: return "int";
    case ValueKind::Float: return "float";
    case ValueKind::String: return "string";
    case ValueKind::Timestamp: return "timestamp";
    case ValueKind::Duration: return "duration";
    case ValueKind::List: return "list";
    case ValueKind::Record: return "record";
  }
  return "?";
}

std::string float_text(double x) {
  if (std::isnan(x)) return "NaN";
  if (std::isinf(x)) return x > 0 ? "Infinity" : "-Infinity";
  char buffer[64];
  auto end = std::to_chars(buffer, buffer + sizeof buffer, x).ptr;
  std::string out(buffer, end);
  if (out.find_first_of(".en") == std::string::npos) out += ".0";
  return out;
}

std::string quoted(const std::string& text) {
  std::string out;
  append_json_string(text, out);
  return out;
}

}  // namespace

Value Value::boolean(bool value) { return scalar(ValueKind::Bool, value ? 1 : 0); }
Value Value::integer(int64_t value) { return scalar(ValueKind::Int, value); }
Value Value::timestamp(int64_t ms) { return scalar(ValueKind::Timestamp, ms); }
Value Value::duration(int64_t ms) { return scalar(ValueKind::Duration, ms); }

Value Value::floating(double value) {
  Value v;
  v.kind = ValueKind::Float;
  v.float_value = value;
  return v;
}

Value Value::string(std::string value) {
  Value v;
  v.kind = ValueKind::String;
  v.text = std::move(value);
  return v;
}

Value Value::list(std::vector<Value> elements) {
  Value v;
  v.kind = ValueKind::List;
  v.items = std::move(elements);
  return v;
}

Value Value::record(std::vector<std::string> names, std::vector<Value> fields) {
  if (names.size() != fields.size()) throw std::logic_error("eval: a record needs one name per field");
  Value v;
  v.kind = ValueKind::Record;
  v.names = std::move(names);
  v.items = std::move(fields);
  return v;
}

ValueKind kind_of(TypeKind kind) {
  switch (kind) {
    case TypeKind::Bool: return ValueKind::Bool;
    case TypeKind::Int: return ValueKind::Int;
    case TypeKind::Float: return ValueKind::Float;
    case TypeKind::String: return ValueKind::String;
    case TypeKind::Timestamp: return ValueKind::Timestamp;
    case TypeKind::Duration: return ValueKind::Duration;
    case TypeKind::List: return ValueKind::List;
    case TypeKind::Record: return ValueKind::Record;
    case TypeKind::Null:
    case TypeKind::Error: break;
  }
  return ValueKind::Null;
}

Value Value::from_abi(const flow_value& value, const plan::Type& type) {
  if (value.is_null) return null();
  switch (type.kind) {
    case TypeKind::Bool: return boolean(value.bits != 0);
    case TypeKind::Int: return integer(value.bits);
    case TypeKind::Timestamp: return timestamp(value.bits);
    case TypeKind::Duration: return duration(value.bits);
    case TypeKind::Float: return floating(std::bit_cast<double>(value.bits));
    case TypeKind::String:
      return string(value.len > 0 ? std::string(reinterpret_cast<const char*>(value.bits), value.len) : "");
    case TypeKind::List: {
      std::vector<Value> items;
      const auto* elements = reinterpret_cast<const flow_value*>(value.bits);
      for (int64_t i = 0; i < value.len; ++i) items.push_back(from_abi(elements[i], type.element.front()));
      return list(std::move(items));
    }
    default: throw std::logic_error("eval: no flow_value for type " + type.to_string());
  }
}

flow_value Value::to_abi() const {
  flow_value out{0, 0, 0};
  switch (kind) {
    case ValueKind::Null: out.is_null = 1; break;
    case ValueKind::Bool:
    case ValueKind::Int:
    case ValueKind::Timestamp:
    case ValueKind::Duration: out.bits = int_value; break;
    case ValueKind::Float: out.bits = std::bit_cast<int64_t>(float_value); break;
    case ValueKind::String:
      out.bits = reinterpret_cast<int64_t>(text.data());
      out.len = static_cast<int64_t>(text.size());
      break;
    case ValueKind::List:
    case ValueKind::Record: throw std::logic_error("eval: a list or record has no flow_value");
  }
  return out;
}

bool Value::operator==(const Value& other) const {
  if (kind != other.kind) return false;
  switch (kind) {
    case ValueKind::Null: return true;
    case ValueKind::Float:
      return (std::isnan(float_value) && std::isnan(other.float_value)) ||
             std::bit_cast<uint64_t>(float_value) == std::bit_cast<uint64_t>(other.float_value);
    case ValueKind::String: return text == other.text;
    case ValueKind::List: return items == other.items;
    case ValueKind::Record: return names == other.names && items == other.items;
    default: return int_value == other.int_value;
  }
}

std::string Value::to_json() const {
  switch (kind) {
    case ValueKind::Null: return "null";
    case ValueKind::Bool: return int_value ? "true" : "false";
    case ValueKind::Int: return std::to_string(int_value);
    case ValueKind::Float: return float_text(float_value);
    case ValueKind::String: return quoted(text);
    case ValueKind::Timestamp: return fmt::format("ts({})", int_value);
    case ValueKind::Duration: return fmt::format("dur({})", int_value);
    case ValueKind::List: return eval::to_json(items);
    case ValueKind::Record: {
      std::string out = "{";
      for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + quoted(names[i]) + ": " + items[i].to_json();
      return out + "}";
    }
  }
  return "?";
}

std::string to_json(const std::vector<Value>& fields) {
  std::string out = "[";
  for (size_t i = 0; i < fields.size(); ++i) out += (i ? ", " : "") + fields[i].to_json();
  return out + "]";
}

std::ostream& operator<<(std::ostream& out, const Value& value) { return out << value.to_json(); }
std::ostream& operator<<(std::ostream& out, const std::vector<Value>& fields) { return out << to_json(fields); }

Value conform(Value value, const plan::Type& type) {
  auto mismatch = [&]() -> Value {
    throw std::logic_error(fmt::format("eval: a {} value {} where `{}` is expected", kind_name(value.kind),
                                       value.to_json(), type.to_string()));
  };
  // Null fits every type at run time: besides `T?` values, int `/` and `%` and duration `/` by
  // zero give null where the checker's type is not nullable.
  if (value.is_null()) return value;
  if (type.kind == TypeKind::Float && value.kind == ValueKind::Int)
    return Value::floating(static_cast<double>(value.int_value));
  if (value.kind != kind_of(type.kind)) return mismatch();
  if (value.kind == ValueKind::List) {
    for (auto& element : value.items) element = conform(std::move(element), type.element.front());
  } else if (value.kind == ValueKind::Record) {
    if (value.items.size() != type.fields.size()) return mismatch();
    for (size_t i = 0; i < value.items.size(); ++i) {
      if (value.names[i] != type.fields[i].name) return mismatch();
      value.items[i] = conform(std::move(value.items[i]), type.fields[i].type);
    }
  }
  return value;
}

}  // namespace flow::runtime::eval
