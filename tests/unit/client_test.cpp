// Client behaviour over a scripted transport: session, paging, tasks and the exact requests
// every operation sends.
#include <catch2/catch.hpp>

#include <mutex>

#include "fake_http_transport.hpp"
#include "vsphere/client.hpp"

using namespace vsmcp;
using namespace vsmcp::vsphere;
using vsmcp::testing::FakeHttpTransport;
using vsmcp::testing::fixture;
using vsmcp::testing::makeLoggedInFake;

namespace {

ConnectionOptions opts() {
  ConnectionOptions o;
  o.url = "https://vc.test/sdk";
  o.username = "administrator@vsphere.local";
  o.password = "S3cret!pw";
  return o;
}

// Connects over a fake; returns the client and keeps a pointer to the fake.
std::unique_ptr<Client> connectFake(std::unique_ptr<FakeHttpTransport> fake, FakeHttpTransport*& raw) {
  raw = fake.get();
  auto c = Client::connect(opts(), std::move(fake));
  REQUIRE(c.ok());
  return std::move(c).value();
}

const MoRef kVm{"VirtualMachine", "vm-63"};

std::string body(const FakeHttpTransport& f, const std::string& method, size_t i = 0) {
  auto reqs = f.requestsFor(method);
  REQUIRE(reqs.size() > i);
  return reqs[i].request.body;
}

// Every CreateContainerView gets view "v-1", and DestroyView succeeds.
void scriptContainerViews(FakeHttpTransport& f) {
  f.reply("CreateContainerView", 200,
          "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Body>"
          "<CreateContainerViewResponse xmlns=\"urn:vim25\"><returnval type=\"ContainerView\">v-1</returnval>"
          "</CreateContainerViewResponse></soapenv:Body></soapenv:Envelope>");
  f.replyFixture("DestroyView", "logout_ok.xml");
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

TEST_CASE("connect reads the service content, logs in and sends the session cookie") {
  FakeHttpTransport* f = nullptr;
  auto client = connectFake(makeLoggedInFake(), f);
  CHECK(client->about().isVCenter());
  CHECK(client->about().api_version == "6.5");
  auto login = f->requestsFor("Login");
  REQUIRE(login.size() == 1);
  CHECK(login[0].request.body.find("<userName>administrator@vsphere.local</userName>") != std::string::npos);
  CHECK(login[0].header("SOAPAction") == "\"urn:vim25/6.5\"");
  f->reply("CurrentTime", 200, fixture("logout_ok.xml"));
  REQUIRE(client->ping().ok());
  CHECK(f->requestsFor("CurrentTime")[0].header("Cookie") == "vmware_soap_session=\"cookie-1\"");
}

TEST_CASE("a failed login is Unauthenticated and never shows the password") {
  auto fake = std::make_unique<FakeHttpTransport>();
  fake->replyFixture("RetrieveServiceContent", "service_content_vpx.xml");
  fake->replyFixture("Login", "fault_invalid_login.xml", 500);
  auto c = Client::connect(opts(), std::move(fake));
  REQUIRE_FALSE(c.ok());
  CHECK(c.status().code() == ErrorCode::kUnauthenticated);
  CHECK(c.status().message().find("administrator@vsphere.local") != std::string::npos);
  CHECK(c.status().toString().find("S3cret") == std::string::npos);
}

TEST_CASE("an expired session is renewed once and the call retried") {
  FakeHttpTransport* f = nullptr;
  auto client = connectFake(makeLoggedInFake(), f);
  f->replyFixture("RetrievePropertiesEx", "fault_not_authenticated.xml", 500);
  f->replyFixture("RetrievePropertiesEx", "task_info_success.xml");
  auto info = client->taskInfo(MoRef{"Task", "task-68"});
  REQUIRE(info.ok());
  CHECK(info->state == "success");
  CHECK(f->count("Login") == 2);
  CHECK(f->count("RetrievePropertiesEx") == 2);
}

TEST_CASE("a session that stays unauthenticated fails after one re-login") {
  FakeHttpTransport* f = nullptr;
  auto client = connectFake(makeLoggedInFake(), f);
  f->replyFixture("RetrievePropertiesEx", "fault_not_authenticated.xml", 500);
  auto info = client->taskInfo(MoRef{"Task", "task-68"});
  REQUIRE_FALSE(info.ok());
  CHECK(info.status().code() == ErrorCode::kUnauthenticated);
  CHECK(f->count("Login") == 2);
  CHECK(f->count("RetrievePropertiesEx") == 2);
}

TEST_CASE("listing pages through ContinueRetrievePropertiesEx until the token ends") {
  FakeHttpTransport* f = nullptr;
  auto client = connectFake(makeLoggedInFake(), f);
  const std::string view =
      "<?xml version=\"1.0\"?><soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\">"
      "<soapenv:Body><CreateContainerViewResponse xmlns=\"urn:vim25\"><returnval type=\"ContainerView\">"
      "session[1]view-1</returnval></CreateContainerViewResponse></soapenv:Body></soapenv:Envelope>";
  f->reply("CreateContainerView", 200, view);
  f->replyFixture("DestroyView", "logout_ok.xml");
  // The inventory index (read concurrently) gets an empty result; the VMs come in two pages.
  f->replyFixtureWhen("RetrievePropertiesEx", "<type>Folder</type>", "empty_retrieve.xml");
  f->replyFixtureWhen("RetrievePropertiesEx", "<type>VirtualMachine</type>", "vm_brief_page1_token.xml");
  f->replyFixture("ContinueRetrievePropertiesEx", "vm_brief_page2_continue.xml");
  auto vms = client->listVms({}, VmDetail::kBrief);
  REQUIRE(vms.ok());
  REQUIRE(vms->size() == 2);
  CHECK((*vms)[0].name == "DC0_C0_RP0_VM0");
  CHECK((*vms)[0].power_state == PowerState::kPoweredOn);
  CHECK((*vms)[0].num_cpu == 1);
  CHECK((*vms)[0].memory_mb == 32);
  CHECK((*vms)[0].host == MoRef{"HostSystem", "host-42"});
  CHECK((*vms)[1].name == "DC0_C0_RP0_VM1");
  REQUIRE(f->count("ContinueRetrievePropertiesEx") == 1);
  CHECK(body(*f, "ContinueRetrievePropertiesEx").find("<token>page-2-token</token>") != std::string::npos);
  // The VM retrieval asked for pages and went through the container view.
  std::string vm_req;
  for (const auto& r : f->requestsFor("RetrievePropertiesEx"))
    if (r.request.body.find("<type>VirtualMachine</type>") != std::string::npos) vm_req = r.request.body;
  CHECK(inOrder(vm_req, {"<propSet><type>VirtualMachine</type><all>false</all><pathSet>name</pathSet>",
                         "<objectSet><obj type=\"ContainerView\">session[1]view-1</obj><skip>true</skip>",
                         "<selectSet xsi:type=\"TraversalSpec\">", "<path>view</path>",
                         "<options><maxObjects>1000</maxObjects></options>"}));
  CHECK(f->count("DestroyView") == 2);
}

TEST_CASE("waiting for a task reports progress and ends at 100") {
  FakeHttpTransport* f = nullptr;
  auto client = connectFake(makeLoggedInFake(), f);
  f->replyFixture("PowerOnVM_Task", "task_started.xml");
  f->replyFixture("RetrievePropertiesEx", "task_info_running_30.xml");
  f->replyFixture("RetrievePropertiesEx", "task_info_running_60.xml");
  f->replyFixture("RetrievePropertiesEx", "task_info_success.xml");
  std::vector<int> seen;
  TaskOptions o;
  o.poll_interval = std::chrono::milliseconds(1);
  o.on_progress = [&](int p, const TaskInfo&) { seen.push_back(p); };
  auto r = client->powerOn(kVm, o);
  REQUIRE(r.ok());
  CHECK(r->state == "success");
  CHECK(seen == std::vector<int>{30, 60, 100});
  CHECK(inOrder(body(*f, "PowerOnVM_Task"), {"<PowerOnVM_Task xmlns=\"urn:vim25\">",
                                             "<_this type=\"VirtualMachine\">vm-63</_this>"}));
}

TEST_CASE("a failed task becomes a typed error with a readable message") {
  FakeHttpTransport* f = nullptr;
  auto client = connectFake(makeLoggedInFake(), f);
  f->replyFixture("PowerOffVM_Task", "task_started.xml");
  f->replyFixture("RetrievePropertiesEx", "task_info_error_power_state.xml");
  auto r = client->powerOff(kVm);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == ErrorCode::kInvalidState);
  CHECK(r.status().details().fault == "InvalidPowerState");
  CHECK(r.status().details().object == "vm-63");
  CHECK(r.status().message().find("the VM is poweredOff") != std::string::npos);
  CHECK(r.status().message().find("*types") == std::string::npos);
}

TEST_CASE("cancelling a running task sends CancelTask and reports Cancelled") {
  FakeHttpTransport* f = nullptr;
  auto client = connectFake(makeLoggedInFake(), f);
  f->replyFixture("CloneVM_Task", "task_started.xml");
  f->replyFixture("RetrievePropertiesEx", "vm_full.xml");  // the source's placement
  f->replyFixture("RetrievePropertiesEx", "vm_full.xml");  // the folder exists
  f->replyFixture("RetrievePropertiesEx", "task_info_running_30.xml");
  f->replyFixture("RetrievePropertiesEx", "task_info_cancelled.xml");
  f->replyFixture("CancelTask", "cancel_task_ok.xml");
  CancelToken token;
  token.cancel();
  TaskOptions o;
  o.cancel = &token;
  o.poll_interval = std::chrono::milliseconds(1);
  CloneSpec spec;
  spec.name = "copy";
  spec.folder = "group-v3";
  // The folder locator is a moref: resolve() confirms it exists with a name read.
  auto r = client->cloneVm(kVm, spec, o);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == ErrorCode::kCancelled);
  REQUIRE(f->count("CancelTask") == 1);
  CHECK(body(*f, "CancelTask").find("<_this type=\"Task\">task-68</_this>") != std::string::npos);
}

