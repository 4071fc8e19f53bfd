// The live status of `flowrun run` on a terminal: a block of lines at the bottom of the screen —
// one row per query — redrawn in place every second, instead of a new progress line per query
// per second. Everything else written to stderr meanwhile (warnings, librdkafka's own log lines)
// still shows, above the block: while the status is live, stderr (fd 2) is a pipe that a thread
// reads line by line, erasing the block, printing the line and drawing the block again — so no
// message is lost under the block and the block never scrolls away. Plain progress lines, as
// before, when stderr is not a terminal.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace flow::runtime {

class TerminalStatus {
 public:
  //! Whether stderr is a terminal that takes cursor movement (not TERM=dumb).
  static bool stderr_is_terminal();
  //! Takes over stderr. Null (and stderr untouched) when it cannot (no pipe, no thread).
  static std::unique_ptr<TerminalStatus> start();
  //! Gives stderr back (everything written to it so far is printed first) and leaves the last
  //! block on the screen, as the run's final status.
  ~TerminalStatus();
  TerminalStatus(const TerminalStatus&) = delete;
  TerminalStatus& operator=(const TerminalStatus&) = delete;

  //! Replaces the block by `lines` (each cut to the terminal's width, so none wraps).
  void show(std::vector<std::string> lines);

 private:
  TerminalStatus(int terminal, int pipe_read, int saved_stderr);
  //! Copies what is written to the pipe onto the terminal, above the block, until it closes.
  void forward();
  void erase_block_locked(std::string& out) const;
  void draw_block_locked(std::string& out);
  void write_terminal(const std::string& text) const;

  int terminal_;      //!< the terminal's stderr, duplicated
  int pipe_read_;     //!< what fd 2 writes to while the status is live
  int saved_stderr_;  //!< fd 2 as it was, restored at the end
  std::mutex mutex_;
  std::vector<std::string> block_;
  size_t drawn_ = 0;  //!< lines of the block on the screen now
  std::atomic<bool> stopping_{false};
  std::thread forwarder_;
};

}  // namespace flow::runtime
