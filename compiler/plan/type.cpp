// Type helpers: printing, assignability, unification and state size estimates.
#include "compiler/plan/type.hpp"

#include <fmt/format.h>

namespace flow::compiler::plan {

Type Type::list(Type element, int64_t max_length) {
  Type t;
  t.kind = TypeKind::List;
  t.element.push_back(std::move(element));
  t.max_length = max_length;
  return t;
}

Type Type::set_of(Type element, int64_t max_length) {
  Type t = list(std::move(element), max_length);
  t.set = true;
  return t;
}

Type Type::record(std::vector<Field> fields) {
  Type t;
  t.kind = TypeKind::Record;
  t.fields = std::move(fields);
  return t;
}

bool Type::is_ordered() const {
  switch (kind) {
    case TypeKind::Int:
    case TypeKind::Float:
    case TypeKind::String:
    case TypeKind::Timestamp:
    case TypeKind::Duration: return true;
    default: return false;
  }
}

std::string Type::to_string() const {
  std::string out;
  switch (kind) {
    case TypeKind::Error: out = "{unknown}"; break;
    case TypeKind::Null: out = "null"; break;
    case TypeKind::Bool: out = "bool"; break;
    case TypeKind::Int: out = "int"; break;
    case TypeKind::Float: out = "float"; break;
    case TypeKind::String: out = "string"; break;
    case TypeKind::Timestamp: out = "timestamp"; break;
    case TypeKind::Duration: out = "duration"; break;
    case TypeKind::List:
      out = (set ? "set<" : "list<") + element.front().to_string() + ">";
      if (max_length > 0) out += fmt::format("(max {})", max_length);
      break;
    case TypeKind::Record: out = schema_to_string(fields); break;
  }
  if (nullable && kind != TypeKind::Null) out += "?";
  return out;
}

bool Type::operator==(const Type& other) const {
  return kind == other.kind && nullable == other.nullable && set == other.set && element == other.element &&
         max_length == other.max_length && fields == other.fields;
}

int find_field(const Schema& schema, const std::string& name) {
  for (size_t i = 0; i < schema.size(); ++i)
    if (schema[i].name == name) return static_cast<int>(i);
  return -1;
}

std::string schema_to_string(const Schema& schema) {
  if (schema.empty()) return "{}";
  std::string out = "{ ";
  for (size_t i = 0; i < schema.size(); ++i) {
    if (i) out += ", ";
    out += schema[i].name + ": " + schema[i].type.to_string();
  }
  return out + " }";
}

bool assignable(const Type& from, const Type& to) {
  if (from.is_error() || to.is_error()) return true;
  if (from.kind == TypeKind::Null) return to.nullable;
  if (from.nullable && !to.nullable) return false;
  if (from.kind == TypeKind::Int && to.kind == TypeKind::Float) return true;
  if (from.kind != to.kind) return false;
  switch (from.kind) {
    // A set is a list to what reads it; a list is no set (it may hold an element twice).
    case TypeKind::List: return (from.set || !to.set) && assignable(from.element.front(), to.element.front());
    case TypeKind::Record:
      if (from.fields.size() != to.fields.size()) return false;
      for (size_t i = 0; i < from.fields.size(); ++i)
        if (from.fields[i].name != to.fields[i].name || !assignable(from.fields[i].type, to.fields[i].type))
          return false;
      return true;
    default: return true;
  }
}

Type unify(const Type& a, const Type& b) {
  if (a.is_error()) return b;
  if (b.is_error()) return a;
  if (a.kind == TypeKind::Null) return b.kind == TypeKind::Null ? a : b.as_nullable();
  if (b.kind == TypeKind::Null) return a.as_nullable();
  bool nullable = a.nullable || b.nullable;
  if (a.is_numeric() && b.is_numeric() && a.kind != b.kind) return Type::scalar(TypeKind::Float, nullable);
  if (assignable(a.as_nullable(nullable), b.as_nullable(nullable))) return b.as_nullable(nullable);
  if (assignable(b.as_nullable(nullable), a.as_nullable(nullable))) return a.as_nullable(nullable);
  return Type::scalar(TypeKind::Error);
}

int64_t estimated_bytes(const Type& type) {
  switch (type.kind) {
    case TypeKind::Bool: return 1;
    case TypeKind::String: return 32;
    case TypeKind::List: return 8 + estimated_bytes(type.element.front()) * std::max<int64_t>(type.max_length, 1);
    case TypeKind::Record: {
      int64_t total = 0;
      for (const auto& field : type.fields) total += estimated_bytes(field.type);
      return total;
    }
    default: return 8;
  }
}

}  // namespace flow::compiler::plan
