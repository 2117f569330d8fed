// The live inventory against the simulator: it answers like a direct read without reading
// vCenter again, follows changes made through other sessions and through its own client, and
// survives a simulator restart. Round trips are counted with ConnectionOptions::on_call.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "vcsim.hpp"

using namespace vsmcp;
using namespace vsmcp::vsphere;
using vsmcp::testing::Vcsim;

namespace {

// Counts the SOAP methods one client sends.
struct CallCounter {
  std::mutex mu;
  std::map<std::string, int> calls;
  int count(const std::string& method) {
    std::lock_guard<std::mutex> lock(mu);
    return calls[method];
  }
  void attach(ConnectionOptions& o) {
    o.on_call = [this](std::string_view method, std::chrono::microseconds, const Status&) {
      std::lock_guard<std::mutex> lock(mu);
      ++calls[std::string(method)];
    };
  }
};

// Collects the changes the feed reports.
struct ChangeLog {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<InventoryChanges> batches;
  void attach(LiveInventoryOptions& o) {
    o.on_change = [this](const InventoryChanges& c) {
      {
        std::lock_guard<std::mutex> lock(mu);
        batches.push_back(c);
      }
      cv.notify_all();
    };
  }
  // Waits until some change matches `pred`; false after `timeout`.
  template <typename Pred>
  bool waitFor(std::chrono::milliseconds timeout, Pred pred) {
    std::unique_lock<std::mutex> lock(mu);
    return cv.wait_for(lock, timeout, [&] {
      for (const auto& b : batches)
        for (const auto& c : b.changes)
          if (pred(b, c)) return true;
      return false;
    });
  }
};

std::string describe(const VmSummary& vm) {
  std::string s = vm.ref.toString() + "|" + vm.name + "|" + std::string(powerStateName(vm.power_state)) + "|" +
                  vm.host.value + "|" + vm.host_name + "|" + vm.cluster + "|" + vm.folder_path + "|" + vm.uuid + "|" +
                  vm.instance_uuid + "|" + vm.guest_id + "|" + std::to_string(vm.num_cpu) + "|" +
                  std::to_string(vm.memory_mb) + "|" + vm.resource_pool.value + "|" + vm.overall_status + "|" +
                  (vm.is_template ? "t" : "v");
  for (const auto& d : vm.datastores) s += "|ds:" + d;
  for (const auto& n : vm.networks) s += "|net:" + n;
  return s;
}

std::vector<std::string> describeAll(const std::vector<VmSummary>& vms) {
  std::vector<std::string> out;
  for (const auto& vm : vms) out.push_back(describe(vm));
  return out;
}

std::unique_ptr<Client> liveClient(const Vcsim& sim, CallCounter& counter, ChangeLog* changes = nullptr) {
  ConnectionOptions o = sim.options();
  counter.attach(o);
  auto client = Client::connect(o);
  REQUIRE(client.ok());
  LiveInventoryOptions live;
  live.max_wait = std::chrono::seconds(5);
  if (changes) changes->attach(live);
  REQUIRE((*client)->startLiveInventory(live).ok());
  REQUIRE((*client)->waitForLiveInventory(std::chrono::seconds(30)));
  return std::move(client).value();
}

}  // namespace

