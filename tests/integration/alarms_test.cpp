// Alarms against the simulator, whose harness (tests/vcsim) adds vCenter's AlarmManager and
// triggers alarms at start (-alarm ENTITY:STATUS[:ALARM]): listed with their objects' paths,
// acknowledged and reset through the client and through the registry's operations, each effect
// read back through a second session. Default inventory: see inventory_test.cpp.
#include <algorithm>
#include <catch2/catch.hpp>

#include "ops/registry.hpp"
#include "vcsim.hpp"
#include "vsmcp/json_schema.hpp"

using namespace vsmcp;
using namespace vsmcp::vsphere;
using vsmcp::testing::Vcsim;

namespace {

std::vector<AlarmStateInfo> alarms(Client& c, AlarmQuery q = {}) {
  auto r = c.listAlarms(q);
  INFO(r.status().toString());
  REQUIRE(r.ok());
  return *r;
}

const AlarmStateInfo* on(const std::vector<AlarmStateInfo>& list, const std::string& entity_name) {
  for (const auto& s : list)
    if (s.entity_name == entity_name) return &s;
  return nullptr;
}

std::vector<std::string> entityNames(const std::vector<AlarmStateInfo>& list) {
  std::vector<std::string> out;
  for (const auto& s : list) out.push_back(s.entity_name);
  std::sort(out.begin(), out.end());
  return out;
}

MoRef entity(Client& c, const std::string& locator) {
  auto r = c.resolveEntity(Locator::any(locator));
  INFO(locator << ": " << r.status().toString());
  REQUIRE(r.ok());
  return *r;
}

// Runs a registry operation as the Invoker would, checking its result against its output schema.
Result<Json> run(Client& c, const std::string& name, const Json& args) {
  const ops::Operation* op = ops::findOperation(name);
  INFO(name);
  REQUIRE(op != nullptr);
  REQUIRE(validateJson(op->input_schema, args).ok());
  auto r = op->handler(c, args, {});
  if (r.ok()) {
    Status valid = validateJson(op->output_schema, *r);
    INFO(r->dump() << ": " << valid.toString());
    CHECK(valid.ok());
  }
  return r;
}

Json ok(const Result<Json>& r) {
  INFO(r.status().toString());
  REQUIRE(r.ok());
  return *r;
}

Json args(std::initializer_list<std::pair<const char*, Json>> members) {
  Json j = Json::object();
  for (const auto& [k, v] : members) j.set(k, v);
  return j;
}

std::vector<std::string> ids(const Json& list) {
  std::vector<std::string> out;
  for (const auto& item : list.find("alarms")->items()) out.push_back(item.find("id")->asString());
  return out;
}

}  // namespace

