// Every operation against the simulator, its effect checked through a second session.
#include <catch2/catch.hpp>

#include <algorithm>

#include "vcsim.hpp"

using namespace vsmcp;
using namespace vsmcp::vsphere;
using vsmcp::testing::Vcsim;

namespace {

VmSummary vm(Client& c, const std::string& name) {
  auto r = c.getVm(Locator::name(name));
  INFO(r.status().toString());
  REQUIRE(r.ok());
  return *r;
}

std::vector<std::string> snapshotNames(const std::vector<SnapshotNode>& nodes) {
  std::vector<std::string> out;
  for (const auto& n : nodes) {
    out.push_back(n.name);
    auto sub = snapshotNames(n.children);
    out.insert(out.end(), sub.begin(), sub.end());
  }
  return out;
}

#define REQUIRE_OK(expr)                  \
  do {                                    \
    auto&& r_ = (expr);                   \
    INFO(r_.status().toString());         \
    REQUIRE(r_.ok());                     \
  } while (0)

#define REQUIRE_DONE(expr)                \
  do {                                    \
    auto s_ = (expr);                     \
    INFO(s_.toString());                  \
    REQUIRE(s_.ok());                     \
  } while (0)

}  // namespace

TEST_CASE("power operations change the power state seen by another session") {
  Vcsim sim;
  auto a = sim.connect();
  auto b = sim.connect();
  const MoRef ref = vm(*a, "DC0_H0_VM0").ref;
  std::vector<int> progress;
  TaskOptions o;
  o.on_progress = [&](int p, const TaskInfo&) { progress.push_back(p); };
  REQUIRE_OK(a->powerOff(ref, o));
  CHECK(progress.back() == 100);
  CHECK(vm(*b, "DC0_H0_VM0").power_state == PowerState::kPoweredOff);

  auto again = a->powerOff(ref);
  REQUIRE_FALSE(again.ok());
  CHECK(again.status().code() == ErrorCode::kInvalidState);
  CHECK(again.status().details().fault == "InvalidPowerState");

  REQUIRE_OK(a->powerOn(ref));
  CHECK(vm(*b, "DC0_H0_VM0").power_state == PowerState::kPoweredOn);
  REQUIRE_OK(a->suspend(ref));
  CHECK(vm(*b, "DC0_H0_VM0").power_state == PowerState::kSuspended);
  REQUIRE_OK(a->powerOn(ref));
  REQUIRE_OK(a->reset(ref));
  CHECK(vm(*b, "DC0_H0_VM0").power_state == PowerState::kPoweredOn);
  REQUIRE_DONE(a->shutdownGuest(ref));
  CHECK(vm(*b, "DC0_H0_VM0").power_state == PowerState::kPoweredOff);
}

TEST_CASE("guest reboot reports the simulator's missing method as unsupported") {
  Vcsim sim;
  auto a = sim.connect();
  const MoRef ref = vm(*a, "DC0_H0_VM0").ref;
  Status s = a->rebootGuest(ref);
  // govmomi 0.24's simulator has no RebootGuest; a real vCenter needs VMware Tools.
  REQUIRE_FALSE(s.ok());
  CHECK(s.code() == ErrorCode::kUnsupported);
  CHECK(s.message().find("guest reboot of " + ref.value) != std::string::npos);
}

