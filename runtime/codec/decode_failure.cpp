// Writing a decode failure's detail into the arena, and the words it is made of.
#include "runtime/codec/decode_failure.hpp"

#include "runtime/codec/arena_output.hpp"

namespace flow::runtime {

using compiler::plan::TypeKind;
namespace ondemand = simdjson::ondemand;

void write_detail(flow_arena* arena, flow_str* detail, std::string_view text) noexcept {
  if (detail == nullptr) return;
  // A detail cut off by the format buffer must still be UTF-8: it goes into a Kafka header.
  if (text.size() >= 512) {
    std::size_t end = text.size();
    while (end > 0 && (static_cast<unsigned char>(text[end - 1]) & 0xC0) == 0x80) --end;
    if (end > 0 && static_cast<unsigned char>(text[end - 1]) >= 0xC0) --end;  // a lead byte without its tail
    text = text.substr(0, end);
  }
  *detail = arena_copy(arena, text);
}

std::string_view expected_text(TypeKind kind) noexcept {
  switch (kind) {
    case TypeKind::Int: return "an integer";
    case TypeKind::Duration: return "an integer (milliseconds)";
    case TypeKind::Timestamp: return "a timestamp (integer milliseconds or an RFC 3339 string)";
    case TypeKind::Float: return "a number";
    case TypeKind::Bool: return "`true` or `false`";
    case TypeKind::String: return "a string";
    case TypeKind::List: return "an array";
    default: return "a value";
  }
}

std::string_view found_text(ondemand::json_type type) noexcept {
  switch (type) {
    case ondemand::json_type::array: return "an array";
    case ondemand::json_type::object: return "an object";
    case ondemand::json_type::number: return "a number";
    case ondemand::json_type::string: return "a string";
    case ondemand::json_type::boolean: return "a boolean";
    case ondemand::json_type::null: return "null";
  }
  return "a value";
}

std::string_view structure_problem(simdjson::error_code error) noexcept {
  switch (error) {
    case simdjson::TAPE_ERROR: return "a comma, colon, quote, bracket or brace is missing or misplaced";
    case simdjson::INCOMPLETE_ARRAY_OR_OBJECT:
      return "the record does not end with the object's closing `}` (truncated, or more after it?)";
    case simdjson::UNCLOSED_STRING: return "a string is not closed (truncated?)";
    case simdjson::UNESCAPED_CHARS: return "a string contains a control character that is not escaped";
    case simdjson::DEPTH_ERROR: return "values nest more than 1024 levels deep";
    case simdjson::T_ATOM_ERROR:
    case simdjson::F_ATOM_ERROR:
    case simdjson::N_ATOM_ERROR: return "a `true`, `false` or `null` is misspelled";
    case simdjson::NUMBER_ERROR: return "a number is malformed";
    case simdjson::STRING_ERROR: return "a string has an invalid escape sequence";
    default: return simdjson::error_message(error);
  }
}

}  // namespace flow::runtime
