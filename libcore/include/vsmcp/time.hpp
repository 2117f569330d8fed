// UTC timestamps in ISO 8601 (RFC 3339) form, as every surface writes them: envelopes, the
// audit log, deployment records. Thread-safe (pure functions).
#pragma once

#include <chrono>
#include <string>

namespace vsmcp {

// "2026-11-23T09:07:22.123Z": UTC, millisecond precision, so texts sort as their times do.
std::string isoTime(std::chrono::system_clock::time_point t);
inline std::string isoTimeNow() { return isoTime(std::chrono::system_clock::now()); }

}  // namespace vsmcp