TEST_CASE("a task wait with a timeout gives up with the task id and leaves it running") {
  FakeHttpTransport* f = nullptr;
  auto client = connectFake(makeLoggedInFake(), f);
  f->replyFixture("RetrievePropertiesEx", "task_info_running_30.xml");
  TaskOptions o;
  o.poll_interval = std::chrono::milliseconds(1);
  o.timeout = std::chrono::milliseconds(20);
  auto r = client->waitForTask(MoRef{"Task", "task-68"}, o);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == ErrorCode::kTimeout);
  CHECK(r.status().message().find("task-68") != std::string::npos);
}

TEST_CASE("power, snapshot and template requests carry the right target and arguments") {
  FakeHttpTransport* f = nullptr;
  auto client = connectFake(makeLoggedInFake(), f);
  TaskOptions nowait;
  nowait.wait = false;
  for (const char* m : {"PowerOffVM_Task", "ResetVM_Task", "SuspendVM_Task", "CreateSnapshot_Task",
                        "RemoveAllSnapshots_Task", "RevertToCurrentSnapshot_Task", "Destroy_Task",
                        "ReconfigVM_Task", "EnterMaintenanceMode_Task", "ExitMaintenanceMode_Task"})
    f->replyFixture(m, "task_started.xml");
  f->replyFixture("ShutdownGuest", "logout_ok.xml");
  f->replyFixture("RebootGuest", "logout_ok.xml");
  f->replyFixture("MarkAsTemplate", "logout_ok.xml");

  REQUIRE(client->powerOff(kVm, nowait).ok());
  REQUIRE(client->reset(kVm, nowait).ok());
  REQUIRE(client->suspend(kVm, nowait).ok());
  REQUIRE(client->shutdownGuest(kVm).ok());
  REQUIRE(client->rebootGuest(kVm).ok());
  auto snap = client->createSnapshot(kVm, "before <upgrade>", "note & more", true, false, nowait);
  REQUIRE(snap.ok());
  CHECK(snap->state == "queued");
  CHECK(snap->ref == MoRef{"Task", "task-68"});
  CHECK(inOrder(body(*f, "CreateSnapshot_Task"),
                {"<_this type=\"VirtualMachine\">vm-63</_this>", "<name>before &lt;upgrade&gt;</name>",
                 "<description>note &amp; more</description>", "<memory>true</memory>",
                 "<quiesce>false</quiesce>"}));
  REQUIRE(client->removeAllSnapshots(kVm, nowait).ok());
  CHECK(body(*f, "RemoveAllSnapshots_Task").find("<consolidate>true</consolidate>") != std::string::npos);
  REQUIRE(client->revertToSnapshot(kVm, "", nowait).ok());
  REQUIRE(client->destroyVm(kVm, nowait).ok());
  ReconfigureSpec rs;
  rs.num_cpus = 4;
  rs.memory_mb = 8192;
  rs.annotation = "owner: ops";
  rs.name = "renamed";
  REQUIRE(client->reconfigureVm(kVm, rs, nowait).ok());
  // XSD order of VirtualMachineConfigSpec: name, annotation, numCPUs, memoryMB.
  CHECK(inOrder(body(*f, "ReconfigVM_Task"), {"<spec><name>renamed</name>", "<annotation>owner: ops</annotation>",
                                              "<numCPUs>4</numCPUs>", "<memoryMB>8192</memoryMB></spec>"}));
  REQUIRE(client->markAsTemplate(kVm).ok());
  MoRef host{"HostSystem", "host-42"};
  REQUIRE(client->enterMaintenanceMode(host, 60, nowait).ok());
  CHECK(inOrder(body(*f, "EnterMaintenanceMode_Task"), {"<_this type=\"HostSystem\">host-42</_this>",
                                                        "<timeout>60</timeout>"}));
  REQUIRE(client->exitMaintenanceMode(host, 0, nowait).ok());
}

