#include "stop_signal.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>

namespace vsmcp::mcp {
namespace {

int g_pipe[2] = {-1, -1};
std::atomic<int> g_signal{0};  // the last signal that arrived (lock-free: signal-safe)
std::atomic<bool> g_installed{false};
struct sigaction g_old_int {}, g_old_term {};

extern "C" void onStopSignal(int sig) {
  const int saved = errno;
  g_signal = sig;
  const char b = 1;
  ssize_t ignored = ::write(g_pipe[1], &b, 1);  // non-blocking: a full pipe already says "stop"
  (void)ignored;
  errno = saved;
}

}  // namespace

Result<std::unique_ptr<StopSignal>> StopSignal::install() {
  if (g_installed.exchange(true))
    return Status::Error(ErrorCode::kInvalidState, "the stop signals are already handled");
  if (::pipe(g_pipe) != 0) {
    g_installed = false;
    return Status::Internal("cannot create the signal pipe");
  }
  g_signal = 0;
  ::fcntl(g_pipe[1], F_SETFL, ::fcntl(g_pipe[1], F_GETFL) | O_NONBLOCK);
  struct sigaction action {};
  action.sa_handler = onStopSignal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, &g_old_int);
  sigaction(SIGTERM, &action, &g_old_term);
  return std::unique_ptr<StopSignal>(new StopSignal());
}

StopSignal::~StopSignal() {
  sigaction(SIGINT, &g_old_int, nullptr);
  sigaction(SIGTERM, &g_old_term, nullptr);
  ::close(g_pipe[0]);
  ::close(g_pipe[1]);
  g_pipe[0] = g_pipe[1] = -1;
  g_installed = false;
}

int StopSignal::fd() const { return g_pipe[0]; }

std::string StopSignal::wait() {
  pollfd p{g_pipe[0], POLLIN, 0};
  while (::poll(&p, 1, -1) < 0 && errno == EINTR) {
  }
  // Nothing is read: the pipe stays readable for pending() and fd() watchers.
  return g_signal.load() == SIGINT ? "SIGINT" : "SIGTERM";
}

bool StopSignal::pending() const {
  pollfd p{g_pipe[0], POLLIN, 0};
  return ::poll(&p, 1, 0) > 0 && (p.revents & POLLIN);
}

}  // namespace vsmcp::mcp
