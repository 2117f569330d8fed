// Snapshot operations: list, create, revert, delete, delete all.
#include <string>
#include <vector>

#include "util.hpp"

namespace vsmcp::ops {

namespace {

using namespace vsphere;
using namespace util;

int countSnapshots(const std::vector<SnapshotNode>& nodes) {
  int n = 0;
  for (const auto& s : nodes) n += 1 + countSnapshots(s.children);
  return n;
}

void flatten(const std::vector<SnapshotNode>& nodes, std::vector<const SnapshotNode*>& out) {
  for (const auto& n : nodes) {
    out.push_back(&n);
    flatten(n.children, out);
  }
}

// "VM 'web' (vm-42)"
std::string vmLabel(const VmSummary& vm) { return "VM '" + vm.name + "' (" + vm.ref.value + ")"; }

Result<VmSummary> getVmArg(Client& c, const Json& args) { return c.getVm(Locator::any(str(args, "vm"))); }

// The snapshot `snapshot` (name or id; "" = the current one) of `tree`, as Client::findSnapshot
// finds it: NotFound when there is none, InvalidArgument when a name is ambiguous.
Result<const SnapshotNode*> findNode(const SnapshotTree& tree, const VmSummary& vm, const std::string& snapshot) {
  std::vector<const SnapshotNode*> all;
  flatten(tree.roots, all);
  if (snapshot.empty()) {
    for (const auto* n : all)
      if (n->ref.value == tree.current.value || n->is_current) return n;
    return Status::Error(ErrorCode::kNotFound,
                         vmLabel(vm) + " has no current snapshot" +
                             (all.empty() ? " (it has no snapshots)" : "; name one (vm_snapshot_list lists them)"),
                         ErrorDetails{"", 0, vm.ref.value});
  }
  std::vector<const SnapshotNode*> named;
  for (const auto* n : all) {
    if (n->ref.value == snapshot) return n;
    if (n->name == snapshot) named.push_back(n);
  }
  if (named.size() == 1) return named.front();
  if (named.empty()) {
    std::string names;
    for (size_t i = 0; i < all.size() && i < 10; ++i) names += (i ? ", '" : "'") + all[i]->name + "'";
    return Status::Error(ErrorCode::kNotFound,
                         vmLabel(vm) + " has no snapshot named '" + snapshot + "'" +
                             (all.empty() ? " (it has no snapshots)" : " (it has " + names + ")"),
                         ErrorDetails{"", 0, vm.ref.value});
  }
  std::string ids;
  for (const auto* n : named) ids += (ids.empty() ? "" : ", ") + n->ref.value;
  return Status::InvalidArgument(std::to_string(named.size()) + " snapshots of " + vmLabel(vm) + " are named '" +
                                 snapshot + "' (" + ids + "); give the id");
}

Result<DryRun> revertDryRun(Client& c, const Json& args) {
  VSMCP_ASSIGN_OR_RETURN(VmSummary vm, getVmArg(c, args));
  VSMCP_ASSIGN_OR_RETURN(SnapshotTree tree, c.snapshots(vm.ref));
  VSMCP_ASSIGN_OR_RETURN(const SnapshotNode* s, findNode(tree, vm, str(args, "snapshot")));
  std::vector<const SnapshotNode*> all;
  flatten(tree.roots, all);
  std::int64_t later = 0;  // snapshots taken after it (ISO 8601 times of one vCenter compare as text)
  for (const auto* n : all)
    if (n != s && !s->create_time.empty() && n->create_time > s->create_time) ++later;
  DryRun d;
  d.would = "revert " + vmLabel(vm) + " to snapshot '" + s->name + "' (" + s->ref.value +
            (s->create_time.empty() ? "" : ", taken " + s->create_time) +
            "): everything the VM wrote since then is lost";
  if (s->state == "poweredOff" && vm.power_state == PowerState::kPoweredOn)
    d.would += "; the snapshot was taken powered off, so the VM is powered off";
  else if (s->state == "suspended" && vm.power_state == PowerState::kPoweredOn)
    d.would += "; the snapshot was taken suspended, so the VM is suspended";
  else if (s->state == "poweredOn" && vm.power_state != PowerState::kPoweredOn)
    d.would += "; the snapshot holds the running VM's memory, so the VM runs again as it did then";
  if (later > 0)
    d.would += " (the " + std::to_string(later) + (later == 1 ? " snapshot taken after it stays" : " snapshots taken after it stay") +
               " and can still be reverted to)";
  d.details.set("snapshot_id", s->ref.value)
      .set("snapshot_name", s->name)
      .set("snapshot_created", s->create_time)
      .set("snapshot_power_state", s->state)
      .set("snapshots_taken_after", later);
  return d;
}

Result<DryRun> deleteDryRun(Client& c, const Json& args) {
  VSMCP_ASSIGN_OR_RETURN(VmSummary vm, getVmArg(c, args));
  VSMCP_ASSIGN_OR_RETURN(SnapshotTree tree, c.snapshots(vm.ref));
  VSMCP_ASSIGN_OR_RETURN(const SnapshotNode* s, findNode(tree, vm, str(args, "snapshot")));
  const bool with_children = args.find("remove_children") && args.find("remove_children")->asBool();
  const std::int64_t below = countSnapshots(s->children);  // every snapshot taken from it, at any depth
  const std::int64_t deleted = 1 + (with_children ? below : 0);
  DryRun d;
  d.would = "delete snapshot '" + s->name + "' (" + s->ref.value + ") of " + vmLabel(vm);
  if (with_children && below > 0)
    d.would += " and all its child snapshots: " + std::to_string(below) + " more, " + std::to_string(deleted) +
               " snapshots in all (their changes are merged into the parent; nothing is lost but the ability to revert to "
               "them)";
  else if (with_children)
    d.would += " and all its child snapshots, of which it has none (its changes are merged into the parent; "
               "nothing is lost but the ability to revert to it)";
  else
    d.would += " (its changes are merged into the parent; nothing is lost but the ability to revert to it)" +
               (below == 0 ? std::string()
                           : "; the " + std::to_string(below) +
                                 (below == 1 ? " snapshot taken from it stays" : " snapshots taken from it stay"));
  d.details.set("snapshot_id", s->ref.value)
      .set("snapshot_name", s->name)
      .set("child_snapshots", below)
      .set("snapshots_deleted", deleted)
      .set("snapshots_left", static_cast<std::int64_t>(countSnapshots(tree.roots)) - deleted);
  return d;
}

Result<DryRun> deleteAllDryRun(Client& c, const Json& args) {
  VSMCP_ASSIGN_OR_RETURN(VmSummary vm, getVmArg(c, args));
  VSMCP_ASSIGN_OR_RETURN(SnapshotTree tree, c.snapshots(vm.ref));
  const int n = countSnapshots(tree.roots);
  const std::string which = vmLabel(vm);
  DryRun d;
  d.would = n == 0 ? "delete all snapshots of " + which + ", which has none: nothing would change"
                   : "delete all " + std::to_string(n) + (n == 1 ? " snapshot" : " snapshots") + " of " + which +
                         ", merging them into its disks";
  d.details.set("snapshot_count", static_cast<std::int64_t>(n));
  return d;
}

// Snapshot names of a tree, depth first, with the current one marked.
void snapshotNames(const Json& nodes, std::string& out, size_t& count) {
  for (const auto& n : nodes.items()) {
    ++count;
    if (count <= 10) {
      out += (out.empty() ? "" : ", ") + str(n, "name");
      if (const Json* cur = n.find("current"); cur && cur->asBool()) out += " (current)";
    }
    if (const Json* children = n.find("children")) snapshotNames(*children, out, count);
  }
}

// "2 snapshots: s1, s2 (current)", "no snapshots"
std::string treeSummary(const Json&, const Json& r) {
  std::string names;
  size_t count = 0;
  if (const Json* snapshots = r.find("snapshots")) snapshotNames(*snapshots, names, count);
  if (count == 0) return "no snapshots";
  return std::to_string(count) + (count == 1 ? " snapshot: " : " snapshots: ") + names + (count > 10 ? ", ..." : "");
}

Schema vmInput() { return Schema::object().prop("vm", vmLocator(), kRequired); }

}  // namespace

void addSnapshotOperations(std::vector<Operation>& ops) {
  {
    Operation op = declare(
        "vm_snapshot_list", "List snapshots", "The snapshot tree of a VM, marking the current snapshot.", Safety::kRead,
        Shape::kObject, vmInput(),
        Schema::result()
            .prop("current", Schema::nullableString("Id of the current snapshot (snapshot-7), the one the VM runs "
                                                    "from; null when it has none"),
                  kRequired)
            .prop("snapshots", Schema::array(snapshotForm(), "The root snapshots, each with the snapshots taken from it"),
                  kRequired),
        [](Client& c, const Json& args, const OperationContext&) -> Result<Json> {
          VSMCP_ASSIGN_OR_RETURN(MoRef vm, vmArg(c, args));
          VSMCP_ASSIGN_OR_RETURN(auto tree, c.snapshots(vm));
          Json roots = Json::array();
          for (const auto& n : tree.roots) roots.push(toJsonSnapshot(n));
          return Json::object().set("current", ref(tree.current)).set("snapshots", roots);
        });
    op.summary = treeSummary;
    ops.push_back(std::move(op));
  }
  ops.push_back(declare(
      "vm_snapshot_create", "Create a snapshot",
      "Take a snapshot of a VM, optionally with memory or quiescing the guest file system. The task's result is the "
      "new snapshot's id.",
      Safety::kChange, Shape::kTask,
      vmInput()
          .prop("name", Schema::string("Name of the new snapshot (names need not be unique)").minLength(1).maxLength(80),
                kRequired)
          .prop("description", Schema::string("Description stored with the snapshot"))
          .prop("memory", Schema::boolean("Include the running VM's memory, so a revert resumes it running; default "
                                          "false"))
          .prop("quiesce", Schema::boolean("Quiesce the guest file systems first (needs VMware Tools); default false")),
      taskResultSchema(), [](Client& c, const Json& args, const OperationContext& ctx) -> Result<Json> {
        VSMCP_ASSIGN_OR_RETURN(MoRef vm, vmArg(c, args));
        return taskResult(c.createSnapshot(vm, str(args, "name"), str(args, "description"),
                                           args.find("memory") && args.find("memory")->asBool(),
                                           args.find("quiesce") && args.find("quiesce")->asBool(), taskOptions(ctx)));
      }));
  {
    Operation op = declare(
        "vm_snapshot_revert", "Revert to a snapshot",
        "Revert a VM to a named snapshot (or its current one when no snapshot is given). The VM's state "
        "since then is lost, so this is destructive.",
        Safety::kDestructive, Shape::kTask,
        vmInput().prop("snapshot", Schema::string("Snapshot name or id (snapshot-7); omit for the current one")),
        taskResultSchema(), [](Client& c, const Json& args, const OperationContext& ctx) -> Result<Json> {
          VSMCP_ASSIGN_OR_RETURN(MoRef vm, vmArg(c, args));
          return taskResult(c.revertToSnapshot(vm, str(args, "snapshot"), taskOptions(ctx)));
        });
    op.dry_run = revertDryRun;
    ops.push_back(std::move(op));
  }
  {
    Operation op = declare(
        "vm_snapshot_delete", "Delete a snapshot",
        "Delete one snapshot of a VM (its data is merged into the parent), optionally with its children.",
        Safety::kDestructive, Shape::kTask,
        vmInput()
            .prop("snapshot", Schema::string("Snapshot name or id (snapshot-7)").minLength(1), kRequired)
            .prop("remove_children",
                  Schema::boolean("Also delete every snapshot taken from it, at any depth; default false")),
        taskResultSchema(), [](Client& c, const Json& args, const OperationContext& ctx) -> Result<Json> {
          VSMCP_ASSIGN_OR_RETURN(MoRef vm, vmArg(c, args));
          const bool children = args.find("remove_children") && args.find("remove_children")->asBool();
          return taskResult(c.removeSnapshot(vm, str(args, "snapshot"), children, taskOptions(ctx)));
        });
    op.dry_run = deleteDryRun;
    ops.push_back(std::move(op));
  }
  {
    Operation op = declare(
        "vm_snapshot_delete_all", "Delete all snapshots",
        "Delete every snapshot of a VM, merging their data into the VM's disks (consolidation), e.g. to "
        "free datastore space. The VM keeps its current state but can no longer be reverted to any "
        "snapshot. Irreversible.",
        Safety::kDestructive, Shape::kTask, vmInput(), taskResultSchema(),
        [](Client& c, const Json& args, const OperationContext& ctx) -> Result<Json> {
          VSMCP_ASSIGN_OR_RETURN(MoRef vm, vmArg(c, args));
          return taskResult(c.removeAllSnapshots(vm, taskOptions(ctx)));
        });
    op.idempotent = true;
    op.dry_run = deleteAllDryRun;
    ops.push_back(std::move(op));
  }
}

}  // namespace vsmcp::ops
