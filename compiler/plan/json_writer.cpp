// JSON writing with deterministic layout: the plan JSON is a stable, diffable contract.
#include "compiler/plan/json_writer.hpp"

#include <fmt/format.h>

#include <cmath>

namespace flow::compiler::plan {

void JsonWriter::newline() {
  out_ += '\n';
  out_.append(first_in_scope_.size() * 2, ' ');
}

void JsonWriter::before_value() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!first_in_scope_.empty()) {
    if (!first_in_scope_.back()) out_ += ',';
    first_in_scope_.back() = false;
    newline();
  }
}

void JsonWriter::begin_object() {
  before_value();
  out_ += '{';
  first_in_scope_.push_back(true);
}

void JsonWriter::end_object() {
  bool empty = first_in_scope_.back();
  first_in_scope_.pop_back();
  if (!empty) newline();
  out_ += '}';
  if (first_in_scope_.empty()) out_ += '\n';
}

void JsonWriter::begin_array() {
  before_value();
  out_ += '[';
  first_in_scope_.push_back(true);
}

void JsonWriter::end_array() {
  bool empty = first_in_scope_.back();
  first_in_scope_.pop_back();
  if (!empty) newline();
  out_ += ']';
}

JsonWriter& JsonWriter::key(std::string_view name) {
  before_value();
  write_string(name);
  out_ += ": ";
  after_key_ = true;
  return *this;
}

void JsonWriter::value(std::string_view text) {
  before_value();
  write_string(text);
}

void append_json_string(std::string_view text, std::string& out) {
  out += '"';
  for (unsigned char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) out += fmt::format("\\u{:04x}", c);
        else out += static_cast<char>(c);
    }
  }
  out += '"';
}

void JsonWriter::write_string(std::string_view text) { append_json_string(text, out_); }

void JsonWriter::value(int64_t number) {
  before_value();
  out_ += std::to_string(number);
}

void JsonWriter::value(double number) {
  before_value();
  out_ += std::isfinite(number) ? fmt::format("{}", number) : "null";
}

void JsonWriter::value(bool flag) {
  before_value();
  out_ += flag ? "true" : "false";
}

void JsonWriter::null() {
  before_value();
  out_ += "null";
}

}  // namespace flow::compiler::plan
