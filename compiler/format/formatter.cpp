// The canonical layout: four-space indents, one field, option, operator or statement per line,
// trailing commas in multi-line lists. Comments are re-attached by position: a comment before a
// line's node goes on its own line above it; a comment on the same source line as the node's end
// stays at the end of that line.
#include "compiler/format/formatter.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace flow::compiler::format {

namespace {

// Binding strength, loosest first; an operand printed below its context's level gets parentheses.
enum Level : int { kIf = 0, kOr, kAnd, kNot, kCompare, kAdd, kMultiply, kNegate, kPostfix, kPrimary };

int level_of(const ast::Expr& e) {
  switch (e.kind) {
    case ast::ExprKind::If: return kIf;
    case ast::ExprKind::Unary: return e.text == "not" ? kNot : kNegate;
    case ast::ExprKind::Binary:
      if (e.text == "or") return kOr;
      if (e.text == "and") return kAnd;
      if (e.text == "+" || e.text == "-") return kAdd;
      if (e.text == "*" || e.text == "/" || e.text == "%") return kMultiply;
      return kCompare;
    case ast::ExprKind::Member:
    case ast::ExprKind::Method:
    case ast::ExprKind::Index: return kPostfix;
    default: return kPrimary;
  }
}

std::string quote(const std::string& value) {
  std::string out = "\"";
  for (char c : value) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default: out += c;
    }
  }
  return out + "\"";
}

std::string print(const ast::Expr& e, int context);

std::string join(const std::vector<ast::Expr>& items, size_t from = 0) {
  std::string out;
  for (size_t i = from; i < items.size(); ++i) {
    if (i > from) out += ", ";
    out += print(items[i], kIf);
  }
  return out;
}

std::string record_field(const ast::Expr& record, size_t i) {
  const ast::Expr& value = record.children[i];
  const std::string& name = record.field_names[i].name;
  if (value.kind == ast::ExprKind::Name && value.text == name) return name;
  return name + ": " + print(value, kIf);
}

std::string print_unparenthesised(const ast::Expr& e) {
  switch (e.kind) {
    case ast::ExprKind::Int:
    case ast::ExprKind::Float:
    case ast::ExprKind::Duration: return e.text;
    case ast::ExprKind::String: return quote(e.text);
    case ast::ExprKind::Bool: return e.int_value ? "true" : "false";
    case ast::ExprKind::Null: return "null";
    case ast::ExprKind::Name: return e.text;
    case ast::ExprKind::Member: return print(e.children[0], kPostfix) + "." + e.text;
    case ast::ExprKind::Method: return print(e.children[0], kPostfix) + "." + e.text + "(" + join(e.children, 1) + ")";
    case ast::ExprKind::Index: return print(e.children[0], kPostfix) + "[" + print(e.children[1], kIf) + "]";
    case ast::ExprKind::Call: return e.text + "(" + join(e.children) + ")";
    case ast::ExprKind::Unary: {
      if (e.text == "not") return "not " + print(e.children[0], kNot);
      std::string operand = print(e.children[0], kNegate);
      return operand.starts_with('-') ? "- " + operand : "-" + operand;
    }
    case ast::ExprKind::Binary: {
      int level = level_of(e);
      // Left associative: the right operand binds one level tighter. Comparisons do not chain.
      int left = level == kCompare ? kCompare + 1 : level;
      return print(e.children[0], left) + " " + e.text + " " + print(e.children[1], level + 1);
    }
    case ast::ExprKind::If:
      return "if " + print(e.children[0], kIf) + " then " + print(e.children[1], kIf) + " else " +
             print(e.children[2], kIf);
    case ast::ExprKind::Record: {
      if (e.children.empty()) return "{}";
      std::string out = "{ ";
      for (size_t i = 0; i < e.children.size(); ++i) {
        if (i) out += ", ";
        out += record_field(e, i);
      }
      return out + " }";
    }
  }
  return "";
}

