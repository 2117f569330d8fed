#include "envelope.hpp"

#include <cctype>
#include <ctime>

namespace vsmcp::gateway {

int httpStatusOf(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk: return 200;
    case ErrorCode::kInvalidArgument: return 400;
    case ErrorCode::kNotFound: return 404;
    case ErrorCode::kAlreadyExists: return 409;
    case ErrorCode::kPermissionDenied: return 403;
    case ErrorCode::kUnauthenticated: return 401;
    case ErrorCode::kInvalidState: return 409;
    case ErrorCode::kBusy: return 409;
    case ErrorCode::kUnavailable: return 503;
    case ErrorCode::kTimeout: return 504;
    case ErrorCode::kTls: return 502;
    case ErrorCode::kProtocol: return 502;
    case ErrorCode::kCancelled: return 409;
    case ErrorCode::kRateLimited: return 429;
    case ErrorCode::kUnsupported: return 400;
    case ErrorCode::kInternal: return 500;
  }
  return 500;
}

std::string errorCodeText(ErrorCode code) {
  // "NotFound" -> "NOT_FOUND"
  std::string name(errorCodeName(code)), out;
  for (size_t i = 0; i < name.size(); ++i) {
    if (i > 0 && std::isupper(static_cast<unsigned char>(name[i]))) out += '_';
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(name[i])));
  }
  return out;
}

namespace {

Json base(bool success, const std::string& message) {
  return Json::object()
      .set("success", success)
      .set("message", message)
      .set("timestamp", isoTime(std::chrono::system_clock::now()));
}

http::Response respond(int status, const Json& body) {
  http::Response r;
  r.status = status;
  r.content_type = "application/json";
  r.body = body.dump();
  return r;
}

}  // namespace

http::Response ok(int status, const std::string& message, Json data, Json extra) {
  Json body = base(true, message);
  body.set("data", std::move(data));
  for (const auto& [k, v] : extra.members()) body.set(k, v);
  return respond(status, body);
}

http::Response okPage(const std::string& what, Json items, std::int64_t total, const PageInfo& page) {
  const auto count = static_cast<std::int64_t>(items.size());
  Json page_info = Json::object()
                       .set("page_size", page.page_size)
                       .set("offset", page.offset)
                       .set("count", count)
                       .set("has_more", page.has_more)
                       .set("first_page_only", page.first_page_only)
                       .set("next_cursor", page.next_cursor ? Json(*page.next_cursor) : Json());
  return ok(200, std::to_string(count) + " of " + std::to_string(total) + " " + what, std::move(items),
            Json::object().set("total_count", total).set("page_info", page_info));
}

http::Response error(const Status& status, Json details, int http_status) {
  if (!status.details().object.empty() && !details.find("object")) details.set("object", status.details().object);
  if (!status.details().fault.empty() && !details.find("vsphere_fault"))
    details.set("vsphere_fault", status.details().fault);
  http::Response r = error(http_status ? http_status : httpStatusOf(status.code()), errorCodeText(status.code()),
                           status.message(), std::move(details));
  if (status.code() == ErrorCode::kRateLimited)
    r.headers.emplace_back("Retry-After", std::to_string(std::max(1, status.details().retry_after_seconds)));
  if (status.code() == ErrorCode::kUnauthenticated) r.headers.emplace_back("WWW-Authenticate", "Bearer");
  return r;
}

http::Response error(int http_status, const std::string& code, const std::string& message, Json details) {
  Json body = base(false, message);
  body.set("error_code", code).set("error_details", std::move(details));
  return respond(http_status, body);
}

std::string errorEnvelope(int http_status, const std::string& message) {
  const char* code = "HTTP_ERROR";
  switch (http_status) {
    case 400: code = "BAD_REQUEST"; break;
    case 403: code = "FORBIDDEN"; break;
    case 404: code = "NOT_FOUND"; break;
    case 408: code = "REQUEST_TIMEOUT"; break;
    case 413: code = "PAYLOAD_TOO_LARGE"; break;
    case 417: code = "EXPECTATION_FAILED"; break;
    case 431: code = "HEADERS_TOO_LARGE"; break;
    case 500: code = "INTERNAL"; break;
    case 501: code = "NOT_IMPLEMENTED"; break;
    case 503: code = "UNAVAILABLE"; break;
    case 504: code = "TIMEOUT"; break;
    default: break;
  }
  return error(http_status, code, message).body;
}

}  // namespace vsmcp::gateway
