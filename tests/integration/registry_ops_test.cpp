// Registry operations (lookups, capacity reports, lifecycle) against the simulator, each effect
// checked through a second session: ops::findOperation(name)->handler(client, args, ctx) as the
// Invoker runs them, op.dry_run(client, args) for what a destructive call would do, and the
// ops::Invoker itself where the approval decides (dry run, confirm, a blocked dry run).
// Default inventory: see inventory_test.cpp.
#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <cmath>
#include <map>
#include <mutex>
#include <set>

#include "ops/invoker.hpp"
#include "ops/registry.hpp"
#include "vcsim.hpp"

using namespace vsmcp;
using namespace vsmcp::vsphere;
using namespace vsmcp::ops;
using vsmcp::testing::Vcsim;

namespace {

// Runs an operation with arguments checked against its input schema (known fields, required
// ones present), and checks a successful result carries what its output schema requires.
Result<Json> run(Client& c, const std::string& name, const Json& args = Json::object(),
                 OperationContext ctx = {}) {
  const Operation* op = findOperation(name);
  INFO(name);
  REQUIRE(op != nullptr);
  const Json* props = op->input_schema.find("properties");
  REQUIRE(props != nullptr);
  for (const auto& [key, value] : args.members()) {
    INFO("argument " << key);
    CHECK(props->find(key) != nullptr);
  }
  if (const Json* required = op->input_schema.find("required"))
    for (const auto& key : required->items()) CHECK(args.find(key.asString()) != nullptr);
  auto r = op->handler(c, args, ctx);
  if (r.ok())
    if (const Json* required = op->output_schema.find("required"))
      for (const auto& key : required->items()) {
        INFO("result " << r->dump() << " lacks " << key.asString());
        CHECK(r->find(key.asString()) != nullptr);
      }
  return r;
}

// Runs an operation through the Invoker, as a surface does: policy (admin, no limits), the
// approval table (a model's confirm, no person to ask), the dry run of destructive calls.
Reply invoke(Client& c, const std::string& name, const Json& args, bool confirmed) {
  const Operation* op = findOperation(name);
  INFO(name);
  REQUIRE(op != nullptr);
  policy::Policy policy{policy::PolicyConfig{}};
  Invoker invoker(builtinRegistry(), policy, nullptr);
  Call call;
  call.op = op;
  call.args = args;
  call.caller = Caller::kModel;
  call.confirmed = confirmed;
  call.context.transport = "test";
  call.client = &c;
  return invoker.invoke(std::move(call));
}

// The dry run of a destructive operation, as op.dry_run(client, args) gives it.
Result<DryRun> dryRun(Client& c, const std::string& name, const Json& args) {
  const Operation* op = findOperation(name);
  INFO(name);
  REQUIRE(op != nullptr);
  REQUIRE(op->dry_run);
  return op->dry_run(c, args);
}

Json ok(const Result<Json>& r) {
  INFO(r.status().toString());
  REQUIRE(r.ok());
  return *r;
}

// Expects a failure with this code whose message names `what`.
void fails(const Result<Json>& r, ErrorCode code, const std::string& what) {
  REQUIRE_FALSE(r.ok());
  INFO(r.status().toString());
  CHECK(r.status().code() == code);
  CHECK(r.status().message().find(what) != std::string::npos);
}

Json args(std::initializer_list<std::pair<const char*, Json>> members) {
  Json j = Json::object();
  for (const auto& [k, v] : members) j.set(k, v);
  return j;
}

std::vector<std::string> itemNames(const Json& list, const char* key) {
  std::vector<std::string> out;
  for (const auto& item : list.find(key)->items()) out.push_back(item.find("name")->asString());
  return out;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

VmSummary vm(Client& c, const std::string& name) {
  auto r = c.getVm(Locator::name(name));
  INFO(r.status().toString());
  REQUIRE(r.ok());
  return *r;
}

void require(const Status& s) {
  INFO(s.toString());
  REQUIRE(s.ok());
}

template <typename T>
void require(const Result<T>& r) {
  require(r.status());
}

std::int64_t integer(const Json& j, const char* key) {
  const Json* v = j.find(key);
  REQUIRE(v != nullptr);
  return v->asInt();
}

double number(const Json& j, const char* key) {
  const Json* v = j.find(key);
  REQUIRE(v != nullptr);
  REQUIRE(v->isNumber());
  return v->asDouble();
}

// The share in percent, computed here independently of the registry's rounding.
double share(double part, double whole) { return whole > 0 ? 100.0 * part / whole : 0.0; }

}  // namespace

TEST_CASE("registry operations declare closed input schemas, object outputs and their safety") {
  std::set<std::string> names;
  for (const auto& op : builtinOperations()) {
    INFO(op.name);
    CHECK(names.insert(op.name).second);
    CHECK_FALSE(op.description.empty());
    CHECK(op.input_schema.find("type") != nullptr);
    CHECK(op.input_schema.find("type")->asString() == "object");
    REQUIRE(op.input_schema.find("additionalProperties") != nullptr);
    CHECK(op.input_schema.find("additionalProperties")->isBool());
    CHECK_FALSE(op.input_schema.find("additionalProperties")->asBool());
    const Json* props = op.input_schema.find("properties");
    REQUIRE(props != nullptr);
    if (const Json* required = op.input_schema.find("required"))
      for (const auto& r : required->items()) CHECK(props->find(r.asString()) != nullptr);
    REQUIRE(op.output_schema.find("type") != nullptr);
    CHECK(op.output_schema.find("type")->asString() == "object");
    CHECK(op.handler);
    // A destructive operation must be able to take confirm, which the surfaces gate on, and
    // says what it would do before it does it.
    if (op.safety == Safety::kDestructive) {
      CHECK(props->find("confirm") != nullptr);
      CHECK(op.dry_run);
    }
  }
  const std::vector<std::pair<const char*, Safety>> added = {
      {"host_get", Safety::kRead},
      {"cluster_get", Safety::kRead},
      {"datacenter_get", Safety::kRead},
      {"datastore_get", Safety::kRead},
      {"network_get", Safety::kRead},
      {"resource_pool_get", Safety::kRead},
      {"folder_get", Safety::kRead},
      {"template_get", Safety::kRead},
      {"vm_snapshot_delete_all", Safety::kDestructive},
      {"vm_create", Safety::kChange},
      {"vm_mark_template", Safety::kChange},
      {"template_to_vm", Safety::kChange},
      {"vm_relocate", Safety::kChange},
      {"datastore_usage", Safety::kRead},
      {"inventory_summary", Safety::kRead},
      // Hard power changes and maintenance mode interrupt running workloads.
      {"vm_power_off", Safety::kDestructive},
      {"vm_reset", Safety::kDestructive},
      {"vm_suspend", Safety::kDestructive},
      {"host_enter_maintenance", Safety::kDestructive},
      {"vm_power_on", Safety::kChange},
      {"host_exit_maintenance", Safety::kChange}};
  for (const auto& [name, safety] : added) {
    INFO(name);
    const Operation* op = findOperation(name);
    REQUIRE(op != nullptr);
    CHECK(op->safety == safety);
  }
  // Each lookup sits right after its listing.
  const auto& ops = builtinOperations();
  for (size_t i = 1; i < ops.size(); ++i) {
    const std::string& n = ops[i].name;
    if (n.size() > 4 && n.compare(n.size() - 4, 4, "_get") == 0) {
      INFO(n);
      CHECK(ops[i - 1].name == n.substr(0, n.size() - 4) + "_list");
    }
  }
}

TEST_CASE("each get operation finds its object by name, id and path, as its listing shows it") {
  Vcsim sim({"-pool", "1"});
  auto a = sim.connect();
  auto b = sim.connect();
  require(a->powerOff(vm(*a, "DC0_H0_VM1").ref));
  require(a->markAsTemplate(vm(*a, "DC0_H0_VM1").ref));
  struct Kind {
    const char* get_op;
    const char* key;
    const char* list_op;
    const char* list_key;
    const char* name;
    const char* path;
  };
  const std::vector<Kind> kinds = {
      {"host_get", "host", "host_list", "hosts", "DC0_C0_H1", "/DC0/host/DC0_C0/DC0_C0_H1"},
      {"cluster_get", "cluster", "cluster_list", "clusters", "DC0_C0", "/DC0/host/DC0_C0"},
      {"datacenter_get", "datacenter", "datacenter_list", "datacenters", "DC0", "/DC0"},
      {"datastore_get", "datastore", "datastore_list", "datastores", "LocalDS_0",
       "/DC0/datastore/LocalDS_0"},
      {"network_get", "network", "network_list", "networks", "DC0_DVPG0", "/DC0/network/DC0_DVPG0"},
      {"network_get", "network", "network_list", "networks", "VM Network",
       "/DC0/network/VM Network"},
      {"resource_pool_get", "resource_pool", "resource_pool_list", "resource_pools", "DC0_C0_RP1",
       "/DC0/host/DC0_C0/Resources/DC0_C0_RP1"},
      {"folder_get", "folder", "folder_list", "folders", "vm", "/DC0/vm"},
      {"template_get", "template", "template_list", "templates", "DC0_H0_VM1",
       "/DC0/vm/DC0_H0_VM1"},
  };
  for (const auto& k : kinds) {
    INFO(k.get_op << " " << k.name);
    const Json listed = ok(run(*b, k.list_op, args({{"name", k.name}})));
    REQUIRE(integer(listed, "total") == 1);
    const Json item = listed.find(k.list_key)->items().at(0);
    const std::string id = item.find("id")->asString();
    REQUIRE_FALSE(id.empty());
    for (const std::string& locator : {std::string(k.name), id, std::string(k.path)}) {
      INFO("by " << locator);
      const Json got = ok(run(*a, k.get_op, args({{k.key, locator}})));
      REQUIRE(got.find(k.key) != nullptr);
      CHECK(got.find(k.key)->dump() == item.dump());
    }
  }
  const Json host = ok(run(*a, "host_get", args({{"host", "DC0_C0_H1"}})));
  CHECK(host.find("host")->find("cluster")->asString() == "DC0_C0");
  const Json pool = ok(run(*a, "resource_pool_get", args({{"resource_pool", "DC0_C0_RP1"}})));
  CHECK(pool.find("resource_pool")->find("owner")->asString() == "DC0_C0");
  const Json dvpg = ok(run(*a, "network_get", args({{"network", "DC0_DVPG0"}})));
  CHECK(dvpg.find("network")->find("kind")->asString() == "distributed");
}

TEST_CASE("get operations report what they could not find") {
  Vcsim sim;
  auto a = sim.connect();
  const std::vector<std::pair<const char*, const char*>> gets = {
      {"host_get", "host"},
      {"cluster_get", "cluster"},
      {"datacenter_get", "datacenter"},
      {"datastore_get", "datastore"},
      {"network_get", "network"},
      {"resource_pool_get", "resource_pool"},
      {"folder_get", "folder"},
      {"template_get", "template"}};
  for (const auto& [op, key] : gets) {
    INFO(op);
    const std::string wanted = std::string("no-such-") + key;
    auto r = run(*a, op, args({{key, wanted}}));
    fails(r, ErrorCode::kNotFound, "'" + wanted + "'");
    const std::string list_op = std::string(op).replace(std::string(op).size() - 4, 4, "_list");
    CHECK(r.status().message().find(list_op) != std::string::npos);
    fails(run(*a, op, args({{key, "/DC0/nowhere/" + wanted}})), ErrorCode::kNotFound, wanted);
  }
  // A VM is not a template, and a template lookup says so.
  const std::string id = vm(*a, "DC0_H0_VM0").ref.value;
  fails(run(*a, "template_get", args({{"template", "DC0_H0_VM0"}})), ErrorCode::kNotFound,
        "'DC0_H0_VM0' is a virtual machine (" + id + "), not a template");
  // Two root pools are named "Resources": the lookup refuses to guess.
  fails(run(*a, "resource_pool_get", args({{"resource_pool", "Resources"}})),
        ErrorCode::kInvalidArgument, "named 'Resources'");
}

TEST_CASE("vm_create makes a VM with the requested size, guest, disk, network and placement") {
  Vcsim sim;
  auto a = sim.connect();
  auto b = sim.connect();
  std::vector<int> progress;
  OperationContext ctx;
  ctx.on_progress = [&](int p, const TaskInfo&) { progress.push_back(p); };
  const Json created = ok(run(*a, "vm_create",
                              args({{"name", "api-01"},
                                    {"guest_id", "ubuntu64Guest"},
                                    {"num_cpus", 2},
                                    {"memory_mb", 2048},
                                    {"disk_gb", 10},
                                    {"network", "VM Network"},
                                    {"datastore", "LocalDS_0"},
                                    {"folder", "/DC0/vm"},
                                    {"host", "DC0_C0_H1"},
                                    {"annotation", "made by vm_create"}}),
                              ctx));
  const Json* task = created.find("task");
  REQUIRE(task != nullptr);
  CHECK(task->find("state")->asString() == "success");
  REQUIRE_FALSE(progress.empty());
  CHECK(progress.back() == 100);
  const VmSummary v = vm(*b, "api-01");
  CHECK(v.ref.value == task->find("result")->asString());
  CHECK(v.num_cpu == 2);
  CHECK(v.memory_mb == 2048);
  CHECK(v.guest_id == "ubuntu64Guest");
  CHECK(v.annotation == "made by vm_create");
  CHECK(v.host_name == "DC0_C0_H1");
  CHECK(v.cluster == "DC0_C0");
  CHECK(v.folder_path == "/DC0/vm");
  CHECK(v.datastores == std::vector<std::string>{"LocalDS_0"});
  CHECK(v.power_state == PowerState::kPoweredOff);

  // Only a name: the documented defaults.
  ok(run(*a, "vm_create", args({{"name", "bare"}})));
  const VmSummary bare = vm(*b, "bare");
  CHECK(bare.num_cpu == 1);
  CHECK(bare.memory_mb == 1024);
  CHECK(bare.guest_id == "otherGuest64");
  CHECK(bare.cluster == "DC0_C0");  // the first cluster

  fails(run(*a, "vm_create", args({{"name", "lost"}, {"resource_pool", "no-such-pool"}})),
        ErrorCode::kNotFound, "no-such-pool");
  fails(run(*a, "vm_create", args({{"name", "lost"}, {"datastore", "no-such-ds"}})),
        ErrorCode::kNotFound, "no-such-ds");
  CHECK(b->getVm(Locator::name("lost")).status().code() == ErrorCode::kNotFound);
}

TEST_CASE("vm_mark_template and template_to_vm move a VM between vm_list and template_list") {
  Vcsim sim;
  auto a = sim.connect();
  auto b = sim.connect();
  const MoRef ref = vm(*a, "DC0_C0_RP0_VM1").ref;

  // A running VM cannot become a template; nothing changes.
  fails(run(*a, "vm_mark_template", args({{"vm", "DC0_C0_RP0_VM1"}})), ErrorCode::kInvalidState,
        ref.value);
  CHECK_FALSE(vm(*b, "DC0_C0_RP0_VM1").is_template);

  require(a->powerOff(ref));
  const Json marked = ok(run(*a, "vm_mark_template", args({{"vm", "DC0_C0_RP0_VM1"}})));
  CHECK(marked.find("vm")->asString() == ref.value);
  CHECK(marked.find("template")->asBool());
  CHECK(vm(*b, "DC0_C0_RP0_VM1").is_template);
  CHECK(contains(itemNames(ok(run(*b, "template_list")), "templates"), "DC0_C0_RP0_VM1"));
  CHECK_FALSE(contains(itemNames(ok(run(*b, "vm_list")), "vms"), "DC0_C0_RP0_VM1"));

  const Json back =
      ok(run(*a, "template_to_vm", args({{"template", ref.value}, {"host", "DC0_C0_H2"}})));
  CHECK(back.find("vm")->asString() == ref.value);
  CHECK_FALSE(back.find("template")->asBool());
  const VmSummary v = vm(*b, "DC0_C0_RP0_VM1");
  CHECK_FALSE(v.is_template);
  CHECK(v.host_name == "DC0_C0_H2");
  CHECK_FALSE(v.resource_pool.empty());
  CHECK(contains(itemNames(ok(run(*b, "vm_list")), "vms"), "DC0_C0_RP0_VM1"));
  CHECK(integer(ok(run(*b, "template_list")), "total") == 0);

  // template_to_vm refuses a VM that is not a template, and an unknown one, naming it.
  fails(run(*a, "template_to_vm", args({{"template", "DC0_C0_RP0_VM0"}})), ErrorCode::kNotFound,
        "'DC0_C0_RP0_VM0' is a virtual machine");
  fails(run(*a, "template_to_vm", args({{"template", "no-such-template"}})), ErrorCode::kNotFound,
        "no-such-template");
  fails(run(*a, "vm_mark_template", args({{"vm", "no-such-vm"}})), ErrorCode::kNotFound,
        "no-such-vm");
}

TEST_CASE("vm_relocate moves a VM to another host and datastore, and needs a target") {
  Vcsim sim({"-ds", "2"});
  std::atomic<int> calls{0};
  auto options = sim.options();
  options.on_call = [&](std::string_view, std::chrono::microseconds, const Status&) { ++calls; };
  auto connected = Client::connect(options);
  require(connected);
  Client& a = **connected;
  auto b = sim.connect();
  const VmSummary before = vm(*b, "DC0_C0_RP0_VM0");
  REQUIRE(before.datastores == std::vector<std::string>{"LocalDS_0"});
  const std::string target = before.host_name == "DC0_C0_H2" ? "DC0_C0_H1" : "DC0_C0_H2";

  // No target: refused before anything is sent.
  const int sent = calls.load();
  fails(run(a, "vm_relocate", args({{"vm", "DC0_C0_RP0_VM0"}})), ErrorCode::kInvalidArgument,
        "host, resource_pool or datastore");
  CHECK(calls.load() == sent);

  std::vector<int> progress;
  OperationContext ctx;
  ctx.on_progress = [&](int p, const TaskInfo&) { progress.push_back(p); };
  const Json moved =
      ok(run(a, "vm_relocate",
             args({{"vm", "DC0_C0_RP0_VM0"}, {"host", target}, {"datastore", "LocalDS_1"}}), ctx));
  CHECK(moved.find("task")->find("state")->asString() == "success");
  REQUIRE_FALSE(progress.empty());
  CHECK(progress.back() == 100);
  const VmSummary after = vm(*b, "DC0_C0_RP0_VM0");
  CHECK(after.host_name == target);
  CHECK(after.datastores == std::vector<std::string>{"LocalDS_1"});
  CHECK(calls.load() > sent);

  fails(run(a, "vm_relocate", args({{"vm", "DC0_C0_RP0_VM0"}, {"host", "no-such-host"}})),
        ErrorCode::kNotFound, "no-such-host");
  fails(run(a, "vm_relocate", args({{"vm", "no-such-vm"}, {"host", target}})), ErrorCode::kNotFound,
        "no-such-vm");
  CHECK(vm(*b, "DC0_C0_RP0_VM0").host_name == target);
}

TEST_CASE(
    "vm_snapshot_delete_all: a dry run counts and keeps the snapshots, confirmed removes them") {
  Vcsim sim;
  auto a = sim.connect();
  auto b = sim.connect();
  const VmSummary v = vm(*a, "DC0_H0_VM0");
  for (const char* name : {"one", "two", "three"})
    require(a->createSnapshot(v.ref, name, "", false, false));
  require(a->revertToSnapshot(v.ref, "one"));
  require(a->createSnapshot(v.ref, "branch", "", false, false));  // a second child of "one"

  const Json target = args({{"vm", "DC0_H0_VM0"}});
  auto plan = dryRun(*a, "vm_snapshot_delete_all", target);
  require(plan);
  CHECK(plan->blockers.empty());
  const std::string would = plan->would;
  CHECK(would.find("4 snapshots") != std::string::npos);
  CHECK(would.find("'DC0_H0_VM0'") != std::string::npos);
  CHECK(would.find(v.ref.value) != std::string::npos);
  CHECK(integer(plan->details, "snapshot_count") == 4);
  auto kept = b->snapshots(v.ref);
  require(kept);
  REQUIRE(kept->roots.size() == 1);
  CHECK(kept->roots[0].children.size() == 2);

  // Without confirm the Invoker answers with the same dry run and changes nothing.
  const Reply unconfirmed = invoke(*a, "vm_snapshot_delete_all", target, false);
  CHECK(unconfirmed.outcome == Outcome::kDryRun);
  CHECK(unconfirmed.confirm_would_run);
  const Json dry = ok(unconfirmed.result);
  CHECK(dry.find("dry_run")->asBool());
  CHECK(dry.find("would")->asString() == would);
  CHECK(dry.find("blocked") == nullptr);
  CHECK(dry.find("task") == nullptr);
  CHECK(b->snapshots(v.ref)->roots.size() == 1);

  const Reply confirmed = invoke(*a, "vm_snapshot_delete_all", target, true);
  CHECK(confirmed.outcome == Outcome::kOk);
  const Json done = ok(confirmed.result);
  CHECK(done.find("task")->find("state")->asString() == "success");
  auto gone = b->snapshots(v.ref);
  require(gone);
  CHECK(gone->roots.empty());
  CHECK(gone->current.empty());

  auto none = dryRun(*a, "vm_snapshot_delete_all", target);
  require(none);
  CHECK(none->would.find("which has none") != std::string::npos);
  CHECK(integer(none->details, "snapshot_count") == 0);
  auto missing = dryRun(*a, "vm_snapshot_delete_all", args({{"vm", "no-such-vm"}}));
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == ErrorCode::kNotFound);
  CHECK(missing.status().message().find("no-such-vm") != std::string::npos);
  fails(invoke(*a, "vm_snapshot_delete_all", args({{"vm", "no-such-vm"}}), true).result,
        ErrorCode::kNotFound, "no-such-vm");
}

