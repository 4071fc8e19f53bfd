// Comparing what a sink received with the records a fixture expects, and the diff shown to the
// user. Rules (docs/testing.md): values are compared as JSON (field order, spacing and the
// spelling of a number do not matter: 1, 1.0 and 1e0 are equal); across keys the order is not
// defined, so records are compared as a multiset; within one key the order is the order of
// processing, so the records of each key must appear in the expected file in the order the sink
// received them.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flow::runtime::testing {

//! A record as the sink topic holds it.
struct ReceivedRecord {
  std::optional<std::string> key;  //!< the Kafka message key (the query's key), if any
  std::string value;               //!< the JSON text
};

//! `text` as canonical JSON (object fields sorted, numbers by value, minimal spacing), or
//! nothing when it is not one JSON value.
std::optional<std::string> canonical_json(std::string_view text);

struct DifferentRecord {
  std::string expected, received;
  std::vector<std::string> fields;  //!< "clicks: expected 3, got 4" per differing field
};

struct Comparison {
  std::vector<std::string> missing;     //!< expected, not received
  std::vector<std::string> unexpected;  //!< received, not expected
  std::vector<DifferentRecord> different;  //!< a missing and an unexpected record that look alike
  std::vector<std::string> out_of_order;   //!< per key whose records came in another order
  std::vector<std::string> invalid_expected;  //!< expected lines that are not JSON
  bool ok() const {
    return missing.empty() && unexpected.empty() && different.empty() && out_of_order.empty() &&
           invalid_expected.empty();
  }
};

//! Compares expected lines (empty ones skipped) with the received records.
Comparison compare_records(const std::vector<std::string>& expected, const std::vector<ReceivedRecord>& received);

//! The diff as shown to the user, each line indented by `indent`.
std::string render_comparison(const Comparison& comparison, std::string_view indent);

//! The order `--update` writes: by key, then (records without a key, or within a key where the
//! order is not defined) as received for keyed records and sorted for unkeyed ones.
std::vector<std::string> expected_file_order(const std::vector<ReceivedRecord>& received);

}  // namespace flow::runtime::testing