TEST_CASE("operations refuse bad input before sending anything") {
  FakeHttpTransport* f = nullptr;
  auto client = connectFake(makeLoggedInFake(), f);
  const size_t before = f->requests().size();
  CHECK(client->reconfigureVm(kVm, {}).status().code() == ErrorCode::kInvalidArgument);
  ReconfigureSpec cpus;
  cpus.num_cpus = 0;
  CHECK(client->reconfigureVm(kVm, cpus).status().message().find("num_cpus") != std::string::npos);
  ReconfigureSpec mem;
  mem.memory_mb = 1001;
  CHECK(client->reconfigureVm(kVm, mem).status().message().find("multiple of 4") != std::string::npos);
  ReconfigureSpec longname;
  longname.name = std::string(81, 'x');
  CHECK(client->reconfigureVm(kVm, longname).status().code() == ErrorCode::kInvalidArgument);
  CHECK(client->createSnapshot(kVm, "", "", false, false).status().code() == ErrorCode::kInvalidArgument);
  CHECK(client->relocateVm(kVm, {}).status().code() == ErrorCode::kInvalidArgument);
  CHECK(client->enterMaintenanceMode(MoRef{"HostSystem", "h"}, -1).status().code() ==
        ErrorCode::kInvalidArgument);
  CreateVmSpec cs;
  CHECK(client->createVm(cs).status().message().find("name") != std::string::npos);
  CHECK(client->events({}, 0).status().code() == ErrorCode::kInvalidArgument);
  CHECK(f->requests().size() == before);
}

TEST_CASE("a transport failure surfaces as the transport's error") {
  FakeHttpTransport* f = nullptr;
  auto client = connectFake(makeLoggedInFake(), f);
  f->fail("PowerOnVM_Task", Status::Error(ErrorCode::kTimeout, "no complete reply within 10 ms"));
  auto r = client->powerOn(kVm);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == ErrorCode::kTimeout);
}

TEST_CASE("a clone request carries placement, config, power-on and linked snapshot in XSD order") {
  FakeHttpTransport* f = nullptr;
  auto client = connectFake(makeLoggedInFake(), f);
  // Reads, in order: the source's placement, the folder/pool/host/datastore checks, the
  // snapshot tree. The reply carries a name, parent and pool, which is all they need.
  f->replyFixture("RetrievePropertiesEx", "vm_full.xml");
  f->replyFixture("CloneVM_Task", "task_started.xml");
  TaskOptions nowait;
  nowait.wait = false;
  CloneSpec spec;
  spec.name = "web-02";
  spec.folder = "group-v3";
  spec.resource_pool = "resgroup-9";
  spec.host = "host-42";
  spec.datastore = "datastore-61";
  spec.power_on = true;
  spec.num_cpus = 2;
  spec.memory_mb = 2048;
  spec.annotation = "from template";
  auto r = client->cloneVm(kVm, spec, nowait);
  INFO(r.status().toString());
  REQUIRE(r.ok());
  CHECK(inOrder(body(*f, "CloneVM_Task"),
                {"<_this type=\"VirtualMachine\">vm-63</_this>", "<folder type=\"Folder\">group-v3</folder>",
                 "<name>web-02</name>", "<spec><location>",
                 "<datastore type=\"Datastore\">datastore-61</datastore>",
                 "<pool type=\"ResourcePool\">resgroup-9</pool>", "<host type=\"HostSystem\">host-42</host>",
                 "</location><template>false</template>", "<config><annotation>from template</annotation>",
                 "<numCPUs>2</numCPUs><memoryMB>2048</memoryMB></config>", "<powerOn>true</powerOn></spec>"}));
}

