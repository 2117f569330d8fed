// What vsphere-cli needs of the terminal it runs in: whether stdout and stderr are terminals,
// the width, and a yes/no question asked on the controlling terminal (/dev/tty), so a prompt
// works even when stdout or stderr are redirected. Tests supply a fake.
// Thread safety: not thread-safe; used by the main thread.
#pragma once

#include <optional>
#include <string>

namespace vsmcp::cli {

class Terminal {
 public:
  virtual ~Terminal() = default;
  virtual bool stdoutIsTty() const = 0;
  virtual bool stderrIsTty() const = 0;
  // Columns of the terminal on stderr (for the progress bar); 0 when unknown.
  virtual int columns() const = 0;
  // Whether a person can be asked: stdin is a terminal and /dev/tty opens. False in scripts,
  // cron jobs and pipelines, where destructive commands need --yes.
  virtual bool interactive() const = 0;
  // Asks `question` followed by " [y/N] " and reads one line. True only for y or yes (any
  // case); nullopt when there is no terminal to ask or it closed before an answer.
  virtual std::optional<bool> confirm(const std::string& question) = 0;
};

// The process's terminal: isatty(2) on the standard streams, TIOCGWINSZ, /dev/tty.
class SystemTerminal final : public Terminal {
 public:
  bool stdoutIsTty() const override;
  bool stderrIsTty() const override;
  int columns() const override;
  bool interactive() const override;
  std::optional<bool> confirm(const std::string& question) override;
};

// "y", "Yes", " yes " -> true; anything else (including "") -> false.
bool isYes(const std::string& answer);

}  // namespace vsmcp::cli
