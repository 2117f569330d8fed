// vsphere::Client: one logged-in session with a vCenter Server or a standalone ESXi host.
//
// Construction logs in (Client::connect); the destructor logs out. Every method is a blocking
// call that returns Status/Result: network, TLS, login and vSphere faults are values, never
// exceptions. Inventory reads use the PropertyCollector over ContainerViews and page with
// ContinueRetrievePropertiesEx, so listing N objects costs a constant number of round trips.
//
// Thread safety: a Client is thread-safe; calls from several threads share the session and
// run concurrently on separate keep-alive connections. If the session expires
// (NotAuthenticated), the client logs in again once and retries the call.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vsmcp/result.hpp"
#include "vsphere/http_transport.hpp"
#include "vsphere/live.hpp"
#include "vsphere/types.hpp"

namespace vsmcp::vsphere {

class RestClient;

struct ConnectionOptions {
  std::string url;       // "https://vcenter.example.com/sdk" or just the host name
  std::string username;  // required
  std::string password;  // required; never logged
  bool insecure = false; // skip TLS verification (warns); prefer ca_bundle or thumbprint
  std::string ca_bundle;   // PEM file of trusted CAs; "" = system store
  std::string thumbprint;  // SHA-256 certificate pin, "AB:CD:..." (64 hex digits)
  std::chrono::milliseconds connect_timeout{10000};   // TCP + TLS handshake
  std::chrono::milliseconds request_timeout{120000};  // one SOAP call
  int max_retries = 2;                                // for idempotent reads only
  std::chrono::milliseconds retry_backoff{200};       // first backoff, doubled per retry
  std::chrono::milliseconds keepalive_interval{0};    // >0: ping the session this often
  int page_size = 1000;  // objects per RetrievePropertiesEx page (maxObjects)
  std::string user_agent = "vsmcp/0.1";
  // Resume this session (a value sessionCookie() returned) instead of logging in; when it has
  // expired, connect logs in with username/password if a password is given, else fails with
  // kUnauthenticated. Never logged.
  std::string session_cookie;
  bool logout_on_close = true;  // false: the destructor leaves the session open (to resume it)
  // Observer of vCenter calls, e.g. for metrics; empty = none. Called after every SOAP round
  // trip (login included) with the vim25 method name ("RetrievePropertiesEx"), or after every
  // REST round trip of a RestClient with a fixed name ("rest:tagging.tag.get"), the time from
  // sending the request to a parsed reply, and the outcome (a fault or transport error is a
  // failed Status). Called on the thread that made the call (listings and the keepalive use
  // threads of their own): must be thread-safe and quick, and must not throw. Never given
  // secrets.
  std::function<void(std::string_view method, std::chrono::microseconds duration,
                     const Status& outcome)>
      on_call;
};

// The transport settings of a connection (URL, TLS trust, timeouts, retries, user agent).
TransportOptions transportOptions(const ConnectionOptions& options);

// A VM listing (Client::listVmsShared) that makes each VM when it is read: at(i) is the i-th VM
// of what listVms would return, sorted the same way. What it shares never changes, so it stays
// as it was when listed however the inventory changes. Cheap to copy; thread-safe.
class VmListing {
 public:
  VmListing() = default;
  std::size_t size() const;
  VmSummary at(std::size_t i) const;
  // True when it shares the live inventory's records; false when it holds its own copy of a
  // direct read (then keeping it costs what the VMs do).
  bool shared() const;

  struct Rep;