std::string print(const ast::Expr& e, int context) {
  std::string text = print_unparenthesised(e);
  return level_of(e) < context ? "(" + text + ")" : text;
}

constexpr size_t kLineWidth = 100;

class Printer {
 public:
  Printer(const SourceFile& file, const std::vector<ast::Comment>& comments) : file_(file), comments_(comments) {}

  std::string run(const ast::Program& program) {
    for (size_t i = 0; i < program.declarations.size(); ++i) {
      if (i && separate(program.declarations[i - 1], program.declarations[i])) out_ += "\n";
      std::visit([&](const auto& d) { declaration(d); }, program.declarations[i]);
    }
    // Comments after the last declaration.
    if (next_ < comments_.size() && !program.declarations.empty()) out_ += "\n";
    flush_comments(0, UINT32_MAX);
    return out_;
  }

 private:
  // -------------------------------------------------------------------------------- layout
  //! Sources and queries always stand apart; runs of sinks or metrics stay together as written.
  bool separate(const ast::Declaration& previous, const ast::Declaration& next) const {
    if (previous.index() != next.index()) return true;
    if (std::holds_alternative<ast::SourceDecl>(next) || std::holds_alternative<ast::QueryDecl>(next)) return true;
    // Keep the separation the author chose: a blank line anywhere between the two.
    Span gap{ast::span_of(previous).end, ast::span_of(next).begin};
    std::string_view text = std::string_view(file_.text()).substr(gap.begin, gap.end - gap.begin);
    size_t line_start = text.find('\n');
    while (line_start != std::string_view::npos) {
      size_t line_end = text.find('\n', line_start + 1);
      if (line_end == std::string_view::npos) break;
      std::string_view line = text.substr(line_start + 1, line_end - line_start - 1);
      if (line.find_first_not_of(" \t\r") == std::string_view::npos) return true;
      line_start = line_end;
    }
    return false;
  }

  //! Writes the comments before `before`, each on its own line. `keep_blank_lines` keeps a blank
  //! line that separated a comment from what follows it (but not inside a node: see line()).
  void flush_comments(int indent, uint32_t before, bool keep_blank_lines = true) {
    while (next_ < comments_.size() && comments_[next_].span.begin < before) {
      out_ += std::string(indent * 4, ' ');
      out_ += comment_text(next_);
      out_ += "\n";
      uint32_t gap_end = next_ + 1 < comments_.size() ? std::min(before, comments_[next_ + 1].span.begin) : before;
      if (keep_blank_lines && gap_end != UINT32_MAX && has_blank_line(comments_[next_].span.end, gap_end))
        out_ += "\n";
      ++next_;
    }
  }

  //! Whether a blank line follows `from`, before the next token (a `|`, say) and before `to`.
  bool has_blank_line(uint32_t from, uint32_t to) const {
    std::string_view gap = std::string_view(file_.text()).substr(from, to > from ? to - from : 0);
    gap = gap.substr(0, gap.find_first_not_of(" \t\r\n"));
    return std::count(gap.begin(), gap.end(), '\n') >= 2;
  }

  std::string_view comment_text(size_t i) const {
    const Span& s = comments_[i].span;
    return std::string_view(file_.text()).substr(s.begin, s.end - s.begin);
  }

  //! Writes one line. `anchor` is the source the line stands for; comments before it go above,
  //! and so do comments inside it (the line may join several source lines); a comment on the
  //! source line where it ends goes at the end.
  void line(int indent, std::string_view text, Span anchor, int comment_indent = -1) {
    comment_indent = comment_indent < 0 ? indent : comment_indent;
    flush_comments(comment_indent, anchor.begin);
    uint32_t last = anchor.end > anchor.begin ? anchor.end - 1 : anchor.begin;
    flush_comments(comment_indent, std::min(anchor.end, last - (file_.position(last).column - 1)), false);
    write_line(indent, text, last, UINT32_MAX);
  }