TEST_CASE("a destructive call whose dry run is blocked fails with its reason before vCenter acts") {
  Vcsim sim;
  std::mutex mu;
  std::map<std::string, int> calls;
  auto options = sim.options();
  options.on_call = [&](std::string_view op, std::chrono::microseconds, const Status&) {
    std::lock_guard<std::mutex> lock(mu);
    ++calls[std::string(op)];
  };
  auto connected = Client::connect(options);
  require(connected);
  Client& a = **connected;
  auto b = sim.connect();
  const VmSummary v = vm(*b, "DC0_H0_VM0");
  REQUIRE(v.power_state == PowerState::kPoweredOn);
  const Json target = args({{"vm", "DC0_H0_VM0"}});

  auto dry = dryRun(a, "vm_destroy", target);
  require(dry);
  CHECK(dry->would.find("destroy VM 'DC0_H0_VM0' (" + v.ref.value + ", poweredOn)") != std::string::npos);
  REQUIRE(dry->blockers.size() == 1);
  CHECK(dry->blockers[0].find("VM 'DC0_H0_VM0' is poweredOn: power it off first") != std::string::npos);
  CHECK(dry->details.find("vm")->asString() == v.ref.value);

  // Unconfirmed: the dry run, blocked, and no offer to confirm it.
  const Reply unconfirmed = invoke(a, "vm_destroy", target, false);
  CHECK(unconfirmed.outcome == Outcome::kDryRun);
  CHECK_FALSE(unconfirmed.confirm_would_run);
  const Json shown = ok(unconfirmed.result);
  REQUIRE(shown.find("blocked") != nullptr);
  CHECK(shown.find("blocked")->items().at(0).asString() == dry->blockers[0]);

  // Confirmed: refused at once with the dry run's reason; Destroy_Task is never sent.
  const Reply refused = invoke(a, "vm_destroy", target, true);
  CHECK(refused.outcome == Outcome::kError);
  fails(refused.result, ErrorCode::kInvalidState, "cannot vm_destroy now: " + dry->blockers[0]);
  CHECK(refused.result.status().message().find("nothing was changed") != std::string::npos);
  {
    std::lock_guard<std::mutex> lock(mu);
    CHECK(calls["Destroy_Task"] == 0);
  }
  CHECK(vm(*b, "DC0_H0_VM0").power_state == PowerState::kPoweredOn);

  // The other hard power changes look first too.
  require(b->powerOff(v.ref));
  auto off = dryRun(a, "vm_power_off", target);
  require(off);
  REQUIRE(off->blockers.size() == 1);
  CHECK(off->blockers[0] == "VM 'DC0_H0_VM0' is already powered off");
  auto reset = dryRun(a, "vm_reset", target);
  require(reset);
  REQUIRE(reset->blockers.size() == 1);
  CHECK(reset->blockers[0].find("only a running VM can be reset") != std::string::npos);
  fails(invoke(a, "vm_power_off", target, true).result, ErrorCode::kInvalidState,
        "cannot vm_power_off now: VM 'DC0_H0_VM0' is already powered off");
  {
    std::lock_guard<std::mutex> lock(mu);
    CHECK(calls["PowerOffVM_Task"] == 0);
  }

  // Powered off, nothing blocks it: confirmed, it is destroyed.
  auto clear = dryRun(a, "vm_destroy", target);
  require(clear);
  CHECK(clear->blockers.empty());
  const Json destroyed = ok(invoke(a, "vm_destroy", target, true).result);
  CHECK(destroyed.find("task")->find("state")->asString() == "success");
  {
    std::lock_guard<std::mutex> lock(mu);
    CHECK(calls["Destroy_Task"] == 1);
  }
  CHECK(b->getVm(Locator::name("DC0_H0_VM0")).status().code() == ErrorCode::kNotFound);
}

