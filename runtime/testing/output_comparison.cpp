// Comparing a sink's records with a fixture's expected records (rules in the header).
#include "runtime/testing/output_comparison.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "runtime/codec/json_string.hpp"

namespace flow::runtime::testing {

namespace {

namespace dom = simdjson::dom;

void append_number(double value, std::string& out) {
  // 1, 1.0 and 1e0 are one value: an integral double within int64 prints as an integer.
  if (std::isfinite(value) && value == std::trunc(value) && std::fabs(value) < 9.2e18)
    out += std::to_string(static_cast<int64_t>(value));
  else
    out += fmt::format("{}", value);
}

void append_canonical(dom::element element, std::string& out) {
  switch (element.type()) {
    case dom::element_type::ARRAY: {
      out += '[';
      bool first = true;
      for (dom::element item : dom::array(element)) {
        if (!first) out += ',';
        first = false;
        append_canonical(item, out);
      }
      out += ']';
      break;
    }
    case dom::element_type::OBJECT: {
      std::vector<std::pair<std::string_view, dom::element>> fields;
      for (dom::key_value_pair field : dom::object(element)) fields.emplace_back(field.key, field.value);
      std::stable_sort(fields.begin(), fields.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
      out += '{';
      for (size_t i = 0; i < fields.size(); ++i) {
        if (i) out += ',';
        append_json_string(fields[i].first, out);
        out += ':';
        append_canonical(fields[i].second, out);
      }
      out += '}';
      break;
    }
    case dom::element_type::INT64: out += std::to_string(int64_t(element)); break;
    case dom::element_type::UINT64: out += std::to_string(uint64_t(element)); break;
    case dom::element_type::DOUBLE: append_number(double(element), out); break;
    case dom::element_type::STRING: append_json_string(std::string_view(element), out); break;
    case dom::element_type::BOOL: out += bool(element) ? "true" : "false"; break;
    case dom::element_type::NULL_VALUE: out += "null"; break;
  }
}

std::string canonical(dom::element element) {
  std::string out;
  append_canonical(element, out);
  return out;
}

//! The top-level fields of a JSON object as (name, canonical value), in the text's order.
std::vector<std::pair<std::string, std::string>> object_fields(const std::string& text) {
  std::vector<std::pair<std::string, std::string>> fields;
  dom::parser parser;
  dom::element root;
  if (parser.parse(text).get(root) || !root.is_object()) return fields;
  for (dom::key_value_pair field : dom::object(root)) fields.emplace_back(std::string(field.key), canonical(field.value));
  return fields;
}

const std::string* find_field(const std::vector<std::pair<std::string, std::string>>& fields, const std::string& name) {
  for (const auto& [n, v] : fields)
    if (n == name) return &v;
  return nullptr;
}

//! How alike two records are: the number of fields with equal values, or -1 when too few agree
//! for a reader to see them as one record with a few wrong fields.
int likeness(const std::vector<std::pair<std::string, std::string>>& a,
             const std::vector<std::pair<std::string, std::string>>& b) {
  int equal = 0;
  for (const auto& [name, value] : a)
    if (const std::string* other = find_field(b, name); other && *other == value) ++equal;
  int widest = static_cast<int>(std::max(a.size(), b.size()));
  return equal >= 1 && 2 * equal >= widest ? equal : -1;
}

std::vector<std::string> field_differences(const std::vector<std::pair<std::string, std::string>>& expected,
                                           const std::vector<std::pair<std::string, std::string>>& received) {
  std::vector<std::string> lines;
  for (const auto& [name, value] : expected) {
    const std::string* got = find_field(received, name);
    if (!got)
      lines.push_back(fmt::format("{}: expected {}, got no such field", name, value));
    else if (*got != value)
      lines.push_back(fmt::format("{}: expected {}, got {}", name, value, *got));
  }
  for (const auto& [name, value] : received)
    if (!find_field(expected, name)) lines.push_back(fmt::format("{}: not expected, got {}", name, value));
  return lines;
}

}  // namespace

std::optional<std::string> canonical_json(std::string_view text) {
  dom::parser parser;
  dom::element root;
  if (parser.parse(text.data(), text.size()).get(root)) return std::nullopt;
  return canonical(root);
}

Comparison compare_records(const std::vector<std::string>& expected_lines, const std::vector<ReceivedRecord>& received) {
  Comparison result;
  struct Line {
    std::string text, canonical;
  };
  std::vector<Line> expected;
  for (const std::string& line : expected_lines) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto c = canonical_json(line);
    if (!c) {
      result.invalid_expected.push_back(line);
      continue;
    }
    expected.push_back({line, *c});
  }
  std::vector<std::string> received_canonical;
  for (const auto& record : received) received_canonical.push_back(canonical_json(record.value).value_or(record.value));