  //! Writes a line that stands between two nodes, such as `} with (` or `} else {`. It ends with
  //! the source token just before `next`: comments before that token go above, and a comment
  //! after it on its source line (but before `next`) goes at the end.
  void separator(int indent, std::string_view text, uint32_t next, int comment_indent) {
    uint32_t token = token_before(next);
    flush_comments(comment_indent, token);
    write_line(indent, text, token, next);
  }

  //! Writes `text` and, if the next comment starts before `before` on the source line of `at`,
  //! that comment at the end of the line.
  void write_line(int indent, std::string_view text, uint32_t at, uint32_t before) {
    out_ += std::string(indent * 4, ' ');
    out_ += text;
    if (next_ < comments_.size() && comments_[next_].span.begin < before &&
        file_.position(comments_[next_].span.begin).line == file_.position(at).line) {
      out_ += "  ";
      out_ += comment_text(next_++);
    }
    out_ += "\n";
  }

  //! Offset of the last character of the token before `offset`, skipping blanks and comments.
  uint32_t token_before(uint32_t offset) const {
    const std::string& text = file_.text();
    while (offset > 0) {
      if (std::isspace(static_cast<unsigned char>(text[offset - 1]))) {
        --offset;
        continue;
      }
      auto after = std::upper_bound(comments_.begin(), comments_.end(), offset - 1,
                                    [](uint32_t at, const ast::Comment& c) { return at < c.span.begin; });
      if (after == comments_.begin() || std::prev(after)->span.end <= offset - 1) break;
      offset = std::prev(after)->span.begin;
    }
    return offset > 0 ? offset - 1 : 0;
  }

  bool has_comment_within(Span span) const {
    auto first = std::lower_bound(comments_.begin(), comments_.end(), span.begin,
                                  [](const ast::Comment& c, uint32_t at) { return c.span.begin < at; });
    return first != comments_.end() && first->span.begin < span.end;
  }

  static Span head(Span span) { return {span.begin, span.begin + 1}; }
  static Span tail(Span span) { return {span.end > 0 ? span.end - 1 : 0, span.end}; }

  // -------------------------------------------------------------------------------- declarations
  void declaration(const ast::SourceDecl& s) {
    line(0, fmt::format("{} {} from kafka {} as {} {{", s.table ? "table" : "source", s.name.name, print(s.topic, kIf), s.format.name),
         head(s.span));
    for (const auto& field : s.fields)
      line(1, fmt::format("{}: {},", field.name.name, format_type(field.type)), field.span);
    if (s.options.empty()) {
      line(0, "};", tail(s.span), 1);
      return;
    }
    uint32_t options_begin = s.options.front().span.begin;
    separator(0, "} with (", options_begin, 1);
    for (const auto& option : s.options)
      line(1, fmt::format("{} = {},", option.name.name, print(option.value, kIf)), option.span);
    line(0, ");", tail(s.span), 1);
  }

  void declaration(const ast::SinkDecl& s) {
    if (s.kind.name == "stdout")
      line(0, fmt::format("sink {} to stdout;", s.name.name), s.span);
    else
      line(0,
           fmt::format("sink {} to kafka {} as {};", s.name.name, print(*s.topic, kIf),
                       s.format ? s.format->name : "json"),
           s.span);
  }

  void declaration(const ast::MetricDecl& m) { line(0, fmt::format("metric {};", m.name.name), m.span); }

  void declaration(const ast::QueryDecl& q) {
    line(0, fmt::format("query {} {{", q.name.name), head(q.span));
    std::string from = "from ";
    for (size_t i = 0; i < q.inputs.size(); ++i) {
      if (i) from += ", ";
      from += q.inputs[i].source.name;
      if (q.inputs[i].key) from += " key by " + print(*q.inputs[i].key, kIf);
    }
    line(1, from, {q.inputs.front().span.begin, q.inputs.back().span.end});
    for (const auto& op : q.operators) operator_line(op);
    line(0, "}", tail(q.span), 1);
  }