TEST_CASE("a clone onto a distributed port group edits the source's first NIC, keeping its identity") {
  FakeHttpTransport* f = nullptr;
  auto client = connectFake(makeLoggedInFake(), f);
  scriptContainerViews(*f);
  f->replyFixture("RetrievePropertiesEx", "empty_retrieve.xml");
  f->replyFixtureWhen("RetrievePropertiesEx", "config.hardware.device", "vm_devices_nic.xml");
  f->replyFixtureWhen("RetrievePropertiesEx", ">dvportgroup-11<", "network_dvpg.xml");
  f->replyFixtureWhen("RetrievePropertiesEx", ">dvs-10<", "dvs_uuid.xml");
  f->replyFixture("CloneVM_Task", "task_started.xml");
  TaskOptions nowait;
  nowait.wait = false;
  CloneSpec spec;
  spec.name = "web-03";
  spec.network = "dvportgroup-11";
  spec.num_cpus = 4;
  auto r = client->cloneVm(kVm, spec, nowait);
  INFO(r.status().toString());
  REQUIRE(r.ok());
  const std::string b = body(*f, "CloneVM_Task");
  CHECK(inOrder(b, {"<folder type=\"Folder\">folder-3</folder>", "<config><numCPUs>4</numCPUs>",
                    "<deviceChange><operation>edit</operation><device xsi:type=\"VirtualE1000\"><key>4000</key>",
                    "<deviceInfo xsi:type=\"Description\"><label>Network adapter 1</label><summary>DC0_DVPG0</summary>"
                    "</deviceInfo>",
                    "<backing xsi:type=\"VirtualEthernetCardDistributedVirtualPortBackingInfo\"><port>",
                    "<switchUuid>50 1a 2b 3c 4d 5e 6f 70-81 92 a3 b4 c5 d6 e7 f8</switchUuid>",
                    "<portgroupKey>dvportgroup-11</portgroupKey></port></backing>",
                    "<connectable><startConnected>true</startConnected><allowGuestControl>false</allowGuestControl>"
                    "<connected>false</connected></connectable>",
                    "<controllerKey>100</controllerKey><unitNumber>7</unitNumber><addressType>generated</addressType>"
                    "</device></deviceChange></config>",
                    "<powerOn>false</powerOn></spec>"}));
  // Only the first NIC moves, and a generated MAC is not copied onto the clone.
  CHECK(b.find("4001") == std::string::npos);
  CHECK(b.find("00:0c:29") == std::string::npos);
}

TEST_CASE("a clone onto a network from a source without a NIC adds a vmxnet3 NIC") {
  FakeHttpTransport* f = nullptr;
  auto client = connectFake(makeLoggedInFake(), f);
  scriptContainerViews(*f);
  f->replyFixture("RetrievePropertiesEx", "empty_retrieve.xml");
  f->replyFixtureWhen("RetrievePropertiesEx", "config.hardware.device", "vm_devices_none.xml");
  f->replyFixtureWhen("RetrievePropertiesEx", ">network-7<", "network_std.xml");
  f->replyFixture("CloneVM_Task", "task_started.xml");
  TaskOptions nowait;
  nowait.wait = false;
  CloneSpec spec;
  spec.name = "web-04";
  spec.network = "network-7";
  auto r = client->cloneVm(kVm, spec, nowait);
  INFO(r.status().toString());
  REQUIRE(r.ok());
  CHECK(inOrder(body(*f, "CloneVM_Task"),
                {"<config><deviceChange><operation>add</operation><device xsi:type=\"VirtualVmxnet3\"><key>-102</key>",
                 "<backing xsi:type=\"VirtualEthernetCardNetworkBackingInfo\"><deviceName>VM Network</deviceName>",
                 "<network type=\"Network\">network-7</network></backing>",
                 "</device></deviceChange></config>"}));
}

TEST_CASE("a clone without a network change reads no devices and sends no device change") {
  FakeHttpTransport* f = nullptr;
  auto client = connectFake(makeLoggedInFake(), f);
  f->replyFixture("RetrievePropertiesEx", "vm_full.xml");
  f->replyFixture("CloneVM_Task", "task_started.xml");
  TaskOptions nowait;
  nowait.wait = false;
  CloneSpec spec;
  spec.name = "web-05";
  REQUIRE(client->cloneVm(kVm, spec, nowait).ok());
  CHECK(body(*f, "CloneVM_Task").find("deviceChange") == std::string::npos);
  CHECK(body(*f, "RetrievePropertiesEx").find("config.hardware.device") == std::string::npos);
}

TEST_CASE("a reconfigure with a network edits the VM's first NIC next to the other changes") {
  FakeHttpTransport* f = nullptr;
  auto client = connectFake(makeLoggedInFake(), f);
  scriptContainerViews(*f);
  f->replyFixture("RetrievePropertiesEx", "empty_retrieve.xml");
  f->replyFixtureWhen("RetrievePropertiesEx", "config.hardware.device", "vm_devices_nic.xml");
  f->replyFixtureWhen("RetrievePropertiesEx", ">network-7<", "network_std.xml");
  f->replyFixture("ReconfigVM_Task", "task_started.xml");
  TaskOptions nowait;
  nowait.wait = false;
  ReconfigureSpec spec;
  spec.memory_mb = 512;
  spec.network = "network-7";
  auto r = client->reconfigureVm(kVm, spec, nowait);
  INFO(r.status().toString());
  REQUIRE(r.ok());
  CHECK(inOrder(body(*f, "ReconfigVM_Task"),
                {"<_this type=\"VirtualMachine\">vm-63</_this><spec><memoryMB>512</memoryMB>",
                 "<deviceChange><operation>edit</operation><device xsi:type=\"VirtualE1000\"><key>4000</key>",
                 "<backing xsi:type=\"VirtualEthernetCardNetworkBackingInfo\"><deviceName>VM Network</deviceName>",
                 "<network type=\"Network\">network-7</network></backing>", "</device></deviceChange></spec>"}));
  ReconfigureSpec nothing;
  CHECK(client->reconfigureVm(kVm, nothing, nowait).status().message().find("network") != std::string::npos);
}

