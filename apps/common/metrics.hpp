// Counters and latency histograms for /metrics (Prometheus text format 0.0.4): tool calls by
// outcome (refusals included), tool latency, vCenter round trips by method and their latency,
// and the policy chain's decisions. Thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "ops/invoker.hpp"
#include "policy/policy.hpp"
#include "vsphere/client.hpp"

namespace vsmcp::apps {

class Metrics final : public ops::CallObserver {
 public:
  using Outcome = ops::Outcome;
  static constexpr size_t kOutcomes = 8;

  void record(const std::string& tool, Outcome outcome, std::chrono::microseconds duration) override;
  // One vCenter SOAP round trip (vsphere::ConnectionOptions::on_call).
  void recordVcenter(std::string_view method, std::chrono::microseconds duration, bool ok);
  // `policy` (may be null) adds its filter decisions and failed authentications.
  std::string prometheusText(const policy::Policy* policy = nullptr) const;

 private:
  struct Histogram {
    static constexpr size_t kBuckets = 8;  // le 0.01, 0.05, 0.1, 0.5, 1, 5, 30, +Inf
    double seconds_sum = 0;
    std::uint64_t buckets[kBuckets] = {};
    void add(std::chrono::microseconds duration);
    void render(std::string& out, const std::string& metric, const std::string& labels) const;
  };
  struct ToolStats {
    std::uint64_t outcomes[kOutcomes] = {};
    Histogram latency;
  };
  struct VcenterStats {
    std::uint64_t ok = 0, failed = 0;
    Histogram latency;
  };
  mutable std::mutex mu_;
  std::map<std::string, ToolStats> tools_;                       // guarded by mu_
  std::map<std::string, VcenterStats, std::less<>> vcenter_;    // guarded by mu_
};

// The live inventory's state for /health: {state, in_sync, objects, vms, hosts, version, as_of,
// last_change, updates, resyncs, last_error?}.
Json liveInventoryJson(const vsphere::Client& client);
// Its gauges and counters for /metrics (vsmcp_live_inventory_*).
std::string liveInventoryMetrics(const vsphere::Client& client);

}  // namespace vsmcp::apps
