// The JSON decoder of one source: reads the fields its queries need from one record into
// flow_values, with simdjson's on-demand parser. The behaviour is specified in json_codec.hpp.
#pragma once

#include <fmt/format.h>
#include <simdjson.h>

#include <cstdint>
#include <string>
#include <vector>

#include "compiler/plan/type.hpp"
#include "runtime/abi/flow_abi.h"

namespace flow::runtime {

//! Not thread-safe: decode() reuses the parser and buffers below, so one task thread at a time
//! may use a decoder (each partition task gets its own).
class JsonDecoder {
 public:
  //! Throws std::invalid_argument for a schema it cannot decode (see json_codec.hpp).
  JsonDecoder(const compiler::plan::Schema& schema, std::vector<bool> needed, int64_t max_record_bytes);

  int32_t decode(const char* json, int64_t len, flow_value* fields, flow_arena* arena, flow_str* detail) noexcept;

  //! Longer records are FLOW_DECODE_TOO_LARGE.
  int64_t max_record_bytes() const noexcept { return max_record_bytes_; }

 private:
  struct NeededField {
    std::string name;
    int32_t index;  //!< in the schema, and so in `fields`
    compiler::plan::TypeKind kind;
    bool nullable;
    std::string type_text;       //!< as written in flow source, for messages
    uint64_t key_bytes[2] = {};  //!< the first 16 bytes of `name`, zero-padded
    uint64_t key_mask[2] = {};   //!< 0xFF over the name's bytes among those 16
    int32_t element = -1;        //!< a list field: its element, in elements_
    int64_t max_length = 0;      //!< a list field: its declared bound (0: none)

    NeededField(std::string name, int32_t index, compiler::plan::TypeKind kind, bool nullable, std::string type_text);
    //! Whether the raw key at `key` (just after its opening quote, in the padded buffer) is `name`.
    bool is_key(const char* key) const noexcept;
  };

  //! Finds which needed field a key names, from locals (see decode_members).
  struct KeyFinder {
    const NeededField* fields;
    std::size_t count;
    const bool* first_bytes;  //!< the first bytes of needed names, and the backslash
    std::size_t guess;        //!< the needed field the next key most likely is
    //! The index in `fields` of the field named by `field`'s key, or -1.
    int find(simdjson::ondemand::field& field) noexcept;
  };

  //! What one decode() call works on; lives on its stack.
  struct Record {
    const char* input;  //!< the caller's bytes, which decoded strings point into
    int64_t len;
    flow_value* fields;
    flow_arena* arena;
    flow_str* detail;
    bool masked_utf8;  //!< parsing the copy in which invalid UTF-8 bytes were replaced
  };

  //! Makes the padded buffer and the parser hold `len` bytes; false if memory runs out.
  bool grow_buffer(int64_t len) noexcept;
  int32_t parse(Record& record, int64_t len) noexcept;
  int32_t decode_members(Record& record, simdjson::ondemand::object& object) noexcept;
  int32_t decode_value(Record& record, const NeededField& field, simdjson::ondemand::value& value) noexcept;
  //! A list field: a JSON array of its element type, into flow_values in the arena.
  int32_t decode_list(Record& record, const NeededField& field, simdjson::ondemand::value& value) noexcept;
  int32_t decode_string(Record& record, const NeededField& field, simdjson::ondemand::value& value,
                        std::string_view token) noexcept;
  int32_t decode_timestamp_text(Record& record, const NeededField& field, simdjson::ondemand::value& value,
                                std::string_view token) noexcept;
  int32_t mismatch(Record& record, const NeededField& field, simdjson::ondemand::value& value) noexcept;
  int32_t check_masked_utf8(Record& record, const NeededField& field, std::string_view token) noexcept;
  int32_t escape_failure(Record& record, const NeededField& field, std::string_view content) noexcept;
  int32_t misplaced(Record& record, std::string_view token) noexcept;
  //! Fails the record for `reason` once its reading has begun, unless its brackets do not balance:
  //! then it is malformed JSON, whatever was found first (see json_codec.hpp).
  template <typename... Args>
  int32_t reject(Record& record, int32_t reason, fmt::format_string<Args...> format, Args&&... args) noexcept;

  std::vector<NeededField> needed_;
  std::vector<NeededField> elements_;  //!< the elements of list fields, each decoded as a field at index 0
  std::size_t field_count_;
  int64_t max_record_bytes_;

  // Scratch reused by every record, so that the steady state allocates nothing.
  simdjson::ondemand::parser parser_;
  std::vector<char> buffer_;             //!< the record copied, then SIMDJSON_PADDING bytes, the first 0
  uint64_t seen_first_ = 0;              //!< bit i: needed field i was decoded in this record
  std::vector<uint8_t> seen_;            //!< the same for needed fields 64 and on
  std::vector<int64_t> masked_offsets_;  //!< where invalid UTF-8 bytes were replaced
  std::size_t next_guess_ = 0;           //!< the needed field the next key most likely is
  bool first_bytes_[256] = {};           //!< the first bytes of needed names, and the backslash
};

}  // namespace flow::runtime