TEST_CASE("the snapshot tree decodes, and snapshots are found by name for revert and remove") {
  FakeHttpTransport* f = nullptr;
  auto client = connectFake(makeLoggedInFake(), f);
  f->replyFixture("RetrievePropertiesEx", "vm_snapshot_tree.xml");
  f->replyFixture("RevertToSnapshot_Task", "task_started.xml");
  f->replyFixture("RemoveSnapshot_Task", "task_started.xml");
  const MoRef vm{"VirtualMachine", "vm-66"};
  auto tree = client->snapshots(vm);
  REQUIRE(tree.ok());
  REQUIRE(tree->roots.size() == 1);
  CHECK(tree->roots[0].name == "base");
  CHECK(tree->roots[0].ref == MoRef{"VirtualMachineSnapshot", "snapshot-71"});
  CHECK(tree->roots[0].state == "poweredOn");
  REQUIRE(tree->roots[0].children.size() == 1);
  CHECK(tree->roots[0].children[0].name == "patched");
  CHECK(tree->roots[0].children[0].is_current);
  CHECK_FALSE(tree->roots[0].is_current);
  TaskOptions nowait;
  nowait.wait = false;
  REQUIRE(client->revertToSnapshot(vm, "base", nowait).ok());
  CHECK(body(*f, "RevertToSnapshot_Task").find("<_this type=\"VirtualMachineSnapshot\">snapshot-71</_this>") !=
        std::string::npos);
  REQUIRE(client->removeSnapshot(vm, "snapshot-73", true, nowait).ok());
  CHECK(inOrder(body(*f, "RemoveSnapshot_Task"),
                {"<_this type=\"VirtualMachineSnapshot\">snapshot-73</_this>",
                 "<removeChildren>true</removeChildren>", "<consolidate>true</consolidate>"}));
  auto missing = client->removeSnapshot(vm, "nightly", false, nowait);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == ErrorCode::kNotFound);
  CHECK(missing.status().message().find("'base', 'patched'") != std::string::npos);
  CHECK(f->count("RemoveSnapshot_Task") == 1);
}

TEST_CASE("events decode their type, time, user, message and entities") {
  FakeHttpTransport* f = nullptr;
  auto client = connectFake(makeLoggedInFake(), f);
  f->replyFixture("QueryEvents", "query_events.xml");
  auto events = client->events(MoRef{"VirtualMachine", "vm-66"}, 3);
  REQUIRE(events.ok());
  REQUIRE(events->size() == 3);
  const auto& e = (*events)[0];  // newest first
  CHECK(e.type == "VmPoweredOffEvent");
  CHECK(e.user_name == "user");
  CHECK(e.message == "DC0_C0_RP0_VM1 on DC0_C0_H0 in DC0 is powered off");
  CHECK(e.vm == "DC0_C0_RP0_VM1");
  CHECK(e.host == "DC0_C0_H0");
  CHECK(e.cluster == "DC0_C0");
  CHECK(e.datacenter == "DC0");
  CHECK_FALSE(e.created_time.empty());
  CHECK((*events)[0].key > (*events)[1].key);
  CHECK(inOrder(body(*f, "QueryEvents"), {"<filter><entity><entity type=\"VirtualMachine\">vm-66</entity>",
                                          "<recursion>all</recursion></entity>", "<maxCount>3</maxCount></filter>"}));
}

TEST_CASE("performance counters resolve by name into a QueryPerf and back") {
  FakeHttpTransport* f = nullptr;
  auto client = connectFake(makeLoggedInFake(), f);
  f->replyFixture("RetrievePropertiesEx", "perf_counters.xml");
  f->replyFixture("QueryPerf", "query_perf.xml");
  auto counters = client->perfCounters();
  REQUIRE(counters.ok());
  REQUIRE(counters->size() == 4);
  CHECK((*counters)[0].key == 1);
  CHECK((*counters)[0].name.rfind("cpu.usage.", 0) == 0);
  CHECK((*counters)[0].unit == "percent");
  PerfQuery q;
  q.counters = {(*counters)[0].name};
  q.max_samples = 3;
  auto series = client->queryPerf(MoRef{"VirtualMachine", "vm-66"}, q);
  REQUIRE(series.ok());
  REQUIRE(series->size() == 1);
  CHECK((*series)[0].counter == (*counters)[0].name);
  CHECK((*series)[0].values == std::vector<std::int64_t>{4200, 3100, 2500});
  CHECK((*series)[0].timestamps.size() == 3);
  CHECK(inOrder(body(*f, "QueryPerf"),
                {"<querySpec><entity type=\"VirtualMachine\">vm-66</entity>", "<maxSample>3</maxSample>",
                 "<metricId><counterId>1</counterId><instance></instance></metricId>",
                 "<intervalId>20</intervalId>", "<format>normal</format></querySpec>"}));
  PerfQuery typo;
  typo.counters = {"cpu.usgae.average"};
  auto bad = client->queryPerf(MoRef{"VirtualMachine", "vm-66"}, typo);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message().find("closest known: cpu.usage.") != std::string::npos);
  CHECK(f->count("QueryPerf") == 1);
}

