// `flowrun run`: check and compile the application, connect to Kafka (or start the embedded one
// and load the input files), check partition counts, create one task per source partition, run
// triggers on a fixed worker pool until stopped (or, with --until-idle, until every partition is
// read to its end), report progress, and shut down cleanly.
#pragma once

#include <optional>
#include <string>

#include "compiler/plan/plan.hpp"
#include "runtime/launcher/run_options.hpp"

namespace flow::runtime {

//! Runs the application; returns the process exit status (0 ok, 1 failure).
int run_application(const RunOptions& options);

//! Parses and checks an application, printing its diagnostics; nothing when it has errors.
std::optional<compiler::plan::Plan> check_application(const std::string& path);

//! Asks a running application to finish its triggers, checkpoint and exit (SIGINT, SIGTERM).
void request_stop();
//! Forgets a stop asked for: for a process that runs applications one after another (the tests).
void clear_stop_request();

}  // namespace flow::runtime
