// POSIX calls rather than iostreams: iostreams cannot fsync, and their errors carry no reason.
#include "compiler/codegen/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace flow::compiler::codegen {

namespace {

std::string reason() { return std::strerror(errno); }

//! Closes the descriptor however the function that opened it returns.
struct Descriptor {
  int fd;
  explicit Descriptor(int f) : fd(f) {}
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  ~Descriptor() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

bool write_fully(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) {
      errno = EIO;
      return false;
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

bool write_file_atomically(const std::string& path, std::string_view bytes, std::string& error) {
  // Unique per process and per call: two writers of the same file never share a temporary.
  static std::atomic<unsigned> counter{0};
  std::string temporary = path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
  auto fail = [&](const std::string& step) {
    error = "cannot " + step + ": " + reason();
    ::unlink(temporary.c_str());
    return false;
  };
  {
    Descriptor out(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (out.fd < 0) return fail("create `" + temporary + "`");
    if (!write_fully(out.fd, bytes)) return fail("write `" + temporary + "`");
    if (::fsync(out.fd) != 0) return fail("flush `" + temporary + "` to disk");
    int fd = out.fd;
    out.fd = -1;
    if (::close(fd) != 0) return fail("write `" + temporary + "`");
  }
  if (::rename(temporary.c_str(), path.c_str()) != 0) return fail("rename `" + temporary + "` to `" + path + "`");
  std::string directory = std::filesystem::path(path).parent_path().string();
  Descriptor folder(::open(directory.empty() ? "." : directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (folder.fd < 0 || ::fsync(folder.fd) != 0) {
    error = "cannot flush the directory of `" + path + "` to disk: " + reason();
    return false;
  }
  return true;
}

bool read_whole_file(const std::string& path, std::string& bytes, std::string& error) {
  Descriptor in(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat status {};
  if (in.fd < 0 || ::fstat(in.fd, &status) != 0) {
    error = reason();
    return false;
  }
  if (S_ISDIR(status.st_mode)) {
    error = "it is a directory";
    return false;
  }
  bytes.clear();
  if (status.st_size > 0) bytes.reserve(static_cast<size_t>(status.st_size));
  char buffer[1 << 16];
  for (;;) {
    ssize_t n = ::read(in.fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      error = reason();
      return false;
    }
    if (n == 0) return true;
    bytes.append(buffer, static_cast<size_t>(n));
  }
}

}  // namespace flow::compiler::codegen