  // -------------------------------------------------------------------------------- operators
  static std::string items(const std::vector<ast::NamedExpr>& list) {
    std::string out;
    for (size_t i = 0; i < list.size(); ++i) {
      if (i) out += ", ";
      out += print(list[i].value, kIf);
      if (list[i].alias) out += " as " + list[i].alias->name;
    }
    return out;
  }

  void operator_line(const ast::Operator& op) {
    switch (op.kind) {
      case ast::OpKind::Where: line(1, "| where " + print(*op.condition, kIf), op.span); break;
      case ast::OpKind::Select: line(1, "| select " + items(op.items), op.span); break;
      case ast::OpKind::Tally:
        line(1, "| tally " + op.target.name + (op.condition ? " when " + print(*op.condition, kIf) : ""), op.span);
        break;
      case ast::OpKind::Explode: line(1, "| explode " + items(op.items), op.span); break;
      case ast::OpKind::KeyBy: line(1, "| key by " + print(op.keys.front(), kIf), op.span); break;
      case ast::OpKind::GroupBy: {
        std::string text = "| group by" + (op.keys.empty() ? "" : " " + join(op.keys));
        if (op.window)
          text += " window " + op.window->kind.name + "(" + join(op.window->arguments) + ")" +
                  (op.window->processing_time ? " in processing time" : "");
        line(1, text, op.span);
        break;
      }
      case ast::OpKind::Aggregate: {
        std::string text = "| aggregate " + items(op.items);
        if (op.timeout) text += " timeout " + print(*op.timeout, kIf) + (op.processing_time ? " in processing time" : "");
        line(1, text, op.span);
        break;
      }
      case ast::OpKind::Top: {
        std::string text = "| top " + print(*op.limit, kIf) + " by ";
        for (size_t i = 0; i < op.order.size(); ++i)
          text += (i ? ", " : "") + print(op.order[i].value, kIf) + (op.order[i].descending ? " desc" : "");
        line(1, text, op.span);
        break;
      }
      case ast::OpKind::Emit: line(1, "| emit " + op.target.name, op.span); break;
      case ast::OpKind::Into: line(1, "| into " + op.target.name, op.span); break;
      case ast::OpKind::Join: {
        std::string text = fmt::format("| {}join {}", op.left ? "left " : op.full ? "full " : "", op.target.name);
        const auto& before = op.within_before;
        const auto& after = op.within_after;
        if (before && after && print(*before, kIf) == print(*after, kIf))
          text += " within " + print(*before, kIf);
        else if (before && after)
          text += " within " + print(*before, kIf) + " before and " + print(*after, kIf) + " after";
        else if (before)
          text += " within " + print(*before, kIf) + " before";
        else if (after)
          text += " within " + print(*after, kIf) + " after";
        text += " on " + print(op.keys.front(), kIf);
        if (op.keys.size() > 1) text += " = " + print(op.keys[1], kIf);
        line(1, text, op.span);
        break;
      }
      case ast::OpKind::Process: process(op); break;
    }
  }

  void process(const ast::Operator& op) {
    line(1, "| process state {", head(op.span));
    for (const auto& field : op.state) {
      std::string text = field.name.name + ": " + format_type(field.type);
      if (field.initial) text += " = " + print(*field.initial, kIf);
      line(2, text + ",", field.span);
    }
    std::string close = "}";
    if (op.timeout) {
      close += " timeout " + print(*op.timeout, kIf);
      if (op.processing_time) close += " in processing time";
    }
    separator(1, close + " {", op.handlers.empty() ? tail(op.span).begin : op.handlers.front().span.begin, 2);
    for (const auto& handler : op.handlers) {
      line(2, "on " + handler.event.name + " {", head(handler.span));
      block(3, handler.body);
      line(2, "}", tail(handler.span), 3);
    }
    line(1, "}", tail(op.span), 2);
  }

