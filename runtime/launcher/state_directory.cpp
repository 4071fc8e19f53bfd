// Checking and creating the state directory (state_directory.hpp).
#include "runtime/launcher/state_directory.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <system_error>

namespace flow::runtime {

namespace fs = std::filesystem;

namespace {

//! The nearest existing ancestor of `path` (itself included) that is not a directory, if any: a
//! path that lies under a file can never be created.
std::string file_in_the_way(const fs::path& path) {
  std::error_code ec;
  for (fs::path at = path; !at.empty(); at = at.parent_path()) {
    fs::file_status status = fs::status(at, ec);
    if (fs::exists(status) && !fs::is_directory(status)) return at.string();
    if (fs::is_directory(status) || at == at.parent_path()) return "";
  }
  return "";
}

}  // namespace

std::string prepare_state_directory(const std::string& path) {
  constexpr const char* kWhat = "give `--state-dir` a directory flowrun can write (it is created if missing)";
  if (path.empty()) return fmt::format("the state directory is empty; {}", kWhat);
  if (std::string in_the_way = file_in_the_way(path); !in_the_way.empty()) {
    if (in_the_way == path) return fmt::format("the state directory `{}` is a file, not a directory; {}", path, kWhat);
    return fmt::format("cannot create the state directory `{}`: `{}` is a file, not a directory; {}", path, in_the_way,
                       kWhat);
  }
  std::error_code ec;
  fs::create_directories(path, ec);
  if (ec) return fmt::format("cannot create the state directory `{}`: {}; {}", path, ec.message(), kWhat);
  if (!fs::is_directory(path, ec)) return fmt::format("the state directory `{}` is not a directory; {}", path, kWhat);
  if (access(path.c_str(), W_OK | X_OK) != 0)
    return fmt::format("cannot write to the state directory `{}`: {}; {}", path,
                       std::error_code(errno, std::generic_category()).message(), kWhat);
  return "";
}

}  // namespace flow::runtime
