// Test fakes for libpolicy: a clock the test moves by hand and an audit sink in memory.
#pragma once

#include <mutex>
#include <vector>

#include "policy/audit.hpp"
#include "policy/clock.hpp"

namespace vsmcp::testing {

class ManualClock final : public policy::Clock {
 public:
  std::chrono::steady_clock::time_point now() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return steady_;
  }
  std::chrono::system_clock::time_point wallNow() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return wall_;
  }
  void advance(std::chrono::milliseconds d) {
    std::lock_guard<std::mutex> lock(mu_);
    steady_ += d;
    wall_ += d;
  }

 private:
  mutable std::mutex mu_;
  std::chrono::steady_clock::time_point steady_{std::chrono::hours(1000)};
  std::chrono::system_clock::time_point wall_{std::chrono::seconds(1795000000)};  // 2026-11-18
};

class InMemoryAuditSink final : public policy::AuditSink {
 public:
  void write(const policy::AuditRecord& record) override {
    std::lock_guard<std::mutex> lock(mu_);
    records_.push_back(record);
  }
  std::vector<policy::AuditRecord> records() const {
    std::lock_guard<std::mutex> lock(mu_);
    return records_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<policy::AuditRecord> records_;
};

}  // namespace vsmcp::testing
