// Roles: which operations a principal may call. A role grants an operation when the operation
// is a read and the role has `all_reads`, or its name matches an `allow` glob; a `deny` glob
// always wins. Built-in roles:
//   viewer   - every read operation
//   operator - reads, power (vm_power_*, vm_reset, vm_suspend, guest shutdown/reboot) and
//              snapshots (vm_snapshot_*)
//   admin    - everything
// Thread safety: plain values; const use from many threads is safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace vsmcp::policy {

// What an operation may do; mirrors the registry's safety class without depending on it.
enum class Action { kRead, kChange, kDestructive };
std::string_view actionName(Action action);  // "read", "change", "destructive"

struct Role {
  std::string name;
  bool all_reads = false;          // grants every read operation
  std::vector<std::string> allow;  // globs on operation names, e.g. "vm_snapshot_*"
  std::vector<std::string> deny;   // globs; win over allow and all_reads

  bool allows(std::string_view operation, Action action) const;
};

// viewer, operator, admin (in that order).
std::vector<Role> builtinRoles();

}  // namespace vsmcp::policy
