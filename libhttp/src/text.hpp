// Small text helpers of the HTTP server: case-insensitive comparison, header checks and
// percent-decoding. Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace vsmcp::http {

bool iequals(std::string_view a, std::string_view b);
std::string toLower(std::string_view s);
// Without leading and trailing spaces and tabs.
std::string_view trimWhitespace(std::string_view s);

// An HTTP token (RFC 9110, 5.6.2): a valid header name or method. Not empty.
bool isToken(std::string_view s);
// Free of CR, LF and NUL: safe inside a header value.
bool isSafeHeaderValue(std::string_view s);
// A client's X-Request-Id worth echoing: 1..128 characters of [A-Za-z0-9._-].
bool isSaneRequestId(std::string_view s);

enum class PlusMeans { kPlus, kSpace };
// Decodes %XX escapes (either case). nullopt on a bad escape or an escape giving NUL.
std::optional<std::string> percentDecode(std::string_view s, PlusMeans plus);
// Like percentDecode, but a bad escape or "%00" is kept as written.
std::string percentDecodeLenient(std::string_view s, PlusMeans plus);

}  // namespace vsmcp::http
