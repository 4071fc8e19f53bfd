// `flowrun run` flags: numbers read whole and bounded, app ids that stay inside the state root,
// and Kafka properties from --config files and -X (with @FILE) whose secrets are never shown.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "runtime/kafka/kafka_properties.hpp"
#include "runtime/launcher/run_options.hpp"
#include "runtime/testing/test_options.hpp"

using namespace flow::runtime;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("flow-run-options-test-" + std::to_string(::getpid()));
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
  std::string write(const std::string& name, const std::string& text) {
    std::ofstream(path / name, std::ios::binary) << text;
    return (path / name).string();
  }
};

std::optional<RunOptions> parse(std::vector<std::string> args, std::string& error) {
  args.insert(args.begin(), {"app.flow", "--embedded-kafka"});
  return parse_run_options(args, error);
}

}  // namespace

TEST_CASE("numeric flags are read whole and within their bounds") {
  CHECK(parse_bounded_number("4", 1, 10) == 4);
  CHECK(parse_bounded_number("10", 1, 10) == 10);
  for (const char* bad : {"4x", "x4", "", " 4", "4 ", "-4", "+4", "0", "11", "1e3", "4.0", "99999999999999999999"})
    CHECK_MESSAGE(!parse_bounded_number(bad, 1, 10), bad);
  std::string error;
  for (const char* bad : {"4x", "1000000", "0", "-1", ""}) {
    error.clear();
    CHECK_MESSAGE(!parse({"--threads", bad}, error), bad);
    CHECK(error.find("`--threads` takes a whole number from 1 to 1024") != std::string::npos);
  }
  auto options = parse({"--threads", "1024"}, error);
  REQUIRE(options);
  CHECK(options->threads == 1024);
  CHECK(!testing::parse_test_options({"app.flow", "--threads", "4x"}, error));
  CHECK(!testing::parse_test_options({"app.flow", "--partitions", "1,4x"}, error));
  CHECK(!testing::parse_test_options({"app.flow", "--partitions", "1,100000"}, error));
}

TEST_CASE("--end-of-input-step takes a positive number of entries, in flowrun run and flowrun test") {
  std::string error;
  auto options = parse({}, error);
  REQUIRE(options);
  CHECK(options->end_of_input_step == 100'000);
  options = parse({"--end-of-input-step", "7"}, error);
  REQUIRE(options);
  CHECK(options->end_of_input_step == 7);
  for (const char* bad : {"0", "-1", "x", "1.5", ""}) {
    error.clear();
    CHECK_MESSAGE(!parse({"--end-of-input-step", bad}, error), bad);
    CHECK(error.find("`--end-of-input-step` takes a whole number of entries from 1 to") != std::string::npos);
    error.clear();
    CHECK(!testing::parse_test_options({"app.flow", "--end-of-input-step", bad}, error));
    CHECK(error.find("`--end-of-input-step` takes") != std::string::npos);
  }
  auto test = testing::parse_test_options({"app.flow", "--end-of-input-step", "3"}, error);
  REQUIRE(test);
  CHECK(test->end_of_input_step == 3);
}

TEST_CASE("app ids keep to Kafka's group-id characters and stay inside the state root") {
  CHECK(app_id_problem("clicks").empty());
  CHECK(app_id_problem("my-app_2.v1").empty());
  for (const char* bad : {"../../x", "..", ".", "a/b", "a b", "", "x\\y", "caf\xc3\xa9"})
    CHECK_MESSAGE(!app_id_problem(bad).empty(), bad);
  CHECK(!app_id_problem(std::string(kMaxAppIdLength + 1, 'a')).empty());
  CHECK(app_id_problem(std::string(kMaxAppIdLength, 'a')).empty());
  std::string error;
  CHECK(!parse({"--app-id", "../../x"}, error));
  CHECK(error.find("`--app-id ../../x`") != std::string::npos);
  // The default app id is the file's name, checked the same way.
  CHECK(!parse_run_options({"my app.flow", "--embedded-kafka"}, error));
  CHECK(error.find("--app-id ID") != std::string::npos);
}

TEST_CASE("every property value is masked except those of known harmless keys, whatever the case") {
  CHECK(printable_property("bootstrap.servers", "k:9092") == "bootstrap.servers=k:9092");
  CHECK(printable_property("Security.Protocol", "SSL") == "Security.Protocol=SSL");
  for (const char* secret : {"sasl.password", "SASL.PASSWORD", "sasl.passwrd", "sasl.oauthbearer.config",
                             "ssl.key.pem", "sasl.jaas.config", "my.own.thing"})
    CHECK_MESSAGE(printable_property(secret, "hunter2") == std::string(secret) + "=****", secret);
  KafkaProperties properties = {{"sasl.oauthbearer.config", "clientId=me clientSecret=s3cr3t-value"},
                                {"client.id", "flow-app"}};
  std::string text = without_secrets("bad value \"clientId=me clientSecret=s3cr3t-value\"; secret s3cr3t-value; "
                                     "client flow-app",
                                     properties);
  CHECK(text.find("s3cr3t") == std::string::npos);
  CHECK(text.find("flow-app") != std::string::npos);
}

TEST_CASE("--config reads a properties file, -X wins over it, -X key=@FILE reads a value from a file") {
  TempDir dir;
  std::string file = dir.write("client.properties",
                               "# a comment\n\n  security.protocol = SASL_SSL\nsasl.password=p=a ss\r\nclient.id=a\n");
  std::string secret = dir.write("secret", "from-a-file\n");
  KafkaProperties properties;
  std::string error;
  REQUIRE(collect_kafka_properties({file}, {"client.id=b", "sasl.username=@" + secret}, properties, error));
  KafkaProperties expected = {{"security.protocol", "SASL_SSL"},
                              {"sasl.password", "p=a ss"},
                              {"client.id", "a"},
                              {"client.id", "b"},
                              {"sasl.username", "from-a-file"}};
  CHECK(properties == expected);

  std::string bad = dir.write("bad.properties", "client.id=a\nhunter2\n");
  properties.clear();
  CHECK(!read_properties_file(bad, properties, error));
  CHECK(error.find("bad.properties:2:") != std::string::npos);
  CHECK(error.find("hunter2") == std::string::npos);
  CHECK(!read_properties_file((dir.path / "missing").string(), properties, error));
  CHECK(error.find("No such file or directory") != std::string::npos);
  CHECK(!parse_property_argument("sasl.password=@" + (dir.path / "missing").string(), properties, error));
  CHECK(error.find("No such file or directory") != std::string::npos);
  CHECK(!parse_property_argument("hunter2", properties, error));
  CHECK(error.find("hunter2") == std::string::npos);
}