 private:
  friend class Client;
  std::shared_ptr<const Rep> rep_;
};

class Client {
 public:
  // Connects, reads the ServiceContent and logs in.
  static Result<std::unique_ptr<Client>> connect(const ConnectionOptions& options);
  // Same, over a caller-supplied transport (tests use a fake).
  static Result<std::unique_ptr<Client>> connect(const ConnectionOptions& options,
                                                 std::unique_ptr<HttpTransport> transport);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  const AboutInfo& about() const;
  // The options this client was connected with. They hold the password: never log them.
  const ConnectionOptions& options() const;
  bool isVCenter() const { return about().isVCenter(); }
  // This connection's vAPI REST client (tags, content libraries; rest_client.hpp), made on
  // first use and kept, with its one REST session, until the Client goes. Thread-safe.
  // kUnsupported on a standalone ESXi host.
  Result<RestClient*> rest();
  Status logout();
  // The session cookie, to resume the session later (ConnectionOptions::session_cookie).
  // A secret: store it like a password.
  std::string sessionCookie() const;
  // Cheap call that keeps the session alive and tells whether it still is.
  Status ping();

  // --- inventory ---
  // Every list and get answers from the live inventory while it is in sync (see
  // startLiveInventory), else reads vCenter. `freshness`, if given, learns which and when.
  Result<std::vector<VmSummary>> listVms(const VmFilter& filter = {},
                                         VmDetail detail = VmDetail::kFull,
                                         Freshness* freshness = nullptr);
  // The same listing, each VM made when it is read (VmListing::at). From the live inventory it
  // shares the inventory's records instead of copying them: a pointer per VM, so a listing kept
  // for paging costs next to nothing and its first page only the VMs on it.
  Result<VmListing> listVmsShared(const VmFilter& filter = {}, VmDetail detail = VmDetail::kFull,
                                  Freshness* freshness = nullptr);
  // Streams every VM matching `filter` to `visit` as the pages arrive from vCenter, unsorted,
  // without holding the listing: memory follows a page (a part of one), not the inventory. The
  // VMs are those listVms returns, each once, decoded and named the same way. `visit` runs on
  // the calling thread while the reply is read (its time counts towards request_timeout); an
  // error from it stops the listing (the rest of the page is read, not visited) and is
  // returned. Reads vCenter, never the live inventory.
  Status visitVms(const VmFilter& filter, VmDetail detail,
                  const std::function<Status(const VmSummary&)>& visit);
  Result<VmSummary> getVm(const Locator& vm, Freshness* freshness = nullptr);
  Result<std::vector<HostSummary>> listHosts(const HostFilter& filter = {}, Freshness* freshness = nullptr);
  Result<HostSummary> getHost(const Locator& host, Freshness* freshness = nullptr);
  Result<std::vector<ClusterSummary>> listClusters(const NameFilter& filter = {},
                                                   Freshness* freshness = nullptr);
  Result<ClusterSummary> getCluster(const Locator& cluster, Freshness* freshness = nullptr);
  Result<std::vector<DatacenterSummary>> listDatacenters(const NameFilter& filter = {},
                                                         Freshness* freshness = nullptr);
  Result<DatacenterSummary> getDatacenter(const Locator& datacenter, Freshness* freshness = nullptr);
  Result<std::vector<DatastoreSummary>> listDatastores(const NameFilter& filter = {},
                                                       Freshness* freshness = nullptr);
  Result<DatastoreSummary> getDatastore(const Locator& datastore, Freshness* freshness = nullptr);
  // Standard, distributed (and, by locator, opaque) networks.
  Result<std::vector<NetworkSummary>> listNetworks(const NameFilter& filter = {},
                                                   Freshness* freshness = nullptr);
  Result<NetworkSummary> getNetwork(const Locator& network, Freshness* freshness = nullptr);
  Result<std::vector<ResourcePoolSummary>> listResourcePools(const NameFilter& filter = {},
                                                             Freshness* freshness = nullptr);
  Result<ResourcePoolSummary> getResourcePool(const Locator& pool, Freshness* freshness = nullptr);
  Result<std::vector<FolderSummary>> listFolders(const NameFilter& filter = {},
                                                 Freshness* freshness = nullptr);
  Result<FolderSummary> getFolder(const Locator& folder, Freshness* freshness = nullptr);
  // The get* lookups accept any locator (see resolve) and return the object as its listing
  // shows it, or NotFound naming the locator.
  // Resolves any locator to a managed object of `type` ("VirtualMachine", "HostSystem",
  // "Folder", "ResourcePool", "Datastore", "Network", "ClusterComputeResource", ...).
  // Locator::any guesses the kind; when the guess finds nothing it tries a name for an
  // id-like value ("web-01") and an id for a number (ESXi's "3").
  Result<MoRef> resolve(std::string_view type, const Locator& locator);