TEST_CASE("alarms armed by the simulator are listed with their object's path and the alarm's name") {
  Vcsim sim({"-alarm", "DC0_C0_RP0_VM0:red,DC0_C0_H1:yellow,LocalDS_0:red:Datastore usage on disk"});
  auto client = sim.connect();
  auto all = alarms(*client);
  REQUIRE(all.size() == 3);
  // Red first; the yellow host last.
  CHECK(all[2].entity_name == "DC0_C0_H1");
  const AlarmStateInfo* vm = on(all, "DC0_C0_RP0_VM0");
  REQUIRE(vm);
  CHECK(vm->entity.type == "VirtualMachine");
  CHECK(vm->entity == client->getVm(Locator::name("DC0_C0_RP0_VM0"))->ref);
  CHECK(vm->entity_path == "/DC0/vm/DC0_C0_RP0_VM0");
  CHECK(vm->alarm_name == "Virtual machine CPU usage");  // the first alarm for VMs
  CHECK(vm->status == "red");
  CHECK(vm->key == vm->alarm.value + "." + vm->entity.value);
  CHECK_FALSE(vm->acknowledged);
  CHECK_FALSE(vm->time.empty());
  const AlarmStateInfo* host = on(all, "DC0_C0_H1");
  REQUIRE(host);
  CHECK(host->entity_path == "/DC0/host/DC0_C0/DC0_C0_H1");
  CHECK(host->status == "yellow");
  CHECK(host->alarm_name == "Host connection and power state");
  const AlarmStateInfo* ds = on(all, "LocalDS_0");
  REQUIRE(ds);
  CHECK(ds->entity_path == "/DC0/datastore/LocalDS_0");
  CHECK(ds->alarm_name == "Datastore usage on disk");

  // A VM's alarm raises its overall status, as vCenter's does.
  CHECK(client->getVm(Locator::name("DC0_C0_RP0_VM0"))->overall_status == "red");
  CHECK(client->getVm(Locator::name("DC0_C0_RP0_VM1"))->overall_status == "green");

  // Scoped: the cluster holds the host and runs the VM; the standalone host has nothing.
  AlarmQuery q;
  q.entity = entity(*client, "DC0_C0");
  CHECK(entityNames(alarms(*client, q)) == std::vector<std::string>{"DC0_C0_H1", "DC0_C0_RP0_VM0"});
  q.entity = entity(*client, "DC0_C0_RP0_VM0");
  CHECK(entityNames(alarms(*client, q)) == std::vector<std::string>{"DC0_C0_RP0_VM0"});
  q.entity = entity(*client, "/DC0/datastore");
  CHECK(entityNames(alarms(*client, q)) == std::vector<std::string>{"LocalDS_0"});
  q.entity = entity(*client, "DC0_H0");
  CHECK(alarms(*client, q).empty());
  q.entity = entity(*client, "/");
  CHECK(alarms(*client, q).size() == 3);

  // Declared: every alarm that applies, the others green.
  AlarmQuery declared;
  declared.declared = true;
  auto every = alarms(*client, declared);
  CHECK(every.size() > 10);
  size_t triggered = 0;
  for (const auto& s : every) {
    INFO(s.key << " " << s.status);
    CHECK((s.status == "green" || s.triggered()));
    triggered += s.triggered();
    CHECK_FALSE(s.entity_path.empty());
  }
  CHECK(triggered == 3);
  CHECK(on(every, "DC0_C0_RP0_VM1"));  // VMs without an alarm have green states
}

TEST_CASE("acknowledge and reset change an alarm, as another session reads it") {
  Vcsim sim({"-alarm", "DC0_C0_RP0_VM0:red,DC0_C0_RP0_VM0:yellow:Virtual machine memory usage"});
  auto client = sim.connect();
  auto other = sim.connect();
  const MoRef vm = entity(*client, "DC0_C0_RP0_VM0");
  REQUIRE(alarms(*other).size() == 2);

  auto acked = client->acknowledgeAlarm("Virtual machine CPU usage", vm);
  INFO(acked.status().toString());
  REQUIRE(acked.ok());
  CHECK(acked->acknowledged);
  CHECK(acked->acknowledged_by == "user");
  CHECK_FALSE(acked->acknowledged_time.empty());
  for (const auto& s : alarms(*other)) {
    INFO(s.key);
    CHECK(s.acknowledged == (s.alarm_name == "Virtual machine CPU usage"));
    if (s.acknowledged) CHECK(s.acknowledged_by == "user");
  }

  // Reset by key: it leaves the triggered alarms, the other stays.
  auto listed = alarms(*other);
  const AlarmStateInfo* cpu = nullptr;
  for (const auto& s : listed)
    if (s.alarm_name == "Virtual machine CPU usage") cpu = &s;
  REQUIRE(cpu);
  auto reset = client->resetAlarm(cpu->key);
  INFO(reset.status().toString());
  REQUIRE(reset.ok());
  CHECK(reset->status == "red");  // what it was
  auto left = alarms(*other);
  REQUIRE(left.size() == 1);
  CHECK(left[0].alarm_name == "Virtual machine memory usage");
  CHECK(other->getVm(Locator::name("DC0_C0_RP0_VM0"))->overall_status == "yellow");
  // The reset alarm is green among the declared states.
  AlarmQuery declared;
  declared.declared = true;
  declared.entity = vm;
  bool green = false;
  for (const auto& s : alarms(*other, declared)) green = green || (s.key == cpu->key && s.status == "green");
  CHECK(green);

  // Once reset it is not triggered: a second reset or an acknowledgement is NotFound, saying why.
  auto again = client->resetAlarm(cpu->key);
  REQUIRE_FALSE(again.ok());
  CHECK(again.status().code() == ErrorCode::kNotFound);
  auto named = client->acknowledgeAlarm("Virtual machine CPU usage", vm);
  REQUIRE_FALSE(named.ok());
  CHECK(named.status().code() == ErrorCode::kNotFound);
  CHECK(named.status().message().find("no alarm 'Virtual machine CPU usage' is triggered on VirtualMachine " +
                                      vm.value + " (/DC0/vm/DC0_C0_RP0_VM0)") != std::string::npos);
  CHECK(named.status().message().find("'Virtual machine memory usage' (yellow)") != std::string::npos);
  auto unknown = client->acknowledgeAlarm("No such alarm", vm);
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.status().message().find("vCenter defines no alarm named or with id 'No such alarm'") !=
        std::string::npos);

  // The last one by name alone (triggered on one object only); then nothing is left.
  REQUIRE(client->resetAlarm("Virtual machine memory usage").ok());
  CHECK(alarms(*other).empty());
  CHECK(other->getVm(Locator::name("DC0_C0_RP0_VM0"))->overall_status == "green");
}

