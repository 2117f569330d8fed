// Ctrl-C for vsphere-cli. While a change runs (taskRunning(true)), the first SIGINT asks for
// the vCenter task to be cancelled (the task wait polls interrupted() and sends CancelTask);
// a second SIGINT quits at once. Otherwise SIGINT ends the process at once, as with no
// handler (the shell sees 130 either way).
// Thread safety: the flags are lock-free atomics; install() once, from main().
#pragma once

namespace vsmcp::cli {

class Interrupt {
 public:
  // Installs the SIGINT handler.
  static void install();
  // Whether Ctrl-C was pressed while a task ran.
  static bool interrupted();
  // Tells the handler whether a task that can be cancelled is running.
  static void taskRunning(bool running);
};

}  // namespace vsmcp::cli
