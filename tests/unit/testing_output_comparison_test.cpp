// `flowrun test`'s comparison rules: JSON values by value, a multiset across keys, processing
// order within a key, and a readable diff.
#include <doctest/doctest.h>

#include "runtime/testing/output_comparison.hpp"

using namespace flow::runtime::testing;

TEST_CASE("canonical JSON ignores field order, spacing and the spelling of numbers") {
  CHECK(canonical_json(R"({"b": 1.0, "a": [1e0, "x"]})") == canonical_json(R"({"a":[1,"x"],"b":1})"));
  CHECK(canonical_json(R"({"a": 1.5})") != canonical_json(R"({"a": 1})"));
  CHECK(canonical_json(R"({"a": "1"})") != canonical_json(R"({"a": 1})"));
  CHECK(canonical_json(R"({"a": null})") != canonical_json(R"({})"));
  CHECK_FALSE(canonical_json("{\"a\":").has_value());
}

TEST_CASE("records match as a multiset across keys") {
  std::vector<ReceivedRecord> received = {{"b", R"({"user":"b","n":1})"}, {"a", R"({"user":"a","n":1})"}};
  CHECK(compare_records({R"({"user":"a","n":1})", R"({"user":"b","n":1})", ""}, received).ok());
  // A duplicate is a difference: one expected record matches one received record.
  received.push_back({"a", R"({"user":"a","n":1})"});
  Comparison c = compare_records({R"({"user":"a","n":1})", R"({"user":"b","n":1})"}, received);
  REQUIRE(c.unexpected.size() == 1);
  CHECK(c.missing.empty());
}

TEST_CASE("a record with a few wrong fields is shown field by field") {
  Comparison c = compare_records({R"({"user":"ann","clicks":3,"bytes":10})"},
                                 {{"ann", R"({"user":"ann","clicks":4,"bytes":10})"}});
  REQUIRE(c.different.size() == 1);
  REQUIRE(c.different[0].fields.size() == 1);
  CHECK(c.different[0].fields[0] == "clicks: expected 3, got 4");
  std::string diff = render_comparison(c, "");
  CHECK(diff.find("different record:") != std::string::npos);
  CHECK(diff.find("expected {\"user\":\"ann\",\"clicks\":3,\"bytes\":10}") != std::string::npos);
}

TEST_CASE("unrelated records are missing and unexpected, not paired") {
  Comparison c = compare_records({R"({"user":"ann","clicks":3})"}, {{"bob", R"({"user":"bob","clicks":4})"}});
  CHECK(c.different.empty());
  CHECK(c.missing.size() == 1);
  CHECK(c.unexpected.size() == 1);
  std::string diff = render_comparison(c, "  ");
  CHECK(diff.find("  missing (expected, not received):\n    {\"user\":\"ann\",\"clicks\":3}") != std::string::npos);
  CHECK(diff.find("  unexpected (received, not expected):\n    {\"user\":\"bob\",\"clicks\":4}") != std::string::npos);
}

TEST_CASE("within a key the expected file must follow the order received") {
  std::vector<ReceivedRecord> received = {{"a", R"({"k":"a","n":1})"}, {"b", R"({"k":"b","n":1})"},
                                          {"a", R"({"k":"a","n":2})"}};
  // Other keys' records may sit anywhere.
  CHECK(compare_records({R"({"k":"b","n":1})", R"({"k":"a","n":1})", R"({"k":"a","n":2})"}, received).ok());
  Comparison c = compare_records({R"({"k":"a","n":2})", R"({"k":"b","n":1})", R"({"k":"a","n":1})"}, received);
  REQUIRE(c.out_of_order.size() == 1);
  CHECK(c.out_of_order[0].find("key `a`") == 0);
  // Records without a key have no order.
  std::vector<ReceivedRecord> unkeyed = {{std::nullopt, R"({"n":1})"}, {std::nullopt, R"({"n":2})"}};
  CHECK(compare_records({R"({"n":2})", R"({"n":1})"}, unkeyed).ok());
}

TEST_CASE("an expected line that is not JSON is reported") {
  Comparison c = compare_records({"{oops"}, {});
  REQUIRE(c.invalid_expected.size() == 1);
  CHECK_FALSE(c.ok());
}

TEST_CASE("--update writes keys in order, each key's records as received, then unkeyed ones sorted") {
  std::vector<ReceivedRecord> received = {{std::nullopt, "z"}, {"b", "b2"}, {"a", "a9"}, {"b", "b1"},
                                          {std::nullopt, "y"}};
  CHECK(expected_file_order(received) == std::vector<std::string>{"a9", "b2", "b1", "y", "z"});
}
