#include "routes.hpp"

#include "ops/registry.hpp"

namespace vsmcp::gateway {

namespace {

std::vector<std::string> split(const std::string& path) {
  std::vector<std::string> out;
  size_t i = 1;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    if (j > i) out.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

std::vector<Route> makeRoutes() {
  std::vector<Route> r;
  auto op = [&](const char* method, const char* path, const char* tag, const char* operation,
                std::vector<std::pair<std::string, std::string>> args = {}) {
    Route route;
    route.method = method;
    route.path = path;
    route.tag = tag;
    route.operation = operation;
    route.path_args = std::move(args);
    r.push_back(std::move(route));
  };
  auto list = [&](const char* path, const char* tag, const char* operation) { op("GET", path, tag, operation); };
  auto native = [&](const char* method, const char* path, const char* tag, const char* key, const char* summary,
                    bool is_public = false) {
    Route route;
    route.method = method;
    route.path = path;
    route.tag = tag;
    route.native = key;
    route.summary = summary;
    route.public_route = is_public;
    r.push_back(std::move(route));
  };
  const std::pair<std::string, std::string> vm{"id", "vm"}, host{"id", "host"};

  native("GET", "/", "Service", "welcome", "Welcome: what this API is and where its docs are");
  native("GET", "/health", "Service", "health", "Health: version, uptime and vCenter reachability");
  native("GET", "/metrics", "Service", "metrics", "Prometheus metrics");
  native("GET", "/openapi.json", "Service", "openapi", "This API's OpenAPI 3.1 document");
  native("POST", "/auth/login", "Auth", "auth.login",
         "Log in with vCenter credentials: opens a vCenter session for you and returns a bearer token");
  native("POST", "/auth/logout", "Auth", "auth.logout", "End your gateway token and its vCenter session");
  native("GET", "/auth/status", "Auth", "auth.status", "Who you are, how you authenticated, when your token expires");
  native("POST", "/auth/refresh", "Auth", "auth.refresh", "Exchange your login token for a new one with a new expiry");
  native("GET", "/tasks", "Tasks", "tasks.list", "Your long-running requests (202 answers) and their state");
  r.back().list_key = "tasks";  // paged like the registry's lists
  r.back().description = "Newest first, paged like the other lists.";
  native("GET", "/tasks/{id}", "Tasks", "tasks.get", "One long-running request: state, progress and result");
  native("POST", "/tasks/{id}/cancel", "Tasks", "tasks.cancel",
         "Cancel a long-running request (a running vCenter task is cancelled too)");
  native("GET", "/docs", "Service", "docs", "Swagger UI for this API");
  native("GET", "/redoc", "Service", "redoc", "ReDoc for this API");

  list("/vms", "VMs", "vm_list");
  op("POST", "/vms", "VMs", "vm_create", {});
  op("GET", "/vms/{id}", "VMs", "vm_get", {vm});
  op("PATCH", "/vms/{id}", "VMs", "vm_reconfigure", {vm});
  op("DELETE", "/vms/{id}", "VMs", "vm_destroy", {vm});
  op("POST", "/vms/{id}/power/on", "VMs", "vm_power_on", {vm});
  op("POST", "/vms/{id}/power/off", "VMs", "vm_power_off", {vm});
  op("POST", "/vms/{id}/power/reset", "VMs", "vm_reset", {vm});
  op("POST", "/vms/{id}/power/suspend", "VMs", "vm_suspend", {vm});
  op("POST", "/vms/{id}/guest/shutdown", "VMs", "vm_shutdown_guest", {vm});
  op("POST", "/vms/{id}/guest/reboot", "VMs", "vm_reboot_guest", {vm});
  op("POST", "/vms/{id}/clone", "VMs", "vm_clone", {vm});
  op("POST", "/vms/{id}/relocate", "VMs", "vm_relocate", {vm});
  op("POST", "/vms/{id}/mark-template", "VMs", "vm_mark_template", {vm});
  op("GET", "/vms/{id}/events", "VMs", "vm_events", {vm});
  op("GET", "/vms/{id}/stats", "VMs", "vm_perf", {vm});
  op("GET", "/vms/{id}/snapshots", "Snapshots", "vm_snapshot_list", {vm});
  op("POST", "/vms/{id}/snapshots", "Snapshots", "vm_snapshot_create", {vm});
  op("DELETE", "/vms/{id}/snapshots", "Snapshots", "vm_snapshot_delete_all", {vm});
  op("POST", "/vms/{id}/snapshots/{snapshot}/revert", "Snapshots", "vm_snapshot_revert",
     {vm, {"snapshot", "snapshot"}});
  op("DELETE", "/vms/{id}/snapshots/{snapshot}", "Snapshots", "vm_snapshot_delete", {vm, {"snapshot", "snapshot"}});

  list("/templates", "Templates", "template_list");
  op("GET", "/templates/{id}", "Templates", "template_get", {{"id", "template"}});
  op("POST", "/templates/{id}/convert-to-vm", "Templates", "template_to_vm", {{"id", "template"}});

  list("/hosts", "Hosts", "host_list");
  op("GET", "/hosts/{id}", "Hosts", "host_get", {host});
  op("GET", "/hosts/{id}/stats", "Hosts", "host_perf", {host});
  op("POST", "/hosts/{id}/maintenance/enter", "Hosts", "host_enter_maintenance", {host});
  op("POST", "/hosts/{id}/maintenance/exit", "Hosts", "host_exit_maintenance", {host});

  list("/clusters", "Inventory", "cluster_list");
  op("GET", "/clusters/{id}", "Inventory", "cluster_get", {{"id", "cluster"}});
  list("/datacenters", "Inventory", "datacenter_list");
  op("GET", "/datacenters/{id}", "Inventory", "datacenter_get", {{"id", "datacenter"}});
  list("/datastores", "Inventory", "datastore_list");
  list("/reports/datastore-usage", "Reports", "datastore_usage");
  op("GET", "/datastores/{id}", "Inventory", "datastore_get", {{"id", "datastore"}});
  list("/networks", "Inventory", "network_list");
  op("GET", "/networks/{id}", "Inventory", "network_get", {{"id", "network"}});
  list("/resource-pools", "Inventory", "resource_pool_list");
  op("GET", "/resource-pools/{id}", "Inventory", "resource_pool_get", {{"id", "resource_pool"}});
  list("/folders", "Inventory", "folder_list");
  op("GET", "/folders/{id}", "Inventory", "folder_get", {{"id", "folder"}});
  op("GET", "/events", "Events", "events_list");
  op("GET", "/reports/activity", "Reports", "events_list");
  // vCenter alarms; {id} is an alarm's key on one object, as GET /alarms lists it.
  list("/alarms", "Alarms", "alarm_list");
  op("POST", "/alarms/{id}/acknowledge", "Alarms", "alarm_acknowledge", {{"id", "alarm"}});
  op("POST", "/alarms/{id}/reset", "Alarms", "alarm_reset", {{"id", "alarm"}});
  op("GET", "/reports/deployments", "Reports", "report_deployments");

  // Self-service catalog on plain vCenter; deployments are recorded as vCenter tags.
  list("/catalog/items", "Catalog", "catalog_item_list");
  op("GET", "/catalog/items/{id}", "Catalog", "catalog_item_get", {{"id", "item"}});
  op("GET", "/catalog/items/{id}/schema", "Catalog", "catalog_item_schema", {{"id", "item"}});
  r.back().data_path = {"schema"};
  op("POST", "/catalog/items/{id}/request", "Catalog", "catalog_request", {{"id", "item"}});
  r.back().body_arg = "inputs";
  list("/deployments", "Deployments", "deployment_list");
  op("GET", "/deployments/{id}", "Deployments", "deployment_get", {{"id", "deployment"}});
  op("GET", "/deployments/{id}/resources", "Deployments", "deployment_get", {{"id", "deployment"}});
  r.back().data_path = {"deployment", "resources"};
  op("DELETE", "/deployments/{id}", "Deployments", "deployment_delete", {{"id", "deployment"}});
  r.back().force_async = true;  // destroys the deployment's VMs: long, though not one vCenter task

  // vCenter tagging.
  list("/tag-categories", "Tags", "tag_category_list");
  op("POST", "/tag-categories", "Tags", "tag_category_create");
  r.back().success_status = 201;
  op("GET", "/tag-categories/{id}", "Tags", "tag_category_get", {{"id", "category"}});
  op("PATCH", "/tag-categories/{id}", "Tags", "tag_category_update", {{"id", "category"}});
  op("DELETE", "/tag-categories/{id}", "Tags", "tag_category_delete", {{"id", "category"}});
  list("/tags", "Tags", "tag_list");
  op("POST", "/tags", "Tags", "tag_create");
  r.back().success_status = 201;
  op("GET", "/tags/{id}", "Tags", "tag_get", {{"id", "tag"}});
  op("PATCH", "/tags/{id}", "Tags", "tag_update", {{"id", "tag"}});
  op("DELETE", "/tags/{id}", "Tags", "tag_delete", {{"id", "tag"}});
  op("GET", "/tags/{id}/objects", "Tags", "tag_list_objects", {{"id", "tag"}});
  op("GET", "/resources/{id}/tags", "Tags", "tag_list_attached", {{"id", "object"}});
  op("POST", "/resources/{id}/tags", "Tags", "tag_attach", {{"id", "object"}});
  r.back().success_status = 201;
  op("DELETE", "/resources/{id}/tags/{tag}", "Tags", "tag_detach", {{"id", "object"}, {"tag", "tag"}});
  op("GET", "/vcenter-tasks", "Tasks", "tasks_recent");
  op("GET", "/reports/inventory", "Reports", "inventory_summary");
  // What the registry declares, known once: a GET of a list operation is a paged list; an
  // operation that runs a vCenter task answers 202 with a task resource.
  for (auto& route : r) {
    if (route.operation.empty()) continue;
    const ops::Operation* operation = ops::findOperation(route.operation);
    if (!operation) continue;  // routesWithoutOperation() reports it; tests fail on it
    if (operation->shape == ops::Shape::kList && route.method == "GET") route.list_key = operation->list_key;
    route.async = route.force_async || operation->shape == ops::Shape::kTask;
  }
  return r;
}

}  // namespace

const std::vector<Route>& routes() {
  static const std::vector<Route> kRoutes = makeRoutes();
  return kRoutes;
}

std::optional<Match> matchRoute(const std::string& method, const std::vector<std::string>& segments,
                                bool* path_exists) {
  if (path_exists) *path_exists = false;
  for (const auto& route : routes()) {
    auto pattern = split(route.path);
    if (pattern.size() != segments.size()) continue;
    Match m;
    bool matched = true;
    for (size_t i = 0; i < pattern.size() && matched; ++i) {
      const std::string& p = pattern[i];
      if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
        // "/vms/" names no VM: an empty parameter never reaches a handler.
        matched = !segments[i].empty();
        if (matched) m.params.emplace_back(p.substr(1, p.size() - 2), segments[i]);
      } else {
        matched = p == segments[i];
      }
    }
    if (!matched) continue;
    if (route.method != method) {
      if (path_exists) *path_exists = true;
      continue;
    }
    m.route = &route;
    return m;
  }
  return std::nullopt;
}

}  // namespace vsmcp::gateway
