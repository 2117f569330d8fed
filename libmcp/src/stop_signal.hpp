// StopSignal: SIGINT and SIGTERM for a program's main() (serveHttpUntilSignal,
// serveStdioUntilSignal), as a file descriptor that becomes readable when one arrives. The
// handler only writes the signal number to a self-pipe (async-signal-safe), whichever thread
// the kernel picked.
//
// Ownership: at most one StopSignal exists at a time (the handler writes to a process-wide
// pipe); the destructor restores the previous handlers and closes the pipe.
// Thread safety: fd(), wait() and pending() may be called from any thread.
#pragma once

#include <memory>
#include <string>

#include "vsmcp/result.hpp"

namespace vsmcp::mcp {

class StopSignal {
 public:
  // Installs the handlers. Fails (kInternal) when the pipe cannot be made, or (kInvalidState)
  // when another StopSignal exists.
  static Result<std::unique_ptr<StopSignal>> install();
  ~StopSignal();
  StopSignal(const StopSignal&) = delete;
  StopSignal& operator=(const StopSignal&) = delete;

  // Readable once a signal arrived (and stays so).
  int fd() const;
  // Blocks until a signal arrives; returns its name ("SIGTERM").
  std::string wait();
  // True once a signal arrived; never blocks.
  bool pending() const;

 private:
  StopSignal() = default;
};

}  // namespace vsmcp::mcp
