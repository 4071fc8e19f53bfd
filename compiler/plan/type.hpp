// The types of flow values, as the checker and the plan know them. A Type is a small value;
// records and lists nest. Nullable is a flag on any type (`T?` in source).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace flow::compiler::plan {

enum class TypeKind : uint8_t {
  Error,      //!< the type of an expression that already has a diagnostic; accepted everywhere
  Null,       //!< the literal `null`, before it meets a type
  Bool,
  Int,        //!< 64-bit signed
  Float,      //!< 64-bit IEEE
  String,     //!< UTF-8
  Timestamp,  //!< milliseconds since the epoch, UTC
  Duration,   //!< milliseconds
  List,       //!< element type and a bound
  Record,     //!< named fields, in order
};

struct Field;

//! The kinds a flow_value holds directly (no list, record, null or error).
inline bool is_scalar_kind(TypeKind kind) {
  switch (kind) {
    case TypeKind::Bool:
    case TypeKind::Int:
    case TypeKind::Float:
    case TypeKind::String:
    case TypeKind::Timestamp:
    case TypeKind::Duration: return true;
    default: return false;
  }
}

struct Type {
  TypeKind kind = TypeKind::Error;
  bool nullable = false;
  //! List: a bounded set (`set<T>(max N)`): no two elements `==`, kept in the order they were
  //! added, the oldest evicted when a new one comes to a full set. It is a list to everything
  //! that reads it (len, contains, index, for, emit); only `add`/`remove` write it.
  bool set = false;
  std::vector<Type> element;   //!< List: exactly one
  int64_t max_length = 0;      //!< List: the bound; 0 means none was declared
  std::vector<Field> fields;   //!< Record

  static Type scalar(TypeKind kind, bool nullable = false);
  static Type list(Type element, int64_t max_length);
  static Type set_of(Type element, int64_t max_length);
  static Type record(std::vector<Field> fields);

  bool is_error() const { return kind == TypeKind::Error; }
  bool is_numeric() const { return kind == TypeKind::Int || kind == TypeKind::Float; }
  //! Values that `<` orders: numbers, strings, timestamps, durations.
  bool is_ordered() const;

  Type as_nullable(bool value = true) const;

  //! As written in flow source: `int`, `list<string>(max 20)?`, `{ user: string, n: int }`.
  std::string to_string() const;

  bool operator==(const Type& other) const;
};

struct Field {
  std::string name;
  Type type;
  bool operator==(const Field& other) const { return name == other.name && type == other.type; }
};

using Schema = std::vector<Field>;

// Defined after Field: making or copying a Type makes or copies its fields, which needs Field
// complete.
inline Type Type::scalar(TypeKind kind, bool nullable) {
  Type t;
  t.kind = kind;
  t.nullable = nullable;
  return t;
}

inline Type Type::as_nullable(bool value) const {
  Type t = *this;
  t.nullable = value;
  return t;
}

//! Index of `name` in `schema`, or -1.
int find_field(const Schema& schema, const std::string& name);

//! "{ user: string, n: int }"
std::string schema_to_string(const Schema& schema);

//! Whether a value of type `from` can be used where `to` is expected (int widens to float,
//! T to T?, null to any nullable, error to anything).
bool assignable(const Type& from, const Type& to);

//! The common type of two branches (if/else, coalesce), or Error if there is none.
Type unify(const Type& a, const Type& b);

//! Estimated bytes a value of this type takes in keyed state (strings at 32 bytes).
int64_t estimated_bytes(const Type& type);

}  // namespace flow::compiler::plan