TEST_CASE("snapshots are created, listed, reverted and removed") {
  Vcsim sim;
  auto a = sim.connect();
  auto b = sim.connect();
  const MoRef ref = vm(*a, "DC0_C0_RP0_VM0").ref;
  REQUIRE_OK(a->createSnapshot(ref, "base", "clean install", false, false));
  REQUIRE_OK(a->createSnapshot(ref, "patched", "", true, false));
  auto tree = b->snapshots(ref);
  REQUIRE(tree.ok());
  CHECK(snapshotNames(tree->roots) == std::vector<std::string>{"base", "patched"});
  REQUIRE(tree->roots.size() == 1);
  CHECK(tree->roots[0].description == "clean install");
  REQUIRE(tree->roots[0].children.size() == 1);
  CHECK(tree->roots[0].children[0].is_current);
  CHECK(tree->current == tree->roots[0].children[0].ref);

  REQUIRE_OK(a->revertToSnapshot(ref, "base"));
  CHECK(b->snapshots(ref)->current == tree->roots[0].ref);
  REQUIRE_OK(a->revertToSnapshot(ref, ""));  // current

  auto missing = a->revertToSnapshot(ref, "nope");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == ErrorCode::kNotFound);
  CHECK(missing.status().message().find("'base'") != std::string::npos);

  REQUIRE_OK(a->removeSnapshot(ref, "patched", false));
  CHECK(snapshotNames(b->snapshots(ref)->roots) == std::vector<std::string>{"base"});
  REQUIRE_OK(a->createSnapshot(ref, "child", "", false, false));
  REQUIRE_OK(a->removeSnapshot(ref, "base", true));  // with its children
  CHECK(b->snapshots(ref)->roots.empty());

  REQUIRE_OK(a->createSnapshot(ref, "s1", "", false, false));
  REQUIRE_OK(a->createSnapshot(ref, "s2", "", false, false));
  REQUIRE_OK(a->removeAllSnapshots(ref));
  CHECK(b->snapshots(ref)->roots.empty());
}

TEST_CASE("snapshot names with XML characters round-trip") {
  Vcsim sim;
  auto a = sim.connect();
  const MoRef ref = vm(*a, "DC0_H0_VM1").ref;
  const std::string name = "a<b&\"c'";
  REQUIRE_OK(a->createSnapshot(ref, name, "x > y", false, false));
  auto tree = sim.connect()->snapshots(ref);
  REQUIRE(tree.ok());
  REQUIRE(tree->roots.size() == 1);
  CHECK(tree->roots[0].name == name);
  CHECK(tree->roots[0].description == "x > y");
  REQUIRE_OK(a->revertToSnapshot(ref, name));
}

TEST_CASE("a VM is cloned, as a template and as a linked clone") {
  Vcsim sim;
  auto a = sim.connect();
  auto b = sim.connect();
  const MoRef src = vm(*a, "DC0_C0_RP0_VM0").ref;
  // govmomi 0.24's simulator ignores the clone spec's config and powerOn (it copies the
  // source's hardware); their encoding is checked by the unit tests on the fake transport.
  CloneSpec spec;
  spec.name = "clone-1";
  auto t = a->cloneVm(src, spec);
  INFO(t.status().toString());
  REQUIRE(t.ok());
  CHECK(t->result.type == "VirtualMachine");
  auto c = vm(*b, "clone-1");
  CHECK(c.ref == t->result);
  CHECK(c.ref != src);
  CHECK(c.folder_path == "/DC0/vm");

  // A name that looks like an id is still found by name.
  CloneSpec idlike;
  idlike.name = "web-01";
  REQUIRE_OK(a->cloneVm(src, idlike));
  auto found = b->getVm(Locator::any("web-01"));
  INFO(found.status().toString());
  REQUIRE(found.ok());
  CHECK(found->name == "web-01");

  CloneSpec tmpl;
  tmpl.name = "golden-template";
  tmpl.as_template = true;
  tmpl.folder = "/DC0/vm";
  REQUIRE_OK(a->cloneVm(src, tmpl));
  CHECK(vm(*b, "golden-template").is_template);

  REQUIRE_OK(a->createSnapshot(src, "for-linked", "", false, false));
  CloneSpec linked;
  linked.name = "linked-1";
  linked.linked_snapshot = "for-linked";
  linked.datastore = "LocalDS_0";
  REQUIRE_OK(a->cloneVm(src, linked));
  CHECK(vm(*b, "linked-1").datastores == std::vector<std::string>{"LocalDS_0"});

  CloneSpec missing_snapshot;
  missing_snapshot.name = "linked-2";
  missing_snapshot.linked_snapshot = "no-such-snapshot";
  auto r = a->cloneVm(src, missing_snapshot);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == ErrorCode::kNotFound);
  CHECK(b->getVm(Locator::name("linked-2")).status().code() == ErrorCode::kNotFound);

  // A network change rides in the clone's config, which the simulator decodes against the
  // vim25 types (so a misnamed device or backing type fails here) but does not apply.
  for (const char* net : {"DC0_DVPG0", "VM Network"}) {
    CloneSpec moved;
    moved.name = std::string("net-") + net;
    moved.network = net;
    auto m = a->cloneVm(src, moved);
    INFO(net << ": " << m.status().toString());
    REQUIRE(m.ok());
    CHECK(m->state == "success");
    // The simulator applies the clone's device changes: the clone's one NIC is on `net`.
    CHECK(vm(*b, moved.name).networks == std::vector<std::string>{net});
  }
  CHECK(vm(*b, "clone-1").networks == std::vector<std::string>{"DC0_DVPG0"});
  CloneSpec bad_net;
  bad_net.name = "net-missing";
  bad_net.network = "no-such-network";
  auto nn = a->cloneVm(src, bad_net);
  REQUIRE_FALSE(nn.ok());
  CHECK(nn.status().code() == ErrorCode::kNotFound);
  CHECK(nn.status().message().find("no-such-network") != std::string::npos);
  CHECK(b->getVm(Locator::name("net-missing")).status().code() == ErrorCode::kNotFound);
}

