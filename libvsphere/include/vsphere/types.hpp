// Typed values that libvsphere returns and accepts. Plain data: copyable, no behaviour
// beyond small helpers; safe to share between threads once built.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vsmcp/glob.hpp"

namespace vsmcp::vsphere {

// A managed object reference, e.g. {"VirtualMachine", "vm-42"}.
struct MoRef {
  std::string type;
  std::string value;
  bool empty() const { return value.empty(); }
  bool operator==(const MoRef& o) const { return type == o.type && value == o.value; }
  bool operator!=(const MoRef& o) const { return !(*this == o); }
  std::string toString() const { return type + ":" + value; }
};

// From ServiceContent.about.
struct AboutInfo {
  std::string name;           // "VMware vCenter Server" / "VMware ESXi"
  std::string full_name;
  std::string vendor;
  std::string version;        // product version, e.g. "8.0.2"
  std::string build;
  std::string api_type;       // "VirtualCenter" or "HostAgent"
  std::string api_version;    // e.g. "8.0.2.0"
  std::string instance_uuid;  // vCenter only
  bool isVCenter() const { return api_type == "VirtualCenter"; }
};

enum class PowerState { kUnknown = 0, kPoweredOn, kPoweredOff, kSuspended };
std::string_view powerStateName(PowerState state);  // "poweredOn", ...
std::optional<PowerState> parsePowerState(std::string_view name);  // accepts "on"/"poweredOn"...

struct VmSummary {
  MoRef ref;
  std::string name;
  PowerState power_state = PowerState::kUnknown;
  std::string guest_id;         // config.guestId, e.g. "otherGuest64"
  std::string guest_full_name;  // config.guestFullName
  int num_cpu = 0;
  std::int64_t memory_mb = 0;
  MoRef host;
  std::string host_name;
  std::string cluster;  // name of the cluster (or standalone compute resource)
  std::vector<std::string> datastores;
  std::vector<std::string> networks;      // names of the networks its NICs use
  std::string ip_address;                 // guest.ipAddress (primary)
  std::vector<std::string> ip_addresses;  // all guest NIC addresses
  std::string tools_status;               // guest.toolsStatus, e.g. "toolsOk"
  std::string tools_running_status;       // guest.toolsRunningStatus
  std::string uuid;                       // config.uuid (BIOS UUID)
  std::string instance_uuid;              // config.instanceUuid
  std::string folder_path;                // inventory path of the parent folder
  bool is_template = false;
  MoRef resource_pool;
  std::string annotation;
  std::string overall_status;  // green/yellow/red/gray
};

struct HostSummary {
  MoRef ref;
  std::string name;
  std::string connection_state;  // connected / disconnected / notResponding
  std::string power_state;       // poweredOn / poweredOff / standBy / unknown
  bool in_maintenance_mode = false;
  std::string cluster;     // cluster or compute resource name
  MoRef compute_resource;  // the cluster or standalone compute resource holding the host
  std::string datacenter;
  int cpu_cores = 0;
  int cpu_threads = 0;
  std::int64_t cpu_mhz_total = 0;  // cores * MHz per core
  std::int64_t cpu_mhz_used = 0;
  std::int64_t memory_mb_total = 0;
  std::int64_t memory_mb_used = 0;
  std::string version;  // product version
  std::string build;
  std::string product_name;
  int vm_count = 0;
  std::string overall_status;
};

struct ClusterSummary {
  MoRef ref;
  std::string name;
  std::string datacenter;
  bool drs_enabled = false;
  std::string drs_behavior;  // manual / partiallyAutomated / fullyAutomated
  bool ha_enabled = false;
  int num_hosts = 0;
  int num_effective_hosts = 0;
  std::int64_t total_cpu_mhz = 0;
  std::int64_t total_memory_mb = 0;
  std::int64_t effective_cpu_mhz = 0;
  std::int64_t effective_memory_mb = 0;
  std::string overall_status;
};

struct DatacenterSummary {
  MoRef ref;
  std::string name;
  std::string path;
};

struct DatastoreSummary {
  MoRef ref;
  std::string name;
  std::string type;  // VMFS / NFS / vsan / OTHER ...
  std::int64_t capacity_bytes = 0;
  std::int64_t free_bytes = 0;
  bool accessible = false;
  std::string url;
  std::string maintenance_mode;
  std::string datacenter;
  int vm_count = 0;
};

struct NetworkSummary {
  MoRef ref;
  std::string name;
  std::string kind;  // "standard", "distributed" or "opaque"
  bool accessible = true;
  std::string datacenter;
  int host_count = 0;
  int vm_count = 0;
};

struct ResourcePoolSummary {
  MoRef ref;
  std::string name;
  std::string path;  // inventory path
  MoRef parent;
  std::string owner;  // cluster / compute resource name
  int vm_count = 0;
};

struct FolderSummary {
  MoRef ref;
  std::string name;
  std::string path;
  std::vector<std::string> child_types;  // e.g. {"Folder","VirtualMachine"}
  int child_count = 0;
};

// How much of each VM to read. kState reads name, power state, host and the template flag
// (4 properties: enough to count VMs by state, host and cluster); kBrief reads name, power
// state, host, guest id, CPUs, memory and primary IP (7 properties, the fast listing); kFull
// reads everything in VmSummary. Host and cluster names are filled in at every level.
enum class VmDetail { kState, kBrief, kFull };

// Filters. Empty string / nullopt = no restriction. Globs use * and ?.
struct VmFilter {
  std::string name;     // glob on the VM name
  std::optional<PowerState> power_state;
  std::string host;     // host name (glob)
  std::string cluster;  // cluster name (glob)
  std::string folder;   // folder inventory path prefix, e.g. "/DC0/vm/prod"
  std::optional<bool> is_template;
};

struct HostFilter {
  std::string name;
  std::string cluster;
  std::optional<bool> in_maintenance_mode;
};

struct NameFilter {
  std::string name;  // glob
};

// How to find one object: by name, inventory path, managed object id or UUID.
struct Locator {
  enum class Kind { kAuto, kName, kPath, kMoref, kUuid };
  Kind kind = Kind::kAuto;
  std::string value;

