// The JSON encoder of one query's output: writes one record's flow_values as a JSON object into
// the arena. The behaviour is specified in json_codec.hpp.
#pragma once

#include <string>
#include <vector>

#include "runtime/eval/value.hpp"
#include "compiler/plan/type.hpp"
#include "runtime/abi/flow_abi.h"

namespace flow::runtime {

//! Immutable once built, so any number of threads may use one encoder at once.
class JsonEncoder {
 public:
  //! Throws std::invalid_argument for a schema it cannot encode (see json_codec.hpp).
  explicit JsonEncoder(const compiler::plan::Schema& schema);

  flow_str encode(const flow_value* fields, flow_arena* arena) const noexcept;
  //! The same record from evaluated values (keyed state's outputs), lists of scalars included.
  flow_str encode_values(const std::vector<eval::Value>& fields, flow_arena* arena) const;

 private:
  struct EncodedField {
    std::string prefix;  //!< `{"name":` for the first field, `,"name":` for the others
    compiler::plan::TypeKind kind;
    compiler::plan::TypeKind element;  //!< List: the element kind
  };
  std::vector<EncodedField> fields_;
};

}  // namespace flow::runtime
