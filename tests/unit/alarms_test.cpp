// Alarms over a scripted transport: alarm states decoded from vCenter's shapes (golden fixtures
// written from the vim25 WSDL: AlarmState, GetAlarm, the AcknowledgeAlarm and SetAlarmStatus
// replies), the scope of a listing, and the exact requests that acknowledge and reset.
#include <catch2/catch.hpp>

#include "fake_http_transport.hpp"
#include "vsphere/client.hpp"

using namespace vsmcp;
using namespace vsmcp::vsphere;
using vsmcp::testing::FakeHttpTransport;
using vsmcp::testing::makeLoggedInFake;

namespace {

struct Fixture {
  FakeHttpTransport* fake = nullptr;
  std::unique_ptr<Client> client;

  Fixture() {
    auto f = makeLoggedInFake();
    fake = f.get();
    ConnectionOptions o;
    o.url = "https://vc.test/sdk";
    o.username = "administrator@vsphere.local";
    o.password = "S3cret!pw";
    auto c = Client::connect(o, std::move(f));
    REQUIRE(c.ok());
    client = std::move(c).value();
    fake->reply("CreateContainerView", 200,
                "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Body>"
                "<CreateContainerViewResponse xmlns=\"urn:vim25\"><returnval type=\"ContainerView\">v-1</returnval>"
                "</CreateContainerViewResponse></soapenv:Body></soapenv:Envelope>");
    fake->replyFixture("DestroyView", "logout_ok.xml");
    // The inventory index, the names of entities outside it and of the alarms.
    fake->replyFixtureWhen("RetrievePropertiesEx", "ContainerView", "alarm_inventory_index.xml");
    fake->replyFixtureWhen("RetrievePropertiesEx", "<pathSet>parentVApp</pathSet>", "alarm_details.xml");
  }

  std::vector<std::string> bodies(const std::string& method) const {
    std::vector<std::string> out;
    for (const auto& r : fake->requestsFor(method)) out.push_back(r.request.body);
    return out;
  }
};

const AlarmStateInfo* byKey(const std::vector<AlarmStateInfo>& states, const std::string& key) {
  for (const auto& s : states)
    if (s.key == key) return &s;
  return nullptr;
}

std::vector<std::string> keys(const std::vector<AlarmStateInfo>& states) {
  std::vector<std::string> out;
  for (const auto& s : states) out.push_back(s.key);
  return out;
}

// True when the needles appear in this order in the haystack.
bool inOrder(const std::string& hay, std::initializer_list<const char*> needles) {
  size_t pos = 0;
  for (const char* n : needles) {
    pos = hay.find(n, pos);
    if (pos == std::string::npos) return false;
    pos += std::string(n).size();
  }
  return true;
}

}  // namespace

TEST_CASE("triggered alarms decode from the root folder's states with names and paths, red and newest first") {
  Fixture f;
  f.fake->replyFixtureWhen("RetrievePropertiesEx", "<pathSet>triggeredAlarmState</pathSet>",
                           "alarm_root_triggered.xml");
  auto alarms = f.client->listAlarms();
  REQUIRE(alarms.ok());
  // Red before yellow; of the two red ones the newer (09:14:03.6 after 09:14:03.512) first.
  CHECK(keys(*alarms) ==
        std::vector<std::string>{"alarm-12.datastore-11", "alarm-7.vm-63", "alarm-3.host-42"});

  const AlarmStateInfo* vm = byKey(*alarms, "alarm-7.vm-63");
  REQUIRE(vm);
  CHECK(vm->entity == MoRef{"VirtualMachine", "vm-63"});
  CHECK(vm->entity_name == "web-01");
  CHECK(vm->entity_path == "/DC0/vm/prod/web-01");
  CHECK(vm->alarm == MoRef{"Alarm", "alarm-7"});
  CHECK(vm->alarm_name == "Virtual machine CPU usage");
  CHECK(vm->status == "red");
  CHECK(vm->triggered());
  CHECK(vm->time == "2024-03-11T09:14:03.512Z");
  CHECK(vm->acknowledged);
  CHECK(vm->acknowledged_by == "VSPHERE.LOCAL\\Administrator");
  CHECK(vm->acknowledged_time == "2024-03-11T09:20:41.09Z");

  const AlarmStateInfo* host = byKey(*alarms, "alarm-3.host-42");
  REQUIRE(host);
  CHECK(host->entity_name == "esx-01.lab");
  CHECK(host->entity_path == "/DC0/host/C0/esx-01.lab");
  CHECK(host->alarm_name == "Host connection and power state");
  CHECK(host->status == "yellow");
  CHECK_FALSE(host->acknowledged);
  CHECK(host->acknowledged_by.empty());

  const AlarmStateInfo* ds = byKey(*alarms, "alarm-12.datastore-11");
  REQUIRE(ds);
  CHECK(ds->entity_path == "/DC0/datastore/ssd-01");
  CHECK(ds->alarm_name == "Datastore usage on disk");

  // One read of the root folder's states, then the index, then one read of the VM (outside the
  // index) and the three alarms' names: 5 round trips whatever the inventory's size.
  auto reads = f.bodies("RetrievePropertiesEx");
  REQUIRE(reads.size() == 3);
  CHECK(inOrder(reads[0], {"<type>Folder</type>", "<pathSet>triggeredAlarmState</pathSet>",
                           "<obj type=\"Folder\">group-d1</obj>"}));
  CHECK(inOrder(reads[2], {"<pathSet>runtime.host</pathSet>", "<type>Alarm</type>", "<pathSet>info.name</pathSet>",
                           "<obj type=\"VirtualMachine\">vm-63</obj>"}));
  for (const char* alarm : {">alarm-3<", ">alarm-7<", ">alarm-12<"}) CHECK(reads[2].find(alarm) != std::string::npos);
  CHECK(reads[2].find(">host-42<") == std::string::npos);  // the index names it
  CHECK(f.fake->count("CreateContainerView") == 1);
  CHECK(f.fake->count("DestroyView") == 1);
}