TEST_CASE("a VM is created from a spec with disk and network") {
  Vcsim sim;
  auto a = sim.connect();
  auto b = sim.connect();
  CreateVmSpec spec;
  spec.name = "new-vm";
  spec.guest_id = "ubuntu64Guest";
  spec.num_cpus = 2;
  spec.memory_mb = 4096;
  spec.disk_gb = 20;
  spec.network = "VM Network";
  spec.datastore = "LocalDS_0";
  spec.annotation = "made by createVm";
  auto t = a->createVm(spec);
  INFO(t.status().toString());
  REQUIRE(t.ok());
  auto v = vm(*b, "new-vm");
  CHECK(v.guest_id == "ubuntu64Guest");
  CHECK(v.num_cpu == 2);
  CHECK(v.memory_mb == 4096);
  CHECK(v.annotation == "made by createVm");
  CHECK(v.datastores == std::vector<std::string>{"LocalDS_0"});

  CreateVmSpec dvs;
  dvs.name = "new-vm-dvs";
  dvs.network = "DC0_DVPG0";
  dvs.host = "DC0_C0_H0";
  REQUIRE_OK(a->createVm(dvs));
  CHECK(vm(*b, "new-vm-dvs").host_name == "DC0_C0_H0");

  CreateVmSpec bad;
  bad.name = "bad";
  bad.network = "no-such-network";
  auto r = a->createVm(bad);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == ErrorCode::kNotFound);
  CHECK(r.status().message().find("no-such-network") != std::string::npos);
}

TEST_CASE("reconfigure changes CPUs, memory, annotation and name") {
  Vcsim sim;
  auto a = sim.connect();
  auto b = sim.connect();
  const MoRef ref = vm(*a, "DC0_H0_VM1").ref;
  ReconfigureSpec spec;
  spec.num_cpus = 4;
  spec.memory_mb = 8192;
  spec.annotation = "owner=<ops> & \"dev\"";
  spec.name = "renamed-vm";
  REQUIRE_OK(a->reconfigureVm(ref, spec));
  auto v = b->getVm(Locator::moref(ref.value));
  REQUIRE(v.ok());
  CHECK(v->num_cpu == 4);
  CHECK(v->memory_mb == 8192);
  CHECK(v->annotation == "owner=<ops> & \"dev\"");
  CHECK(v->name == "renamed-vm");
}

TEST_CASE("a VM becomes a template and back") {
  Vcsim sim;
  auto a = sim.connect();
  auto b = sim.connect();
  const MoRef ref = vm(*a, "DC0_C0_RP0_VM1").ref;
  REQUIRE_OK(a->powerOff(ref));
  REQUIRE_DONE(a->markAsTemplate(ref));
  CHECK(vm(*b, "DC0_C0_RP0_VM1").is_template);
  VmFilter templates;
  templates.is_template = true;
  CHECK(b->listVms(templates)->size() == 1);
  REQUIRE_DONE(a->markAsVirtualMachine(ref, "", ""));
  CHECK_FALSE(vm(*b, "DC0_C0_RP0_VM1").is_template);
}

