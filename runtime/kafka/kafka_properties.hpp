// The librdkafka properties a user gives flowrun: `--config FILE` (a properties file, as kcat's
// -F) and `-X key=value` / `-X key=@FILE`, and how they are shown: every value is masked except
// those of keys known to be harmless, so a secret is never printed whatever its key is called.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace flow::runtime {

using KafkaProperties = std::vector<std::pair<std::string, std::string>>;

//! Reads a librdkafka properties file: `key=value` lines, `#` comments and blank lines; spaces
//! around the key and the value are dropped (a value that needs them: `-X key=@FILE`). Appends
//! to `properties`; false and `error` (naming `FILE:LINE`) when the file cannot be read or a line
//! is not `key=value`.
bool read_properties_file(const std::string& path, KafkaProperties& properties, std::string& error);

//! One `-X` argument: `key=value`, or `key=@FILE` for a value read from FILE (its final newline
//! stripped), so that a secret need not be on the command line. False and `error` otherwise.
bool parse_property_argument(const std::string& text, KafkaProperties& properties, std::string& error);

//! True for the keys (case-insensitive) whose values are never secret: addresses, protocols,
//! sizes, timeouts. Every other value is masked when printed.
bool is_harmless_property(const std::string& key);

//! `key=value`, or `key=****` unless the key is harmless.
std::string printable_property(const std::string& key, const std::string& value);

//! `text` with the value of every property that is not harmless replaced by `****`: for messages
//! that may quote a value (librdkafka's "Invalid value …", its logs).
std::string without_secrets(std::string text, const KafkaProperties& properties);

}  // namespace flow::runtime
