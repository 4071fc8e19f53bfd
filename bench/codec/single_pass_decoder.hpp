// The JSON decoder of one source without simdjson: one pass over the record's bytes that checks
// the whole record's JSON grammar (skipped values included) and decodes the needed fields on the
// way, with a table of the needed fields built once from the schema. Same behaviour as JsonDecoder
// (json_codec.hpp) on every record that is valid JSON, except that it is stricter: any record that
// is not valid JSON (RFC 8259) is FLOW_DECODE_MALFORMED_JSON, even when the fault is in a value no
// query reads (`{"n":tru}`), where JsonDecoder, which only walks simdjson's structure, accepts it.
// What "valid JSON" means here, where RFC 8259 leaves it to the parser:
// - invalid UTF-8 bytes inside strings do not make the record malformed (outside strings they do):
//   inside a needed field's value they are FLOW_DECODE_INVALID_UTF8, elsewhere they are ignored, as
//   in JsonDecoder; likewise a `\u` escape of a lone surrogate;
// - numbers of any size are valid JSON; a needed one that does not fit is FLOW_DECODE_OUT_OF_RANGE;
// - values nest at most 1024 levels deep, the record's object included (simdjson's limit).
// Reads exactly `len` bytes (records need no padding), allocates nothing per record, and never
// throws. decode() changes no state unless more than 64 fields are needed (then it reuses one
// scratch vector): one thread at a time per decoder, as for JsonDecoder.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "compiler/plan/type.hpp"
#include "runtime/abi/flow_abi.h"

namespace flow::runtime {

class SinglePassDecoder {
 public:
  //! Throws std::invalid_argument for a schema it cannot decode, as JsonDecoder does.
  SinglePassDecoder(const compiler::plan::Schema& schema, std::vector<bool> needed, int64_t max_record_bytes);

  int32_t decode(const char* json, int64_t len, flow_value* fields, flow_arena* arena, flow_str* detail) noexcept;

  struct NeededField {
    std::string name;
    int32_t index;  //!< in the schema, and so in `fields`
    compiler::plan::TypeKind kind;
    bool nullable;
    std::string type_text;  //!< as written in flow source, for messages
  };

 private:
  std::vector<NeededField> needed_;
  std::size_t field_count_;
  int64_t max_record_bytes_;
  std::size_t longest_name_ = 0;
  bool first_bytes_[256] = {};   //!< the first bytes of needed names, and the backslash
  std::vector<uint8_t> seen_;    //!< which needed fields 64 and on were decoded in this record
};

}  // namespace flow::runtime