  // --- live inventory (live.hpp) ---
  // Starts keeping the inventory live in the background and returns at once; reads use it as
  // soon as its first load is done. For long-running programs: it holds one connection in a
  // long poll and costs memory per object (docs/architecture.md gives the measured figure).
  // kInvalidArgument if already started.
  Status startLiveInventory(LiveInventoryOptions options = {});
  // Stops the feed (idempotent); reads go to vCenter again. The destructor calls it.
  void stopLiveInventory();
  LiveInventoryStatus liveInventoryStatus() const;
  // Waits until the live inventory is in sync; false on timeout or when it is not started.
  bool waitForLiveInventory(std::chrono::milliseconds timeout);
  // Something changed through another session of this program (rest-gateway's logins): the
  // next live read waits until the feed has caught up, and re-reads `entity` if given. Changes
  // through this client are noted by itself. No effect without a live inventory.
  void noteWrite(const MoRef& entity = {});

  // --- tasks ---
  Result<TaskInfo> taskInfo(const MoRef& task);
  Result<TaskInfo> waitForTask(const MoRef& task, const TaskOptions& options = {});
  Status cancelTask(const MoRef& task);
  Result<std::vector<TaskInfo>> recentTasks(const MoRef& entity = {});

  // --- VM power ---
  Result<TaskInfo> powerOn(const MoRef& vm, const TaskOptions& options = {});
  Result<TaskInfo> powerOff(const MoRef& vm, const TaskOptions& options = {});
  Result<TaskInfo> reset(const MoRef& vm, const TaskOptions& options = {});
  Result<TaskInfo> suspend(const MoRef& vm, const TaskOptions& options = {});
  Status shutdownGuest(const MoRef& vm);  // needs VMware Tools; returns once requested
  Status rebootGuest(const MoRef& vm);

  // --- snapshots ---
  Result<SnapshotTree> snapshots(const MoRef& vm);
  Result<TaskInfo> createSnapshot(const MoRef& vm, const std::string& name,
                                  const std::string& description, bool memory, bool quiesce,
                                  const TaskOptions& options = {});
  // snapshot: name or moref; "" = the current snapshot.
  Result<TaskInfo> revertToSnapshot(const MoRef& vm, const std::string& snapshot,
                                    const TaskOptions& options = {});
  Result<TaskInfo> removeSnapshot(const MoRef& vm, const std::string& snapshot,
                                  bool remove_children, const TaskOptions& options = {});
  Result<TaskInfo> removeAllSnapshots(const MoRef& vm, const TaskOptions& options = {});
  // Finds a snapshot by name (error if none or ambiguous) or moref value.
  Result<MoRef> findSnapshot(const MoRef& vm, const std::string& snapshot);

  // --- lifecycle ---
  Result<TaskInfo> cloneVm(const MoRef& source, const CloneSpec& spec,
                           const TaskOptions& options = {});
  Result<TaskInfo> createVm(const CreateVmSpec& spec, const TaskOptions& options = {});
  // Where a new VM goes when no resource pool is given: the root pool of `host`'s compute
  // resource, or with no host, of the first cluster (else the first standalone host).
  Result<MoRef> defaultResourcePool(const MoRef& host = {});
  Result<TaskInfo> destroyVm(const MoRef& vm, const TaskOptions& options = {});
  Result<TaskInfo> reconfigureVm(const MoRef& vm, const ReconfigureSpec& spec,
                                 const TaskOptions& options = {});
  Status markAsTemplate(const MoRef& vm);
  // pool: locator of the resource pool for the VM; "" = first pool of the datacenter.
  Status markAsVirtualMachine(const MoRef& vm, const std::string& pool, const std::string& host);
  Result<TaskInfo> relocateVm(const MoRef& vm, const RelocateSpec& spec,
                              const TaskOptions& options = {});