TEST_CASE("a removed VM's alarms leave the triggered alarms") {
  Vcsim sim({"-alarm", "DC0_H0_VM1:red,DC0_H0_VM0:yellow"});
  auto client = sim.connect();
  REQUIRE(alarms(*client).size() == 2);
  const MoRef vm = entity(*client, "DC0_H0_VM1");
  REQUIRE(client->powerOff(vm).ok());
  REQUIRE(client->destroyVm(vm).ok());
  // The harness clears the ancestors' states after the removal, on its own goroutine: poll.
  std::vector<AlarmStateInfo> left;
  for (int i = 0; i < 100; ++i) {
    left = alarms(*client);
    if (left.size() == 1) break;
  }
  REQUIRE(left.size() == 1);
  CHECK(left[0].entity_name == "DC0_H0_VM0");
}

TEST_CASE("registry alarm operations list with filters and pages, acknowledge and reset") {
  Vcsim sim({"-alarm", "DC0_C0_RP0_VM0:red,DC0_C0_H1:yellow,DC0_C0_H2:red:Host CPU usage"});
  auto client = sim.connect();
  auto other = sim.connect();

  Json all = ok(run(*client, "alarm_list", Json::object()));
  CHECK(all.find("total")->asInt() == 3);
  const std::string host_key = ok(run(*client, "alarm_list", args({{"status", "yellow"}})))
                                   .find("alarms")->items().at(0).find("id")->asString();
  CHECK(host_key.find(entity(*client, "DC0_C0_H1").value) != std::string::npos);
  CHECK(ok(run(*client, "alarm_list", args({{"status", "red"}}))).find("total")->asInt() == 2);
  Json page = ok(run(*client, "alarm_list", args({{"limit", 2}})));
  CHECK(page.find("count")->asInt() == 2);
  CHECK(page.find("next_offset")->asInt() == 2);
  Json rest = ok(run(*client, "alarm_list", args({{"limit", 2}, {"offset", 2}})));
  CHECK(rest.find("count")->asInt() == 1);
  CHECK_FALSE(rest.find("next_offset"));
  Json scoped = ok(run(*client, "alarm_list", args({{"entity", "DC0_C0_H2"}})));
  REQUIRE(scoped.find("total")->asInt() == 1);
  CHECK(scoped.find("alarms")->items().at(0).find("alarm_name")->asString() == "Host CPU usage");
  CHECK(scoped.find("alarms")->items().at(0).find("entity_path")->asString() == "/DC0/host/DC0_C0/DC0_C0_H2");

  Json acked = ok(run(*client, "alarm_acknowledge", args({{"alarm", host_key}})));
  CHECK(acked.find("alarm")->find("acknowledged")->asBool());
  CHECK(acked.find("alarm")->find("acknowledged_by")->asString() == "user");
  const ops::Operation* list = ops::findOperation("alarm_list");
  CHECK(ids(ok(list->handler(*other, args({{"acknowledged", true}}), {}))) == std::vector<std::string>{host_key});
  CHECK(ok(list->handler(*other, args({{"acknowledged", false}}), {})).find("total")->asInt() == 2);

  Json reset = ok(run(*client, "alarm_reset", args({{"alarm", "Host CPU usage"}, {"entity", "DC0_C0_H2"}})));
  CHECK(reset.find("status")->asString() == "green");
  CHECK(reset.find("alarm")->find("status")->asString() == "red");
  Json after = ok(list->handler(*other, Json::object(), {}));
  CHECK(after.find("total")->asInt() == 2);
  for (const auto& a : after.find("alarms")->items()) CHECK(a.find("entity_name")->asString() != "DC0_C0_H2");
  // Not triggered any more: green among the declared states.
  Json green = ok(run(*client, "alarm_list", args({{"status", "green"}, {"entity", "DC0_C0_H2"}})));
  bool found = false;
  for (const auto& a : green.find("alarms")->items())
    found = found || a.find("alarm_name")->asString() == "Host CPU usage";
  CHECK(found);

  // Bad input gets a clear error.
  auto nobody = run(*client, "alarm_list", args({{"entity", "no-such-thing"}}));
  REQUIRE_FALSE(nobody.ok());
  CHECK(nobody.status().code() == ErrorCode::kNotFound);
  CHECK(nobody.status().message().find("no-such-thing") != std::string::npos);
  auto gone = run(*client, "alarm_reset", args({{"alarm", "Host CPU usage"}, {"entity", "DC0_C0_H2"}}));
  REQUIRE_FALSE(gone.ok());
  CHECK(gone.status().code() == ErrorCode::kNotFound);
  CHECK(gone.status().message().find("alarm_list") != std::string::npos);
}

