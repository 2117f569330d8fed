// policy::Clock: where libpolicy reads time, so tests can drive it (a ManualClock) instead of
// sleeping. Rate limits and durations use the monotonic clock; audit timestamps the wall clock.
// Thread safety: implementations must be thread-safe; systemClock() is.
#pragma once

#include <chrono>

namespace vsmcp::policy {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::steady_clock::time_point now() const = 0;
  virtual std::chrono::system_clock::time_point wallNow() const = 0;
};

// The real clocks. Lives for the whole program.
const Clock& systemClock();

}  // namespace vsmcp::policy