TEST_CASE("a create request lists config, devices, pool and host in XSD order") {
  FakeHttpTransport* f = nullptr;
  auto client = connectFake(makeLoggedInFake(), f);
  // Every lookup (host, pool, datastore, folder, network) is answered with an object that has
  // a name, which is all they check.
  f->replyFixture("RetrievePropertiesEx", "vm_full.xml");
  f->replyFixture("CreateVM_Task", "task_started.xml");
  CreateVmSpec spec;
  spec.name = "db-01";
  spec.guest_id = "rhel9_64Guest";
  spec.num_cpus = 4;
  spec.memory_mb = 16384;
  spec.disk_gb = 40;
  spec.network = "network-7";
  spec.datastore = "datastore-61";
  spec.folder = "group-v3";
  spec.resource_pool = "resgroup-9";
  spec.host = "host-42";
  spec.annotation = "db & co";
  TaskOptions nowait;
  nowait.wait = false;
  auto r = client->createVm(spec, nowait);
  INFO(r.status().toString());
  REQUIRE(r.ok());
  CHECK(inOrder(body(*f, "CreateVM_Task"),
                {"<_this type=\"Folder\">group-v3</_this><config><name>db-01</name>",
                 "<guestId>rhel9_64Guest</guestId>", "<annotation>db &amp; co</annotation>",
                 "<files><vmPathName>[DC0_C0_RP0_VM0]</vmPathName></files>", "<numCPUs>4</numCPUs>",
                 "<memoryMB>16384</memoryMB>",
                 "<deviceChange><operation>add</operation><device xsi:type=\"ParaVirtualSCSIController\">"
                 "<key>-100</key><busNumber>0</busNumber><sharedBus>noSharing</sharedBus></device></deviceChange>",
                 "<deviceChange><operation>add</operation><fileOperation>create</fileOperation>"
                 "<device xsi:type=\"VirtualDisk\"><key>-101</key><backing xsi:type=\"VirtualDiskFlatVer2BackingInfo\">",
                 "<diskMode>persistent</diskMode><thinProvisioned>true</thinProvisioned></backing>"
                 "<controllerKey>-100</controllerKey><unitNumber>0</unitNumber>"
                 "<capacityInKB>41943040</capacityInKB>",
                 "<device xsi:type=\"VirtualVmxnet3\"><key>-102</key>"
                 "<backing xsi:type=\"VirtualEthernetCardNetworkBackingInfo\"><deviceName>DC0_C0_RP0_VM0</deviceName>"
                 "<network type=\"Network\">network-7</network></backing><connectable>",
                 "</connectable><addressType>generated</addressType></device></deviceChange></config>",
                 "<pool type=\"ResourcePool\">resgroup-9</pool><host type=\"HostSystem\">host-42</host>"}));
}

TEST_CASE("relocate and mark-as-VM requests carry their placement in XSD order") {
  FakeHttpTransport* f = nullptr;
  auto client = connectFake(makeLoggedInFake(), f);
  f->replyFixture("RetrievePropertiesEx", "vm_full.xml");
  f->replyFixture("RelocateVM_Task", "task_started.xml");
  f->replyFixture("MarkAsVirtualMachine", "logout_ok.xml");
  TaskOptions nowait;
  nowait.wait = false;
  RelocateSpec spec;
  spec.host = "host-42";
  spec.resource_pool = "resgroup-9";
  spec.datastore = "datastore-61";
  REQUIRE(client->relocateVm(kVm, spec, nowait).ok());
  CHECK(inOrder(body(*f, "RelocateVM_Task"),
                {"<spec><datastore type=\"Datastore\">datastore-61</datastore>",
                 "<pool type=\"ResourcePool\">resgroup-9</pool>", "<host type=\"HostSystem\">host-42</host></spec>"}));
  REQUIRE(client->markAsVirtualMachine(kVm, "resgroup-9", "host-42").ok());
  CHECK(inOrder(body(*f, "MarkAsVirtualMachine"),
                {"<_this type=\"VirtualMachine\">vm-63</_this>", "<pool type=\"ResourcePool\">resgroup-9</pool>",
                 "<host type=\"HostSystem\">host-42</host>"}));
}

TEST_CASE("the keepalive pings the session until the client closes") {
  std::shared_ptr<FakeHttpTransport> f = makeLoggedInFake();
  f->replyFixture("CurrentTime", "logout_ok.xml");
  auto o = opts();
  o.keepalive_interval = std::chrono::milliseconds(5);
  auto c = Client::connect(o, std::make_unique<vsmcp::testing::SharedTransport>(f));
  REQUIRE(c.ok());
  CHECK(f->waitFor("CurrentTime", 2, std::chrono::seconds(10)));
  c = Status::Cancelled("closing");  // destroys the client: joins the keepalive thread
  const int pings = f->count("CurrentTime");
  CHECK(f->count("Logout") == 1);
  CHECK(f->count("CurrentTime") == pings);  // nothing after close
}

TEST_CASE("a number that names no VM is tried as an ESXi VM id") {
  FakeHttpTransport* f = nullptr;
  auto client = connectFake(makeLoggedInFake(), f);
  scriptContainerViews(*f);
  f->replyFixtureWhen("RetrievePropertiesEx", "<obj type=\"ContainerView\">", "empty_retrieve.xml");
  f->replyFixtureWhen("RetrievePropertiesEx", "<obj type=\"VirtualMachine\">3</obj>", "vm_full.xml");
  auto ref = client->resolve("VirtualMachine", Locator::any("3"));
  INFO(ref.status().toString());
  REQUIRE(ref.ok());
  CHECK(*ref == MoRef{"VirtualMachine", "3"});
  auto as_name = client->resolve("VirtualMachine", Locator::name("3"));
  REQUIRE_FALSE(as_name.ok());
  CHECK(as_name.status().message() == "no VirtualMachine named '3'");
}

