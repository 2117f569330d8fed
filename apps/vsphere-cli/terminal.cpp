#include "terminal.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>

namespace vsmcp::cli {

namespace {

// A file descriptor closed on scope exit.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

bool writeAll(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

bool SystemTerminal::stdoutIsTty() const { return ::isatty(STDOUT_FILENO) == 1; }
bool SystemTerminal::stderrIsTty() const { return ::isatty(STDERR_FILENO) == 1; }

int SystemTerminal::columns() const {
  winsize ws{};
  if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 0;
}

bool SystemTerminal::interactive() const {
  if (::isatty(STDIN_FILENO) != 1) return false;
  Fd tty(::open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY));
  return tty.get() >= 0;
}

std::optional<bool> SystemTerminal::confirm(const std::string& question) {
  Fd tty(::open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY));
  if (tty.get() < 0) return std::nullopt;
  if (!writeAll(tty.get(), question + " [y/N] ")) return std::nullopt;
  std::string answer;
  for (;;) {
    char c = 0;
    const ssize_t n = ::read(tty.get(), &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      writeAll(tty.get(), "\n");
      return std::nullopt;  // the terminal closed: no answer
    }
    if (c == '\n') break;
    if (answer.size() < 64) answer += c;
  }
  return isYes(answer);
}

bool isYes(const std::string& answer) {
  std::string a;
  for (char c : answer)
    if (!std::isspace(static_cast<unsigned char>(c)))
      a += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return a == "y" || a == "yes";
}

}  // namespace vsmcp::cli
