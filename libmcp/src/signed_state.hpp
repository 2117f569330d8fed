// Tamper-evident state that travels through the client (2026-07-28 requestState, task ids):
// a JSON payload signed with HMAC-SHA256 under the server's state key, so any process sharing
// the key can check it without a shared store. Integrity only: the payload is readable by the
// client (it holds nothing the client did not send or may not see). Thread-safe (pure).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "vsmcp/json.hpp"
#include "vsmcp/result.hpp"

namespace vsmcp::mcp::internal {

// JSON text with object members sorted by name at every level, so equal values digest equally
// whatever order the client sent their members in.
std::string canonicalJson(const Json& value);

// Lowercase hex SHA-256 of `data`.
std::string sha256Hex(std::string_view data);

// "<kind>.<base64url payload>.<base64url HMAC-SHA256(key, kind "." payload)>". `kind` ("rs",
// "tk") keeps one kind of token from being accepted as another.
std::string signState(std::string_view key, std::string_view kind, const Json& payload);

// The payload of a token signState made with the same key and kind, or InvalidArgument
// saying what is wrong with it (malformed, wrong kind, signature mismatch).
Result<Json> verifyState(std::string_view key, std::string_view kind, std::string_view token);

// Milliseconds since the Unix epoch (wall clock: tokens are checked by other processes).
std::int64_t nowMs();

// "2026-07-28T10:30:00.123Z" for milliseconds since the epoch.
std::string isoTime(std::int64_t ms);

}  // namespace vsmcp::mcp::internal
