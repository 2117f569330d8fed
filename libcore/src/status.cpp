#include "vsmcp/status.hpp"

#include <string>

namespace vsmcp {

std::string_view errorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk: return "OK";
    case ErrorCode::kInvalidArgument: return "InvalidArgument";
    case ErrorCode::kNotFound: return "NotFound";
    case ErrorCode::kAlreadyExists: return "AlreadyExists";
    case ErrorCode::kPermissionDenied: return "PermissionDenied";
    case ErrorCode::kUnauthenticated: return "Unauthenticated";
    case ErrorCode::kInvalidState: return "InvalidState";
    case ErrorCode::kBusy: return "Busy";
    case ErrorCode::kUnavailable: return "Unavailable";
    case ErrorCode::kTimeout: return "Timeout";
    case ErrorCode::kTls: return "Tls";
    case ErrorCode::kProtocol: return "Protocol";
    case ErrorCode::kCancelled: return "Cancelled";
    case ErrorCode::kRateLimited: return "RateLimited";
    case ErrorCode::kUnsupported: return "Unsupported";
    case ErrorCode::kInternal: return "Internal";
  }
  return "Unknown";
}

Status Status::Error(ErrorCode code, std::string message, ErrorDetails details) {
  Status s;
  if (code == ErrorCode::kOk) code = ErrorCode::kInternal;  // an error must not read as OK
  s.rep_ = std::make_shared<const Rep>(Rep{code, std::move(message), std::move(details)});
  return s;
}

const std::string& Status::message() const {
  static const std::string kEmpty;
  return rep_ ? rep_->message : kEmpty;
}

const ErrorDetails& Status::details() const {
  static const ErrorDetails kNone;
  return rep_ ? rep_->details : kNone;
}

std::string Status::toString() const {
  if (ok()) return "OK";
  std::string out(errorCodeName(rep_->code));
  out += ": ";
  out += rep_->message;
  const auto& d = rep_->details;
  if (!d.fault.empty() || d.http_status != 0 || !d.object.empty()) {
    out += " [";
    bool first = true;
    auto add = [&](const char* k, const std::string& v) {
      if (!first) out += ' ';
      out += k;
      out += '=';
      out += v;
      first = false;
    };
    if (!d.fault.empty()) add("fault", d.fault);
    if (d.http_status != 0) add("http", std::to_string(d.http_status));
    if (!d.object.empty()) add("object", d.object);
    out += ']';
  }
  return out;
}

Status Status::withContext(std::string_view prefix) const {
  if (ok()) return *this;
  std::string msg(prefix);
  msg += ": ";
  msg += rep_->message;
  return Error(rep_->code, std::move(msg), rep_->details);
}

std::ostream& operator<<(std::ostream& os, const Status& s) { return os << s.toString(); }

}  // namespace vsmcp