TEST_CASE("datastore_usage agrees with datastore_list, sorts fullest first and filters") {
  Vcsim sim({"-ds", "3"});
  auto a = sim.connect();
  auto b = sim.connect();
  // The simulator's datastores all start with the free space of the file system under them;
  // a new disk is taken from a datastore's free space, so disks make them differ.
  auto initial = b->listDatastores();
  require(initial);
  REQUIRE(initial->size() == 3);
  const std::int64_t gib = 1024LL * 1024 * 1024;
  const std::int64_t free_gib = initial->at(2).free_bytes / gib;
  INFO("the simulator's datastores need a few GiB free under them: " << free_gib);
  REQUIRE(free_gib >= 8);
  ok(run(*a, "vm_create",
         args({{"name", "fill-2"}, {"datastore", "LocalDS_2"}, {"disk_gb", free_gib / 2}})));
  ok(run(*a, "vm_create",
         args({{"name", "fill-1"}, {"datastore", "LocalDS_1"}, {"disk_gb", free_gib / 4}})));

  const Json listed = ok(run(*b, "datastore_list"));
  const Json usage = ok(run(*a, "datastore_usage"));
  CHECK(itemNames(usage, "datastores") ==
        std::vector<std::string>{"LocalDS_2", "LocalDS_1", "LocalDS_0"});
  CHECK(integer(usage, "total") == 3);
  CHECK(integer(usage, "count") == 3);
  CHECK(integer(usage, "offset") == 0);
  CHECK(usage.find("next_offset") == nullptr);
  std::int64_t capacity = 0, free = 0;
  for (const auto& d : listed.find("datastores")->items()) {
    const std::string name = d.find("name")->asString();
    INFO(name);
    const auto& rows = usage.find("datastores")->items();
    auto row = std::find_if(rows.begin(), rows.end(),
                            [&](const Json& r) { return r.find("name")->asString() == name; });
    REQUIRE(row != rows.end());
    CHECK(row->find("id")->asString() == d.find("id")->asString());
    CHECK(row->find("type")->asString() == d.find("type")->asString());
    CHECK(integer(*row, "capacity_bytes") == integer(d, "capacity_bytes"));
    CHECK(integer(*row, "free_bytes") == integer(d, "free_bytes"));
    CHECK(integer(*row, "used_bytes") == integer(d, "capacity_bytes") - integer(d, "free_bytes"));
    CHECK(std::fabs(number(*row, "used_percent") -
                    share(static_cast<double>(integer(*row, "used_bytes")),
                          static_cast<double>(integer(d, "capacity_bytes")))) <= 0.05);
    CHECK(number(*row, "used_percent") * 10 ==
          std::round(number(*row, "used_percent") * 10));  // one decimal
    CHECK(integer(*row, "vm_count") == integer(d, "vm_count"));
    CHECK(row->find("accessible")->asBool() == d.find("accessible")->asBool());
    capacity += integer(d, "capacity_bytes");
    free += integer(d, "free_bytes");
  }
  CHECK(integer(usage, "total_capacity_bytes") == capacity);
  CHECK(integer(usage, "total_free_bytes") == free);
  CHECK(std::fabs(number(usage, "total_used_percent") -
                  share(static_cast<double>(capacity - free), static_cast<double>(capacity))) <=
        0.05);

  // At least as full as the middle one: the two fullest, with totals over those two only.
  const Json& middle = usage.find("datastores")->items().at(1);
  const Json full =
      ok(run(*a, "datastore_usage", args({{"min_used_percent", number(middle, "used_percent")}})));
  CHECK(itemNames(full, "datastores") == std::vector<std::string>{"LocalDS_2", "LocalDS_1"});
  CHECK(integer(full, "total_capacity_bytes") ==
        integer(usage.find("datastores")->items().at(0), "capacity_bytes") +
            integer(middle, "capacity_bytes"));
  CHECK(integer(ok(run(*a, "datastore_usage", args({{"min_used_percent", 100}}))), "total") == 0);

  const Json named = ok(run(*a, "datastore_usage", args({{"name", "LocalDS_0"}})));
  CHECK(itemNames(named, "datastores") == std::vector<std::string>{"LocalDS_0"});
  const Json paged = ok(run(*a, "datastore_usage", args({{"limit", 1}, {"offset", 1}})));
  CHECK(itemNames(paged, "datastores") == std::vector<std::string>{"LocalDS_1"});
  CHECK(integer(paged, "total") == 3);
  CHECK(integer(paged, "count") == 1);
  CHECK(integer(paged, "next_offset") == 2);
  CHECK(integer(paged, "total_capacity_bytes") ==
        capacity);  // totals cover every match, not the page
}

