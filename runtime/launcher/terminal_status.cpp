// The live terminal status (terminal_status.hpp).
#include "runtime/launcher/terminal_status.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace flow::runtime {

namespace {

size_t terminal_width(int fd) {
  winsize size{};
  if (ioctl(fd, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  return 80;
}

//! `line` cut to `width` columns (the block's text is ASCII but for names' UTF-8, which is cut
//! at a character boundary), so that no line of the block wraps and the block's height is its
//! number of lines.
std::string fit(const std::string& line, size_t width) {
  size_t columns = 0, i = 0;
  while (i < line.size() && columns < width) {
    i++;
    while (i < line.size() && (static_cast<unsigned char>(line[i]) & 0xC0) == 0x80) i++;
    columns++;
  }
  return line.substr(0, i);
}

}  // namespace

bool TerminalStatus::stderr_is_terminal() {
  const char* term = std::getenv("TERM");
  return isatty(STDERR_FILENO) && term && *term && std::strcmp(term, "dumb") != 0;
}

std::unique_ptr<TerminalStatus> TerminalStatus::start() {
  std::fflush(stderr);
  int terminal = dup(STDERR_FILENO);
  int saved = dup(STDERR_FILENO);
  int pipe_fds[2];
  if (terminal < 0 || saved < 0 || pipe2(pipe_fds, O_CLOEXEC) != 0) {
    if (terminal >= 0) close(terminal);
    if (saved >= 0) close(saved);
    return nullptr;
  }
  fcntl(terminal, F_SETFD, FD_CLOEXEC);
  fcntl(saved, F_SETFD, FD_CLOEXEC);
  if (dup2(pipe_fds[1], STDERR_FILENO) < 0) {
    for (int fd : {terminal, saved, pipe_fds[0], pipe_fds[1]}) close(fd);
    return nullptr;
  }
  close(pipe_fds[1]);  // fd 2 is now the pipe's only writer: restoring fd 2 closes the pipe
  fcntl(pipe_fds[0], F_SETFL, O_NONBLOCK);
  std::unique_ptr<TerminalStatus> status(new TerminalStatus(terminal, pipe_fds[0], saved));
  try {
    status->forwarder_ = std::thread([raw = status.get()] { raw->forward(); });
  } catch (const std::system_error&) {
    dup2(saved, STDERR_FILENO);
    return nullptr;  // the destructor closes the rest; no forwarder to join
  }
  return status;
}

TerminalStatus::TerminalStatus(int terminal, int pipe_read, int saved_stderr)
    : terminal_(terminal), pipe_read_(pipe_read), saved_stderr_(saved_stderr) {}

TerminalStatus::~TerminalStatus() {
  std::fflush(stderr);
  dup2(saved_stderr_, STDERR_FILENO);  // the pipe's last writer goes: the forwarder reads to its end
  stopping_.store(true);
  if (forwarder_.joinable()) forwarder_.join();
  std::string out;
  {
    std::lock_guard lock(mutex_);
    if (drawn_ == 0 && !block_.empty()) draw_block_locked(out);
  }
  write_terminal(out);
  for (int fd : {terminal_, pipe_read_, saved_stderr_}) close(fd);
}

void TerminalStatus::show(std::vector<std::string> lines) {
  std::string out;
  std::lock_guard lock(mutex_);
  erase_block_locked(out);
  block_ = std::move(lines);
  draw_block_locked(out);
  write_terminal(out);
}

void TerminalStatus::forward() {
  std::string pending;
  char buffer[4096];
  for (;;) {
    // Until the pipe closes — or, once the status ends, until it is empty: a child process that
    // inherited fd 2 would otherwise keep the pipe open, and the end of the run waiting for it.
    pollfd ready{pipe_read_, POLLIN, 0};
    int polled = poll(&ready, 1, 100);
    if (polled < 0 && errno != EINTR) break;
    if (polled <= 0) {
      if (stopping_.load()) break;
      continue;
    }
    ssize_t n = read(pipe_read_, buffer, sizeof buffer);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) break;
    pending.append(buffer, static_cast<size_t>(n));
    size_t end = pending.rfind('\n');
    if (end == std::string::npos) continue;  // a line is printed whole, once it is complete
    std::string out;
    std::lock_guard lock(mutex_);
    erase_block_locked(out);
    out.append(pending, 0, end + 1);
    pending.erase(0, end + 1);
    draw_block_locked(out);
    write_terminal(out);
  }
  if (!pending.empty()) {  // a last line without its line feed
    std::string out;
    std::lock_guard lock(mutex_);
    erase_block_locked(out);
    out += pending + "\n";
    draw_block_locked(out);
    write_terminal(out);
  }
}

void TerminalStatus::erase_block_locked(std::string& out) const {
  // To the start of the block's first line, then clear to the end of the screen.
  if (drawn_ > 0) out += "\x1b[" + std::to_string(drawn_) + "F\x1b[J";
}

void TerminalStatus::draw_block_locked(std::string& out) {
  // One column short of the width: a line that fills the last column makes some terminals wrap.
  size_t width = terminal_width(terminal_);
  for (const auto& line : block_) out += fit(line, width > 1 ? width - 1 : width) + "\n";
  drawn_ = block_.size();
}

void TerminalStatus::write_terminal(const std::string& text) const {
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = write(terminal_, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the terminal went away: nothing more to show
    done += static_cast<size_t>(n);
  }
}

}  // namespace flow::runtime