TEST_CASE("with nothing triggered a listing is one round trip") {
  Fixture f;
  // vCenter leaves an empty array property out of the object's propSet.
  f.fake->replyFixtureWhen("RetrievePropertiesEx", "<pathSet>triggeredAlarmState</pathSet>", "alarm_root_none.xml");
  auto alarms = f.client->listAlarms();
  REQUIRE(alarms.ok());
  CHECK(alarms->empty());
  CHECK(f.fake->count("RetrievePropertiesEx") == 1);
  CHECK(f.fake->count("CreateContainerView") == 0);
}

TEST_CASE("an alarm listing scoped to an object keeps what is on it and below it, a VM under its host and pool") {
  Fixture f;
  f.fake->replyFixtureWhen("RetrievePropertiesEx", "<pathSet>triggeredAlarmState</pathSet>",
                           "alarm_root_triggered.xml");
  auto scoped = [&](MoRef scope) {
    AlarmQuery q;
    q.entity = std::move(scope);
    auto r = f.client->listAlarms(q);
    REQUIRE(r.ok());
    auto k = keys(*r);
    std::sort(k.begin(), k.end());
    return k;
  };
  using V = std::vector<std::string>;
  CHECK(scoped({"ClusterComputeResource", "domain-c7"}) == V{"alarm-3.host-42", "alarm-7.vm-63"});
  CHECK(scoped({"HostSystem", "host-42"}) == V{"alarm-3.host-42", "alarm-7.vm-63"});
  CHECK(scoped({"ResourcePool", "resgroup-8"}) == V{"alarm-7.vm-63"});
  CHECK(scoped({"Folder", "group-v20"}) == V{"alarm-7.vm-63"});
  CHECK(scoped({"Folder", "group-s5"}) == V{"alarm-12.datastore-11"});
  CHECK(scoped({"VirtualMachine", "vm-63"}) == V{"alarm-7.vm-63"});
  CHECK(scoped({"Datacenter", "datacenter-2"}) == V{"alarm-12.datastore-11", "alarm-3.host-42", "alarm-7.vm-63"});
  CHECK(scoped({"Folder", "group-d1"}) == V{"alarm-12.datastore-11", "alarm-3.host-42", "alarm-7.vm-63"});
  CHECK(scoped({"Folder", "group-h4"}) == V{"alarm-3.host-42", "alarm-7.vm-63"});
}

TEST_CASE("acknowledging an alarm by name on its entity sends AcknowledgeAlarm and reads back who and when") {
  Fixture f;
  f.fake->replyFixtureWhen("RetrievePropertiesEx", ">vm-63</obj><skip>false</skip></objectSet></specSet>",
                           "alarm_vm_triggered.xml");
  f.fake->replyFixtureWhen("RetrievePropertiesEx", ">vm-63</obj><skip>false</skip></objectSet></specSet>",
                           "alarm_vm_acknowledged.xml");
  f.fake->replyFixture("AcknowledgeAlarm", "acknowledge_alarm_ok.xml");
  auto acked = f.client->acknowledgeAlarm("Virtual machine CPU usage", {"VirtualMachine", "vm-63"});
  REQUIRE(acked.ok());
  CHECK(acked->key == "alarm-7.vm-63");
  CHECK(acked->entity_path == "/DC0/vm/prod/web-01");
  CHECK(acked->status == "red");
  CHECK(acked->acknowledged);
  CHECK(acked->acknowledged_by == "VSPHERE.LOCAL\\Administrator");
  CHECK(acked->acknowledged_time == "2024-03-11T09:20:41.09Z");
  auto ack = f.bodies("AcknowledgeAlarm");
  REQUIRE(ack.size() == 1);
  // The AlarmManager from ServiceContent, then alarm and entity in the WSDL's order.
  CHECK(inOrder(ack[0], {"<_this type=\"AlarmManager\">AlarmManager</_this>", "<alarm type=\"Alarm\">alarm-7</alarm>",
                         "<entity type=\"VirtualMachine\">vm-63</entity>"}));
  CHECK(f.fake->count("SetAlarmStatus") == 0);
}