TEST_CASE("inventory_summary counts match the listings") {
  Vcsim sim({"-cluster", "2"});
  auto a = sim.connect();
  auto b = sim.connect();
  require(a->powerOff(vm(*a, "DC0_H0_VM0").ref));
  require(a->suspend(vm(*a, "DC0_H0_VM1").ref));
  const MoRef tmpl = vm(*a, "DC0_C1_RP0_VM1").ref;
  require(a->powerOff(tmpl));
  require(a->markAsTemplate(tmpl));
  require(a->enterMaintenanceMode(*a->resolve("HostSystem", Locator::name("DC0_C0_H2")), 0));

  const Json s = ok(run(*a, "inventory_summary"));
  const Json hosts = ok(run(*b, "host_list"));
  const Json vms = ok(run(*b, "vm_list"));
  CHECK(integer(s, "datacenters") == integer(ok(run(*b, "datacenter_list")), "total"));
  CHECK(integer(s, "clusters") == integer(ok(run(*b, "cluster_list")), "total"));
  CHECK(integer(s, "clusters") == 2);

  const Json& h = *s.find("hosts");
  CHECK(integer(h, "total") == integer(hosts, "total"));
  CHECK(integer(h, "total") == 7);
  std::int64_t connected = 0, cpu_total = 0, cpu_used = 0, mem_total = 0, mem_used = 0;
  for (const auto& host : hosts.find("hosts")->items()) {
    connected += host.find("connection_state")->asString() == "connected";
    cpu_total += integer(host, "cpu_mhz_total");
    cpu_used += integer(host, "cpu_mhz_used");
    mem_total += integer(host, "memory_mb_total");
    mem_used += integer(host, "memory_mb_used");
  }
  CHECK(integer(h, "connected") == connected);
  CHECK(integer(h, "in_maintenance") == 1);

  const Json& v = *s.find("vms");
  CHECK(integer(v, "total") == integer(vms, "total"));
  CHECK(integer(v, "total") == 5);
  CHECK(integer(v, "powered_on") ==
        integer(ok(run(*b, "vm_list", args({{"power_state", "poweredOn"}}))), "total"));
  CHECK(integer(v, "powered_on") == 3);
  CHECK(integer(v, "powered_off") == 1);
  CHECK(integer(v, "suspended") == 1);
  CHECK(integer(s, "templates") == integer(ok(run(*b, "template_list")), "total"));
  CHECK(integer(s, "templates") == 1);

  const Json& cpu = *s.find("cpu");
  CHECK(integer(cpu, "total_mhz") == cpu_total);
  CHECK(cpu_total > 0);
  CHECK(integer(cpu, "used_mhz") == cpu_used);
  CHECK(std::fabs(number(cpu, "used_percent") - share(cpu_used, cpu_total)) <= 0.05);
  const Json& mem = *s.find("memory");
  CHECK(integer(mem, "total_mb") == mem_total);
  CHECK(mem_total > 0);
  CHECK(integer(mem, "used_mb") == mem_used);
  CHECK(std::fabs(number(mem, "used_percent") - share(mem_used, mem_total)) <= 0.05);
  const Json usage = ok(run(*b, "datastore_usage"));
  const Json& storage = *s.find("storage");
  CHECK(integer(storage, "capacity_bytes") == integer(usage, "total_capacity_bytes"));
  CHECK(integer(storage, "free_bytes") == integer(usage, "total_free_bytes"));
  CHECK(number(storage, "used_percent") == number(usage, "total_used_percent"));

  const auto& rows = s.find("by_cluster")->items();
  REQUIRE(rows.size() == 2);
  for (const auto& row : rows) {
    const std::string name = row.find("name")->asString();
    INFO(name);
    const Json members = ok(run(*b, "host_list", args({{"cluster", name}})));
    CHECK(integer(row, "hosts") == integer(members, "total"));
    CHECK(integer(row, "hosts") == 3);
    CHECK(integer(row, "vms") ==
          integer(ok(run(*b, "vm_list", args({{"cluster", name}}))), "total"));
    std::int64_t c_total = 0, c_used = 0, m_total = 0, m_used = 0;
    for (const auto& host : members.find("hosts")->items()) {
      c_total += integer(host, "cpu_mhz_total");
      c_used += integer(host, "cpu_mhz_used");
      m_total += integer(host, "memory_mb_total");
      m_used += integer(host, "memory_mb_used");
    }
    CHECK(std::fabs(number(row, "cpu_used_percent") - share(c_used, c_total)) <= 0.05);
    CHECK(std::fabs(number(row, "memory_used_percent") - share(m_used, m_total)) <= 0.05);
    CHECK(row.find("datacenter")->asString() == "DC0");
  }
  CHECK(rows[0].find("name")->asString() == "DC0_C0");
  CHECK(integer(rows[0], "vms") == 2);
  CHECK(integer(rows[1], "vms") == 1);  // DC0_C1_RP0_VM1 is a template now
}

