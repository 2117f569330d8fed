#include "policy/clock.hpp"
#include "policy/roles.hpp"
#include "vsmcp/glob.hpp"

namespace vsmcp::policy {

namespace {

class SystemClock final : public Clock {
 public:
  std::chrono::steady_clock::time_point now() const override { return std::chrono::steady_clock::now(); }
  std::chrono::system_clock::time_point wallNow() const override { return std::chrono::system_clock::now(); }
};

bool matchesAny(const std::vector<std::string>& globs, std::string_view name) {
  for (const auto& g : globs)
    if (globMatch(g, name)) return true;
  return false;
}

}  // namespace

const Clock& systemClock() {
  static const SystemClock kClock;
  return kClock;
}

std::string_view actionName(Action action) {
  switch (action) {
    case Action::kRead: return "read";
    case Action::kChange: return "change";
    case Action::kDestructive: return "destructive";
  }
  return "unknown";
}

bool Role::allows(std::string_view operation, Action action) const {
  if (matchesAny(deny, operation)) return false;
  if (all_reads && action == Action::kRead) return true;
  return matchesAny(allow, operation);
}

std::vector<Role> builtinRoles() {
  return {
      {"viewer", true, {}, {}},
      {"operator",
       true,
       {"vm_power_*", "vm_reset", "vm_suspend", "vm_shutdown_guest", "vm_reboot_guest", "vm_snapshot_*"},
       {}},
      {"admin", true, {"*"}, {}},
  };
}

}  // namespace vsmcp::policy
