// Per-tool call counters and latency for /metrics (Prometheus text format 0.0.4).
// Thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>

namespace vsmcp::apps {

class Metrics {
 public:
  enum class Outcome { kOk, kError, kDryRun };
  void record(const std::string& tool, Outcome outcome, std::chrono::microseconds duration);
  std::string prometheusText() const;

 private:
  struct ToolStats {
    std::uint64_t ok = 0, error = 0, dry_run = 0;
    double seconds_sum = 0;
    std::uint64_t buckets[8] = {};  // le 0.01, 0.05, 0.1, 0.5, 1, 5, 30, +Inf
  };
  mutable std::mutex mu_;
  std::map<std::string, ToolStats> tools_;  // guarded by mu_
};

}  // namespace vsmcp::apps
