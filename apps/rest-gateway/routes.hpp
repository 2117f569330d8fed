// The REST routes over the operation registry: which HTTP method and path runs which
// operation, how path parameters map to the operation's arguments, and whether the reply is
// a paged list, a plain result or a task (202). Gateway-native routes (auth, tasks, docs)
// are listed too, so the OpenAPI document covers everything from this one table.
// Thread safety: the table is immutable after first use.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "vsmcp/json.hpp"

namespace vsmcp::gateway {

struct Route {
  std::string method;  // "GET", "POST", "PATCH", "DELETE"
  std::string path;    // "/vms/{id}/power/on"
  std::string tag;     // OpenAPI tag: "VMs", "Hosts", ...
  std::string summary;
  std::string operation;  // registry operation; "" = native (handled by the gateway itself)
  std::string native;     // native route key ("auth.login", "tasks.get", ...)
  std::vector<std::pair<std::string, std::string>> path_args;  // {"id", "vm"}: path param -> argument
  std::string list_key;   // paged list: the list operation's list_key ("vms"), from the registry;
                          // on a native route, the name of its items ("tasks")
  bool async = false;     // answers 202 with a task resource at /tasks/{id}: every operation
                          // whose registry shape is a vCenter task, and force_async ones
  bool force_async = false;  // long though not one vCenter task (deployment deletes)
  bool public_route = false;  // no authentication (welcome, health, docs, login)
  int success_status = 200;   // 201 for routes that create something synchronously
  std::string body_arg;       // the whole JSON body becomes this argument (catalog inputs)
  std::vector<std::string> data_path;  // reply data = this member path of the result
  std::string description;    // extra OpenAPI text
};

const std::vector<Route>& routes();

// The route for a method and decoded path segments, with path parameters bound; nullopt when
// none matches. A parameter never matches an empty segment ("/vms/" is no route). `path_exists`
// tells whether the path exists for another method (405).
struct Match {
  const Route* route = nullptr;
  std::vector<std::pair<std::string, std::string>> params;  // path param name -> value
};
std::optional<Match> matchRoute(const std::string& method, const std::vector<std::string>& segments,
                                bool* path_exists = nullptr);

}  // namespace vsmcp::gateway