TEST_CASE("on a standalone ESXi host inventory_summary, host_get and vm_create work") {
  Vcsim sim({"-esx"});
  auto a = sim.connect();
  auto b = sim.connect();
  const Json s = ok(run(*a, "inventory_summary"));
  CHECK(integer(s, "datacenters") == 1);
  CHECK(integer(s, "clusters") == 0);
  CHECK(s.find("by_cluster")->items().empty());
  CHECK(integer(*s.find("hosts"), "total") == 1);
  CHECK(integer(*s.find("hosts"), "connected") == 1);
  CHECK(integer(*s.find("vms"), "total") == integer(ok(run(*b, "vm_list")), "total"));
  CHECK(integer(*s.find("vms"), "total") == 2);
  CHECK(integer(s, "templates") == 0);
  CHECK(integer(*s.find("storage"), "capacity_bytes") > 0);

  const Json hosts = ok(run(*b, "host_list"));
  REQUIRE(integer(hosts, "total") == 1);
  const Json& listed = hosts.find("hosts")->items().at(0);
  const std::string host_name = listed.find("name")->asString();
  for (const std::string& locator : {host_name, listed.find("id")->asString()}) {
    INFO(locator);
    CHECK(ok(run(*a, "host_get", args({{"host", locator}}))).find("host")->dump() == listed.dump());
  }
  fails(run(*a, "host_get", args({{"host", "no-such-host"}})), ErrorCode::kNotFound,
        "no-such-host");

  const Json created = ok(run(*a, "vm_create",
                              args({{"name", "esx-api"},
                                    {"num_cpus", 2},
                                    {"memory_mb", 256},
                                    {"disk_gb", 1},
                                    {"network", "VM Network"}})));
  const VmSummary v = vm(*b, "esx-api");
  CHECK(v.ref.value == created.find("task")->find("result")->asString());
  CHECK(v.num_cpu == 2);
  CHECK(v.memory_mb == 256);
  CHECK(v.host_name == host_name);
  CHECK(integer(*ok(run(*a, "inventory_summary")).find("vms"), "total") == 3);
}

