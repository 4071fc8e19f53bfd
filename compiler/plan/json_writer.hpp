// A small streaming JSON writer for the plan (`flowc explain --format json`): objects, arrays,
// strings with escapes, numbers and booleans, indented two spaces so golden files diff well.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace flow::compiler::plan {

//! Appends `text` as a JSON string literal (quotes, backslashes and control characters escaped;
//! other bytes as they are).
void append_json_string(std::string_view text, std::string& out);

class JsonWriter {
 public:
  void begin_object();
  void end_object();
  void begin_array();
  void end_array();
  //! The next value or container is a member called `name`.
  JsonWriter& key(std::string_view name);

  void value(std::string_view text);
  void value(const char* text) { value(std::string_view(text)); }
  void value(int64_t number);
  void value(int number) { value(static_cast<int64_t>(number)); }
  void value(double number);
  void value(bool flag);
  void null();

  const std::string& str() const { return out_; }

 private:
  void before_value();
  void write_string(std::string_view text);
  void newline();

  std::string out_;
  std::vector<bool> first_in_scope_;
  bool after_key_ = false;
};

}  // namespace flow::compiler::plan
