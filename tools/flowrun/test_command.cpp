// `flowrun test`: run a fixture through the real runtime and compare every output with expected/.
#include "tools/flowrun/test_command.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "compiler/codegen/codegen.hpp"
#include "compiler/physical/physical_planner.hpp"
#include "runtime/kafka/embedded_kafka.hpp"
#include "tools/flowrun/application.hpp"
#include "runtime/launcher/input_loader.hpp"
#include "runtime/launcher/job.hpp"
#include "runtime/testing/fixture.hpp"
#include "runtime/testing/output_comparison.hpp"

namespace flow::runtime::testing {

namespace plan = compiler::plan;
namespace fs = std::filesystem;

namespace {

//! What one run of the fixture produced.
struct RunResult {
  std::string failure;  //!< the job failed (nothing to compare)
  int64_t records_in = 0, records_out = 0, dead_lettered = 0;
  int64_t late = 0;  //!< dropped as late, every query together
  int64_t late_kept = 0;  //!< of those, written to their source's `late` topic
  //! Of those, per source (its records a query's first stage dropped; in declaration order), and
  //! the rows stages after the first dropped (no source's records).
  std::vector<std::pair<std::string, int64_t>> late_by_source;
  int64_t late_later_stages = 0;
  //! Per output (a sink's name, or `SOURCE.dead_letters`): the records received.
  std::map<std::string, std::vector<ReceivedRecord>> outputs;
  std::map<std::string, std::string> expected_paths;  //!< per output
  std::map<std::string, std::string> descriptions;    //!< per output: "sink `x` (topic "t")"
  std::vector<std::string> metrics;                   //!< "NAME = VALUE" per metric, sorted
};

//! A scratch folder removed when the test ends, whatever happens.
struct ScratchDirectory {
  fs::path path;
  ScratchDirectory() {
    path = fs::temp_directory_path() /
           fmt::format("flowrun-test-{}-{}", ::getpid(), std::chrono::steady_clock::now().time_since_epoch().count());
    fs::create_directories(path);
  }
  ~ScratchDirectory() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::string where(int partitions) {
  return partitions ? fmt::format("partitions {}", partitions) : std::string("declared partitions");
}

//! One run of the fixture on `p`, whose sources have the partition counts to run at.
//! ", N dropped as late (SOURCE n, …; later stages n; k in `late` topics)", or nothing.
std::string late_summary(const RunResult& run) {
  if (!run.late) return {};
  std::vector<std::string> parts;
  for (const auto& [source, late] : run.late_by_source)
    if (late) parts.push_back(fmt::format("{} {}", source, late));
  if (run.late_later_stages) parts.push_back(fmt::format("later stages {}", run.late_later_stages));
  std::string text = fmt::format(", {} dropped as late ({}", run.late, fmt::join(parts, ", "));
  if (run.late_kept) text += fmt::format("; {} in `late` topics", run.late_kept);
  return text + ")";
}

RunResult run_fixture(const TestOptions& options, const plan::Plan& p, const Fixture& fixture, int partitions,
                      const fs::path& scratch) {
  RunResult result;
  std::string error;
  auto program = compiler::codegen::JitProgram::compile(p, PartitionTask::host_symbols(), error,
                                                        (scratch / "code-cache").string());
  const compiler::physical::PhysicalPlan physical = compiler::physical::build_physical_plan(p);
  if (!program) {
    result.failure = "cannot compile: " + error;
    return result;
  }
  for (const auto& warning : program->cache_warnings()) fmt::print(stderr, "flowrun: warning: {}\n", warning);
  fmt::print(stderr, "{}", compiler::codegen::evaluated_handler_notes("flowrun", program->evaluated_handlers()));

  EmbeddedKafka kafka;
  int widest = 1;
  for (const auto& source : p.sources) {
    kafka.create_topic(source.topic, static_cast<int>(source.partitions));
    if (source.dead_letter) kafka.create_topic(*source.dead_letter, static_cast<int>(source.partitions));
    if (source.late) kafka.create_topic(*source.late, static_cast<int>(source.partitions));
    widest = std::max(widest, static_cast<int>(source.partitions));
  }
  for (const auto& sink : p.sinks)
    if (sink.kind == "kafka") kafka.create_topic(sink.topic, widest);
  const std::string& brokers = kafka.bootstrap_servers();
  auto producer = Producer::create(brokers, options.kafka_properties, error);
  if (!producer) {
    result.failure = error;
    return result;
  }

  // Processing time is the test's own clock: it moves only at `@advance processing time`.
  std::atomic<int64_t> clock_ms{0};
  JobConfig config;
  config.brokers = brokers;
  config.cluster_describes_configs = false;  // the embedded Kafka
  config.kafka_properties = options.kafka_properties;
  config.app_id = "flowrun-test";
  config.state_dir = (scratch / fmt::format("state-{}", partitions)).string();
  config.threads = options.threads;
  config.end_of_input_step = static_cast<size_t>(options.end_of_input_step);
  config.log_level = options.log_level;
  config.capture_stdout = true;
  config.clock = [&clock_ms] { return clock_ms.load(); };
  // The changelogs too: a test runs the job as `flowrun run` does.
  config.create_topic = [&kafka](const std::string& topic, int count) { return kafka.create_topic(topic, count); };
  auto job = Job::start(physical, *program, *producer, config, error);
  if (!job) {
    result.failure = error;
    return result;
  }
  std::atomic<bool> never_stop{false};
  for (size_t k = 0; k < fixture.phases.size(); ++k) {
    const FixturePhase& phase = fixture.phases[k];
    // No partition stops holding the watermark back before the broker has the phase's input.
    job->hold_watermarks();
    for (const auto& [name, lines] : phase.records) {
      int64_t count = 0;
      std::string origin = fmt::format("input/{}.jsonl (phase {} of {})", name, k + 1, fixture.phases.size());
      if (!produce_lines(*producer, physical, *p.find_source(name), lines, origin, error, count)) {
        result.failure = error;
        return result;
      }
    }
    if (!producer->flush(30'000)) {
      std::string why = producer->delivery_failure();
      result.failure = fmt::format("the embedded Kafka did not acknowledge the input ({})",
                                   why.empty() ? "no answer within 30 s" : why);
      return result;
    }
    job->mark_end_offsets();
    if (job->drain(never_stop) == Job::Outcome::Failed) break;
    if (phase.then_advance_ms) {
      clock_ms += phase.then_advance_ms;
      job->fire_processing_timeouts();
    }
  }
  if (job->failure().empty()) job->finish(never_stop);
  job->stop_workers();
  producer->flush(30'000);
  if (!job->failure().empty()) {
    result.failure = job->failure();
    return result;
  }
  // Only the fixture's records are input: a query reading another's topic reads outputs.
  result.records_in = job->records_in_from_outside();
  result.records_out = job->records_out();
  result.dead_lettered = job->dead_lettered();
  for (const auto& source : p.sources) result.late_by_source.emplace_back(source.name, 0);
  for (size_t q = 0; q < p.queries.size(); ++q) {
    result.late += job->late_records(q);
    result.late_kept += job->late_kept(q);
    result.late_later_stages += job->later_stage_late(q);
    const auto& sources = job->plan().queries[q].sources;
    for (size_t i = 0; i < sources.size(); ++i) result.late_by_source[sources[i]].second += job->source_late(q, i);
  }
  for (size_t m = 0; m < p.metrics.size(); ++m)
    result.metrics.push_back(fmt::format("{} = {}", p.metrics[m].name, job->metric(m)));
  std::sort(result.metrics.begin(), result.metrics.end());

  std::map<std::string, std::vector<TopicRecord>> topics;  // each topic read once
  auto topic = [&](const std::string& name) -> const std::vector<TopicRecord>& {
    auto it = topics.find(name);
    if (it == topics.end()) it = topics.emplace(name, read_topic(brokers, options.kafka_properties, name, error)).first;
    return it->second;
  };
  for (const auto& sink : p.sinks) {
    auto& received = result.outputs[sink.name];
    result.expected_paths[sink.name] = expected_sink_path(fixture.directory, sink.name);
    if (sink.kind == "kafka") {
      result.descriptions[sink.name] = fmt::format("sink `{}` (topic \"{}\")", sink.name, sink.topic);
      for (const auto& record : topic(sink.topic))
        received.push_back({record.key.empty() ? std::nullopt : std::optional<std::string>(record.key), record.value});
    } else {
      result.descriptions[sink.name] = fmt::format("sink `{}` (stdout)", sink.name);
      for (size_t q = 0; q < p.queries.size(); ++q) {
        if (physical.queries[q].sink && physical.sinks[*physical.queries[q].sink].name == sink.name)
          for (auto& line : job->captured_stdout(static_cast<int32_t>(q))) received.push_back({std::nullopt, line});
      }
    }
  }
  // A source's dead-letter and late topics: each record as {"value", "error"}, the records of
  // other sources sharing the topic left out.
  auto from_topic = [&](const plan::SourcePlan& source, const std::string& name, const std::string& path,
                        const std::string& description, const std::string& topic_name, bool late) {
    auto& received = result.outputs[name];
    result.expected_paths[name] = path;
    result.descriptions[name] = fmt::format("{} of `{}` (topic \"{}\")", description, source.name, topic_name);
    for (const auto& record : topic(topic_name)) {
      std::string from, why;
      for (const auto& header : record.headers) {
        if (header.name == "flow.source") from = header.value;
        if (header.name == "flow.error") why = header.value;
      }
      // The watermark a late record came at depends on how far each partition had been read:
      // not part of what a fixture expects.
      if (size_t at = why.find(" closed at watermark "); late && at != std::string::npos) why.resize(at);
      if (from == source.name) received.push_back({std::nullopt, dead_letter_json(record.value, why)});
    }
  };
  for (const auto& source : p.sources) {
    if (source.dead_letter)
      from_topic(source, source.name + ".dead_letters", expected_dead_letters_path(fixture.directory, source.name),
                 "dead letters", *source.dead_letter, false);
    if (source.late)
      from_topic(source, source.name + ".late", expected_late_path(fixture.directory, source.name), "late records",
                 *source.late, true);
  }
  return result;
}

//! `--fixtures DIR ` when the fixtures are not the application's own folder, for hints.
std::string fixtures_flag(const TestOptions& options) {
  std::string own = fs::path(options.app).parent_path().string();
  return options.fixtures == (own.empty() ? "." : own) ? "" : fmt::format("--fixtures {} ", options.fixtures);
}

std::string metrics_path(const Fixture& fixture) {
  return (fs::path(fixture.directory) / "expected" / "metrics.txt").string();
}

bool read_expected(const std::string& path, std::vector<std::string>& lines) {
  std::ifstream in(path);
  if (!in) return false;
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return true;
}

//! Writes `lines` to `path` whole or not at all: into a temporary file beside it, synced, closed,
//! then renamed over it. Empty, or what failed with the path and the system's reason.
std::string write_lines(const std::string& path, const std::vector<std::string>& lines) {
  std::error_code ec;
  fs::path folder = fs::path(path).parent_path();
  if (!folder.empty() && (fs::create_directories(folder, ec), ec))
    return fmt::format("cannot create folder `{}`: {}", folder.string(), ec.message());
  std::string text;
  for (const auto& line : lines) text += line + '\n';
  std::string temporary = fmt::format("{}.tmp-{}", path, ::getpid());
  auto failed = [&](const char* what, const std::string& file) {
    std::string reason = fmt::format("cannot {} `{}`: {}", what, file, std::strerror(errno));
    ::unlink(temporary.c_str());
    return reason;
  };
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return fmt::format("cannot create `{}`: {}", temporary, std::strerror(errno));
  for (size_t written = 0; written < text.size();) {
    ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int saved = errno;
      ::close(fd);
      errno = n < 0 ? saved : ENOSPC;
      return failed("write", temporary);
    }
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    int saved = errno;
    ::close(fd);
    errno = saved;
    return failed("write", temporary);
  }
  if (::close(fd) != 0) return failed("write", temporary);
  if (::rename(temporary.c_str(), path.c_str()) != 0) return failed("replace", path);
  return "";
}

//! Compares one run with the expected files; prints what differs. True when all match.
bool check_run(const TestOptions& options, const Fixture& fixture, int partitions, const RunResult& run) {
  bool ok = true;
  auto fail = [&](const std::string& what) {
    if (ok) fmt::print("FAIL [{}]\n", where(partitions));
    ok = false;
    fmt::print("  {}\n", what);
  };
  // Every record read is accounted for: processed or dead-lettered, never lost.
  if (run.records_in != fixture.input_records)
    fail(fmt::format("{} records in, but the fixture has {}{}", run.records_in, fixture.input_records,
                     run.records_in < fixture.input_records
                         ? " (the embedded Kafka keeps at most 5 MB of records per partition and drops the oldest "
                           "beyond: split a large fixture into phases, or declare more partitions)"
                         : ""));
  int64_t in_dead_letter_topics = 0;
  for (const auto& [name, received] : run.outputs)
    if (name.ends_with(".dead_letters")) in_dead_letter_topics += static_cast<int64_t>(received.size());
  int64_t declared_dead_letters = 0;
  for (const auto& [name, path] : run.expected_paths)
    if (name.ends_with(".dead_letters")) declared_dead_letters++;
  if (declared_dead_letters && run.dead_lettered != in_dead_letter_topics)
    fail(fmt::format("{} records dead-lettered, but the dead-letter topics hold {}", run.dead_lettered,
                     in_dead_letter_topics));
  int64_t in_late_topics = 0;
  for (const auto& [name, received] : run.outputs)
    if (name.ends_with(".late")) in_late_topics += static_cast<int64_t>(received.size());
  if (run.late_kept != in_late_topics)
    fail(fmt::format("{} late records written to `late` topics, but those topics hold {}", run.late_kept,
                     in_late_topics));
  // Every late record is counted once for its query and once for its source (or its later stage).
  int64_t attributed = run.late_later_stages;
  for (const auto& [source, late] : run.late_by_source) attributed += late;
  if (attributed != run.late)
    fail(fmt::format("{} records dropped as late, but the sources and later stages count {}", run.late, attributed));
  // expected/metrics.txt, when present: every metric's total, one `NAME = VALUE` line each.
  std::vector<std::string> metrics;
  if (read_expected(metrics_path(fixture), metrics)) {
    std::erase_if(metrics, [](const std::string& line) { return line.empty(); });
    std::sort(metrics.begin(), metrics.end());
    if (metrics != run.metrics) {
      std::string expected_text, received_text;
      for (const auto& line : metrics) expected_text += "\n      " + line;
      for (const auto& line : run.metrics) received_text += "\n      " + line;
      fail(fmt::format("metrics differ from {}:\n    expected:{}\n    received:{}", metrics_path(fixture),
                       expected_text, received_text));
    }
  }
  for (const auto& [name, received] : run.outputs) {
    const std::string& path = run.expected_paths.at(name);
    std::vector<std::string> expected;
    if (!read_expected(path, expected)) {
      fail(fmt::format("{}: no expected file {} ({} records received; `flowrun test {} {}--update` writes it)",
                       run.descriptions.at(name), path, received.size(), options.app, fixtures_flag(options)));
      continue;
    }
    Comparison comparison = compare_records(expected, received);
    if (comparison.ok()) continue;
    fail(fmt::format("{} differs from {}:", run.descriptions.at(name), path));
    fmt::print("{}", render_comparison(comparison, "    "));
  }
  return ok;
}

}  // namespace

int run_test(const TestOptions& options) {
  // Read and checked once: diagnostics print once, and every run uses this plan.
  auto checked = check_application(options.app);
  if (!checked) return 1;
  Fixture fixture;
  std::string error;
  if (!load_fixture(compiler::physical::build_physical_plan(*checked), options.fixtures, fixture, error)) {
    fmt::print(stderr, "flowrun: {}\n", error);
    return 1;
  }
  std::vector<int> counts = options.partitions.empty() ? std::vector<int>{0} : options.partitions;
  std::vector<int64_t> declared;
  for (const auto& source : checked->sources) declared.push_back(source.partitions);
  fmt::print("flowrun test {} (fixtures {}): {} input records in {} phase{}\n", options.app, fixture.directory,
             fixture.input_records, fixture.phases.size(), fixture.phases.size() == 1 ? "" : "s");
  ScratchDirectory scratch;
  bool all_ok = true;
  for (size_t c = 0; c < counts.size(); ++c) {
    auto started = std::chrono::steady_clock::now();
    // The plan is read once; each run only sets its sources' partition counts.
    for (size_t s = 0; s < checked->sources.size(); ++s)
      checked->sources[s].partitions = counts[c] ? counts[c] : declared[s];
    RunResult run = run_fixture(options, *checked, fixture, counts[c], scratch.path);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (!run.failure.empty()) {
      fmt::print("FAIL [{}]\n  the job failed: {}\n", where(counts[c]), run.failure);
      all_ok = false;
      continue;
    }
    if (options.update && c == 0) {
      // Every write is checked: a file that could not be written is never reported as written.
      auto write = [&](const std::string& path, const std::vector<std::string>& lines, const char* what) {
        std::string problem = write_lines(path, lines);
        if (problem.empty()) {
          fmt::print("  wrote {} ({} {})\n", path, lines.size(), what);
          return true;
        }
        fmt::print(stderr, "flowrun test: --update {}; expected/ is not fully updated: fix the cause (a read-only "
                           "folder, a full disk) and run `flowrun test {} {}--update` again\n",
                   problem, options.app, fixtures_flag(options));
        return false;
      };
      for (const auto& [name, received] : run.outputs)
        if (!write(run.expected_paths.at(name), expected_file_order(received), "records")) return 1;
      if (!run.metrics.empty() && !write(metrics_path(fixture), run.metrics, "metrics")) return 1;
    }
    bool ok = check_run(options, fixture, counts[c], run);
    all_ok &= ok;
    if (ok)
      fmt::print("ok [{}]: {} records in, {} out, {} dead-lettered{}; {} outputs match ({:.2f} s)\n", where(counts[c]),
                 run.records_in, run.records_out, run.dead_lettered,
                 late_summary(run),
                 run.outputs.size(), seconds);
  }
  if (!all_ok)
    fmt::print("flowrun test: FAILED — review the differences above; if the new output is right, `flowrun test {} "
               "{}--update` rewrites expected/\n",
               options.app, fixtures_flag(options));
  return all_ok ? 0 : 1;
}

}  // namespace flow::runtime::testing
