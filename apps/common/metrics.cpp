#include "metrics.hpp"

#include <cstdio>

#include "vsmcp/time.hpp"

namespace vsmcp::apps {

namespace {

constexpr double kBounds[] = {0.01, 0.05, 0.1, 0.5, 1, 5, 30};
constexpr const char* kOutcomeNames[] = {"ok",           "error",     "dry_run",  "declined",
                                         "denied",       "rate_limited", "cancelled", "approval_requested"};
static_assert(sizeof kOutcomeNames / sizeof kOutcomeNames[0] == Metrics::kOutcomes);

void counterLine(std::string& out, const char* metric, const std::string& labels, std::uint64_t value) {
  out += metric;
  out += '{' + labels + "} " + std::to_string(value) + '\n';
}

}  // namespace

void Metrics::Histogram::add(std::chrono::microseconds duration) {
  const double seconds = static_cast<double>(duration.count()) / 1e6;
  seconds_sum += seconds;
  size_t bucket = 0;  // the first bound it fits under; summed into "le" buckets on output
  while (bucket < kBuckets - 1 && seconds > kBounds[bucket]) ++bucket;
  ++buckets[bucket];
}

void Metrics::Histogram::render(std::string& out, const std::string& metric, const std::string& labels) const {
  std::uint64_t cumulative = 0;
  char le[32];
  for (size_t i = 0; i < kBuckets; ++i) {
    cumulative += buckets[i];
    if (i < kBuckets - 1)
      std::snprintf(le, sizeof le, "%g", kBounds[i]);
    else
      std::snprintf(le, sizeof le, "+Inf");
    counterLine(out, (metric + "_bucket").c_str(), labels + ",le=\"" + le + "\"", cumulative);
  }
  char sum[64];
  std::snprintf(sum, sizeof sum, "%.6f", seconds_sum);
  out += metric + "_sum{" + labels + "} " + sum + '\n';
  counterLine(out, (metric + "_count").c_str(), labels, cumulative);
}

void Metrics::record(const std::string& tool, Outcome outcome, std::chrono::microseconds duration) {
  std::lock_guard<std::mutex> lock(mu_);
  ToolStats& s = tools_[tool];
  ++s.outcomes[static_cast<size_t>(outcome)];
  // Refusals never reach vCenter: they count as calls, not in the latency histogram.
  if (outcome != Outcome::kDenied && outcome != Outcome::kRateLimited) s.latency.add(duration);
}

void Metrics::recordVcenter(std::string_view method, std::chrono::microseconds duration, bool ok) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = vcenter_.find(method);
  if (it == vcenter_.end()) it = vcenter_.emplace(std::string(method), VcenterStats{}).first;
  (ok ? it->second.ok : it->second.failed)++;
  it->second.latency.add(duration);
}

std::string Metrics::prometheusText(const policy::Policy* policy) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out =
      "# HELP vsmcp_tool_calls_total Tool calls by outcome (denied and rate_limited are policy refusals).\n"
      "# TYPE vsmcp_tool_calls_total counter\n";
  for (const auto& [tool, s] : tools_)
    for (size_t i = 0; i < kOutcomes; ++i)
      counterLine(out, "vsmcp_tool_calls_total", "tool=\"" + tool + "\",outcome=\"" + kOutcomeNames[i] + "\"",
                  s.outcomes[i]);
  out += "# HELP vsmcp_tool_duration_seconds Tool call latency, including vCenter time.\n"
         "# TYPE vsmcp_tool_duration_seconds histogram\n";
  for (const auto& [tool, s] : tools_) s.latency.render(out, "vsmcp_tool_duration_seconds", "tool=\"" + tool + "\"");
  out += "# HELP vsmcp_vcenter_calls_total vCenter SOAP round trips by method and result.\n"
         "# TYPE vsmcp_vcenter_calls_total counter\n";
  for (const auto& [method, s] : vcenter_) {
    counterLine(out, "vsmcp_vcenter_calls_total", "method=\"" + method + "\",result=\"ok\"", s.ok);
    counterLine(out, "vsmcp_vcenter_calls_total", "method=\"" + method + "\",result=\"error\"", s.failed);
  }
  out += "# HELP vsmcp_vcenter_duration_seconds vCenter SOAP round-trip latency by method.\n"
         "# TYPE vsmcp_vcenter_duration_seconds histogram\n";
  for (const auto& [method, s] : vcenter_)
    s.latency.render(out, "vsmcp_vcenter_duration_seconds", "method=\"" + method + "\"");
  if (policy) {
    out += "# HELP vsmcp_policy_decisions_total Decisions of each policy filter.\n"
           "# TYPE vsmcp_policy_decisions_total counter\n";
    for (const auto& f : policy->stats()) {
      counterLine(out, "vsmcp_policy_decisions_total", "filter=\"" + f.filter + "\",decision=\"passed\"", f.passed);
      counterLine(out, "vsmcp_policy_decisions_total", "filter=\"" + f.filter + "\",decision=\"refused\"", f.refused);
    }
    out += "# HELP vsmcp_auth_failures_total Requests refused for a missing or unknown token.\n"
           "# TYPE vsmcp_auth_failures_total counter\n";
    out += "vsmcp_auth_failures_total " + std::to_string(policy->unauthenticatedCount()) + '\n';
  }
  return out;
}

Json liveInventoryJson(const vsphere::Client& client) {
  const vsphere::LiveInventoryStatus s = client.liveInventoryStatus();
  Json j = Json::object();
  j.set("state", s.state).set("in_sync", s.in_sync);
  if (s.state == "off") return j;
  const std::chrono::system_clock::time_point never{};
  j.set("objects", static_cast<std::int64_t>(s.objects))
      .set("vms", static_cast<std::int64_t>(s.vms))
      .set("hosts", static_cast<std::int64_t>(s.hosts))
      .set("version", s.version)
      .set("updates", static_cast<std::int64_t>(s.updates))
      .set("resyncs", static_cast<std::int64_t>(s.resyncs));
  if (s.as_of != never) j.set("as_of", isoTime(s.as_of));
  if (s.last_change != never) j.set("last_change", isoTime(s.last_change));
  if (!s.last_error.empty()) j.set("last_error", s.last_error);
  return j;
}

std::string liveInventoryMetrics(const vsphere::Client& client) {
  const vsphere::LiveInventoryStatus s = client.liveInventoryStatus();
  if (s.state == "off") return "";
  std::string out;
  auto line = [&out](const char* name, const char* type, const char* help, double value) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", value);
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" + name + " " + buf + "\n";
  };
  line("vsmcp_live_inventory_in_sync", "gauge", "1 while lists and lookups answer from the live inventory",
       s.in_sync ? 1 : 0);
  line("vsmcp_live_inventory_objects", "gauge", "Objects the live inventory holds", static_cast<double>(s.objects));
  line("vsmcp_live_inventory_updates_total", "counter", "Change feed replies that carried changes",
       static_cast<double>(s.updates));
  line("vsmcp_live_inventory_resyncs_total", "counter", "Full reloads after the first (lost feed, vCenter restart)",
       static_cast<double>(s.resyncs));
  return out;
}

}  // namespace vsmcp::apps
