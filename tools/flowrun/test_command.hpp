// `flowrun test APP.flow`: the whole streaming job on its fixtures. It starts the embedded Kafka,
// creates every topic with its partitions, loads input/<source>.jsonl, runs the real runtime
// (the same Job as `flowrun run`: generated code, partition tasks, keyed state, checkpoints,
// Kafka sinks) until idle, reads every sink and dead-letter topic back and compares them with
// expected/ (output_comparison.hpp has the rules), once per partition count asked for.
#pragma once

#include "runtime/testing/test_options.hpp"

namespace flow::runtime::testing {

//! Runs the fixtures; returns the exit status (0 every run matched, 1 a mismatch or failure).
int run_test(const TestOptions& options);

}  // namespace flow::runtime::testing
