// The live inventory's public types: its options, its state, the changes it reports and how
// fresh an answer is. The inventory itself belongs to a Client (Client::startLiveInventory).
//
// A long-running program (mcp-server, rest-gateway) keeps the inventory live from vCenter's own
// change feed: one PropertyCollector filter over a ContainerView of the whole inventory, read
// with WaitForUpdatesEx, feeds an in-memory copy of every VM, host, cluster, compute resource,
// datacenter, datastore, network, resource pool and folder with the properties their listings
// return. While it is in sync, the Client's lists, gets and locator lookups answer from memory;
// otherwise (starting, resyncing after a lost session or a vCenter restart) they read vCenter
// directly, as a one-shot program always does.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "vsphere/types.hpp"

namespace vsmcp::vsphere {

// How fresh an answer is. `live`: from the live inventory, current as of `as_of` (the change
// feed was listening then and had delivered everything before it); else read from vCenter at
// `as_of`.
struct Freshness {
  bool live = false;
  std::chrono::system_clock::time_point as_of{};
  std::string version;  // live: the change feed's version
};

// One object that entered, changed or left the inventory.
struct InventoryChange {
  enum class Kind { kEnter, kModify, kLeave };
  Kind kind = Kind::kModify;
  MoRef ref;
  std::string name;                     // the object's name (before it left, for kLeave)
  std::string old_name;                 // kModify: the name before, when it changed; else ""
  std::vector<std::string> properties;  // kModify: the properties that changed
};
std::string_view changeKindName(InventoryChange::Kind kind);  // "enter", "modify", "leave"

// A batch of changes the feed applied at once. After a resync (a lost session, a vCenter
// restart), `resync` is true and the batch holds the difference between the inventory before
// and after it.
struct InventoryChanges {
  std::vector<InventoryChange> changes;
  bool resync = false;
  // The first full load just finished (`changes` is empty): reads now answer from memory.
  bool loaded = false;
};

struct LiveInventoryOptions {
  // How long one WaitForUpdatesEx call may wait for a change before it returns empty; kept
  // below the connection's request timeout.
  std::chrono::seconds max_wait{20};
  // After a failure (lost session, vCenter down) the feed starts over after this delay, doubled
  // per failure up to retry_max.
  std::chrono::milliseconds retry_min{200};
  std::chrono::milliseconds retry_max{15000};
  // A read made after a change through this client waits at most this long for the feed to
  // deliver that change (read-your-writes), else reads vCenter directly.
  std::chrono::milliseconds write_fence_timeout{2000};
  // Told of every batch of changes, on the feed's thread, after the batch is visible to reads.
  // Must be quick, thread-safe and must not throw. The first full load is told as one batch
  // with `loaded` set and no changes.
  std::function<void(const InventoryChanges&)> on_change;
};

struct LiveInventoryStatus {
  // "off" (never started or stopped), "syncing" (first load), "live" (in sync),
  // "resyncing" (lost the feed; lists read vCenter directly until it is back).
  std::string state = "off";
  bool in_sync = false;
  std::string version;
  std::size_t objects = 0;
  std::size_t vms = 0;
  std::size_t hosts = 0;
  std::uint64_t updates = 0;  // WaitForUpdatesEx replies that carried changes
  std::uint64_t resyncs = 0;  // full loads after the first
  std::chrono::system_clock::time_point as_of{};       // see Freshness
  std::chrono::system_clock::time_point last_change{};  // when a change was last applied
  std::string last_error;  // why the feed last failed ("" if it never did); never secrets
};

}  // namespace vsmcp::vsphere
