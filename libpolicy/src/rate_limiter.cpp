#include "policy/rate_limiter.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace vsmcp::policy {

Result<RateLimit> parseRate(std::string_view text, double burst) {
  if (text == "off" || text == "unlimited") return RateLimit{0, 1};
  auto bad = [&] {
    return Status::InvalidArgument("rate '" + std::string(text) +
                                   "' is not valid: use N/s, N/min or N/h (N > 0), or off");
  };
  size_t slash = text.find('/');
  if (slash == std::string_view::npos || slash == 0) return bad();
  std::string number(text.substr(0, slash));
  char* end = nullptr;
  double n = std::strtod(number.c_str(), &end);
  if (*end != '\0' || !std::isfinite(n) || n <= 0) return bad();
  std::string_view unit = text.substr(slash + 1);
  double seconds;
  if (unit == "s" || unit == "sec" || unit == "second") seconds = 1;
  else if (unit == "min" || unit == "m" || unit == "minute") seconds = 60;
  else if (unit == "h" || unit == "hour") seconds = 3600;
  else return bad();
  if (!std::isfinite(burst) || burst < 1 || burst > 1e9)
    return Status::InvalidArgument("burst must be a number from 1 to 1e9");
  return RateLimit{n / seconds, burst};
}

std::string describeRate(const RateLimit& limit) {
  if (limit.unlimited()) return "unlimited";
  double per_min = limit.per_second * 60;
  char buf[64];
  if (per_min >= 1 && std::fabs(per_min - std::round(per_min)) < 1e-9)
    std::snprintf(buf, sizeof buf, "%.0f/min", per_min);
  else
    std::snprintf(buf, sizeof buf, "%.3g/s", limit.per_second);
  char burst[32];
  std::snprintf(burst, sizeof burst, "%.0f", limit.burst);
  return std::string(buf) + ", burst " + burst;
}

RateLimiter::RateLimiter(RateLimitConfig config, const Clock& clock)
    : config_(std::move(config)), clock_(clock) {}

const RateLimit& RateLimiter::limitFor(const std::string& principal, bool change) const {
  auto it = config_.principals.find(principal);
  if (it != config_.principals.end()) {
    const auto& o = change ? it->second.change : it->second.read;
    if (o) return *o;
  }
  return change ? config_.change : config_.read;
}

Status RateLimiter::admit(const std::string& principal, Action action) {
  const bool change = action != Action::kRead;
  const RateLimit& limit = limitFor(principal, change);
  if (limit.unlimited()) return Status::Ok();
  const auto now = clock_.now();
  std::lock_guard<std::mutex> lock(mu_);
  if (buckets_.size() >= config_.max_principals && !buckets_.count(principal)) pruneLocked(now);
  Bucket& b = change ? buckets_[principal].change : buckets_[principal].read;
  if (b.tokens < 0) {
    b.tokens = limit.burst;
  } else {
    double elapsed = std::chrono::duration<double>(now - b.updated).count();
    b.tokens = std::min(limit.burst, b.tokens + std::max(0.0, elapsed) * limit.per_second);
  }
  b.updated = now;
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return Status::Ok();
  }
  int retry = static_cast<int>(std::ceil((1 - b.tokens) / limit.per_second));
  retry = std::max(1, retry);
  ErrorDetails details;
  details.retry_after_seconds = retry;
  return Status::Error(ErrorCode::kRateLimited,
                       "rate limit reached for '" + (principal.empty() ? std::string("anonymous") : principal) +
                           "' on " + (change ? "change" : "read") + " operations (" + describeRate(limit) +
                           "); retry after " + std::to_string(retry) + " s",
                       details);
}

void RateLimiter::refund(const std::string& principal, Action action) {
  const bool change = action != Action::kRead;
  const RateLimit& limit = limitFor(principal, change);
  if (limit.unlimited()) return;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = buckets_.find(principal);
  if (it == buckets_.end()) return;
  Bucket& b = change ? it->second.change : it->second.read;
  if (b.tokens >= 0) b.tokens = std::min(limit.burst, b.tokens + 1);
}

void RateLimiter::pruneLocked(std::chrono::steady_clock::time_point now) {
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    auto full = [&](const Bucket& b, bool change) {
      if (b.tokens < 0) return true;
      const RateLimit& l = limitFor(it->first, change);
      double elapsed = std::chrono::duration<double>(now - b.updated).count();
      return l.unlimited() || b.tokens + elapsed * l.per_second >= l.burst;
    };
    if (full(it->second.read, false) && full(it->second.change, true))
      it = buckets_.erase(it);
    else
      ++it;
  }
}

}  // namespace vsmcp::policy