TEST_CASE("relocate moves a VM to another host") {
  Vcsim sim;
  auto a = sim.connect();
  auto b = sim.connect();
  auto before = vm(*a, "DC0_C0_RP0_VM0");
  std::string target = before.host_name == "DC0_C0_H2" ? "DC0_C0_H1" : "DC0_C0_H2";
  RelocateSpec spec;
  spec.host = target;
  spec.datastore = "LocalDS_0";
  REQUIRE_OK(a->relocateVm(before.ref, spec));
  CHECK(vm(*b, "DC0_C0_RP0_VM0").host_name == target);
}

TEST_CASE("destroy removes the VM") {
  Vcsim sim;
  auto a = sim.connect();
  auto b = sim.connect();
  const MoRef ref = vm(*a, "DC0_H0_VM0").ref;
  REQUIRE_OK(a->powerOff(ref));
  REQUIRE_OK(a->destroyVm(ref));
  auto gone = b->getVm(Locator::moref(ref.value));
  REQUIRE_FALSE(gone.ok());
  CHECK(gone.status().code() == ErrorCode::kNotFound);
  CHECK(b->listVms()->size() == 3);
}

TEST_CASE("a named host enters and exits maintenance mode") {
  Vcsim sim;
  auto a = sim.connect();
  auto b = sim.connect();
  // Not the first host: the operation must act on the one named.
  auto host = a->resolve("HostSystem", Locator::any("DC0_C0_H2"));
  REQUIRE(host.ok());
  REQUIRE_OK(a->enterMaintenanceMode(*host, 0));
  auto hosts = b->listHosts();
  REQUIRE(hosts.ok());
  for (const auto& h : *hosts) CHECK(h.in_maintenance_mode == (h.name == "DC0_C0_H2"));
  REQUIRE_OK(a->exitMaintenanceMode(*host, 0));
  CHECK_FALSE(b->getHost(Locator::any("DC0_C0_H2"))->in_maintenance_mode);
}

TEST_CASE("performance counters resolve by name and return samples") {
  Vcsim sim;
  auto a = sim.connect();
  auto counters = a->perfCounters();
  REQUIRE(counters.ok());
  bool cpu = std::any_of(counters->begin(), counters->end(),
                         [](const PerfCounterInfo& c) { return c.name == "cpu.usage.average"; });
  CHECK(cpu);
  const MoRef host = *a->resolve("HostSystem", Locator::any("DC0_C0_H0"));
  PerfQuery q;
  q.counters = {"cpu.usage.average", "mem.usage.average"};
  q.max_samples = 5;
  auto series = a->queryPerf(host, q);
  INFO(series.status().toString());
  REQUIRE(series.ok());
  REQUIRE_FALSE(series->empty());
  for (const auto& s : *series) {
    CHECK((s.counter == "cpu.usage.average" || s.counter == "mem.usage.average"));
    CHECK_FALSE(s.values.empty());
    CHECK(s.timestamps.size() == s.values.size());
  }
  const MoRef v = vm(*a, "DC0_H0_VM0").ref;
  auto vm_series = a->queryPerf(v, PerfQuery{});
  REQUIRE(vm_series.ok());

  PerfQuery bad;
  bad.counters = {"cpu.bogus.average"};
  auto r = a->queryPerf(host, bad);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == ErrorCode::kInvalidArgument);
  CHECK(r.status().message().find("cpu.usage.average") != std::string::npos);  // a hint
}

TEST_CASE("events and recent tasks show what happened to a VM") {
  Vcsim sim;
  auto a = sim.connect();
  const MoRef ref = vm(*a, "DC0_H0_VM0").ref;
  REQUIRE_OK(a->powerOff(ref));
  auto events = sim.connect()->events(ref, 50);
  REQUIRE(events.ok());
  bool powered_off = std::any_of(events->begin(), events->end(),
                                 [](const EventInfo& e) { return e.type == "VmPoweredOffEvent"; });
  CHECK(powered_off);
  CHECK(std::all_of(events->begin(), events->end(), [](const EventInfo& e) { return !e.message.empty(); }));
  auto tasks = a->recentTasks();
  REQUIRE(tasks.ok());
  bool found = std::any_of(tasks->begin(), tasks->end(), [&](const TaskInfo& t) {
    return t.entity == ref && t.state == "success";
  });
  CHECK(found);
}