TEST_CASE("the live inventory answers every list and lookup as a direct read does, without reading vCenter") {
  Vcsim sim({"-cluster", "2", "-vm", "3"});
  auto direct = sim.connect();
  CallCounter counter;
  auto live = liveClient(sim, counter);
  const int reads_before = counter.count("RetrievePropertiesEx");

  Freshness fresh;
  auto vms = live->listVms({}, VmDetail::kFull, &fresh);
  REQUIRE(vms.ok());
  CHECK(fresh.live);
  CHECK(fresh.as_of != std::chrono::system_clock::time_point{});
  auto expected = direct->listVms();
  REQUIRE(expected.ok());
  CHECK(describeAll(*vms) == describeAll(*expected));
  CHECK(vms->size() >= 6);

  VmFilter by_cluster;
  by_cluster.cluster = "DC0_C1";
  CHECK(describeAll(*live->listVms(by_cluster)) == describeAll(*direct->listVms(by_cluster)));
  VmFilter brief_names;
  brief_names.name = "DC0_C0_*";
  CHECK(describeAll(*live->listVms(brief_names, VmDetail::kBrief)) ==
        describeAll(*direct->listVms(brief_names, VmDetail::kBrief)));

  auto hosts = live->listHosts();
  REQUIRE(hosts.ok());
  CHECK(hosts->size() == direct->listHosts()->size());
  for (size_t i = 0; i < hosts->size(); ++i) {
    CHECK((*hosts)[i].name == (*direct->listHosts())[i].name);
    CHECK((*hosts)[i].cluster == (*direct->listHosts())[i].cluster);
    CHECK((*hosts)[i].vm_count == (*direct->listHosts())[i].vm_count);
  }
  CHECK(live->listClusters()->size() == 2);
  CHECK(live->listDatastores()->size() == direct->listDatastores()->size());
  CHECK(live->listNetworks()->size() == direct->listNetworks()->size());
  CHECK(live->listResourcePools()->size() == direct->listResourcePools()->size());
  CHECK(live->listFolders()->size() == direct->listFolders()->size());
  CHECK(live->listDatacenters()->front().path == "/DC0");

  // Lookups by name, id, inventory path and UUID.
  const VmSummary& vm = vms->front();
  CHECK(describe(*live->getVm(Locator::name(vm.name))) == describe(vm));
  CHECK(live->getVm(Locator::any(vm.ref.value))->name == vm.name);
  CHECK(live->getVm(Locator::any(vm.folder_path + "/" + vm.name))->ref == vm.ref);
  CHECK(live->getVm(Locator::any(vm.uuid))->ref == vm.ref);
  CHECK(live->getHost(Locator::any("DC0_C1_H0"))->name == "DC0_C1_H0");
  CHECK(live->getCluster(Locator::any("/DC0/host/DC0_C1"))->name == "DC0_C1");
  auto missing = live->getVm(Locator::any("no-such-vm"));
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == ErrorCode::kNotFound);
  CHECK(missing.status().message().find("no-such-vm") != std::string::npos);
  auto wrong_kind = live->getVm(Locator::path("/DC0/host/DC0_C1"));
  REQUIRE_FALSE(wrong_kind.ok());
  CHECK(wrong_kind.status().code() == ErrorCode::kInvalidArgument);

  CHECK(counter.count("RetrievePropertiesEx") == reads_before);
  CHECK(counter.count("FindByUuid") == 0);
  CHECK(counter.count("FindByInventoryPath") == 0);

  auto status = live->liveInventoryStatus();
  CHECK(status.state == "live");
  CHECK(status.vms == vms->size());
  CHECK(status.hosts == hosts->size());
}

TEST_CASE("a change made through another session reaches the live inventory and its listener") {
  Vcsim sim;
  CallCounter counter;
  ChangeLog changes;
  auto live = liveClient(sim, counter, &changes);
  auto other = sim.connect();
  auto vm = other->getVm(Locator::name("DC0_H0_VM0"));
  REQUIRE(vm.ok());
  REQUIRE(vm->power_state == PowerState::kPoweredOn);
  const int reads_before = counter.count("RetrievePropertiesEx");

  REQUIRE(other->powerOff(vm->ref).ok());
  const bool told = changes.waitFor(std::chrono::seconds(2), [&](const InventoryChanges&, const InventoryChange& c) {
    return c.ref == vm->ref && c.kind == InventoryChange::Kind::kModify &&
           std::count(c.properties.begin(), c.properties.end(), "runtime.powerState") > 0;
  });
  CHECK(told);
  auto now = live->getVm(Locator::name("DC0_H0_VM0"));
  REQUIRE(now.ok());
  CHECK(now->power_state == PowerState::kPoweredOff);
  CHECK(counter.count("RetrievePropertiesEx") == reads_before);

  // Destroyed elsewhere: it leaves the listing.
  REQUIRE(other->destroyVm(vm->ref).ok());
  CHECK(changes.waitFor(std::chrono::seconds(2), [&](const InventoryChanges&, const InventoryChange& c) {
    return c.ref == vm->ref && c.kind == InventoryChange::Kind::kLeave && c.name == "DC0_H0_VM0";
  }));
  auto after = live->listVms();
  REQUIRE(after.ok());
  CHECK(std::none_of(after->begin(), after->end(), [&](const VmSummary& v) { return v.ref == vm->ref; }));
  CHECK(live->getVm(Locator::name("DC0_H0_VM0")).status().code() == ErrorCode::kNotFound);
}

