// vsphere-cli's program: builds the command tree from the command table and the registry
// (flags from each operation's input schema), parses the command line, applies profiles and
// policy, connects, runs the operation with progress and cancellation, asks before
// destructive changes, and prints the result. main() only wires the process's streams,
// terminal, Ctrl-C handler and the real vCenter connection into Io and calls run().
// Thread safety: run() is not reentrant (CLI11 and the Io are used by one thread).
#pragma once

#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "completion.hpp"
#include "terminal.hpp"
#include "vsmcp/result.hpp"
#include "ops/registry.hpp"
#include "vsphere/client.hpp"

namespace vsmcp::cli {

// What the program uses of the world. REQUIRES: every referee outlives run().
struct Io {
  std::ostream& out;   // results
  std::ostream& err;   // messages, progress, notes
  Terminal& terminal;  // TTY checks and the confirmation prompt
  // Connects and logs in (tests connect over a fake transport).
  std::function<Result<std::unique_ptr<vsphere::Client>>(const vsphere::ConnectionOptions&)>
      connect;
  // Ctrl-C was pressed while a task ran: cancel it. Empty = never.
  std::function<bool()> interrupted;
  // Tells the Ctrl-C handler that a cancellable task runs (true) or no longer runs (false).
  std::function<void(bool)> task_running;
  // The operations the commands name; null = the built-in registry (tests use scripted ones).
  const ops::Registry* registry = nullptr;
};

// Runs one command line; returns the exit code (exit_codes.hpp).
int run(int argc, const char* const* argv, Io& io);

// The completion model of the whole command tree (what `completion bash|zsh` prints from).
CompletionModel completionModel();

}  // namespace vsmcp::cli
