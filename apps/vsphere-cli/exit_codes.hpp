// The exit codes of vsphere-cli, which scripts may rely on, and the mapping of an error Status
// to one of them. Errors become exit codes here only (the CLI's edge).
#pragma once

#include "vsmcp/status.hpp"

namespace vsmcp::cli {

enum class ExitCode : int {
  kOk = 0,            // done
  kFailed = 1,        // the operation failed (vCenter fault, network, invalid state, ...)
  kUsage = 2,         // bad command line, flag value or configuration; nothing was sent
  kNotFound = 3,      // the object named does not exist
  kAuth = 4,          // login refused, or TLS verification (CA, thumbprint) failed
  kRefused = 5,       // refused by policy: role, allowed hosts, vCenter permissions, a
                      // destructive command without --yes in a script, or "no" at the prompt
  kInterrupted = 130  // Ctrl-C: the vCenter task was cancelled (or had already finished)
};

constexpr int toInt(ExitCode code) { return static_cast<int>(code); }

// The exit code for a failed call. kInvalidArgument is a usage error when it comes from our
// own checks (no vSphere fault) and an operation failure when vCenter raised it.
ExitCode exitCodeFor(const Status& status);

}  // namespace vsmcp::cli