  // --- hosts ---
  Result<TaskInfo> enterMaintenanceMode(const MoRef& host, int timeout_seconds,
                                        const TaskOptions& options = {});
  Result<TaskInfo> exitMaintenanceMode(const MoRef& host, int timeout_seconds,
                                       const TaskOptions& options = {});

  // --- performance and events ---
  Result<std::vector<PerfCounterInfo>> perfCounters();
  Result<std::vector<PerfSeries>> queryPerf(const MoRef& entity, const PerfQuery& query);
  Result<std::vector<EventInfo>> events(const MoRef& entity, int max_count = 100);

  // --- alarms (vCenter's AlarmManager; kUnsupported on standalone ESXi) ---
  // Triggered (red, yellow) alarms of the whole inventory, as the root folder's
  // triggeredAlarmState holds them, with entity and alarm names and the entities' inventory
  // paths. With query.entity, only those on that entity and below it: its inventory subtree,
  // and for a host, cluster or resource pool the VMs it runs. query.declared adds the state of
  // every alarm that applies to those entities and is not triggered (green, gray): one per
  // alarm and entity, large on a big inventory. Red first, then yellow, green, gray; newest
  // first within a status. Round trips: 5 (8 with declared; 1 when nothing is triggered and
  // declared is not set), whatever the inventory's size.
  Result<std::vector<AlarmStateInfo>> listAlarms(const AlarmQuery& query = {});
  // The triggered alarm that `alarm` names: the key of its state as listAlarms gives it
  // ("alarm-12.vm-42"), or the id ("alarm-12") or name of an alarm triggered on `entity` itself
  // (without entity: on exactly one entity). kNotFound, naming what is triggered, if none.
  Result<AlarmStateInfo> findTriggeredAlarm(const std::string& alarm, const MoRef& entity = {});
  // Acknowledges that alarm (AcknowledgeAlarm): its actions do not run again until it has been
  // green. Returns its state afterwards (acknowledged, by whom, when).
  Result<AlarmStateInfo> acknowledgeAlarm(const std::string& alarm, const MoRef& entity = {});
  // Resets that alarm to green (SetAlarmStatus, vCenter's "Reset to green"): it leaves the
  // triggered alarms until its condition triggers it again. Returns its state before the reset.
  Result<AlarmStateInfo> resetAlarm(const std::string& alarm, const MoRef& entity = {});
  // Any managed entity (an alarm's subject): an inventory path ("/DC0/vm/web-01", "/" for the
  // root folder), "Type:id" ("HostSystem:host-12"), an id ("vm-42"), a UUID, or a name that one
  // entity has (VMs, hosts, clusters, datacenters, datastores, networks, pools, folders).
  Result<MoRef> resolveEntity(const Locator& locator);

  // --- custom attributes (vCenter's CustomFieldsManager; kUnsupported on standalone ESXi) ---
  // The key of the custom field `name` that applies to `managed_type` ("VirtualMachine"; ""
  // = a global field, for every type), defining it if there is none (a global field of that
  // name counts).
  Result<int> ensureCustomField(const std::string& name,
                                const std::string& managed_type = "VirtualMachine");
  // Sets `field` on `entity` to `value`, defining the field for the entity's type when
  // missing. kNotFound naming the entity if it does not exist.
  Status setCustomValue(const MoRef& entity, const std::string& field, const std::string& value);
  // The entity's custom values by field name (1 round trip).
  Result<std::map<std::string, std::string>> customValues(const MoRef& entity);
  // Every VM and template with a non-empty value for `field`, with the value, sorted by id;
  // empty if no such field is defined. A constant number of round trips (4), whatever the
  // number of VMs.
  Result<std::vector<std::pair<MoRef, std::string>>> findByCustomValue(const std::string& field);

  class Impl;

 private:
  Result<MoRef> resolveAs(std::string_view type, Locator::Kind kind, const std::string& value);
  explicit Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vsmcp::vsphere
