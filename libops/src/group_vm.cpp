// VM operations: power, guest shutdown and reboot, create, clone, reconfigure, relocate, templates, destroy.
#include <string>
#include <vector>

#include "util.hpp"

namespace vsmcp::ops {

namespace {

using namespace vsphere;
using namespace util;

// The input of an operation on one VM.
Schema vmInput() { return Schema::object().prop("vm", vmLocator(), kRequired); }

// "VM 'web' (vm-42)"
std::string vmLabel(const VmSummary& vm) { return "VM '" + vm.name + "' (" + vm.ref.value + ")"; }
std::string stateName(const VmSummary& vm) { return std::string(powerStateName(vm.power_state)); }

Result<VmSummary> getVmArg(Client& c, const Json& args) { return c.getVm(Locator::any(str(args, "vm"))); }

// A VM operation that starts a task: resolve, run, report.
Operation vmTask(const char* name, const char* title, const char* description, Safety safety,
                 Result<TaskInfo> (Client::*method)(const MoRef&, const TaskOptions&)) {
  return declare(name, title, description, safety, Shape::kTask, vmInput(), taskResultSchema(),
                 [method](Client& c, const Json& args, const OperationContext& ctx) -> Result<Json> {
                   VSMCP_ASSIGN_OR_RETURN(MoRef vm, vmArg(c, args));
                   return taskResult((c.*method)(vm, taskOptions(ctx)));
                 });
}

// A VM operation that is a single request to the guest (no task): resolve, ask, report.
Operation vmCall(const char* name, const char* title, const char* description,
                 Status (Client::*method)(const MoRef&)) {
  Operation op = declare(
      name, title, description, Safety::kChange, Shape::kObject, vmInput(),
      Schema::result().prop("requested",
                            Schema::boolean("True: the guest was asked; it acts on its own time (vm_get shows "
                                            "the power state it reaches)"),
                            kRequired),
      [method](Client& c, const Json& args, const OperationContext&) -> Result<Json> {
        VSMCP_ASSIGN_OR_RETURN(MoRef vm, vmArg(c, args));
        VSMCP_RETURN_IF_ERROR((c.*method)(vm));
        return Json::object().set("requested", true);
      });
  const std::string op_name = name;
  op.summary = [op_name](const Json&, const Json&) {
    return op_name + ": requested; the guest acts on it on its own time";
  };
  return op;
}

// Why a VM that has to be running to be `what` ("reset", "suspended") is not, naming the fix;
// empty when it runs.
std::string notRunning(const VmSummary& vm, const std::string& what) {
  if (vm.power_state == PowerState::kPoweredOn) return "";
  if (vm.is_template)
    return "'" + vm.name + "' is a template, which never runs: only a running VM can be " + what +
           " (template_to_vm makes it a VM)";
  if (vm.power_state == PowerState::kSuspended)
    return vmLabel(vm) + " is suspended: only a running VM can be " + what + " (vm_power_on resumes it)";
  return vmLabel(vm) + " is " + stateName(vm) + ": only a running VM can be " + what + " (vm_power_on starts it)";
}

DryRun powerDetails(const VmSummary& vm, std::string would) {
  DryRun d;
  d.would = std::move(would);
  d.details.set("vm", vm.ref.value).set("power_state", stateName(vm));
  return d;
}

Result<DryRun> powerOffDryRun(Client& c, const Json& args) {
  VSMCP_ASSIGN_OR_RETURN(VmSummary vm, getVmArg(c, args));
  DryRun d = powerDetails(
      vm, vm.power_state == PowerState::kSuspended
              ? "power off " + vmLabel(vm) + ", which is suspended: the memory state it saved when it was suspended "
                                             "is discarded and the guest starts from a cold boot next time"
              : "power off " + vmLabel(vm) + " at once, without a guest shutdown: unsaved work in the guest is lost "
                                             "(vm_shutdown_guest asks the guest instead)");
  if (vm.power_state == PowerState::kPoweredOff) d.blockers.push_back("VM '" + vm.name + "' is already powered off");
  return d;
}

Result<DryRun> resetDryRun(Client& c, const Json& args) {
  VSMCP_ASSIGN_OR_RETURN(VmSummary vm, getVmArg(c, args));
  DryRun d = powerDetails(vm, "reset " + vmLabel(vm) +
                                  " at once, like pressing the reset button: the guest restarts without shutting "
                                  "down and unsaved work in it is lost (vm_reboot_guest asks the guest instead)");
  if (std::string why = notRunning(vm, "reset"); !why.empty()) d.blockers.push_back(why);
  return d;
}

Result<DryRun> suspendDryRun(Client& c, const Json& args) {
  VSMCP_ASSIGN_OR_RETURN(VmSummary vm, getVmArg(c, args));
  DryRun d = powerDetails(vm, "suspend " + vmLabel(vm) +
                                  ": its memory is written to disk and it stops running until vm_power_on resumes it");
  if (vm.power_state == PowerState::kSuspended)
    d.blockers.push_back("VM '" + vm.name + "' is already suspended");
  else if (std::string why = notRunning(vm, "suspended"); !why.empty())
    d.blockers.push_back(why);
  return d;
}

Result<DryRun> destroyDryRun(Client& c, const Json& args) {
  VSMCP_ASSIGN_OR_RETURN(VmSummary vm, getVmArg(c, args));
  std::string where;
  for (const auto& ds : vm.datastores) where += (where.empty() ? "" : ", ") + ds;
  DryRun d;
  d.would = std::string("destroy ") + (vm.is_template ? "template '" : "VM '") + vm.name + "' (" + vm.ref.value +
            (vm.is_template ? "" : ", " + stateName(vm)) + ") and delete its files on " +
            (where.empty() ? std::string("its datastore") : where);
  if (vm.power_state != PowerState::kPoweredOff)
    d.blockers.push_back("VM '" + vm.name + "' is " + stateName(vm) + ": power it off first " +
                         (vm.power_state == PowerState::kPoweredOn ? "(vm_shutdown_guest, or vm_power_off)"
                                                                   : "(vm_power_off)"));
  d.details.set("vm", vm.ref.value)
      .set("power_state", stateName(vm))
      .set("template", vm.is_template)
      .set("datastores", strings(vm.datastores));
  return d;
}

// "vm_clone: made VM 'web-2' (vm-57), task task-12 success": the line names what was made.
Summarizer madeSummary(const std::string& op_name) {
  return [op_name](const Json& args, const Json& r) -> std::string {
    const Json* task = r.find("task");
    if (!task) return op_name + ": done";
    const bool as_template = args.find("as_template") && args.find("as_template")->asBool();
    const std::string what = std::string(as_template ? "template '" : "VM '") + str(args, "name") + "'";
    const std::string id = str(*task, "id"), state = str(*task, "state"), made = str(*task, "result");
    if (state == "success")
      return op_name + ": made " + what + (made.empty() ? "" : " (" + made + ")") + ", task " + id + " success";
    const std::string error = str(*task, "error");
    return op_name + ": task " + id + " " + state + ", " + what + " not made" + (error.empty() ? "" : ": " + error);
  };
}


// The result of turning a VM into a template or back.
Json templateState(const MoRef& vm, bool is_template) {
  return Json::object().set("vm", vm.value).set("template", is_template);
}
Schema templateStateOutput() {
  return Schema::result()
      .prop("vm", Schema::string("Id of the VM or template (vm-42); it keeps its id"), kRequired)
      .prop("template", Schema::boolean("True when it is now a template, false when it is now a VM"), kRequired);
}
std::string templateSummary(const Json&, const Json& r) {
  const Json* tmpl = r.find("template");
  return str(r, "vm") + (tmpl && tmpl->asBool() ? " is now a template" : " is now a virtual machine");
}

// Where a relocation goes: at least one target.
Status relocateTarget(const Json& args) {
  if (str(args, "host").empty() && str(args, "resource_pool").empty() && str(args, "datastore").empty())
    return Status::InvalidArgument(
        "host: vm_relocate needs at least one of host, resource_pool or datastore to say where the VM goes");
  return Status::Ok();
}

Schema cpus(const char* description) { return Schema::integer(description).minimum(1).maximum(768); }

}  // namespace

void addVmOperations(std::vector<Operation>& ops) {
  {
    Operation op = vmTask("vm_power_on", "Power on a VM", "Power on a VM and wait until vCenter reports it on.",
                          Safety::kChange, &Client::powerOn);
    op.idempotent = true;
    ops.push_back(std::move(op));
  }
  {
    Operation op = vmTask("vm_power_off", "Power off a VM",
                          "Hard power-off (like pulling the plug). Prefer vm_shutdown_guest when VMware Tools run.",
                          Safety::kDestructive, &Client::powerOff);
    op.idempotent = true;
    op.dry_run = powerOffDryRun;
    ops.push_back(std::move(op));
  }
  {
    Operation op = vmTask("vm_reset", "Reset a VM", "Hard reset of a running VM.", Safety::kDestructive, &Client::reset);
    op.dry_run = resetDryRun;
    ops.push_back(std::move(op));
  }
  {
    Operation op =
        vmTask("vm_suspend", "Suspend a VM", "Suspend a running VM to disk.", Safety::kDestructive, &Client::suspend);
    op.idempotent = true;
    op.dry_run = suspendDryRun;
    ops.push_back(std::move(op));
  }
  {
    Operation op = declare("vm_destroy", "Destroy a VM",
                           "Delete a VM and its disks from the datastore. Irreversible. The VM must be powered off.",
                           Safety::kDestructive, Shape::kTask, vmInput(), taskResultSchema(),
                           [](Client& c, const Json& args, const OperationContext& ctx) -> Result<Json> {
                             VSMCP_ASSIGN_OR_RETURN(VmSummary vm, getVmArg(c, args));
                             return taskResult(c.destroyVm(vm.ref, taskOptions(ctx)));
                           });
    op.dry_run = destroyDryRun;
    ops.push_back(std::move(op));
  }
  {
    Operation op = vmCall("vm_shutdown_guest", "Shut down the guest OS",
                          "Ask the guest OS to shut down cleanly (needs VMware Tools); returns once asked.",
                          &Client::shutdownGuest);
    op.idempotent = true;
    ops.push_back(std::move(op));
  }
  ops.push_back(vmCall("vm_reboot_guest", "Reboot the guest OS",
                       "Ask the guest OS to restart cleanly (needs VMware Tools); returns once asked.",
                       &Client::rebootGuest));
  {
    Operation op = declare(
        "vm_reconfigure", "Reconfigure a VM",
        "Change a VM's CPU count, memory (MB, multiple of 4), annotation, name or network (moves its "
        "first NIC; a VM without one gets one). Give at least one.",
        Safety::kChange, Shape::kTask,
        vmInput()
            .prop("num_cpus", cpus("New number of virtual CPUs"))
            .prop("network", Schema::string("Network or port group (name or id) for the VM's first NIC").minLength(1))
            .prop("memory_mb", Schema::integer("New memory size, a multiple of 4").unit("MB").minimum(4).multipleOf(4))
            .prop("annotation", Schema::string("New notes shown with the VM (replaces the old ones; \"\" clears them)"))
            .prop("name", Schema::string("New display name of the VM").minLength(1).maxLength(80)),
        taskResultSchema(), [](Client& c, const Json& args, const OperationContext& ctx) -> Result<Json> {
          VSMCP_ASSIGN_OR_RETURN(MoRef vm, vmArg(c, args));
          ReconfigureSpec spec;
          if (const Json* v = args.find("num_cpus")) spec.num_cpus = static_cast<int>(v->asInt());
          if (const Json* v = args.find("memory_mb")) spec.memory_mb = v->asInt();
          if (const Json* v = args.find("annotation")) spec.annotation = v->asString();
          if (const Json* v = args.find("name")) spec.name = v->asString();
          spec.network = str(args, "network");
          return taskResult(c.reconfigureVm(vm, spec, taskOptions(ctx)));
        });
    op.idempotent = true;
    ops.push_back(std::move(op));
  }
  {
    Schema customization =
        Schema::object("Guest customization of a Linux guest, vCenter only: host name, and a fixed IPv4 address or DHCP")
            .prop("host_name",
                  Schema::string("Host name the guest gets (letters, digits and '-')").minLength(1).maxLength(63),
                  kRequired)
            .prop("domain", Schema::string("DNS domain of the guest; default localdomain").minLength(1))
            .prop("ip_address", Schema::string("Fixed IPv4 address of the first NIC (10.0.0.5); omit for DHCP"))
            .prop("netmask", Schema::string("Subnet mask for ip_address (255.255.255.0)"))
            .prop("gateway", Schema::string("IPv4 address of the default gateway"))
            .prop("dns_servers", Schema::array(Schema::string("IPv4 address of a DNS server"), "DNS servers, in order"));
    Operation op = declare(
        "vm_clone", "Clone a VM or template",
        "Clone a VM or template to a new VM (or template). Optional target folder, resource pool, host "
        "and datastore; CPUs and memory; power_on starts the clone; linked_snapshot makes a linked clone "
        "from that snapshot of the source; network moves the clone's first NIC to that network (or "
        "port group); customization sets a Linux guest's host name and IP address. The task's result is "
        "the new VM's id.",
        Safety::kChange, Shape::kTask,
        Schema::object()
            .prop("vm", vmLocator("Source VM or template"), kRequired)
            .prop("name", Schema::string("Name of the new VM").minLength(1).maxLength(80), kRequired)
            .prop("folder", Schema::string("VM folder for the clone: name, inventory path (/DC/vm/x) or id "
                                           "(group-v3); default: the source's folder"))
            .prop("resource_pool",
                  Schema::string("Resource pool for the clone: name, inventory path or id (resgroup-8); default: the "
                                 "source's pool"))
            .prop("host", Schema::string("Host to run the clone on: name, inventory path or id (host-12); default: "
                                         "vCenter picks"))
            .prop("datastore", Schema::string("Datastore for the clone's files: name or id (datastore-15); default: "
                                              "the source's datastore"))
            .prop("network", Schema::string("Network or port group (name or id) for the clone's first NIC; default: "
                                            "the source's")
                                 .minLength(1))
            .prop("power_on", Schema::boolean("Power the clone on once it is made; default false"))
            .prop("as_template", Schema::boolean("Make the clone a template instead of a VM; default false"))
            .prop("linked_snapshot",
                  Schema::string("Snapshot of the source (name or id, snapshot-7) to make a linked clone from; "
                                 "omit for a full clone"))
            .prop("num_cpus", cpus("Virtual CPUs of the clone; default: the source's"))
            .prop("memory_mb", Schema::integer("Memory of the clone, a multiple of 4; default: the source's")
                                   .unit("MB")
                                   .minimum(4)
                                   .multipleOf(4))
            .prop("customization", customization),
        taskResultSchema(), [](Client& c, const Json& args, const OperationContext& ctx) -> Result<Json> {
          VSMCP_ASSIGN_OR_RETURN(MoRef vm, vmArg(c, args));
          CloneSpec spec;
          spec.name = str(args, "name");
          spec.folder = str(args, "folder");
          spec.resource_pool = str(args, "resource_pool");
          spec.host = str(args, "host");
          spec.datastore = str(args, "datastore");
          spec.linked_snapshot = str(args, "linked_snapshot");
          spec.network = str(args, "network");
          spec.power_on = args.find("power_on") && args.find("power_on")->asBool();
          spec.as_template = args.find("as_template") && args.find("as_template")->asBool();
          if (const Json* v = args.find("num_cpus")) spec.num_cpus = static_cast<int>(v->asInt());
          if (const Json* v = args.find("memory_mb")) spec.memory_mb = v->asInt();
          if (const Json* cust = args.find("customization")) {
            GuestCustomization g;
            g.host_name = str(*cust, "host_name");
            if (cust->find("domain")) g.domain = str(*cust, "domain");
            g.ip_address = str(*cust, "ip_address");
            g.netmask = str(*cust, "netmask");
            g.gateway = str(*cust, "gateway");
            if (const Json* d = cust->find("dns_servers"))
              for (const auto& v : d->items()) g.dns_servers.push_back(v.asString());
            spec.customization = g;
          }
          return taskResult(c.cloneVm(vm, spec, taskOptions(ctx)));
        });
    op.summary = madeSummary("vm_clone");
    ops.push_back(std::move(op));
  }
  {
    Operation op = declare(
        "vm_create", "Create a VM",
        "Create a new, empty VM (no guest OS installed; powered off) with the given CPUs, memory, "
        "optional thin disk and NIC. Placement is optional: without resource_pool/host it goes to the "
        "first cluster (or host), without datastore to its first accessible datastore, without folder to "
        "the datacenter's VM folder. To copy an existing VM or template use vm_clone instead. The "
        "task's result is the new VM's id.",
        Safety::kChange, Shape::kTask,
        Schema::object()
            .prop("name", Schema::string("Name of the new VM").minLength(1).maxLength(80), kRequired)
            .prop("guest_id", Schema::string("Guest OS id, e.g. otherGuest64 (default), ubuntu64Guest, "
                                             "rhel9_64Guest, windows2019srv_64Guest")
                                  .minLength(1))
            .prop("num_cpus", cpus("Virtual CPUs, default 1"))
            .prop("memory_mb",
                  Schema::integer("Memory, a multiple of 4; default 1024").unit("MB").minimum(4).maximum(25165824).multipleOf(4))
            .prop("disk_gb", Schema::integer("Size of a thin-provisioned disk; 0 or omitted = no disk")
                                 .unit("GB")
                                 .minimum(0)
                                 .maximum(63488))
            .prop("network", Schema::string("Network or port group name or id for one NIC; omit for none"))
            .prop("datastore", Schema::string("Datastore name or id (datastore-15) for the VM's files"))
            .prop("folder", Schema::string("VM folder name, inventory path (/DC/vm/x) or id (group-v3)"))
            .prop("resource_pool", Schema::string("Resource pool name, inventory path or id (resgroup-8)"))
            .prop("host", Schema::string("Host name, inventory path or id (host-12) to run the VM on"))
            .prop("annotation", Schema::string("Notes shown with the VM")),
        taskResultSchema(), [](Client& c, const Json& args, const OperationContext& ctx) -> Result<Json> {
          CreateVmSpec spec;
          spec.name = str(args, "name");
          if (const Json* v = args.find("guest_id")) spec.guest_id = v->asString();
          if (const Json* v = args.find("num_cpus")) spec.num_cpus = static_cast<int>(v->asInt());
          if (const Json* v = args.find("memory_mb")) spec.memory_mb = v->asInt();
          if (const Json* v = args.find("disk_gb")) spec.disk_gb = v->asInt();
          spec.network = str(args, "network");
          spec.datastore = str(args, "datastore");
          spec.folder = str(args, "folder");
          spec.resource_pool = str(args, "resource_pool");
          spec.host = str(args, "host");
          spec.annotation = str(args, "annotation");
          return taskResult(c.createVm(spec, taskOptions(ctx)));
        });
    op.summary = madeSummary("vm_create");
    ops.push_back(std::move(op));
  }
  {
    Operation op = declare("vm_mark_template", "Convert a VM to a template",
                           "Turn a powered-off VM into a template (a clone source that cannot be powered on). It then "
                           "shows in template_list instead of vm_list; template_to_vm reverses it.",
                           Safety::kChange, Shape::kObject, vmInput(), templateStateOutput(),
                           [](Client& c, const Json& args, const OperationContext&) -> Result<Json> {
                             VSMCP_ASSIGN_OR_RETURN(MoRef vm, vmArg(c, args));
                             VSMCP_RETURN_IF_ERROR(c.markAsTemplate(vm));
                             return templateState(vm, true);
                           });
    op.idempotent = true;
    op.summary = templateSummary;
    ops.push_back(std::move(op));
  }
  {
    Operation op = declare(
        "template_to_vm", "Convert a template to a VM",
        "Turn a template back into a regular (powered-off) VM. Optional resource pool and host; by default "
        "the root pool of the template's host's cluster.",
        Safety::kChange, Shape::kObject,
        Schema::object()
            .prop("template", vmLocator("Template"), kRequired)
            .prop("resource_pool", Schema::string("Resource pool name, inventory path or id (resgroup-8) for the VM"))
            .prop("host", Schema::string("Host name, inventory path or id (host-12) to run the VM on")),
        templateStateOutput(), [](Client& c, const Json& args, const OperationContext&) -> Result<Json> {
          auto tmpl = getTemplate(c, Locator::any(str(args, "template")));
          if (!tmpl.ok()) return lookupError(tmpl.status(), "template_list");
          VSMCP_RETURN_IF_ERROR(c.markAsVirtualMachine(tmpl->ref, str(args, "resource_pool"), str(args, "host")));
          return templateState(tmpl->ref, false);
        });
    op.idempotent = true;
    op.summary = templateSummary;
    ops.push_back(std::move(op));
  }
  {
    Operation op = declare(
        "vm_relocate", "Move a VM",
        "Move a VM to another host (vMotion), resource pool and/or datastore (Storage vMotion). Give at "
        "least one of host, resource_pool, datastore; what is not given stays as it is.",
        Safety::kChange, Shape::kTask,
        vmInput()
            .prop("host", Schema::string("Target host name, inventory path or id (host-12)").minLength(1))
            .prop("resource_pool",
                  Schema::string("Target resource pool name, inventory path or id (resgroup-8)").minLength(1))
            .prop("datastore", Schema::string("Target datastore name or id (datastore-15)").minLength(1)),
        taskResultSchema(), [](Client& c, const Json& args, const OperationContext& ctx) -> Result<Json> {
          VSMCP_RETURN_IF_ERROR(relocateTarget(args));
          RelocateSpec spec;
          spec.host = str(args, "host");
          spec.resource_pool = str(args, "resource_pool");
          spec.datastore = str(args, "datastore");
          VSMCP_ASSIGN_OR_RETURN(MoRef vm, vmArg(c, args));
          return taskResult(c.relocateVm(vm, spec, taskOptions(ctx)));
        });
    op.idempotent = true;
    op.precheck = [](Client&, const Json& args) { return relocateTarget(args); };
    ops.push_back(std::move(op));
  }
}

}  // namespace vsmcp::ops