TEST_CASE("resetting an alarm by its key sends SetAlarmStatus green and returns the state it had") {
  Fixture f;
  f.fake->replyFixtureWhen("RetrievePropertiesEx", "<pathSet>triggeredAlarmState</pathSet>",
                           "alarm_root_triggered.xml");
  f.fake->replyFixture("SetAlarmStatus", "set_alarm_status_ok.xml");
  auto reset = f.client->resetAlarm("alarm-12.datastore-11");
  REQUIRE(reset.ok());
  CHECK(reset->status == "red");
  CHECK(reset->entity == MoRef{"Datastore", "datastore-11"});
  CHECK(reset->alarm_name == "Datastore usage on disk");
  auto sent = f.bodies("SetAlarmStatus");
  REQUIRE(sent.size() == 1);
  CHECK(inOrder(sent[0], {"<_this type=\"AlarmManager\">AlarmManager</_this>", "<alarm type=\"Alarm\">alarm-12</alarm>",
                          "<entity type=\"Datastore\">datastore-11</entity>", "<status>green</status>"}));
  CHECK(f.fake->count("AcknowledgeAlarm") == 0);
}

TEST_CASE("an alarm that is not triggered is NotFound naming what is, and an unknown one says so") {
  Fixture f;
  f.fake->replyFixtureWhen("RetrievePropertiesEx", ">vm-63</obj><skip>false</skip></objectSet></specSet>",
                           "alarm_vm_triggered.xml");
  f.fake->replyFixtureWhen("RetrievePropertiesEx", "<obj type=\"Alarm\">alarm-3</obj>", "alarm_names.xml");
  f.fake->replyFixture("GetAlarm", "get_alarm.xml");
  const MoRef vm{"VirtualMachine", "vm-63"};

  auto defined = f.client->acknowledgeAlarm("Virtual machine memory usage", vm);
  REQUIRE_FALSE(defined.ok());
  CHECK(defined.status().code() == ErrorCode::kNotFound);
  CHECK(defined.status().message().find("no alarm 'Virtual machine memory usage' is triggered on VirtualMachine "
                                        "vm-63 (/DC0/vm/prod/web-01)") != std::string::npos);
  CHECK(defined.status().message().find("'Virtual machine CPU usage' (red)") != std::string::npos);
  CHECK(defined.status().message().find("key alarm-7.vm-63") != std::string::npos);

  auto unknown = f.client->resetAlarm("Disk on fire", vm);
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.status().code() == ErrorCode::kNotFound);
  CHECK(unknown.status().message().find("vCenter defines no alarm named or with id 'Disk on fire'") !=
        std::string::npos);
  // Nothing was acknowledged or reset.
  CHECK(f.fake->count("AcknowledgeAlarm") == 0);
  CHECK(f.fake->count("SetAlarmStatus") == 0);
  CHECK(f.fake->count("GetAlarm") == 2);
}

TEST_CASE("an alarm name triggered on several objects needs the key or the entity") {
  Fixture f;
  f.fake->replyFixtureWhen("RetrievePropertiesEx", "<pathSet>triggeredAlarmState</pathSet>",
                           "alarm_root_triggered.xml");
  // Unique in the inventory: found without an entity.
  auto one = f.client->findTriggeredAlarm("Host connection and power state");
  REQUIRE(one.ok());
  CHECK(one->key == "alarm-3.host-42");
  CHECK(one->entity_path == "/DC0/host/C0/esx-01.lab");
  auto by_id = f.client->findTriggeredAlarm("alarm-12");
  REQUIRE(by_id.ok());
  CHECK(by_id->entity == MoRef{"Datastore", "datastore-11"});
  CHECK(f.client->findTriggeredAlarm("").status().code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("a vCenter without SetAlarmStatus makes a reset Unsupported, saying where to reset it") {
  Fixture f;
  f.fake->replyFixtureWhen("RetrievePropertiesEx", "<pathSet>triggeredAlarmState</pathSet>",
                           "alarm_root_triggered.xml");
  f.fake->replyFixture("SetAlarmStatus", "fault_method_not_found_set_alarm_status.xml", 500);
  auto reset = f.client->resetAlarm("alarm-7.vm-63");
  REQUIRE_FALSE(reset.ok());
  CHECK(reset.status().code() == ErrorCode::kUnsupported);
  CHECK(reset.status().message().find(
            "resetting alarm 'Virtual machine CPU usage' (red) on VirtualMachine vm-63") == 0);
  CHECK(reset.status().message().find("does not offer AlarmManager.SetAlarmStatus") != std::string::npos);
}