TEST_CASE("a shared VM listing makes each VM as listVms does and stays as it was listed") {
  Vcsim sim;
  CallCounter counter;
  ChangeLog changes;
  auto live = liveClient(sim, counter, &changes);
  auto direct = sim.connect();
  const int reads_before = counter.count("RetrievePropertiesEx");
  Freshness fresh;
  auto listing = live->listVmsShared({}, VmDetail::kFull, &fresh);
  REQUIRE(listing.ok());
  CHECK(listing->shared());
  CHECK(fresh.live);
  auto expected = direct->listVms();
  REQUIRE(expected.ok());
  REQUIRE(listing->size() == expected->size());
  for (size_t i = 0; i < listing->size(); ++i) CHECK(describe(listing->at(i)) == describe((*expected)[i]));
  VmFilter by_host;
  by_host.host = "DC0_H0";
  auto on_host = live->listVmsShared(by_host, VmDetail::kBrief);
  REQUIRE(on_host.ok());
  auto on_host_direct = direct->listVms(by_host, VmDetail::kBrief);
  REQUIRE(on_host->size() == on_host_direct->size());
  CHECK(on_host->size() > 0);
  for (size_t i = 0; i < on_host->size(); ++i) CHECK(describe(on_host->at(i)) == describe((*on_host_direct)[i]));
  CHECK(counter.count("RetrievePropertiesEx") == reads_before);

  // Changed elsewhere: the listing keeps the VM as it was; a new listing shows the change.
  size_t at = listing->size();
  for (size_t i = 0; i < listing->size(); ++i)
    if (listing->at(i).name == "DC0_H0_VM0") at = i;
  REQUIRE(at < listing->size());
  const VmSummary vm = listing->at(at);
  REQUIRE(vm.power_state == PowerState::kPoweredOn);
  REQUIRE(direct->powerOff(vm.ref).ok());
  REQUIRE(changes.waitFor(std::chrono::seconds(2), [&](const InventoryChanges&, const InventoryChange& c) {
    return c.ref == vm.ref && c.kind == InventoryChange::Kind::kModify;
  }));
  CHECK(listing->at(at).power_state == PowerState::kPoweredOn);
  VmFilter named;
  named.name = "DC0_H0_VM0";
  auto now = live->listVmsShared(named);
  REQUIRE(now.ok());
  REQUIRE(now->size() == 1);
  CHECK(now->at(0).power_state == PowerState::kPoweredOff);

  // Without a live inventory the listing is the direct read's own.
  auto own = direct->listVmsShared();
  REQUIRE(own.ok());
  CHECK_FALSE(own->shared());
  CHECK(own->size() == listing->size());
}

TEST_CASE("a read after a change through the same client sees the change") {
  Vcsim sim;
  CallCounter counter;
  auto live = liveClient(sim, counter);
  auto vm = live->getVm(Locator::name("DC0_C0_RP0_VM1"));
  REQUIRE(vm.ok());
  REQUIRE(vm->power_state == PowerState::kPoweredOn);
  REQUIRE(live->powerOff(vm->ref).ok());
  Freshness fresh;
  auto now = live->getVm(Locator::name("DC0_C0_RP0_VM1"), &fresh);
  REQUIRE(now.ok());
  CHECK(now->power_state == PowerState::kPoweredOff);
  CHECK(fresh.live);
  REQUIRE(live->powerOn(vm->ref).ok());
  VmFilter on;
  on.power_state = PowerState::kPoweredOn;
  on.name = "DC0_C0_RP0_VM1";
  CHECK(live->listVms(on)->size() == 1);
}

TEST_CASE("the live inventory resyncs after the simulator restarts, and answers directly meanwhile") {
  auto sim = std::make_unique<Vcsim>(std::vector<std::string>{"-tls=false"});
  const std::string url = sim->url();
  const std::string host_port = url.substr(url.find("://") + 3, url.find("/sdk") - url.find("://") - 3);
  CallCounter counter;
  ChangeLog changes;
  ConnectionOptions o = sim->options();
  counter.attach(o);
  o.retry_backoff = std::chrono::milliseconds(50);
  auto created = Client::connect(o);
  REQUIRE(created.ok());
  auto live = std::move(created).value();
  LiveInventoryOptions lo;
  lo.max_wait = std::chrono::seconds(5);
  lo.retry_min = std::chrono::milliseconds(50);
  lo.retry_max = std::chrono::milliseconds(500);
  changes.attach(lo);
  REQUIRE(live->startLiveInventory(lo).ok());
  REQUIRE(live->waitForLiveInventory(std::chrono::seconds(30)));

  // Power a VM off, then restart the simulator: its fresh model has the VM on again.
  auto vm = live->getVm(Locator::name("DC0_H0_VM1"));
  REQUIRE(vm.ok());
  REQUIRE(live->powerOff(vm->ref).ok());
  REQUIRE(live->getVm(Locator::name("DC0_H0_VM1"))->power_state == PowerState::kPoweredOff);
  sim.reset();
  sim = std::make_unique<Vcsim>(std::vector<std::string>{"-tls=false", "-listen", host_port});
  REQUIRE(sim->url() == url);

  // The feed notices, reloads, and reports the difference as a resync batch.
  CHECK(changes.waitFor(std::chrono::seconds(30), [&](const InventoryChanges& b, const InventoryChange& c) {
    return b.resync && c.ref == vm->ref && c.kind == InventoryChange::Kind::kModify;
  }));
  REQUIRE(live->waitForLiveInventory(std::chrono::seconds(30)));
  auto status = live->liveInventoryStatus();
  CHECK(status.resyncs >= 1);
  CHECK_FALSE(status.last_error.empty());
  Freshness fresh;
  auto again = live->getVm(Locator::name("DC0_H0_VM1"), &fresh);
  REQUIRE(again.ok());
  CHECK(again->power_state == PowerState::kPoweredOn);
  CHECK(fresh.live);
}
