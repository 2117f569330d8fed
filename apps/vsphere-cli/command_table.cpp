#include "command_table.hpp"

#include <set>
#include <sstream>

#include "ops/registry.hpp"

namespace vsmcp::cli {

namespace {

CommandEntry op(const char* path, const char* operation, const char* columns = "") {
  return {path, operation, Builtin::kNone, columns, ""};
}

CommandEntry builtin(const char* path, Builtin b, const char* summary) {
  return {path, "", b, "", summary};
}

}  // namespace

const std::vector<CommandEntry>& commandTable() {
  static const std::vector<CommandEntry> kTable = {
      op("vm ls", "vm_list", "name,power_state,num_cpu,memory_mb,host,ip_address,id"),
      op("vm info", "vm_get"),
      op("vm power on", "vm_power_on"),
      op("vm power off", "vm_power_off"),
      op("vm power reset", "vm_reset"),
      op("vm power suspend", "vm_suspend"),
      op("vm power shutdown", "vm_shutdown_guest"),
      op("vm power reboot", "vm_reboot_guest"),
      op("vm snapshot ls", "vm_snapshot_list", "name,id,created,power_state,current"),
      op("vm snapshot create", "vm_snapshot_create"),
      op("vm snapshot revert", "vm_snapshot_revert"),
      op("vm snapshot rm", "vm_snapshot_delete"),
      op("vm snapshot rm-all", "vm_snapshot_delete_all"),
      op("vm clone", "vm_clone"),
      op("vm create", "vm_create"),
      op("vm destroy", "vm_destroy"),
      op("vm reconfigure", "vm_reconfigure"),
      op("vm relocate", "vm_relocate"),
      op("vm mark-template", "vm_mark_template"),
      op("vm events", "vm_events", "time,type,user,message"),
      op("vm perf", "vm_perf", "counter,instance,unit,values"),
      op("template ls", "template_list", "name,guest_id,num_cpu,memory_mb,folder,id"),
      op("template info", "template_get"),
      op("template to-vm", "template_to_vm"),
      op("host ls", "host_list",
         "name,connection_state,power_state,in_maintenance_mode,cluster,cpu_cores,vm_count,version,"
         "id"),
      op("host info", "host_get"),
      op("host maintenance enter", "host_enter_maintenance"),
      op("host maintenance exit", "host_exit_maintenance"),
      op("host perf", "host_perf", "counter,instance,unit,values"),
      op("cluster ls", "cluster_list",
         "name,datacenter,num_hosts,drs_enabled,ha_enabled,total_cpu_mhz,total_memory_mb,id"),
      op("cluster info", "cluster_get"),
      op("ds ls", "datastore_list", "name,type,capacity_bytes,free_bytes,vm_count,accessible,id"),
      op("ds info", "datastore_get"),
      op("ds usage", "datastore_usage",
         "name,used_percent,used_bytes,free_bytes,capacity_bytes,vm_count,id"),
      op("net ls", "network_list", "name,kind,datacenter,vm_count,accessible,id"),
      op("net info", "network_get"),
      op("pool ls", "resource_pool_list", "name,path,owner,vm_count,id"),
      op("pool info", "resource_pool_get"),
      op("folder ls", "folder_list", "path,child_types,child_count,id"),
      op("folder info", "folder_get"),
      op("datacenter ls", "datacenter_list", "name,path,id"),
      op("datacenter info", "datacenter_get"),
      op("inventory summary", "inventory_summary"),
      op("tag ls", "tag_list", "name,category_id,description,id"),
      op("tag info", "tag_get"),
      op("tag create", "tag_create"),
      op("tag update", "tag_update"),
      op("tag rm", "tag_delete"),
      op("tag attach", "tag_attach"),
      op("tag detach", "tag_detach"),
      op("tag attached", "tag_list_attached", "name,category_id,description,id"),
      op("tag objects", "tag_list_objects", "type,id"),
      op("tag category ls", "tag_category_list",
         "name,cardinality,associable_types,description,id"),
      op("tag category info", "tag_category_get"),
      op("tag category create", "tag_category_create"),
      op("tag category update", "tag_category_update"),
      op("tag category rm", "tag_category_delete"),
      op("catalog ls", "catalog_item_list", "name,kind,num_cpus,memory_mb,deployable,id"),
      op("catalog info", "catalog_item_get"),
      op("catalog schema", "catalog_item_schema"),
      op("catalog request", "catalog_request"),
      op("deployment ls", "deployment_list", "id,name,project,status,vm_count,created"),
      op("deployment info", "deployment_get"),
      op("deployment rm", "deployment_delete"),
      op("report deployments", "report_deployments"),
      op("events", "events_list", "time,type,user,vm,host,message"),
      op("alarm ls", "alarm_list", "status,alarm_name,entity_name,entity_path,time,acknowledged,id"),
      op("alarm ack", "alarm_acknowledge"),
      op("alarm reset", "alarm_reset"),
      op("tasks", "tasks_recent", "id,name,entity,state,progress,error"),
      builtin("about", Builtin::kAbout,
              "Show what vCenter or ESXi this connects to (product, version, API)"),
      builtin("session login", Builtin::kSessionLogin,
              "Check the credentials: log in and out (no session is stored)"),
      builtin("session logout", Builtin::kSessionLogout,
              "End the stored session (vsphere-cli stores none: each command logs in and out)"),
      builtin("completion bash", Builtin::kCompletionBash, "Print the bash completion script"),
      builtin("completion zsh", Builtin::kCompletionZsh, "Print the zsh completion script"),
  };
  return kTable;
}

const std::vector<GroupEntry>& groupTable() {
  static const std::vector<GroupEntry> kGroups = {
      {"vm", "Virtual machines: list, inspect, power, snapshots, clone, create, change, destroy"},
      {"vm power",
       "Power a VM on or off, reset, suspend, or ask its guest OS to shut down or reboot"},
      {"vm snapshot", "List, take, revert to and delete snapshots of a VM"},
      {"template", "VM templates: list, inspect, turn back into a VM"},
      {"host", "ESXi hosts: list, inspect, maintenance mode, performance"},
      {"host maintenance", "Put a host into maintenance mode or take it out"},
      {"cluster", "Clusters: list and inspect"},
      {"ds", "Datastores: list, inspect, usage"},
      {"net", "Networks (standard and distributed port groups): list and inspect"},
      {"pool", "Resource pools: list and inspect"},
      {"folder", "Inventory folders: list and inspect"},
      {"datacenter", "Datacenters: list and inspect"},
      {"inventory", "The whole inventory at a glance"},
      {"tag", "vCenter tags: list, create, change, delete, attach to and detach from objects"},
      {"tag category", "Tag categories: list, create, change, delete"},
      {"catalog",
       "The self-service catalog: items (templates, library items), their request forms, requests"},
      {"deployment", "Deployments made from the catalog: list, inspect, delete"},
      {"report", "Reports over the catalog's deployments"},
      {"alarm", "vCenter alarms: list the triggered ones, acknowledge one, reset one to green"},
      {"session", "Check credentials (login) and end sessions (logout)"},
      {"completion", "Shell completion scripts, generated from the command table"},
  };
  return kGroups;
}

const CommandEntry* findCommand(const std::string& path) {
  for (const auto& c : commandTable())
    if (c.path == path) return &c;
  return nullptr;
}

const CommandEntry* findCommandForOperation(const std::string& operation) {
  for (const auto& c : commandTable())
    if (!operation.empty() && c.operation == operation) return &c;
  return nullptr;
}

std::vector<std::string> operationsWithoutCommand() {
  std::vector<std::string> missing;
  for (const auto& o : ops::builtinOperations())
    if (!findCommandForOperation(o.name)) missing.push_back(o.name);
  return missing;
}

std::vector<std::string> commandsWithoutOperation() {
  std::vector<std::string> missing;
  for (const auto& c : commandTable())
    if (c.builtin == Builtin::kNone && !ops::findOperation(c.operation))
      missing.push_back(c.path);
  return missing;
}

std::vector<std::string> splitWords(const std::string& path) {
  std::vector<std::string> words;
  std::istringstream in(path);
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

}  // namespace vsmcp::cli
