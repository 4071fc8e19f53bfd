// Encoding one record as a JSON object: keys prepared once, values written straight into the
// arena with std::to_chars and a table-driven string escaper.
#include "runtime/codec/json_encoder.hpp"

#include <fmt/format.h>

#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string_view>

#include "runtime/codec/arena_output.hpp"
#include "runtime/codec/json_string.hpp"
#include "runtime/codec/utf8_check.hpp"

namespace flow::runtime {

using compiler::plan::TypeKind;
using json_string::write_string;

namespace {

bool write_int(ArenaOutput& out, int64_t value) noexcept {
  if (!out.reserve(20)) return false;  // "-9223372036854775808"
  out.advance_to(std::to_chars(out.cursor(), out.cursor() + 20, value).ptr);
  return true;
}

bool write_float(ArenaOutput& out, double value) noexcept {
  if (!std::isfinite(value)) return out.append("null");  // JSON has no NaN or infinity
  constexpr int longest = 24;                            // "-2.2250738585072014e-308"
  if (!out.reserve(longest + 2)) return false;
  char* begin = out.cursor();
  char* end = std::to_chars(begin, begin + longest, value).ptr;
  // Shortest round-trip form; "5" becomes "5.0" so that a reader still sees a float.
  if (std::string_view(begin, static_cast<std::size_t>(end - begin)).find_first_of(".e") == std::string_view::npos) {
    *end++ = '.';
    *end++ = '0';
  }
  out.advance_to(end);
  return true;
}

bool write_value(ArenaOutput& out, TypeKind kind, const flow_value& value) noexcept {
  if (value.is_null) return out.append("null");
  switch (kind) {
    case TypeKind::Bool: return out.append(value.bits != 0 ? "true" : "false");
    case TypeKind::Int:
    case TypeKind::Timestamp:
    case TypeKind::Duration: return write_int(out, value.bits);
    case TypeKind::Float: return write_float(out, std::bit_cast<double>(value.bits));
    case TypeKind::String: {
      const auto* data = reinterpret_cast<const char*>(static_cast<intptr_t>(value.bits));
      const bool empty = data == nullptr || value.len <= 0;
      return write_string(out,
                          empty ? std::string_view() : std::string_view(data, static_cast<std::size_t>(value.len)));
    }
    default: return out.append("null");  // the constructor lets no other kind through
  }
}

//! `{"name":` or `,"name":`, escaped like any string (names are identifiers, but cheap to be sure).
std::string key_prefix(std::string_view name, bool first) {
  std::string text(1 + 6 * name.size() + 3, '\0');
  flow_arena arena{text.data(), static_cast<int64_t>(text.size()), 0, 0};
  ArenaOutput out(&arena);
  out.append(first ? "{" : ",");
  write_string(out, name);
  out.append(":");
  const flow_str written = out.finish();
  return std::string(written.data, static_cast<std::size_t>(written.len));
}

}  // namespace

JsonEncoder::JsonEncoder(const compiler::plan::Schema& schema) {
  for (const compiler::plan::Field& field : schema) {
    switch (field.type.kind) {
      case TypeKind::Bool:
      case TypeKind::Int:
      case TypeKind::Float:
      case TypeKind::String:
      case TypeKind::Timestamp:
      case TypeKind::Duration: break;
      case TypeKind::List: {
        TypeKind element = field.type.element.front().kind;
        if (element == TypeKind::List || element == TypeKind::Record)
          throw std::invalid_argument(fmt::format("output field `{}`: writing a `{}` field as JSON is not supported yet",
                                                  field.name, field.type.to_string()));
        fields_.push_back({key_prefix(field.name, fields_.empty()), TypeKind::List, element});
        continue;
      }
      case TypeKind::Record:
        throw std::invalid_argument(
            fmt::format("output field `{}`: writing a `{}` field as JSON is not supported yet, because the runtime ABI "
                        "(runtime/abi/flow_abi.h) defines no list or record value",
                        field.name, field.type.to_string()));
      default:
        throw std::invalid_argument(
            fmt::format("output field `{}` has no type a record can hold (`{}`)", field.name, field.type.to_string()));
    }
    fields_.push_back({key_prefix(field.name, fields_.empty()), field.type.kind, TypeKind::Error});
  }
}

flow_str JsonEncoder::encode(const flow_value* fields, flow_arena* arena) const noexcept {
  ArenaOutput out(arena);
  if (fields_.empty()) {
    out.append("{}");
    return out.finish();
  }
  for (std::size_t i = 0; i < fields_.size(); ++i) {
    const flow_value& value = fields[i];
    if (!out.append(fields_[i].prefix)) return out.finish();
    if (fields_[i].kind != TypeKind::List || value.is_null) {
      if (!write_value(out, fields_[i].kind, value)) return out.finish();
      continue;
    }
    // A list (a `process` state field emitted): `bits` points at `len` element flow_values.
    const auto* elements = reinterpret_cast<const flow_value*>(value.bits);
    if (!out.append("[")) return out.finish();
    for (int64_t e = 0; e < value.len; ++e)
      if ((e > 0 && !out.append(",")) || !write_value(out, fields_[i].element, elements[e])) return out.finish();
    if (!out.append("]")) return out.finish();
  }
  out.append("}");
  return out.finish();
}

flow_str JsonEncoder::encode_values(const std::vector<eval::Value>& fields, flow_arena* arena) const {
  // A row of another shape than the sink's is a bug upstream (an operator skipped); never read
  // past its end.
  if (fields.size() != fields_.size())
    throw std::logic_error("encoder: a record of " + std::to_string(fields.size()) + " fields for a schema of " +
                           std::to_string(fields_.size()));
  ArenaOutput out(arena);
  if (fields_.empty()) {
    out.append("{}");
    return out.finish();
  }
  for (std::size_t i = 0; i < fields_.size(); ++i) {
    if (!out.append(fields_[i].prefix)) return out.finish();
    const eval::Value& value = fields[i];
    if (fields_[i].kind != TypeKind::List || value.is_null()) {
      flow_value scalar = value.is_null() ? flow_value{0, 0, 1} : value.to_abi();
      if (!write_value(out, fields_[i].kind, scalar)) return out.finish();
      continue;
    }
    if (!out.append("[")) return out.finish();
    for (std::size_t e = 0; e < value.items.size(); ++e)
      if ((e > 0 && !out.append(",")) || !write_value(out, fields_[i].element, value.items[e].to_abi()))
        return out.finish();
    if (!out.append("]")) return out.finish();
  }
  out.append("}");
  return out.finish();
}


}  // namespace flow::runtime
