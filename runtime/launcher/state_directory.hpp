// The state directory (`--state-dir`): made ready before anything is written to it, so a path
// flowrun cannot use is one clear message at the start, never an exception from deep inside.
#pragma once

#include <string>

namespace flow::runtime {

//! Creates `path` (and its parents) if missing and checks that it is a directory this process
//! can write. Empty on success; else the reason, naming the path and what to give instead.
std::string prepare_state_directory(const std::string& path);

}  // namespace flow::runtime
