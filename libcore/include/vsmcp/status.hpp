// Status: the outcome of an operation that can fail for expected reasons (network, TLS,
// login, SOAP faults, bad input, policy). A value type: cheap to copy when OK (no allocation),
// immutable once built. Thread-safe to share between threads (const after construction).
//
// Errors carry one ErrorCode (what kind of failure, for programs to branch on), a message for
// people, and optional details (the vSphere fault type, the HTTP status, the object concerned).
// Errors become wire formats only at the edges (MCP, REST, CLI exit codes).
#pragma once

#include <memory>
#include <ostream>
#include <string>
#include <string_view>

namespace vsmcp {

enum class ErrorCode {
  kOk = 0,
  kInvalidArgument,   // the caller's input is wrong (bad name, bad spec, InvalidArgument fault)
  kNotFound,          // object does not exist (ManagedObjectNotFound, no VM by that name)
  kAlreadyExists,     // DuplicateName, FileAlreadyExists
  kPermissionDenied,  // NoPermission, refused by policy
  kUnauthenticated,   // InvalidLogin, NotAuthenticated after re-login
  kInvalidState,      // InvalidPowerState, InvalidState, snapshot missing, ...
  kBusy,              // TaskInProgress, concurrent access
  kUnavailable,       // network failure, connection refused, HTTP 5xx without SOAP fault
  kTimeout,           // connect or request timeout
  kTls,               // certificate verification or pin mismatch, handshake failure
  kProtocol,          // the peer answered something that is not a valid reply (HTML, truncated)
  kCancelled,         // cancelled by the caller
  kRateLimited,       // refused by a rate limiter; retry later
  kUnsupported,       // the peer (e.g. standalone ESXi) does not offer this operation
  kInternal,          // a vSphere fault we do not classify, or a bug
};

std::string_view errorCodeName(ErrorCode code);

struct ErrorDetails {
  std::string fault;   // vSphere fault type, e.g. "InvalidPowerState"; empty if none
  int http_status = 0; // HTTP status of the reply, 0 if there was none
  std::string object;  // managed object or name concerned, e.g. "vm-42"; empty if none
  int retry_after_seconds = 0;  // kRateLimited/kBusy: when to try again (s); 0 = not known
};

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK

  static Status Ok() { return Status(); }
  static Status Error(ErrorCode code, std::string message, ErrorDetails details = {});
  static Status InvalidArgument(std::string msg) { return Error(ErrorCode::kInvalidArgument, std::move(msg)); }
  static Status NotFound(std::string msg) { return Error(ErrorCode::kNotFound, std::move(msg)); }
  static Status Protocol(std::string msg) { return Error(ErrorCode::kProtocol, std::move(msg)); }
  static Status Unavailable(std::string msg) { return Error(ErrorCode::kUnavailable, std::move(msg)); }
  static Status Internal(std::string msg) { return Error(ErrorCode::kInternal, std::move(msg)); }
  static Status Cancelled(std::string msg) { return Error(ErrorCode::kCancelled, std::move(msg)); }
  static Status Unsupported(std::string msg) { return Error(ErrorCode::kUnsupported, std::move(msg)); }

  bool ok() const { return rep_ == nullptr; }
  explicit operator bool() const { return ok(); }
  ErrorCode code() const { return rep_ ? rep_->code : ErrorCode::kOk; }
  const std::string& message() const;
  const ErrorDetails& details() const;

  // "NotFound: no VM named 'x' [fault=ManagedObjectNotFound http=500 object=vm-1]"
  std::string toString() const;

  // Returns a copy whose message is "prefix: <message>"; code and details are kept.
  Status withContext(std::string_view prefix) const;

 private:
  struct Rep {
    ErrorCode code;
    std::string message;
    ErrorDetails details;
  };
  std::shared_ptr<const Rep> rep_;
};

std::ostream& operator<<(std::ostream& os, const Status& s);

}  // namespace vsmcp
