// Writing a file so that a crash, a full disk or a concurrent reader never sees half of it: the
// code cache's entries and `flowc build`'s shared objects are written this way.
#pragma once

#include <string>
#include <string_view>

namespace flow::compiler::codegen {

//! Writes `bytes` to `path` whole or not at all: into a temporary file in the same directory,
//! flushed to disk (fsync), renamed over `path`, and the directory flushed so the rename lasts.
//! False and `error` (naming the file and the failing step) on failure: no temporary is left
//! behind, and `path` holds its old content unless only the directory's flush failed.
bool write_file_atomically(const std::string& path, std::string_view bytes, std::string& error);

//! Writes all of `bytes` to the descriptor `fd` (again after a short write or EINTR); false and
//! errno on failure.
bool write_fully(int fd, std::string_view bytes);

//! The whole content of `path`, read with read(2) (never mapped: a file truncated while it is
//! read cannot raise SIGBUS). False and `error` (the system's reason) when it cannot be read.
bool read_whole_file(const std::string& path, std::string& bytes, std::string& error);

}  // namespace flow::compiler::codegen
