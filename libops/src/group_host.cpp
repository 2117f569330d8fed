// Host operations: maintenance mode.
#include <string>

#include "util.hpp"

namespace vsmcp::ops {

namespace {

using namespace vsphere;
using namespace util;

Schema maintenanceInput(const char* timeout_description) {
  return Schema::object()
      .prop("host", hostLocator(), kRequired)
      .prop("timeout_seconds", Schema::integer(timeout_description).minimum(0).unit("seconds"));
}

int timeoutArg(const Json& args) {
  return static_cast<int>(args.find("timeout_seconds") ? args.find("timeout_seconds")->asInt(0) : 0);
}

OperationHandler maintenance(bool enter) {
  return [enter](Client& c, const Json& args, const OperationContext& ctx) -> Result<Json> {
    VSMCP_ASSIGN_OR_RETURN(MoRef host, hostArg(c, args));
    const int timeout = timeoutArg(args);
    return taskResult(enter ? c.enterMaintenanceMode(host, timeout, taskOptions(ctx))
                            : c.exitMaintenanceMode(host, timeout, taskOptions(ctx)));
  };
}

// host_enter_maintenance, looking before acting: the host's state and the VMs it runs.
Result<DryRun> enterMaintenanceDryRun(Client& c, const Json& args) {
  auto found = c.getHost(Locator::any(str(args, "host")));
  if (!found.ok()) return lookupError(found.status(), "host_list");
  const HostSummary& h = *found;
  VmFilter f;
  f.host = h.name;
  f.is_template = false;
  // kState reads name, power state, host and the template flag: all the dry run needs.
  VSMCP_ASSIGN_OR_RETURN(auto vms, c.listVms(f, VmDetail::kState));
  Json list = Json::array();
  std::string on_names;
  std::int64_t on = 0, total = 0;
  for (const auto& vm : vms) {
    if (vm.host.value != h.ref.value) continue;  // the name glob may match another host too
    ++total;
    list.push(Json::object().set("id", vm.ref.value).set("name", vm.name)
                  .set("power_state", powerStateName(vm.power_state)));
    if (vm.power_state != PowerState::kPoweredOn) continue;
    if (++on <= 10) on_names += (on_names.empty() ? "" : ", ") + vm.name;
    else if (on == 11) on_names += ", ...";
  }
  DryRun d;
  const std::string who = "host '" + h.name + "' (" + h.ref.value + ")";
  d.would = "put " + who + " into maintenance mode; ";
  if (on > 0) {
    const int timeout = timeoutArg(args);
    d.would += "its " + std::to_string(on) + " powered-on VM" + (on == 1 ? "" : "s") + " (" + on_names +
               ") must be moved by DRS or powered off first, else vCenter waits " +
               (timeout > 0 ? "up to " + std::to_string(timeout) + " seconds (timeout_seconds)"
                            : "without limit (no timeout_seconds given)");
  } else {
    d.would += "it runs no powered-on VMs";
  }
  if (total > on)
    d.would += "; " + std::to_string(total - on) + " VM" + (total - on == 1 ? "" : "s") +
               " not powered on stay" + (total - on == 1 ? "s" : "") + " registered on it";
  if (h.in_maintenance_mode)
    d.blockers.push_back("host '" + h.name + "' is already in maintenance mode; host_exit_maintenance takes it out");
  if (h.connection_state != "connected")
    d.blockers.push_back("host '" + h.name + "' is " +
                         (h.connection_state.empty() ? std::string() : h.connection_state + ", ") +
                         "not connected to vCenter; reconnect it in vCenter first");
  d.details.set("vms", list).set("powered_on", on);
  return d;
}

}  // namespace

void addHostOperations(std::vector<Operation>& ops) {
  {
    Operation op = declare(
        "host_enter_maintenance", "Enter maintenance mode",
        "Put the named host into maintenance mode (its VMs must be moved or powered off first).",
        Safety::kDestructive, Shape::kTask,
        maintenanceInput("Seconds vCenter waits for the host to be emptied before the task fails; 0 or absent: "
                         "no limit"),
        taskResultSchema(), maintenance(true));
    op.dry_run = enterMaintenanceDryRun;
    ops.push_back(std::move(op));
  }
  ops.push_back(declare("host_exit_maintenance", "Exit maintenance mode", "Take the named host out of maintenance mode.",
                        Safety::kChange, Shape::kTask,
                        maintenanceInput("Seconds vCenter waits for the host to leave maintenance mode before the "
                                         "task fails; 0 or absent: no limit"),
                        taskResultSchema(), maintenance(false)));
}

}  // namespace vsmcp::ops
