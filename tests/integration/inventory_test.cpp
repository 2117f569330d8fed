// Inventory listings and lookups against the simulator's default vCenter inventory:
// DC0 with cluster DC0_C0 (hosts DC0_C0_H0..2, VMs DC0_C0_RP0_VM0..1) and standalone host
// DC0_H0 (VMs DC0_H0_VM0..1), datastore LocalDS_0, "VM Network" and DVS portgroup DC0_DVPG0.
#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <set>

#include "vcsim.hpp"

using namespace vsmcp;
using namespace vsmcp::vsphere;
using vsmcp::testing::Vcsim;

namespace {
template <typename T>
std::vector<std::string> names(const std::vector<T>& items) {
  std::vector<std::string> out;
  for (const auto& i : items) out.push_back(i.name);
  return out;
}
bool has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}
}  // namespace

TEST_CASE("VMs are listed with their full summaries") {
  Vcsim sim;
  auto client = sim.connect();
  auto vms = client->listVms();
  REQUIRE(vms.ok());
  REQUIRE(names(*vms) == std::vector<std::string>{"DC0_C0_RP0_VM0", "DC0_C0_RP0_VM1", "DC0_H0_VM0", "DC0_H0_VM1"});
  const auto& vm = (*vms)[0];
  CHECK(vm.ref.type == "VirtualMachine");
  CHECK(vm.power_state == PowerState::kPoweredOn);
  CHECK(vm.num_cpu >= 1);
  CHECK(vm.memory_mb > 0);
  CHECK(vm.host_name.rfind("DC0_C0_H", 0) == 0);
  CHECK(vm.cluster == "DC0_C0");
  CHECK(vm.folder_path == "/DC0/vm");
  CHECK(vm.datastores == std::vector<std::string>{"LocalDS_0"});
  CHECK(vm.uuid.size() == 36);
  CHECK_FALSE(vm.is_template);
  CHECK(vm.guest_id == "otherGuest");
  CHECK((*vms)[2].cluster == "DC0_H0");  // a standalone host's compute resource
}

TEST_CASE("VM filters narrow by name, power state, host, cluster and folder") {
  Vcsim sim;
  auto client = sim.connect();
  VmFilter by_name;
  by_name.name = "DC0_H0_*";
  CHECK(names(*client->listVms(by_name)) == std::vector<std::string>{"DC0_H0_VM0", "DC0_H0_VM1"});
  VmFilter by_cluster;
  by_cluster.cluster = "DC0_C0";
  CHECK(client->listVms(by_cluster)->size() == 2);
  VmFilter by_host;
  by_host.host = "DC0_H0";
  CHECK(client->listVms(by_host)->size() == 2);
  VmFilter off;
  off.power_state = PowerState::kPoweredOff;
  CHECK(client->listVms(off)->empty());
  VmFilter folder;
  folder.folder = "/DC0/vm";
  CHECK(client->listVms(folder)->size() == 4);
  folder.folder = "/DC0/vm/nope";
  CHECK(client->listVms(folder)->empty());
  VmFilter templates;
  templates.is_template = true;
  CHECK(client->listVms(templates)->empty());
}

TEST_CASE("a VM is found by name, inventory path, moref and UUID") {
  Vcsim sim;
  auto client = sim.connect();
  auto by_name = client->getVm(Locator::any("DC0_H0_VM1"));
  REQUIRE(by_name.ok());
  auto by_path = client->getVm(Locator::any("/DC0/vm/DC0_H0_VM1"));
  REQUIRE(by_path.ok());
  CHECK(by_path->ref == by_name->ref);
  auto by_moref = client->getVm(Locator::any(by_name->ref.value));
  REQUIRE(by_moref.ok());
  CHECK(by_moref->name == "DC0_H0_VM1");
  auto by_uuid = client->getVm(Locator::any(by_name->uuid));
  REQUIRE(by_uuid.ok());
  CHECK(by_uuid->ref == by_name->ref);
}