  // -------------------------------------------------------------------------------- statements
  void block(int indent, const std::vector<ast::Stmt>& body) {
    for (const auto& statement : body) this->statement(indent, statement);
  }

  void statement(int indent, const ast::Stmt& s) {
    switch (s.kind) {
      case ast::StmtKind::Let: line(indent, "let " + s.name.name + " = " + print(s.value, kIf), s.span); break;
      case ast::StmtKind::Assign: line(indent, print(s.target, kIf) + " = " + print(s.value, kIf), s.span); break;
      case ast::StmtKind::AddAssign: line(indent, print(s.target, kIf) + " += " + print(s.value, kIf), s.span); break;
      case ast::StmtKind::SubAssign: line(indent, print(s.target, kIf) + " -= " + print(s.value, kIf), s.span); break;
      case ast::StmtKind::ClearState: line(indent, "clear state", s.span); break;
      case ast::StmtKind::Tally: line(indent, "tally " + s.name.name, s.span); break;
      case ast::StmtKind::Call: line(indent, print(s.value, kIf), s.span); break;
      case ast::StmtKind::Emit: emit(indent, s); break;
      case ast::StmtKind::If: if_statement(indent, s, ""); break;
      case ast::StmtKind::For:
        line(indent, "for " + s.name.name + " in " + print(s.value, kIf) + " {", head(s.span));
        block(indent + 1, s.body);
        line(indent, "}", tail(s.span), indent + 1);
        break;
    }
  }

  void emit(int indent, const ast::Stmt& s) {
    std::string one_line = "emit " + print(s.value, kIf);
    // A record stays one field a line when it does not fit, or when comments sit among its fields.
    bool fits = indent * 4 + one_line.size() <= kLineWidth && !has_comment_within(s.span);
    if (s.value.kind != ast::ExprKind::Record || fits) {
      line(indent, one_line, s.span);
      return;
    }
    line(indent, "emit {", head(s.span));
    for (size_t i = 0; i < s.value.children.size(); ++i)
      line(indent + 1, record_field(s.value, i) + ",",
           {s.value.field_names[i].span.begin, s.value.children[i].span.end});
    line(indent, "}", tail(s.span), indent + 1);
  }

  //! `prefix` is "" for the first `if` of a chain and "} else " for each `else if`.
  void if_statement(int indent, const ast::Stmt& s, std::string_view prefix) {
    // Comments before an `else if` belong to the block it closes, hence one indent deeper.
    line(indent, std::string(prefix) + "if " + print(s.value, kIf) + " {", head(s.span),
         prefix.empty() ? indent : indent + 1);
    block(indent + 1, s.body);
    if (!s.has_else) {
      line(indent, "}", tail(s.span), indent + 1);
      return;
    }
    if (s.else_body.size() == 1 && s.else_body.front().kind == ast::StmtKind::If) {
      if_statement(indent, s.else_body.front(), "} else ");
      return;
    }
    separator(indent, "} else {", s.else_body.empty() ? tail(s.span).begin : s.else_body.front().span.begin,
              indent + 1);
    block(indent + 1, s.else_body);
    line(indent, "}", tail(s.span), indent + 1);
  }

  const SourceFile& file_;
  const std::vector<ast::Comment>& comments_;
  size_t next_ = 0;
  std::string out_;
};

}  // namespace

std::string format_expr(const ast::Expr& expr) { return print(expr, kIf); }

std::string format_type(const ast::TypeRef& type) {
  std::string out = type.name.name;
  if (!type.arguments.empty()) out += "<" + format_type(type.arguments.front()) + ">";
  if (type.max_length) out += "(max " + type.max_length->text + ")";
  if (type.nullable) out += "?";
  return out;
}

std::string format_program(const ast::Program& program, const SourceFile& file) {
  return Printer(file, program.comments).run(program);
}

}  // namespace flow::compiler::format
