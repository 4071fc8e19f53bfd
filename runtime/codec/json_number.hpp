// The shape of a JSON number token (RFC 8259 section 6), to say why simdjson refused one: not a
// number at all, a float where an integer was wanted, or a number too large for its type.
#pragma once

#include <string_view>

namespace flow::runtime {

enum class JsonNumberShape { Invalid, Integer, Fraction };  // Fraction: has `.` or an exponent

// number = [ "-" ] ( "0" / 1-9 *DIGIT ) [ "." 1*DIGIT ] [ ( "e" / "E" ) [ "+" / "-" ] 1*DIGIT ]
inline JsonNumberShape json_number_shape(std::string_view token) noexcept {
  std::size_t at = 0;
  auto digit = [&](std::size_t i) { return i < token.size() && token[i] >= '0' && token[i] <= '9'; };
  auto digit_run = [&] {
    const std::size_t first = at;
    while (digit(at)) ++at;
    return at > first;
  };
  if (at < token.size() && token[at] == '-') ++at;
  if (at < token.size() && token[at] == '0') {
    ++at;
  } else if (!digit_run()) {
    return JsonNumberShape::Invalid;
  }
  bool fraction = false;
  if (at < token.size() && token[at] == '.') {
    ++at;
    if (!digit_run()) return JsonNumberShape::Invalid;
    fraction = true;
  }
  if (at < token.size() && (token[at] == 'e' || token[at] == 'E')) {
    ++at;
    if (at < token.size() && (token[at] == '+' || token[at] == '-')) ++at;
    if (!digit_run()) return JsonNumberShape::Invalid;
    fraction = true;
  }
  if (at != token.size()) return JsonNumberShape::Invalid;
  return fraction ? JsonNumberShape::Fraction : JsonNumberShape::Integer;
}

}  // namespace flow::runtime
