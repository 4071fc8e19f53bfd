// `flowrun run`: check and compile the application, connect to Kafka (or start the embedded one and
// load --input files), run the job, report, and print the sinks for --show-output.
#include "tools/flowrun/application.hpp"

#include <fmt/format.h>

#include <unistd.h>

#include <atomic>
#include <chrono>

#include "compiler/codegen/codegen.hpp"
#include "compiler/codegen/shared_object_program.hpp"
#include "compiler/driver/check_file.hpp"
#include "compiler/physical/physical_planner.hpp"
#include "compiler/plan/plan_image.hpp"
#include "runtime/launcher/terminal_status.hpp"
#include "runtime/metrics/metrics_endpoint.hpp"
#include "runtime/kafka/embedded_kafka.hpp"
#include "runtime/launcher/input_loader.hpp"
#include "runtime/launcher/job.hpp"
#include "runtime/launcher/state_directory.hpp"

namespace flow::runtime {

namespace plan = compiler::plan;

namespace {

std::atomic<bool> stop_requested{false};

using Clock = std::chrono::steady_clock;

bool logs(const RunOptions& options, LogLevel level) { return options.log_level >= level; }

//! SIGINT/SIGTERM during start-up (compiling, connecting, loading input, opening state) stops it at
//! the next step instead of being noticed only once the job runs.
bool stopped_starting(const RunOptions& options) {
  if (!stop_requested) return false;
  if (logs(options, LogLevel::Info))
    fmt::print(stderr, "flowrun: stopped during start-up (signal), before the job started\n");
  return true;
}

//! The checked plan of `checked`, after printing its diagnostics; nothing when it has errors.
std::optional<plan::Plan> checked_plan(compiler::CheckedFile checked) {
  fmt::print(stderr, "{}", checked.rendered());
  if (!checked.ok()) {
    fmt::print(stderr, "flowrun: `{}` has errors; fix them first (`flowc check {}`)\n", checked.path, checked.path);
    return std::nullopt;
  }
  return std::move(checked.plan);
}

//! The program of `flowc build`'s shared object and the plan it holds, read from its plan image:
//! nothing is parsed or planned again. The plan read back must give the plan JSON the object was
//! built with, or the reader and the writer disagree (another flowc's object).
std::unique_ptr<compiler::codegen::Program> load_built_application(const RunOptions& options,
                                                                    std::optional<plan::Plan>& checked) {
  std::string error;
  auto program = compiler::codegen::SharedObjectProgram::load(options.app, error);
  if (!program) {
    fmt::print(stderr, "flowrun: {}\n", error);
    return nullptr;
  }
  checked = plan::read_plan_image(program->plan_image(), error);
  if (!checked) {
    fmt::print(stderr, "flowrun: `{}`: {}; build it again with `flowc build`\n", options.app, error);
    return nullptr;
  }
  if (compiler::physical::plan_and_physical_json(*checked) != program->plan_json()) {
    fmt::print(stderr, "flowrun: `{}` was built by another version of flowc (the plan this flowrun reads from it "
                       "differs from the plan it was built with); build it again with `flowc build`\n",
               options.app);
    return nullptr;
  }
  if (!program->bind(*checked, PartitionTask::host_symbols(), error)) {
    fmt::print(stderr, "flowrun: `{}`: {}\n", options.app, error);
    return nullptr;
  }
  if (logs(options, LogLevel::Info))
    fmt::print(stderr, "flowrun: loaded `{}` (built ahead of time for {}; nothing to compile)\n", options.app,
               program->target());
  // The code uses the instructions of the CPU it was built on; on another one it may not run.
  std::string here = compiler::codegen::host_target_description();
  if (program->target() != here && logs(options, LogLevel::Warn))
    fmt::print(stderr, "flowrun: warning: `{}` was built for {}, this machine is {}; if it stops with an illegal "
                       "instruction, build it here\n",
               options.app, program->target(), here);
  return program;
}

}  // namespace

std::optional<plan::Plan> check_application(const std::string& path) {
  return checked_plan(compiler::check_file(path));
}

void request_stop() { stop_requested = true; }

void clear_stop_request() { stop_requested = false; }

int run_application(const RunOptions& options) {
  // The state directory holds the code cache too: checked before anything is written to it.
  if (std::string error = prepare_state_directory(options.state_dir); !error.empty()) {
    fmt::print(stderr, "flowrun: {}\n", error);
    return 1;
  }
  // Generated code first: nothing connects to Kafka if the application cannot compile.
  std::optional<plan::Plan> checked;
  std::unique_ptr<compiler::codegen::Program> program;
  if (options.app.ends_with(".so")) {
    program = load_built_application(options, checked);
    if (!program) return 1;
  } else {
    checked = check_application(options.app);
    if (!checked) return 1;
    std::string error;
    auto start = Clock::now();
    // Machine code is cached next to the state: a restart loads it instead of compiling again.
    auto jit = compiler::codegen::JitProgram::compile(*checked, PartitionTask::host_symbols(), error,
                                                      options.state_dir + "/code-cache");
    if (!jit) {
      fmt::print(stderr, "flowrun: cannot compile `{}`: {}\n", options.app, error);
      return 1;
    }
    if (logs(options, LogLevel::Info))
      fmt::print(stderr, "flowrun: compiled `{}` in {:.1f} ms{}\n", options.app,
                 std::chrono::duration<double, std::milli>(Clock::now() - start).count(),
                 jit->timings().cache_hit ? " (machine code from the cache)" : "");
    if (logs(options, LogLevel::Warn)) {
      for (const auto& warning : jit->cache_warnings()) fmt::print(stderr, "flowrun: warning: {}\n", warning);
      fmt::print(stderr, "{}", compiler::codegen::evaluated_handler_notes("flowrun", jit->evaluated_handlers()));
    }
    program = std::move(jit);
  }
  const plan::Plan& p = *checked;
  // What the runtime reads of the program: the physical plan, built once (besides the ABI).
  const compiler::physical::PhysicalPlan physical = compiler::physical::build_physical_plan(p);
  std::string error;
  if (stopped_starting(options)) return 0;

  std::unique_ptr<EmbeddedKafka> embedded;
  std::string brokers;
  if (options.embedded_kafka) {
    embedded = std::make_unique<EmbeddedKafka>();
    brokers = embedded->bootstrap_servers();
    auto create = [&](const std::string& topic, int partitions) {
      std::string e = embedded->create_topic(topic, partitions);
      if (!e.empty() && logs(options, LogLevel::Debug)) fmt::print(stderr, "flowrun: {}\n", e);
    };
    int widest = 1;
    for (const auto& source : p.sources) {
      create(source.topic, static_cast<int>(source.partitions));
      if (source.dead_letter) create(*source.dead_letter, static_cast<int>(source.partitions));
      if (source.late) create(*source.late, static_cast<int>(source.partitions));
      widest = std::max(widest, static_cast<int>(source.partitions));
    }
    for (const auto& sink : p.sinks)
      if (sink.kind == "kafka") create(sink.topic, widest);
    if (logs(options, LogLevel::Info))
      fmt::print(stderr, "flowrun: embedded Kafka at {} (kcat -b {} -L)\n", brokers, brokers);
  } else {
    brokers = *options.brokers;
  }
  if (logs(options, LogLevel::Info))
    for (const auto& [key, value] : options.kafka_properties)
      fmt::print(stderr, "flowrun: -X {}\n", printable_property(key, value));

  auto producer = Producer::create(brokers, options.kafka_properties, error);
  if (!producer) {
    fmt::print(stderr, "flowrun: {}\n", error);
    return 1;
  }
  for (const auto& [name, file] : options.inputs) {
    if (stopped_starting(options)) return 0;
    const plan::SourcePlan* source = p.find_source(name);
    if (!source)
      for (const auto& s : p.sources)
        if (s.topic == name) source = &s;
    if (!source) {
      fmt::print(stderr, "flowrun: `--input {}=…`: `{}` is neither a source nor a source's topic\n", name, name);
      return 1;
    }
    int64_t count = 0;
    std::vector<std::string> lines;
    if (!read_lines(file, lines, error) || !produce_lines(*producer, physical, *source, lines, file, error, count)) {
      fmt::print(stderr, "flowrun: `--input {}={}`: {}\n", name, file, error);
      return 1;
    }
    if (!producer->flush(30'000)) {
      std::string why = producer->delivery_failure();
      fmt::print(stderr, "flowrun: `--input {}={}`: Kafka did not acknowledge the records of `{}` ({}); {} of them "
                         "were sent, and part of them may be in topic `{}`\n",
                 name, file, file, why.empty() ? "no answer within 30 s" : why, count, source->topic);
      return 1;
    }
    if (embedded && !check_embedded_topic_kept(producer->handle(), source->topic, source->partitions, error)) {
      fmt::print(stderr, "flowrun: {}\n", error);
      return 1;
    }
    if (count == 0 && logs(options, LogLevel::Warn))
      fmt::print(stderr, "flowrun: warning: `--input {}={}`: the file has no records (every line is empty)\n", name,
                 file);
    fmt::print(stderr, "flowrun: loaded {} records from `{}` into topic `{}`\n", count, file, source->topic);
  }

  JobConfig config;
  config.brokers = brokers;
  config.cluster_describes_configs = !options.embedded_kafka;
  config.single_instance = !options.embedded_kafka;
  config.kafka_properties = options.kafka_properties;
  config.app_id = options.app_id;
  config.state_dir = options.state_dir;
  config.threads = options.threads;
  config.state_cache_bytes = options.state_cache_mib << 20;
  config.end_of_input_step = static_cast<size_t>(options.end_of_input_step);
  config.log_level = options.log_level;
  config.progress_json = options.progress_json;
  config.on_retention_gap = options.on_retention_gap;
  config.on_lost_state = options.on_lost_state;
  config.changelog = options.changelog;
  if (embedded)
    config.create_topic = [&embedded](const std::string& topic, int count) { return embedded->create_topic(topic, count); };
  if (stopped_starting(options)) return 0;
  auto job = Job::start(physical, *program, *producer, config, error);
  if (!job) {
    fmt::print(stderr, "flowrun: {}\n", error);
    return 1;
  }
  // Declared after the job, so destroyed before it: the endpoint's thread reads the job.
  std::unique_ptr<MetricsEndpoint> metrics;
  if (options.metrics_address) {
    metrics = MetricsEndpoint::start(*options.metrics_address, *job, error);
    if (!metrics) {
      job->stop_workers();
      fmt::print(stderr, "flowrun: {}\n", error);
      return 1;
    }
    std::string host = options.metrics_address->substr(0, options.metrics_address->rfind(':'));
    fmt::print(stderr, "flowrun: metrics at http://{}:{}/metrics\n", host, metrics->port());
  }
  // On a terminal, progress is a live block redrawn in place — unless --progress asks for lines,
  // or a `sink … to stdout` writes its records to the same terminal (they would tear the block).
  std::unique_ptr<TerminalStatus> live;
  bool stdout_sink_on_terminal = false;
  for (const auto& sink : p.sinks) stdout_sink_on_terminal |= sink.kind == "stdout" && isatty(STDOUT_FILENO);
  if (!options.progress_given && options.log_level >= LogLevel::Info && !stdout_sink_on_terminal &&
      TerminalStatus::stderr_is_terminal())
    live = TerminalStatus::start();
  job->set_live_status(live.get());
  auto started = Clock::now();
  // --until-idle: until the input is read and every query chained through a topic of this
  // application has read what the one before it wrote.
  Job::Outcome outcome = options.until_idle ? job->drain(stop_requested) : job->run(false, stop_requested);
  // End of input: close windows and fire timeouts at the end of --until-idle, query level by
  // level of a chain. A stop (signal) finishes the running triggers only: what is open stays in
  // the checkpointed state.
  if (outcome == Job::Outcome::Idle) outcome = job->finish(stop_requested);
  job->stop_workers();
  job->set_live_status(nullptr);
  live.reset();  // stderr is the terminal again; the last status stays on the screen
  if (outcome != Job::Outcome::Failed && !producer->flush(30'000) && job->failure().empty())
    fmt::print(stderr, "flowrun: warning: Kafka did not acknowledge every output within 30 s\n");
  if (outcome == Job::Outcome::Failed || !job->failure().empty()) {
    fmt::print(stderr, "flowrun: {}\n", job->failure());
    return 1;
  }

  double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
  // Records in: the application's input. Queries chained through its own topics read more.
  int64_t chained_in = job->records_in() - job->records_in_from_outside();
  if (logs(options, LogLevel::Info))
    fmt::print(stderr, "flowrun: {} records in, {} out, {} dead-lettered{} in {:.2f} s{}{}\n",
               job->records_in_from_outside(), job->records_out(), job->dead_lettered(),
               job->dead_letters_truncated()
                   ? fmt::format(" ({} of them truncated to fit their topic)", job->dead_letters_truncated())
                   : "",
               elapsed,
               chained_in ? fmt::format(" ({} more read back from the application's own topics)", chained_in) : "",
               job->retention_skipped()
                   ? fmt::format("; {} skipped, deleted by retention before they were read", job->retention_skipped())
                   : "");
  for (size_t q = 0; q < p.queries.size(); ++q)
    if (int64_t late = job->late_records(q); late > 0 && logs(options, LogLevel::Warn))
      fmt::print(stderr,
                 "flowrun: warning: query `{}` dropped {} record{} as late: the windows they belong to had closed "
                 "(a larger `watermark` on the source waits longer for them){}\n",
                 p.queries[q].name, late, late == 1 ? "" : "s",
                 job->has_late_topic(q) ? fmt::format("; {} of them written to the source's `late` topic",
                                                      job->late_kept(q))
                                        : "; declare `late = \"TOPIC\"` on the source to keep them");
  for (size_t m = 0; m < p.metrics.size() && logs(options, LogLevel::Info); ++m)
    fmt::print(stderr, "flowrun: metric {} = {}\n", p.metrics[m].name, job->metric(m));

  if (options.show_output) {
    for (const auto& sink : p.sinks) {
      if (sink.kind != "kafka") continue;
      auto records = read_topic(brokers, options.kafka_properties, sink.topic, error);
      fmt::print("== sink {} (topic \"{}\"): {} records\n", sink.name, sink.topic, records.size());
      for (const auto& r : records) fmt::print("{}\n", r.value);
    }
    for (const auto& source : p.sources) {
      if (!source.dead_letter) continue;
      auto records = read_topic(brokers, options.kafka_properties, *source.dead_letter, error);
      fmt::print("== dead letters of {} (topic \"{}\"): {} records\n", source.name, *source.dead_letter,
                 records.size());
      for (const auto& r : records) {
        std::string why;
        for (const auto& h : r.headers)
          if (h.name == "flow.error") why = h.value;
        fmt::print("{}    <- {}\n", r.value, why);
      }
    }
    for (const auto& source : p.sources) {
      if (!source.late) continue;
      auto records = read_topic(brokers, options.kafka_properties, *source.late, error);
      fmt::print("== late records of {} (topic \"{}\"): {} records\n", source.name, *source.late, records.size());
      for (const auto& r : records) {
        std::string why, query, partition, offset;
        for (const auto& h : r.headers) {
          if (h.name == "flow.error") why = h.value;
          if (h.name == "flow.query") query = h.value;
          if (h.name == "flow.partition") partition = h.value;
          if (h.name == "flow.offset") offset = h.value;
        }
        fmt::print("{}    <- {} (query {}, {}partition {} offset {})\n", r.value, why, query,
                   r.key.empty() ? std::string() : fmt::format("key {}, ", r.key), partition, offset);
      }
    }
  }
  return 0;
}

}  // namespace flow::runtime
