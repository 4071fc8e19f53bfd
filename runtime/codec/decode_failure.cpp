// Writing a decode failure's detail into the arena.
#include "runtime/codec/decode_failure.hpp"

#include "runtime/codec/arena_output.hpp"

namespace flow::runtime {

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

}  // namespace flow::runtime