  static Locator name(std::string v) { return {Kind::kName, std::move(v)}; }
  static Locator path(std::string v) { return {Kind::kPath, std::move(v)}; }
  static Locator moref(std::string v) { return {Kind::kMoref, std::move(v)}; }
  static Locator uuid(std::string v) { return {Kind::kUuid, std::move(v)}; }
  // kAuto: "/..." is a path, "vm-12"/"host-3"-style ids are morefs, 8-4-4-4-12 hex is a
  // UUID, anything else a name.
  static Locator any(std::string v) { return {Kind::kAuto, std::move(v)}; }
};

// Cooperative cancellation flag. Thread-safe. It may also follow another source of
// cancellation (e.g. an MCP request's), polled whenever cancelled() is asked.
class CancelToken {
 public:
  CancelToken() = default;
  explicit CancelToken(std::function<bool()> source) : source_(std::move(source)) {}
  void cancel() { cancelled_.store(true); }
  bool cancelled() const { return cancelled_.load() || (source_ && source_()); }

 private:
  std::atomic<bool> cancelled_{false};
  std::function<bool()> source_;
};

struct TaskInfo {
  MoRef ref;
  std::string name;         // descriptionId or method name, e.g. "VirtualMachine.powerOn"
  MoRef entity;
  std::string entity_name;
  std::string state;        // queued / running / success / error
  int progress = 0;         // percent
  bool cancelable = false;
  bool cancelled = false;
  std::string error;        // localized message when state == error
  std::string error_fault;  // fault type when state == error
  MoRef result;             // e.g. the new VM of a clone
  std::string queue_time, start_time, complete_time;  // ISO 8601
};

using ProgressCallback = std::function<void(int percent, const TaskInfo& info)>;

struct TaskOptions {
  bool wait = true;                                 // false: return as soon as the task exists
  ProgressCallback on_progress;                     // called when progress changes
  const CancelToken* cancel = nullptr;              // when set and cancelled: CancelTask
  std::chrono::milliseconds poll_interval{250};     // first poll delay; grows to 2 s
  std::chrono::milliseconds timeout{0};             // 0 = wait as long as the task runs
};

struct SnapshotNode {
  MoRef ref;
  std::string name;
  std::string description;
  std::string create_time;
  std::string state;  // power state at snapshot time
  bool quiesced = false;
  bool is_current = false;
  int id = 0;
  std::vector<SnapshotNode> children;
};

struct SnapshotTree {
  MoRef current;
  std::vector<SnapshotNode> roots;
};

// Guest OS customization of a clone (vCenter only; needs VMware Tools and Perl/cloud-init in a
// Linux guest): the host name, and a fixed IPv4 address or DHCP on the first NIC.
struct GuestCustomization {
  std::string host_name;  // required: letters, digits and '-', at most 63
  std::string domain = "localdomain";
  std::string ip_address;  // "" = DHCP
  std::string netmask;     // with ip_address
  std::string gateway;     // optional
  std::vector<std::string> dns_servers;
};

struct CloneSpec {
  std::string name;           // required
  std::string folder;         // locator of the target folder; "" = the source's folder
  std::string resource_pool;  // locator; "" = the source's pool
  std::string host;           // locator; "" = vCenter picks
  std::string datastore;      // name or moref; "" = the source's datastore
  bool power_on = false;
  bool as_template = false;
  std::string linked_snapshot;  // snapshot name or moref: a linked clone from it; "" = full
  std::optional<int> num_cpus;
  std::optional<std::int64_t> memory_mb;
  std::optional<std::string> annotation;
  std::optional<GuestCustomization> customization;  // Linux guest: host name and address
  // Network (name or moref) for the clone's first NIC; "" = keep the source's. A source with
  // no NIC gets a new vmxnet3 one on this network.
  std::string network;
};

struct CreateVmSpec {
  std::string name;                    // required
  std::string guest_id = "otherGuest64";
  int num_cpus = 1;
  std::int64_t memory_mb = 1024;
  std::int64_t disk_gb = 0;            // 0 = no disk
  std::string network;                 // network name or moref; "" = no NIC
  std::string datastore;               // name or moref; "" = first accessible of the host/pool
  std::string folder;                  // locator; "" = the datacenter's VM folder
  std::string resource_pool;           // locator; "" = first cluster's / host's root pool
  std::string host;                    // locator; optional
  std::string annotation;
};

struct ReconfigureSpec {
  std::optional<int> num_cpus;
  std::optional<std::int64_t> memory_mb;
  std::optional<std::string> annotation;
  std::optional<std::string> name;
  // Network (name or moref) for the VM's first NIC; "" = unchanged. A VM without a NIC gets a
  // new vmxnet3 one on it.
  std::string network;
  bool empty() const { return !num_cpus && !memory_mb && !annotation && !name && network.empty(); }
};

struct RelocateSpec {
  std::string host;           // locator; "" = unchanged
  std::string resource_pool;  // locator
  std::string datastore;      // name or moref
};

struct PerfCounterInfo {
  int key = 0;
  std::string name;       // "cpu.usage.average"
  std::string unit;       // "percent", "kiloBytes", ...
  std::string rollup;     // average / maximum / ...
  std::string stats_type;
  int level = 0;
  std::string description;
};

struct PerfQuery {
  std::vector<std::string> counters;  // "cpu.usage.average", ...; empty = cpu/mem/disk/net usage
  int interval_seconds = 20;          // 20 = realtime; 300, 1800, 7200, 86400 = historical
  int max_samples = 15;
  std::string start_time;             // ISO 8601, optional
  std::string end_time;               // ISO 8601, optional
  std::string instance;               // "" = aggregate, "*" = all instances
};

struct PerfSeries {
  std::string counter;
  std::string unit;
  std::string instance;
  std::vector<std::string> timestamps;  // ISO 8601, oldest first
  std::vector<std::int64_t> values;
};

struct EventInfo {
  int key = 0;
  std::string type;  // xsi type, e.g. "VmPoweredOnEvent"
  std::string created_time;
  std::string user_name;
  std::string message;  // fullFormattedMessage
  std::string vm, host, datacenter, cluster;  // names of the entities involved
};

// Glob matching with * and ?, case-sensitive (the filters' name globs).
using ::vsmcp::globMatch;

// ---- alarms ----------------------------------------------------------------------------------

// One alarm's state on one entity (vim25 AlarmState), with the names a person reads.
struct AlarmStateInfo {
  std::string key;          // vCenter's key of the state, e.g. "alarm-12.vm-42"
  MoRef entity;             // the object the alarm is on
  std::string entity_name;
  std::string entity_path;  // inventory path, e.g. "/DC0/vm/web-01"; "/" for the root folder
  MoRef alarm;              // the alarm's definition, e.g. {"Alarm", "alarm-12"}
  std::string alarm_name;   // its info.name, e.g. "Virtual machine CPU usage"
  std::string status;       // overallStatus: red or yellow (triggered), green or gray (not)
  std::string time;         // when it entered that status, ISO 8601
  bool acknowledged = false;
  std::string acknowledged_by;    // the user who acknowledged it; "" when not acknowledged
  std::string acknowledged_time;  // ISO 8601; "" when not acknowledged
  bool triggered() const { return status == "red" || status == "yellow"; }
};

// What Client::listAlarms lists.
struct AlarmQuery {
  MoRef entity;           // only alarms on this entity and below it; empty = the whole inventory
  bool declared = false;  // also every alarm that applies but is not triggered (green, gray)
};

}  // namespace vsmcp::vsphere
