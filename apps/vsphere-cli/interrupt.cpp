#include "interrupt.hpp"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <csignal>

namespace vsmcp::cli {

namespace {

std::atomic<bool> g_task_running{false};
std::atomic<bool> g_interrupted{false};
static_assert(std::atomic<bool>::is_always_lock_free, "the signal handler needs lock-free atomics");

constexpr char kCancelling[] =
    "\nvsphere-cli: cancelling the vCenter task (Ctrl-C again to quit without waiting)\n";

// Async-signal-safe: atomics, write(2), signal(2), raise(3).
void onSigint(int) {
  if (g_task_running.load() && !g_interrupted.load()) {
    g_interrupted.store(true);
    const ssize_t ignored = ::write(STDERR_FILENO, kCancelling, sizeof kCancelling - 1);
    (void)ignored;
    return;
  }
  std::signal(SIGINT, SIG_DFL);
  std::raise(SIGINT);
}

}  // namespace

void Interrupt::install() {
  struct sigaction sa {};
  sa.sa_handler = onSigint;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGINT, &sa, nullptr);
}

bool Interrupt::interrupted() { return g_interrupted.load(); }

void Interrupt::taskRunning(bool running) { g_task_running.store(running); }

}  // namespace vsmcp::cli
