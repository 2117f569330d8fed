// A standalone ESXi host (the simulator's -esx mode): no vCenter, no clusters.
#include <catch2/catch.hpp>

#include "vcsim.hpp"

using namespace vsmcp;
using namespace vsmcp::vsphere;
using vsmcp::testing::Vcsim;

TEST_CASE("a standalone ESXi host is detected and its inventory listed") {
  Vcsim sim({"-esx"});
  auto client = sim.connect();
  CHECK_FALSE(client->isVCenter());
  CHECK(client->about().api_type == "HostAgent");
  auto vms = client->listVms();
  REQUIRE(vms.ok());
  CHECK(vms->size() == 2);
  auto hosts = client->listHosts();
  REQUIRE(hosts.ok());
  REQUIRE(hosts->size() == 1);
  CHECK(client->listClusters()->empty());
  CHECK(client->listDatastores()->size() == 1);
  CHECK_FALSE(client->listNetworks()->empty());
}

TEST_CASE("operations work on a standalone ESXi host") {
  Vcsim sim({"-esx"});
  auto a = sim.connect();
  auto b = sim.connect();
  auto vms = a->listVms();
  REQUIRE(vms.ok());
  REQUIRE_FALSE(vms->empty());
  const MoRef ref = (*vms)[0].ref;
  // The VM is found by its bare id too (ESXi ids are numbers on real hosts).
  auto by_id = b->getVm(Locator::any(ref.value));
  REQUIRE(by_id.ok());
  CHECK(by_id->ref == ref);
  auto off = a->powerOff(ref);
  INFO(off.status().toString());
  REQUIRE(off.ok());
  CHECK(b->getVm(Locator::moref(ref.value))->power_state == PowerState::kPoweredOff);
  REQUIRE(a->createSnapshot(ref, "esx-snap", "", false, false).ok());
  CHECK(b->snapshots(ref)->roots.size() == 1);

  CreateVmSpec spec;
  spec.name = "esx-new";
  spec.memory_mb = 512;
  auto created = a->createVm(spec);
  INFO(created.status().toString());
  REQUIRE(created.ok());
  CHECK(b->getVm(Locator::name("esx-new"))->memory_mb == 512);
  auto host = a->listHosts();
  REQUIRE(host.ok());
  auto series = a->queryPerf((*host)[0].ref, PerfQuery{});
  CHECK(series.ok());
}
