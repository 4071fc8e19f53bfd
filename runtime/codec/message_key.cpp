// Message keys of output records (message_key.hpp).
#include "runtime/codec/message_key.hpp"

#include <fmt/format.h>

#include "runtime/codec/json_string.hpp"

namespace flow::runtime {

using eval::Value;
using eval::ValueKind;

std::string message_key(const Value& key) {
  switch (key.kind) {
    case ValueKind::Null: return {};
    case ValueKind::String: return key.text;
    case ValueKind::Float: return fmt::format("{}", key.float_value);
    case ValueKind::Record: {
      std::string text = "{";
      for (size_t i = 0; i < key.items.size() && i < key.names.size(); ++i) {
        if (i > 0) text += ',';
        append_json_string(key.names[i], text);
        text += ':';
        const Value& item = key.items[i];
        if (item.kind == ValueKind::String)
          append_json_string(item.text, text);
        else if (item.kind == ValueKind::Null || item.kind == ValueKind::Bool)  // JSON's own words
          text += item.is_null() ? "null" : item.int_value ? "true" : "false";
        else
          text += message_key(item);
      }
      return text + "}";
    }
    default: return std::to_string(key.int_value);  // bool, int, timestamp, duration
  }
}

std::string message_key(const flow_value& key, const compiler::plan::Type& type) {
  if (key.is_null) return {};
  if (type.kind == compiler::plan::TypeKind::String)
    return std::string(reinterpret_cast<const char*>(key.bits), static_cast<size_t>(key.len > 0 ? key.len : 0));
  return message_key(Value::from_abi(key, type));
}

}  // namespace flow::runtime
