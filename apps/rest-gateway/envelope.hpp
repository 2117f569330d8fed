// The REST gateway's reply format (as the vRA REST server does it): every reply is a JSON
// object with `success`, `message`, `timestamp` (ISO 8601, UTC) and the data; errors add
// `error_code` (e.g. "NOT_FOUND") and `error_details`. Status -> HTTP status happens here and
// nowhere else.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "http/server.hpp"
#include "vsmcp/json.hpp"
#include "vsmcp/status.hpp"
#include "vsmcp/time.hpp"

namespace vsmcp::gateway {

using vsmcp::isoTime;  // (vsmcp/time.hpp) every timestamp of the API

// The HTTP status for an error code (kNotFound -> 404, kRateLimited -> 429, ...).
int httpStatusOf(ErrorCode code);
// "NOT_FOUND", "RATE_LIMITED", ...
std::string errorCodeText(ErrorCode code);

// {"success": true, "message", "timestamp", "data": data} plus `extra` members (lists:
// total_count, page_info).
http::Response ok(int status, const std::string& message, Json data, Json extra = Json::object());
// Where a page of a list stands (page_info of the reply).
struct PageInfo {
  std::int64_t page_size = 0;
  std::int64_t offset = 0;  // of the page's first item in the whole list
  bool has_more = false;    // items follow this page
  bool first_page_only = false;
  std::optional<std::string> next_cursor;  // null when no more, or first_page_only
};
// One page of a list: ok(200) with `data` = the page's items, `total_count` (the whole list)
// and `page_info` {page_size, offset, count, has_more, first_page_only, next_cursor};
// the message says "<count> of <total> <what>".
http::Response okPage(const std::string& what, Json items, std::int64_t total, const PageInfo& page);

// {"success": false, "message", "timestamp", "error_code", "error_details"}; the HTTP status
// comes from the code unless `status` is given. Retry-After is set for rate limits.
http::Response error(const Status& status, Json details = Json::object(), int http_status = 0);
// An error with an explicit HTTP status and code text (422 VALIDATION_ERROR, 413 ...).
http::Response error(int http_status, const std::string& code, const std::string& message,
                     Json details = Json::object());

// The envelope text of an answer the HTTP layer makes itself (413, 431, 408, 503...): the
// error code is derived from the status ("PAYLOAD_TOO_LARGE").
std::string errorEnvelope(int http_status, const std::string& message);

}  // namespace vsmcp::gateway
