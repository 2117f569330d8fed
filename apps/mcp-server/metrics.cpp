#include "metrics.hpp"

#include <cstdio>

namespace vsmcp::apps {

namespace {
constexpr double kBounds[] = {0.01, 0.05, 0.1, 0.5, 1, 5, 30};
}

void Metrics::record(const std::string& tool, Outcome outcome, std::chrono::microseconds duration) {
  const double seconds = static_cast<double>(duration.count()) / 1e6;
  std::lock_guard<std::mutex> lock(mu_);
  ToolStats& s = tools_[tool];
  (outcome == Outcome::kOk ? s.ok : outcome == Outcome::kError ? s.error : s.dry_run)++;
  s.seconds_sum += seconds;
  size_t bucket = 0;  // the first bound it fits under; summed into "le" buckets on output
  while (bucket < 7 && seconds > kBounds[bucket]) ++bucket;
  ++s.buckets[bucket];
}

std::string Metrics::prometheusText() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out =
      "# HELP vsmcp_tool_calls_total Tool calls by outcome.\n# TYPE vsmcp_tool_calls_total counter\n";
  char line[256];
  for (const auto& [tool, s] : tools_) {
    for (auto [name, value] : {std::pair<const char*, std::uint64_t>{"ok", s.ok}, {"error", s.error}, {"dry_run", s.dry_run}}) {
      std::snprintf(line, sizeof line, "vsmcp_tool_calls_total{tool=\"%s\",outcome=\"%s\"} %llu\n", tool.c_str(), name,
                    static_cast<unsigned long long>(value));
      out += line;
    }
  }
  out += "# HELP vsmcp_tool_duration_seconds Tool call latency, including vCenter time.\n"
         "# TYPE vsmcp_tool_duration_seconds histogram\n";
  for (const auto& [tool, s] : tools_) {
    std::uint64_t cumulative = 0;
    for (size_t i = 0; i < 8; ++i) {
      cumulative += s.buckets[i];
      if (i < 7) {
        std::snprintf(line, sizeof line, "vsmcp_tool_duration_seconds_bucket{tool=\"%s\",le=\"%g\"} %llu\n",
                      tool.c_str(), kBounds[i], static_cast<unsigned long long>(cumulative));
      } else {
        std::snprintf(line, sizeof line, "vsmcp_tool_duration_seconds_bucket{tool=\"%s\",le=\"+Inf\"} %llu\n",
                      tool.c_str(), static_cast<unsigned long long>(cumulative));
      }
      out += line;
    }
    std::snprintf(line, sizeof line, "vsmcp_tool_duration_seconds_sum{tool=\"%s\"} %.6f\n", tool.c_str(), s.seconds_sum);
    out += line;
    std::snprintf(line, sizeof line, "vsmcp_tool_duration_seconds_count{tool=\"%s\"} %llu\n", tool.c_str(),
                  static_cast<unsigned long long>(cumulative));
    out += line;
  }
  return out;
}

}  // namespace vsmcp::apps