TEST_CASE("after an explicit logout an expired session is not renewed") {
  FakeHttpTransport* f = nullptr;
  auto client = connectFake(makeLoggedInFake(), f);
  REQUIRE(client->logout().ok());
  f->replyFixture("RetrievePropertiesEx", "fault_not_authenticated.xml", 500);
  auto r = client->taskInfo(MoRef{"Task", "task-68"});
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == ErrorCode::kUnauthenticated);
  CHECK(f->count("Login") == 1);
}

TEST_CASE("a task whose state cannot be read fails instead of polling forever") {
  FakeHttpTransport* f = nullptr;
  auto client = connectFake(makeLoggedInFake(), f);
  f->replyFixture("RetrievePropertiesEx", "vm_full.xml");  // an object without "info"
  TaskOptions o;
  o.poll_interval = std::chrono::milliseconds(1);
  auto r = client->waitForTask(MoRef{"Task", "task-68"}, o);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == ErrorCode::kProtocol);
  CHECK(r.status().message().find("no readable state") != std::string::npos);
}

namespace {

// What ConnectionOptions::on_call reported, in order.
struct CallLog {
  struct Call {
    std::string method;
    std::chrono::microseconds duration;
    Status outcome;
  };
  std::mutex mu;
  std::vector<Call> calls;

  void observe(ConnectionOptions& o) {
    o.on_call = [this](std::string_view method, std::chrono::microseconds duration, const Status& outcome) {
      std::lock_guard<std::mutex> lock(mu);
      calls.push_back({std::string(method), duration, outcome});
    };
  }
  std::vector<std::string> methods() {
    std::lock_guard<std::mutex> lock(mu);
    std::vector<std::string> out;
    for (const auto& c : calls) out.push_back(c.method);
    return out;
  }
};

}  // namespace

TEST_CASE("the call observer sees every SOAP round trip, login included, with its outcome") {
  CallLog log;
  auto o = opts();
  log.observe(o);
  std::shared_ptr<FakeHttpTransport> f = makeLoggedInFake();
  auto c = Client::connect(o, std::make_unique<vsmcp::testing::SharedTransport>(f));
  REQUIRE(c.ok());
  f->replyFixture("PowerOnVM_Task", "fault_invalid_power_state.xml", 500);
  f->fail("CurrentTime", Status::Unavailable("connection to vc.test:443 refused"));
  f->delay("CurrentTime", std::chrono::milliseconds(30));
  f->replyFixture("RetrievePropertiesEx", "fault_not_authenticated.xml", 500);
  f->replyFixture("RetrievePropertiesEx", "task_info_success.xml");

  CHECK((*c)->powerOn(kVm).status().code() == ErrorCode::kInvalidState);
  CHECK((*c)->ping().code() == ErrorCode::kUnavailable);
  REQUIRE((*c)->taskInfo(MoRef{"Task", "task-68"}).ok());  // after a re-login
  c = Status::Cancelled("closing");                          // logs out

  CHECK(log.methods() == std::vector<std::string>{"RetrieveServiceContent", "Login", "PowerOnVM_Task",
                                                  "CurrentTime", "RetrievePropertiesEx", "Login",
                                                  "RetrievePropertiesEx", "Logout"});
  REQUIRE(log.calls.size() == 8);
  CHECK(log.calls[0].outcome.ok());
  CHECK(log.calls[1].outcome.ok());
  CHECK(log.calls[2].outcome.code() == ErrorCode::kInvalidState);
  CHECK(log.calls[2].outcome.details().fault == "InvalidPowerState");
  CHECK(log.calls[3].outcome.code() == ErrorCode::kUnavailable);
  CHECK(log.calls[3].duration >= std::chrono::milliseconds(30));  // the whole round trip
  CHECK(log.calls[4].outcome.code() == ErrorCode::kUnauthenticated);
  CHECK(log.calls[5].outcome.ok());
  CHECK(log.calls[6].outcome.ok());
  CHECK(log.calls[7].outcome.ok());
  // One report per request on the wire.
  CHECK(static_cast<size_t>(f->requests().size()) == log.calls.size());
}

TEST_CASE("the call observer is told of a refused login without the password") {
  CallLog log;
  auto o = opts();
  log.observe(o);
  auto fake = std::make_unique<FakeHttpTransport>();
  fake->replyFixture("RetrieveServiceContent", "service_content_vpx.xml");
  fake->replyFixture("Login", "fault_invalid_login.xml", 500);
  auto c = Client::connect(o, std::move(fake));
  REQUIRE_FALSE(c.ok());
  REQUIRE(log.methods() == std::vector<std::string>{"RetrieveServiceContent", "Login"});
  CHECK(log.calls[1].outcome.code() == ErrorCode::kUnauthenticated);
  CHECK(log.calls[1].outcome.toString().find("S3cret") == std::string::npos);
}

TEST_CASE("a state listing reads only name, power state, host and the template flag") {
  FakeHttpTransport* f = nullptr;
  auto client = connectFake(makeLoggedInFake(), f);
  scriptContainerViews(*f);
  f->replyFixtureWhen("RetrievePropertiesEx", "<type>Folder</type>", "empty_retrieve.xml");
  f->replyFixtureWhen("RetrievePropertiesEx", "<type>VirtualMachine</type>", "vm_state_page.xml");
  VmFilter templates;
  templates.is_template = true;  // needs the template flag, which the state level reads
  auto vms = client->listVms(templates, VmDetail::kState);
  INFO(vms.status().toString());
  REQUIRE(vms.ok());
  REQUIRE(vms->size() == 1);
  CHECK((*vms)[0].name == "golden");
  CHECK((*vms)[0].is_template);
  CHECK((*vms)[0].power_state == PowerState::kPoweredOff);
  CHECK((*vms)[0].host == MoRef{"HostSystem", "host-43"});
  auto all = client->listVms({}, VmDetail::kState);
  REQUIRE(all.ok());
  REQUIRE(all->size() == 2);
  CHECK_FALSE((*all)[1].is_template);  // sorted by name: golden, web-01
  for (const auto& r : f->requestsFor("RetrievePropertiesEx")) {
    if (r.request.body.find("<type>VirtualMachine</type>") == std::string::npos) continue;
    CHECK(inOrder(r.request.body, {"<propSet><type>VirtualMachine</type><all>false</all><pathSet>name</pathSet>"
                                   "<pathSet>runtime.powerState</pathSet><pathSet>runtime.host</pathSet>"
                                   "<pathSet>config.template</pathSet></propSet>"}));
  }
  CHECK(f->count("RetrievePropertiesEx") == 4);  // two listings, each with its index
}