TEST_CASE("an alarm's object is found by name, path, id or Type:id, and a shared name is refused") {
  Vcsim sim({"-dc", "2"});
  auto client = sim.connect();
  auto shared = client->resolveEntity(Locator::any("vm"));  // each datacenter's VM folder
  REQUIRE_FALSE(shared.ok());
  CHECK(shared.status().code() == ErrorCode::kInvalidArgument);
  CHECK(shared.status().message().find("2 inventory objects are named 'vm' (Folder:") != std::string::npos);
  const MoRef dc1 = entity(*client, "DC1");
  CHECK(dc1.type == "Datacenter");
  CHECK(entity(*client, "Datacenter:" + dc1.value) == dc1);
  CHECK(entity(*client, dc1.value) == dc1);
  CHECK(entity(*client, "/DC1/vm").type == "Folder");
  const MoRef vm = client->getVm(Locator::name("DC1_H0_VM0"))->ref;
  CHECK(entity(*client, "DC1_H0_VM0") == vm);
  CHECK(entity(*client, vm.value) == vm);
  CHECK(entity(*client, "/DC1/vm/DC1_H0_VM0") == vm);
  const MoRef root = entity(*client, "/");
  CHECK(root.type == "Folder");
  CHECK(entity(*client, root.value) == root);
  auto typed = client->resolveEntity(Locator::any("HostSystem:host-999999"));
  REQUIRE_FALSE(typed.ok());
  CHECK(typed.status().code() == ErrorCode::kNotFound);
  auto nothing = client->resolveEntity(Locator::any("/DC7"));
  REQUIRE_FALSE(nothing.ok());
  CHECK(nothing.status().code() == ErrorCode::kNotFound);
  CHECK(client->resolveEntity(Locator::any("")).status().code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("on a standalone ESXi host alarms are Unsupported, saying why") {
  Vcsim sim({"-esx"});
  auto client = sim.connect();
  auto list = client->listAlarms();
  REQUIRE_FALSE(list.ok());
  CHECK(list.status().code() == ErrorCode::kUnsupported);
  CHECK(list.status().message().find("standalone ESXi host") != std::string::npos);
  auto ack = client->acknowledgeAlarm("alarm-1.vm-1");
  CHECK(ack.status().code() == ErrorCode::kUnsupported);
}
