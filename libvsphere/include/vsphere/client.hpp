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
  Result<std::vector<VmSummary>> listVms(const VmFilter& filter = {},
                                         VmDetail detail = VmDetail::kFull);
  Result<VmSummary> getVm(const Locator& vm);
  Result<std::vector<HostSummary>> listHosts(const HostFilter& filter = {});
  Result<HostSummary> getHost(const Locator& host);
  Result<std::vector<ClusterSummary>> listClusters(const NameFilter& filter = {});
  Result<ClusterSummary> getCluster(const Locator& cluster);
  Result<std::vector<DatacenterSummary>> listDatacenters(const NameFilter& filter = {});
  Result<DatacenterSummary> getDatacenter(const Locator& datacenter);
  Result<std::vector<DatastoreSummary>> listDatastores(const NameFilter& filter = {});
  Result<DatastoreSummary> getDatastore(const Locator& datastore);
  // Standard, distributed (and, by locator, opaque) networks.
  Result<std::vector<NetworkSummary>> listNetworks(const NameFilter& filter = {});
  Result<NetworkSummary> getNetwork(const Locator& network);
  Result<std::vector<ResourcePoolSummary>> listResourcePools(const NameFilter& filter = {});
  Result<ResourcePoolSummary> getResourcePool(const Locator& pool);
  Result<std::vector<FolderSummary>> listFolders(const NameFilter& filter = {});
  Result<FolderSummary> getFolder(const Locator& folder);
  // The get* lookups accept any locator (see resolve) and return the object as its listing
  // shows it, or NotFound naming the locator.
  // Resolves any locator to a managed object of `type` ("VirtualMachine", "HostSystem",
  // "Folder", "ResourcePool", "Datastore", "Network", "ClusterComputeResource", ...).
  // Locator::any guesses the kind; when the guess finds nothing it tries a name for an
  // id-like value ("web-01") and an id for a number (ESXi's "3").
  Result<MoRef> resolve(std::string_view type, const Locator& locator);

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