TEST_CASE("lookups of missing objects say what was not found") {
  Vcsim sim;
  auto client = sim.connect();
  auto name = client->getVm(Locator::any("no-such-vm"));
  REQUIRE_FALSE(name.ok());
  CHECK(name.status().code() == ErrorCode::kNotFound);
  CHECK(name.status().message() == "no VirtualMachine named 'no-such-vm'");
  auto moref = client->getVm(Locator::any("vm-99999"));
  CHECK(moref.status().code() == ErrorCode::kNotFound);
  CHECK(moref.status().message() == "no VirtualMachine named or with id 'vm-99999'");
  auto strict = client->getVm(Locator::moref("vm-99999"));
  CHECK(strict.status().message() == "no VirtualMachine with id 'vm-99999'");
  auto path = client->getVm(Locator::any("/DC0/vm/ghost"));
  CHECK(path.status().code() == ErrorCode::kNotFound);
  auto uuid = client->getVm(Locator::any("00000000-0000-0000-0000-000000000000"));
  CHECK(uuid.status().code() == ErrorCode::kNotFound);
  auto wrong_kind = client->getVm(Locator::any("/DC0/host/DC0_C0"));
  CHECK(wrong_kind.status().code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("an ambiguous name is refused with the candidates") {
  Vcsim sim;
  auto client = sim.connect();
  // Every cluster and standalone host has a root pool called "Resources".
  auto pool = client->resolve("ResourcePool", Locator::any("Resources"));
  REQUIRE_FALSE(pool.ok());
  CHECK(pool.status().code() == ErrorCode::kInvalidArgument);
  CHECK(pool.status().message().find("are named 'Resources'") != std::string::npos);
  auto by_path = client->resolve("ResourcePool", Locator::any("/DC0/host/DC0_C0/Resources"));
  CHECK(by_path.ok());
}

TEST_CASE("hosts are listed with state, capacity and cluster") {
  Vcsim sim;
  auto client = sim.connect();
  auto hosts = client->listHosts();
  REQUIRE(hosts.ok());
  auto n = names(*hosts);
  CHECK(n == std::vector<std::string>{"DC0_C0_H0", "DC0_C0_H1", "DC0_C0_H2", "DC0_H0"});
  const auto& h = (*hosts)[0];
  CHECK(h.connection_state == "connected");
  CHECK(h.power_state == "poweredOn");
  CHECK_FALSE(h.in_maintenance_mode);
  CHECK(h.cluster == "DC0_C0");
  CHECK(h.datacenter == "DC0");
  CHECK(h.cpu_cores > 0);
  CHECK(h.cpu_mhz_total > 0);
  CHECK(h.memory_mb_total > 0);
  CHECK_FALSE(h.version.empty());
  HostFilter f;
  f.cluster = "DC0_C0";
  CHECK(client->listHosts(f)->size() == 3);
  auto one = client->getHost(Locator::any("DC0_C0_H2"));
  REQUIRE(one.ok());
  CHECK(one->name == "DC0_C0_H2");
}

TEST_CASE("clusters, datacenters, datastores, networks, pools and folders are listed") {
  Vcsim sim;
  auto client = sim.connect();
  auto clusters = client->listClusters();
  REQUIRE(clusters.ok());
  REQUIRE(names(*clusters) == std::vector<std::string>{"DC0_C0"});
  CHECK((*clusters)[0].num_hosts == 3);
  CHECK((*clusters)[0].datacenter == "DC0");
  CHECK((*clusters)[0].total_cpu_mhz > 0);

  auto dcs = client->listDatacenters();
  REQUIRE(dcs.ok());
  REQUIRE(dcs->size() == 1);
  CHECK((*dcs)[0].name == "DC0");
  CHECK((*dcs)[0].path == "/DC0");

  auto ds = client->listDatastores();
  REQUIRE(ds.ok());
  REQUIRE(names(*ds) == std::vector<std::string>{"LocalDS_0"});
  CHECK((*ds)[0].capacity_bytes > 0);
  CHECK((*ds)[0].free_bytes > 0);
  CHECK((*ds)[0].accessible);
  CHECK_FALSE((*ds)[0].type.empty());

  auto nets = client->listNetworks();
  REQUIRE(nets.ok());
  auto nn = names(*nets);
  CHECK(has(nn, "VM Network"));
  CHECK(has(nn, "DC0_DVPG0"));
  for (const auto& n : *nets) {
    if (n.name == "VM Network") CHECK(n.kind == "standard");
    if (n.name == "DC0_DVPG0") CHECK(n.kind == "distributed");
  }

  auto pools = client->listResourcePools();
  REQUIRE(pools.ok());
  bool cluster_pool = false;
  for (const auto& p : *pools)
    if (p.path == "/DC0/host/DC0_C0/Resources") cluster_pool = p.owner == "DC0_C0";
  CHECK(cluster_pool);

  auto folders = client->listFolders();
  REQUIRE(folders.ok());
  bool vm_folder = false;
  for (const auto& f : *folders)
    if (f.path == "/DC0/vm") vm_folder = std::find(f.child_types.begin(), f.child_types.end(), "VirtualMachine") != f.child_types.end();
  CHECK(vm_folder);
  NameFilter only;
  only.name = "vm";
  CHECK(client->listFolders(only)->size() == 1);
}

namespace {
// Counts requests on their way to the real transport.
class CountingTransport final : public HttpTransport {
 public:
  explicit CountingTransport(std::unique_ptr<HttpTransport> inner) : inner_(std::move(inner)) {}
  Result<HttpResponse> send(const HttpRequest& r) override {
    ++count;
    return inner_->send(r);
  }
  std::atomic<int> count{0};

 private:
  std::unique_ptr<HttpTransport> inner_;
};
}  // namespace

TEST_CASE("listing a big inventory takes a constant number of round trips") {
  Vcsim sim({"-cluster", "2", "-host", "2", "-vm", "50"});
  auto o = sim.options();
  TransportOptions t;
  t.url = o.url;
  t.ca_bundle = o.ca_bundle;
  auto real = makeHttpTransport(t);
  REQUIRE(real.ok());
  auto counting = std::make_unique<CountingTransport>(std::move(real).value());
  auto* counter = counting.get();
  auto client = Client::connect(o, std::move(counting));
  REQUIRE(client.ok());
  const int before = counter->count.load();
  auto vms = (*client)->listVms({}, VmDetail::kFull);
  REQUIRE(vms.ok());
  // 2 clusters x 50 + 1 standalone host x 50
  CHECK(vms->size() == 150);
  std::set<std::string> unique;
  for (const auto& vm : *vms) unique.insert(vm.ref.value);
  CHECK(unique.size() == 150);
  CHECK(std::is_sorted(vms->begin(), vms->end(),
                       [](const VmSummary& a, const VmSummary& b) { return a.name < b.name; }));
  for (const auto& vm : *vms) CHECK(vm.host_name.rfind("DC0_", 0) == 0);  // rows kept whole
  // Two views (create, retrieve, destroy), one for the VMs and one for the entities that
  // name their hosts, clusters, folders and datastores, whatever the VM count.
  CHECK(counter->count.load() - before == 6);
}

TEST_CASE("a name that is also another VM's id is refused as ambiguous, a UUID-like name is found") {
  Vcsim sim;
  auto client = sim.connect();
  auto vm0 = client->getVm(Locator::name("DC0_H0_VM0"));
  auto vm1 = client->getVm(Locator::name("DC0_H0_VM1"));
  REQUIRE(vm0.ok());
  REQUIRE(vm1.ok());
  ReconfigureSpec rename;
  rename.name = vm0->ref.value;  // VM1 now carries VM0's id as its name
  REQUIRE(client->reconfigureVm(vm1->ref, rename).ok());
  auto r = client->resolve("VirtualMachine", Locator::any(vm0->ref.value));
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == ErrorCode::kInvalidArgument);
  CHECK(r.status().message().find("say which") != std::string::npos);
  CHECK(*client->resolve("VirtualMachine", Locator::moref(vm0->ref.value)) == vm0->ref);
  CHECK(*client->resolve("VirtualMachine", Locator::name(vm0->ref.value)) == vm1->ref);

  ReconfigureSpec uuid_name;
  uuid_name.name = "12345678-1234-1234-1234-123456789abc";
  REQUIRE(client->reconfigureVm(vm0->ref, uuid_name).ok());
  auto by_uuid_name = client->resolve("VirtualMachine", Locator::any("12345678-1234-1234-1234-123456789abc"));
  INFO(by_uuid_name.status().toString());
  REQUIRE(by_uuid_name.ok());
  CHECK(*by_uuid_name == vm0->ref);
  VmFilter all;
  all.folder = "/";
  CHECK(client->listVms(all)->size() == 4);
}

TEST_CASE("visitVms visits exactly the VMs listVms returns, each once, with the same summaries") {
  Vcsim sim({"-cluster", "2", "-host", "2", "-vm", "50"});
  auto o = sim.options();
  TransportOptions t;
  t.url = o.url;
  t.ca_bundle = o.ca_bundle;
  auto real = makeHttpTransport(t);
  REQUIRE(real.ok());
  auto counting = std::make_unique<CountingTransport>(std::move(real).value());
  auto* counter = counting.get();
  auto client = Client::connect(o, std::move(counting));
  REQUIRE(client.ok());
  for (VmDetail detail : {VmDetail::kFull, VmDetail::kBrief}) {
    INFO("detail " << static_cast<int>(detail));
    auto listed = (*client)->listVms({}, detail);
    REQUIRE(listed.ok());
    REQUIRE(listed->size() == 150);
    const int before = counter->count.load();
    std::map<std::string, VmSummary> visited;
    int visits = 0;
    Status st = (*client)->visitVms({}, detail, [&](const VmSummary& vm) {
      ++visits;
      visited.emplace(vm.ref.value, vm);
      return Status::Ok();
    });
    REQUIRE(st.ok());
    CHECK(visits == 150);
    REQUIRE(visited.size() == 150);  // each once
    for (const auto& vm : *listed) {
      INFO(vm.ref.value);
      auto it = visited.find(vm.ref.value);
      REQUIRE(it != visited.end());
      const VmSummary& v = it->second;
      CHECK(v.name == vm.name);
      CHECK(v.power_state == vm.power_state);
      CHECK(v.host == vm.host);
      CHECK(v.host_name == vm.host_name);
      CHECK(v.cluster == vm.cluster);
      CHECK(v.num_cpu == vm.num_cpu);
      CHECK(v.memory_mb == vm.memory_mb);
      CHECK(v.guest_id == vm.guest_id);
      CHECK(v.folder_path == vm.folder_path);
      CHECK(v.datastores == vm.datastores);
      CHECK(v.networks == vm.networks);
      CHECK(v.uuid == vm.uuid);
    }
    // Like listVms: two views, whatever the VM count.
    CHECK(counter->count.load() - before == 6);
  }
  // Filters narrow the visit as they narrow the listing.
  VmFilter standalone;
  standalone.host = "DC0_H0";
  auto listed = (*client)->listVms(standalone, VmDetail::kBrief);
  REQUIRE(listed.ok());
  std::set<std::string> refs;
  REQUIRE((*client)
              ->visitVms(standalone, VmDetail::kBrief,
                         [&](const VmSummary& vm) {
                           refs.insert(vm.ref.value);
                           return Status::Ok();
                         })
              .ok());
  std::set<std::string> expected;
  for (const auto& vm : *listed) expected.insert(vm.ref.value);
  CHECK(refs == expected);
  CHECK(refs.size() == 50);
}

TEST_CASE("a visitor error stops visitVms and is returned, and the client goes on working") {
  Vcsim sim({"-cluster", "1", "-host", "1", "-vm", "40"});
  auto client = sim.connect();
  int visits = 0;
  Status st = client->visitVms({}, VmDetail::kBrief, [&](const VmSummary&) {
    return ++visits == 10 ? Status::Error(ErrorCode::kCancelled, "stop at ten") : Status::Ok();
  });
  CHECK(st.code() == ErrorCode::kCancelled);
  CHECK(st.message() == "stop at ten");
  CHECK(visits == 10);
  auto all = client->listVms({}, VmDetail::kBrief);
  REQUIRE(all.ok());
  CHECK(all->size() == 80);
}
