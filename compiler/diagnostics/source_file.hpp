// A `.flow` file held in memory, with the line table diagnostics need to turn byte offsets into
// line:column positions. The text outlives every AST built from it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace flow::compiler {

//! A half-open byte range [begin, end) into a SourceFile's text.
struct Span {
  uint32_t begin = 0;
  uint32_t end = 0;

  bool operator==(const Span&) const = default;
};

struct LineColumn {
  uint32_t line = 1;    //!< 1-based
  uint32_t column = 1;  //!< 1-based, counted in bytes
};

class SourceFile {
 public:
  SourceFile(std::string path, std::string text);

  const std::string& path() const { return path_; }
  const std::string& text() const { return text_; }

  LineColumn position(uint32_t offset) const;
  //! The text of a 1-based line, without its line break.
  std::string_view line_text(uint32_t line) const;
  uint32_t line_count() const { return static_cast<uint32_t>(line_starts_.size()); }

 private:
  std::string path_;
  std::string text_;
  std::vector<uint32_t> line_starts_;
};

}  // namespace flow::compiler