namespace {

// A client whose VM retrieval answers page 1 (with a token) then page 2, streamed to the
// client in small pieces; the inventory index is empty.
std::unique_ptr<Client> pagedVmsFake(FakeHttpTransport*& f) {
  auto client = connectFake(makeLoggedInFake(), f);
  scriptContainerViews(*f);
  f->streamPieces(7);
  f->replyFixtureWhen("RetrievePropertiesEx", "<type>Folder</type>", "empty_retrieve.xml");
  f->replyFixtureWhen("RetrievePropertiesEx", "<type>VirtualMachine</type>",
                      "vm_brief_page1_token.xml");
  f->replyFixture("ContinueRetrievePropertiesEx", "vm_brief_page2_continue.xml");
  f->replyFixture("CancelRetrievePropertiesEx", "logout_ok.xml");
  return client;
}

}  // namespace

TEST_CASE("visitVms streams every page and visits each VM once, decoded as listVms decodes it") {
  FakeHttpTransport* f = nullptr;
  auto client = pagedVmsFake(f);
  std::vector<VmSummary> seen;
  Status st = client->visitVms({}, VmDetail::kBrief, [&](const VmSummary& vm) {
    seen.push_back(vm);
    return Status::Ok();
  });
  REQUIRE(st.ok());
  REQUIRE(seen.size() == 2);
  CHECK(seen[0].name == "DC0_C0_RP0_VM0");
  CHECK(seen[0].power_state == PowerState::kPoweredOn);
  CHECK(seen[0].num_cpu == 1);
  CHECK(seen[0].memory_mb == 32);
  CHECK(seen[0].host == MoRef{"HostSystem", "host-42"});
  CHECK(seen[1].name == "DC0_C0_RP0_VM1");
  // Both pages came through the sink; the token carried the listing to the second.
  CHECK(f->streamed() >= 2);
  REQUIRE(f->count("ContinueRetrievePropertiesEx") == 1);
  CHECK(body(*f, "ContinueRetrievePropertiesEx").find("<token>page-2-token</token>") !=
        std::string::npos);
  CHECK(f->count("CancelRetrievePropertiesEx") == 0);
  CHECK(f->count("DestroyView") == 2);  // the VM view and the index's
  // The same VMs as listVms, which reads whole pages.
  auto listed = client->listVms({}, VmDetail::kBrief);
  REQUIRE(listed.ok());
  REQUIRE(listed->size() == seen.size());
  for (size_t i = 0; i < seen.size(); ++i) {
    CHECK((*listed)[i].ref == seen[i].ref);
    CHECK((*listed)[i].name == seen[i].name);
    CHECK((*listed)[i].host == seen[i].host);
  }
}

TEST_CASE("visitVms applies the listing's filters") {
  FakeHttpTransport* f = nullptr;
  auto client = pagedVmsFake(f);
  VmFilter by_name;
  by_name.name = "*VM1";
  std::vector<std::string> names;
  auto collect = [&](const VmSummary& vm) {
    names.push_back(vm.name);
    return Status::Ok();
  };
  REQUIRE(client->visitVms(by_name, VmDetail::kBrief, collect).ok());
  CHECK(names == std::vector<std::string>{"DC0_C0_RP0_VM1"});
  names.clear();
  VmFilter off;
  off.power_state = PowerState::kPoweredOff;
  REQUIRE(client->visitVms(off, VmDetail::kBrief, collect).ok());
  CHECK(names.empty());  // both fixture VMs are powered on
}

TEST_CASE("a visitor error stops visitVms, cancels the server's retrieval and is returned") {
  FakeHttpTransport* f = nullptr;
  auto client = pagedVmsFake(f);
  int visits = 0;
  Status st = client->visitVms({}, VmDetail::kBrief, [&](const VmSummary&) {
    ++visits;
    return Status::Error(ErrorCode::kCancelled, "the reader went away");
  });
  CHECK(st.code() == ErrorCode::kCancelled);
  CHECK(st.message() == "the reader went away");
  CHECK(visits == 1);
  CHECK(f->count("ContinueRetrievePropertiesEx") == 0);
  REQUIRE(f->count("CancelRetrievePropertiesEx") == 1);
  CHECK(body(*f, "CancelRetrievePropertiesEx").find("<token>page-2-token</token>") !=
        std::string::npos);
  CHECK(f->count("DestroyView") == 2);  // the views are still destroyed
}

TEST_CASE("a streamed page cut short fails visitVms with a protocol error") {
  FakeHttpTransport* f = nullptr;
  auto client = connectFake(makeLoggedInFake(), f);
  scriptContainerViews(*f);
  f->streamPieces(5);
  f->replyFixtureWhen("RetrievePropertiesEx", "<type>Folder</type>", "empty_retrieve.xml");
  f->replyFixtureWhen("RetrievePropertiesEx", "<type>VirtualMachine</type>", "truncated.xml");
  Status st = client->visitVms({}, VmDetail::kBrief, [](const VmSummary&) { return Status::Ok(); });
  CHECK(st.code() == ErrorCode::kProtocol);
  CHECK(st.message().find("malformed XML in reply to RetrievePropertiesEx") != std::string::npos);
}
