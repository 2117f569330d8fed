#include "exit_codes.hpp"

namespace vsmcp::cli {

ExitCode exitCodeFor(const Status& status) {
  switch (status.code()) {
    case ErrorCode::kOk:
      return ExitCode::kOk;
    case ErrorCode::kInvalidArgument:
      return status.details().fault.empty() ? ExitCode::kUsage : ExitCode::kFailed;
    case ErrorCode::kNotFound:
      return ExitCode::kNotFound;
    case ErrorCode::kUnauthenticated:
    case ErrorCode::kTls:
      return ExitCode::kAuth;
    case ErrorCode::kPermissionDenied:
    case ErrorCode::kRateLimited:
      return ExitCode::kRefused;
    case ErrorCode::kCancelled:
      return ExitCode::kInterrupted;
    case ErrorCode::kAlreadyExists:
    case ErrorCode::kInvalidState:
    case ErrorCode::kBusy:
    case ErrorCode::kUnavailable:
    case ErrorCode::kTimeout:
    case ErrorCode::kProtocol:
    case ErrorCode::kUnsupported:
    case ErrorCode::kInternal:
      return ExitCode::kFailed;
  }
  return ExitCode::kFailed;
}

}  // namespace vsmcp::cli