TEST_CASE("tag and catalog operations share one REST session per client") {
  Vcsim sim;
  std::mutex mu;
  std::map<std::string, int> rest_calls;
  auto options = sim.options();
  options.on_call = [&](std::string_view op, std::chrono::microseconds, const Status&) {
    std::lock_guard<std::mutex> lock(mu);
    if (op.rfind("rest:", 0) == 0) ++rest_calls[std::string(op)];
  };
  {
    auto connected = Client::connect(options);
    require(connected);
    Client& a = **connected;
    ok(run(a, "tag_category_list"));
    ok(run(a, "tag_list"));
    ok(run(a, "catalog_item_list"));
    ok(run(a, "deployment_list"));
    std::lock_guard<std::mutex> lock(mu);
    CHECK(rest_calls["rest:cis.session.create"] == 1);
    CHECK(rest_calls["rest:cis.session.delete"] == 0);
    CHECK(rest_calls.size() > 2);  // the operations did reach /rest
  }
  // The client's end ends its REST session too.
  std::lock_guard<std::mutex> lock(mu);
  CHECK(rest_calls["rest:cis.session.delete"] == 1);
}

TEST_CASE("an unpaged context returns a whole listing in one reply, from its offset") {
  Vcsim sim({"-vm", "150"});
  auto a = sim.connect();
  Json paged = ok(run(*a, "vm_list", args({{"limit", 10}})));
  const std::int64_t total = paged.find("total")->asInt();
  REQUIRE(total > 200);
  CHECK(paged.find("count")->asInt() == 10);
  CHECK(paged.find("next_offset") != nullptr);
  OperationContext whole;
  whole.unpaged = true;
  Json all = ok(run(*a, "vm_list", args({{"limit", 10}}), whole));
  CHECK(all.find("count")->asInt() == total);
  CHECK(all.find("vms")->size() == static_cast<size_t>(total));
  CHECK(all.find("next_offset") == nullptr);
  Json rest = ok(run(*a, "vm_list", args({{"offset", 5}}), whole));
  CHECK(rest.find("count")->asInt() == total - 5);
  CHECK(rest.find("vms")->items()[0].find("id")->asString() == all.find("vms")->items()[5].find("id")->asString());
  Json none = ok(run(*a, "tag_list", Json::object(), whole));  // an empty list stays well formed
  CHECK(none.find("count")->asInt() == 0);
}
