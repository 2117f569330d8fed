// RateLimiter: token buckets per principal. Each principal has two buckets: one for read
// operations and a separate (normally stricter) one for change and destructive operations, so
// a burst of reads never uses up the budget for changes and vice versa. A refusal says how
// long until the next call would pass.
//
// Memory: one pair of buckets per principal seen; when more than `max_principals` are
// tracked, buckets that have refilled completely are dropped (a full bucket is the same as a
// new one, so nothing is forgotten that matters).
// Thread safety: admit() is thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "policy/clock.hpp"
#include "policy/roles.hpp"
#include "vsmcp/result.hpp"

namespace vsmcp::policy {

struct RateLimit {
  double per_second = 0;  // sustained rate; <= 0 = unlimited
  double burst = 1;       // bucket size: calls allowed at once after a quiet period (>= 1)
  bool unlimited() const { return per_second <= 0; }
};

// Parses "120/min", "5/s", "1000/h", "2.5/s" or "off"/"unlimited" (burst is given apart).
// The error names the text and the accepted forms.
Result<RateLimit> parseRate(std::string_view text, double burst);
std::string describeRate(const RateLimit& limit);  // "120/min, burst 20"

struct RateLimitConfig {
  RateLimit read{10, 60};   // per principal: 600/min, burst 60
  RateLimit change{1, 10};  // per principal, change + destructive: 60/min, burst 10
  struct Override {
    std::optional<RateLimit> read;
    std::optional<RateLimit> change;
  };
  std::map<std::string, Override> principals;  // by principal name
  size_t max_principals = 10000;
};

class RateLimiter {
 public:
  explicit RateLimiter(RateLimitConfig config, const Clock& clock = systemClock());

  // Takes one token from the principal's bucket for `action`. OK, or kRateLimited with
  // details().retry_after_seconds set (>= 1) and a message naming the limit.
  Status admit(const std::string& principal, Action action);
  // Gives back a token admit took for a call that did nothing (an approval question answered
  // on a retry), up to the burst.
  void refund(const std::string& principal, Action action);

  const RateLimitConfig& config() const { return config_; }

 private:
  struct Bucket {
    double tokens = -1;  // < 0 = not used yet (full)
    std::chrono::steady_clock::time_point updated;
  };
  struct Buckets {
    Bucket read, change;
  };
  const RateLimit& limitFor(const std::string& principal, bool change) const;
  void pruneLocked(std::chrono::steady_clock::time_point now);

  RateLimitConfig config_;
  const Clock& clock_;
  std::mutex mu_;
  std::unordered_map<std::string, Buckets> buckets_;  // guarded by mu_
};

}  // namespace vsmcp::policy