  // A multiset difference: each received record takes one equal expected record.
  std::multimap<std::string, size_t> unmatched;
  for (size_t i = 0; i < expected.size(); ++i) unmatched.emplace(expected[i].canonical, i);
  std::vector<size_t> unexpected;
  for (size_t r = 0; r < received.size(); ++r) {
    auto it = unmatched.find(received_canonical[r]);
    if (it == unmatched.end())
      unexpected.push_back(r);
    else
      unmatched.erase(it);
  }
  std::vector<size_t> missing;
  for (const auto& [c, i] : unmatched) missing.push_back(i);
  std::sort(missing.begin(), missing.end());

  // A missing and an unexpected record that agree on most fields are one record with wrong
  // fields: shown side by side, field by field.
  std::vector<bool> paired(unexpected.size(), false);
  for (size_t i : missing) {
    auto want = object_fields(expected[i].text);
    int best = -1;
    size_t best_index = 0;
    for (size_t u = 0; u < unexpected.size(); ++u) {
      if (paired[u]) continue;
      int score = likeness(want, object_fields(received[unexpected[u]].value));
      if (score > best) {
        best = score;
        best_index = u;
      }
    }
    if (best < 0) {
      result.missing.push_back(expected[i].text);
      continue;
    }
    paired[best_index] = true;
    const std::string& got = received[unexpected[best_index]].value;
    result.different.push_back({expected[i].text, got, field_differences(want, object_fields(got))});
  }
  std::vector<bool> matched(received.size(), true);
  for (size_t u = 0; u < unexpected.size(); ++u) {
    matched[unexpected[u]] = false;
    if (!paired[u]) result.unexpected.push_back(received[unexpected[u]].value);
  }

  // Within a key, the order is the order of processing: the key's records must appear in the
  // expected file in the order received (other keys' records may sit between them). Checked
  // over the records that match, so a wrong field does not hide a wrong order.
  std::map<std::string, std::vector<size_t>> by_key;
  for (size_t r = 0; r < received.size(); ++r)
    if (received[r].key && matched[r]) by_key[*received[r].key].push_back(r);
  for (const auto& [key, indexes] : by_key) {
    size_t at = 0;
    bool in_order = true;
    for (size_t r : indexes) {
      while (at < expected.size() && expected[at].canonical != received_canonical[r]) ++at;
      if (at == expected.size()) {
        in_order = false;
        break;
      }
      ++at;
    }
    if (in_order) continue;
    std::string order;
    for (size_t r : indexes) order += fmt::format("\n    {}", received[r].value);
    result.out_of_order.push_back(fmt::format("key `{}`: received in this order, which the expected file does not "
                                              "follow:{}",
                                              key, order));
  }
  return result;
}

std::string render_comparison(const Comparison& c, std::string_view indent) {
  std::string out;
  for (const auto& line : c.invalid_expected)
    out += fmt::format("{}not JSON in the expected file: {}\n", indent, line);
  for (const auto& d : c.different) {
    out += fmt::format("{}different record:\n{}  expected {}\n{}       got {}\n", indent, indent, d.expected, indent,
                       d.received);
    for (const auto& field : d.fields) out += fmt::format("{}    {}\n", indent, field);
  }
  if (!c.missing.empty()) {
    out += fmt::format("{}missing (expected, not received):\n", indent);
    for (const auto& line : c.missing) out += fmt::format("{}  {}\n", indent, line);
  }
  if (!c.unexpected.empty()) {
    out += fmt::format("{}unexpected (received, not expected):\n", indent);
    for (const auto& line : c.unexpected) out += fmt::format("{}  {}\n", indent, line);
  }
  for (const auto& text : c.out_of_order) {
    std::string indented;
    for (char ch : text) {
      indented += ch;
      if (ch == '\n') indented += indent;
    }
    out += fmt::format("{}order within {}\n", indent, indented);
  }
  return out;
}

std::vector<std::string> expected_file_order(const std::vector<ReceivedRecord>& received) {
  std::vector<size_t> order(received.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const auto& x = received[a];
    const auto& y = received[b];
    if (x.key.has_value() != y.key.has_value()) return x.key.has_value();
    if (x.key) return *x.key < *y.key;  // within a key: as received
    return x.value < y.value;
  });
  std::vector<std::string> lines;
  for (size_t i : order) lines.push_back(received[i].value);
  return lines;
}

}  // namespace flow::runtime::testing
