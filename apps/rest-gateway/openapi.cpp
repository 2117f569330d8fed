#include "openapi.hpp"

#include <algorithm>
#include <cctype>
#include <initializer_list>
#include <map>
#include <set>
#include <vector>

#include "routes.hpp"
#include "ops/registry.hpp"

namespace vsmcp::gateway {

namespace {

Json ref(const std::string& name) {
  return Json::object().set("$ref", "#/components/schemas/" + name);
}
Json responseRef(const std::string& name) {
  return Json::object().set("$ref", "#/components/responses/" + name);
}

Json envelopeOf(Json data, bool list) {
  Json props =
      Json::object()
          .set("success", Json::object().set("type", "boolean").set("const", true))
          .set("message", Json::object().set("type", "string"))
          .set("timestamp", Json::object().set("type", "string").set("format", "date-time"))
          .set("data", std::move(data));
  Json required = Json::array({Json("success"), Json("message"), Json("timestamp"), Json("data")});
  if (list) {
    props.set("total_count", Json::object().set("type", "integer").set("minimum", 0));
    props.set("page_info", ref("PageInfo"));
    required.push("total_count").push("page_info");
  }
  return Json::object().set("type", "object").set("properties", props).set("required", required);
}

Json jsonContent(Json schema) {
  return Json::object().set("application/json", Json::object().set("schema", std::move(schema)));
}

Json typed(const char* type) { return Json::object().set("type", type); }
Json dateTime() { return typed("string").set("format", "date-time"); }
Json closedObject(Json properties, std::initializer_list<const char*> required) {
  Json names = Json::array();
  for (const char* n : required) names.push(n);
  return Json::object()
      .set("type", "object")
      .set("properties", std::move(properties))
      .set("required", names);
}

// What each tag groups, in the order the tags first appear in the route table. A tag without
// a description here makes the OpenAPI lint test fail.
const std::map<std::string, std::string>& tagDescriptions() {
  static const std::map<std::string, std::string> kTags = {
      {"Service", "The gateway itself: welcome, health, metrics, this document and its docs pages"},
      {"Auth",
       "Log in with vCenter credentials for a bearer token; who you are; refresh and log out"},
      {"Tasks",
       "Long-running requests (202 answers) to follow and cancel, and vCenter's recent tasks"},
      {"VMs",
       "Virtual machines: list and get, create, reconfigure, destroy, power, guest operations, "
       "clone, "
       "relocate, events and statistics"},
      {"Snapshots", "VM snapshots: the tree, create, revert and delete"},
      {"Templates", "VM templates: list, get, and convert back to a VM"},
      {"Hosts", "ESXi hosts: list, get, statistics, maintenance mode"},
      {"Inventory", "Clusters, datacenters, datastores, networks, resource pools and folders"},
      {"Reports", "Inventory summary, datastore usage, recent activity and catalog deployments"},
      {"Events", "vCenter events"},
      {"Alarms", "vCenter's triggered alarms: list them, acknowledge one, reset one to green"},
      {"Catalog",
       "The self-service catalog: VM templates and content library items, the inputs each takes, "
       "and requests to deploy one"},
      {"Deployments",
       "What was deployed from the catalog, with its resources; recorded as vCenter tags"},
      {"Tags", "vCenter tag categories and tags, and the objects they are attached to"},
  };
  return kTags;
}

// The `data` of a gateway-native route's 200 reply (routes without a registry operation).
Json nativeData(const std::string& key) {
  if (key == "welcome")
    return closedObject(
        Json::object()
            .set("name", typed("string"))
            .set("version", typed("string"))
            .set("docs", typed("string"))
            .set("redoc", typed("string"))
            .set("openapi", typed("string"))
            .set("health", typed("string"))
            .set("vcenter", typed("string").set("description", "The vCenter or ESXi host served"))
            .set("login",
                 typed("string").set("description", "\"POST /auth/login\" or \"disabled\"")),
        {"name", "version", "docs", "openapi", "health", "login"});
  if (key == "health")
    return closedObject(
        Json::object()
            .set("status", typed("string").set("enum", Json::array({Json("ok"), Json("degraded")})))
            .set("version", typed("string"))
            .set("uptime_seconds", typed("integer").set("minimum", 0))
            .set(
                "vcenter",
                closedObject(Json::object()
                                 .set("host", typed("string"))
                                 .set("reachable",
                                      Json::object()
                                          .set("type", Json::array({Json("boolean"), Json("null")}))
                                          .set("description", "null until the first check"))
                                 .set("checked", dateTime())
                                 .set("latency_ms", typed("number"))
                                 .set("error", typed("string"))
                                 .set("note", typed("string")),
                             {"host", "reachable"}))
            .set("inventory",
                 closedObject(
                     Json::object()
                         .set("state", typed("string")
                                           .set("enum", Json::array({Json("off"), Json("syncing"), Json("live"),
                                                                     Json("resyncing")}))
                                           .set("description",
                                                "The service account's live inventory: live = lists and lookups "
                                                "answer from memory; otherwise they read vCenter"))
                         .set("in_sync", typed("boolean"))
                         .set("objects", typed("integer").set("minimum", 0))
                         .set("vms", typed("integer").set("minimum", 0))
                         .set("hosts", typed("integer").set("minimum", 0))
                         .set("version", typed("string").set("description", "The change feed's version"))
                         .set("updates", typed("integer").set("minimum", 0))
                         .set("resyncs", typed("integer").set("minimum", 0))
                         .set("as_of", dateTime())
                         .set("last_change", dateTime())
                         .set("last_error", typed("string")),
                     {"state", "in_sync"})),
        {"status", "version", "uptime_seconds", "vcenter"});
  if (key == "auth.login" || key == "auth.refresh") {
    Json props =
        Json::object()
            .set("token",
                 typed("string").set("description", "Send as Authorization: Bearer <token>"))
            .set("token_type", typed("string").set("const", "Bearer"))
            .set("expires_at", dateTime())
            .set("expires_in", typed("integer").set("description", "Seconds the token lives"));
    if (key == "auth.login") {
      props.set("username", typed("string"));
      return closedObject(props, {"token", "token_type", "expires_at", "expires_in", "username"});
    }
    return closedObject(props, {"token", "token_type", "expires_at", "expires_in"});
  }
  if (key == "auth.status")
    return closedObject(
        Json::object()
            .set("principal", typed("string"))
            .set("role", typed("string"))
            .set("authenticated_by",
                 typed("string").set(
                     "enum", Json::array({Json("login"), Json("token"), Json("anonymous")})))
            .set("username", typed("string"))
            .set("expires_at", dateTime()),
        {"principal", "role", "authenticated_by"});
  if (key == "tasks.list") return Json::object().set("type", "array").set("items", ref("Task"));
  if (key == "tasks.get" || key == "tasks.cancel") return ref("Task");
  return typed("object");
}

std::string operationId(const Route& r) {
  if (!r.operation.empty()) return r.operation;
  std::string id;
  for (char c : r.native) id += c == '.' ? '_' : c;
  return id;
}

// operationIds, unique: a registry operation served by several routes keeps its name on the
// first and gets the last literal segment of the path after it on the others
// (deployment_get on /deployments/{id}/resources -> deployment_get_resources).
std::map<const Route*, std::string> operationIds() {
  std::map<const Route*, std::string> ids;
  std::set<std::string> used;
  for (const auto& r : routes()) {
    std::string id = operationId(r);
    if (used.count(id)) {
      std::string tail;
      size_t end = r.path.size();
      while (end > 0) {
        size_t start = r.path.rfind('/', end - 1);
        std::string segment = r.path.substr(start + 1, end - start - 1);
        end = start;
        if (!segment.empty() && segment.front() != '{') {
          tail = segment;
          break;
        }
      }
      for (char& c : tail)
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      std::string candidate = id + "_" + tail;
      for (int n = 2; used.count(candidate); ++n)
        candidate = id + "_" + tail + "_" + std::to_string(n);
      id = candidate;
    }
    used.insert(id);
    ids[&r] = id;
  }
  return ids;
}

// The member of a schema at `path` through "properties" (a route's data_path); an open object
// when the schema does not say.
Json memberSchema(const Json& schema, const std::vector<std::string>& path) {
  const Json* at = &schema;
  for (const auto& key : path) {
    const Json* props = at->find("properties");
    at = props ? props->find(key) : nullptr;
    if (!at) return Json::object();
  }
  return *at;
}

// The schema of one list item (the items of the output's array), when the output says it.
Json itemSchema(const ops::Operation& op, const std::string& key) {
  const Json* props = op.output_schema.find("properties");
  const Json* arr = props ? props->find(key) : nullptr;
  const Json* items = arr ? arr->find("items") : nullptr;
  return items ? *items : Json::object().set("type", "object");
}

Json stringParam(const std::string& name, const char* in, const std::string& description,
                 bool required) {
  return Json::object()
      .set("name", name)
      .set("in", in)
      .set("required", required)
      .set("description", description)
      .set("schema", Json::object().set("type", "string"));
}

Json components() {
  Json schemas = Json::object();
  schemas.set(
      "PageInfo",
      Json::object()
          .set("type", "object")
          .set("properties",
               Json::object()
                   .set("page_size", Json::object().set("type", "integer"))
                   .set("offset", Json::object().set("type", "integer"))
                   .set("count", Json::object().set("type", "integer"))
                   .set("has_more", Json::object().set("type", "boolean"))
                   .set("first_page_only", Json::object().set("type", "boolean"))
                   .set("next_cursor",
                        Json::object().set("type", Json::array({Json("string"), Json("null")})))));
  schemas.set(
      "Error",
      Json::object()
          .set("type", "object")
          .set(
              "properties",
              Json::object()
                  .set("success", Json::object().set("type", "boolean").set("const", false))
                  .set("message", Json::object().set("type", "string"))
                  .set("timestamp", Json::object().set("type", "string").set("format", "date-time"))
                  .set("error_code", Json::object()
                                         .set("type", "string")
                                         .set("examples", Json::array({Json("NOT_FOUND")})))
                  .set("error_details", Json::object().set("type", "object")))
          .set("required", Json::array({Json("success"), Json("message"), Json("timestamp"),
                                        Json("error_code"), Json("error_details")})));
  schemas.set(
      "Task",
      closedObject(
          Json::object()
              .set("id", typed("string"))
              .set("operation", typed("string").set("description", "The registry operation"))
              .set("state",
                   typed("string").set(
                       "enum", Json::array({Json("queued"), Json("running"), Json("success"),
                                            Json("error"), Json("cancelled")})))
              .set("progress", typed("integer").set("minimum", 0).set("maximum", 100))
              .set("created", dateTime())
              .set("started", dateTime())
              .set("finished", dateTime())
              .set("href", typed("string"))
              .set("vcenter_task", typed("string").set("description", "Moref of the vCenter task"))
              .set("result", Json::object().set("description", "The operation's result (success)"))
              .set("error", closedObject(Json::object()
                                             .set("error_code", typed("string"))
                                             .set("message", typed("string")),
                                         {"error_code", "message"})),
          {"id", "operation", "state", "progress", "created", "href"}));
  Json responses = Json::object();
  const std::pair<const char*, const char*> errors[] = {
      {"BadRequest",
       "Bad request: malformed input, or a destructive call without ?confirm=true (the dry run is "
       "in error_details)"},
      {"Unauthorized",
       "No valid token: send Authorization: Bearer <token> or X-API-Key, or log in"},
      {"Forbidden", "Your role may not call this operation"},
      {"NotFound", "No such object or resource"},
      {"Conflict",
       "The object's state does not allow it, the name is taken, or too much is already running"},
      {"PayloadTooLarge", "The body is larger than the gateway accepts"},
      {"UnsupportedMediaType", "The body is not JSON"},
      {"ValidationError", "An argument is invalid; error_details.field names it"},
      {"TooManyRequests", "Rate limit reached; Retry-After says when to try again"},
      {"InternalError", "A failure the gateway did not expect"},
      {"BadGateway", "vCenter answered with a TLS or protocol failure"},
      {"ServiceUnavailable", "vCenter is unreachable or the gateway is overloaded"},
      {"GatewayTimeout", "vCenter did not answer in time"},
      {"HttpRefused",
       "Refused by the HTTP layer: malformed request (400), Host or Origin not allowed on a "
       "loopback bind (403), request timeout (408), too large (413, 431), unsupported Expect "
       "(417)"},
  };
  // The HTTP layer's own refusals (malformed request, Host not allowed, too large, timeouts,
  // overload) use the same envelope: main.cpp gives it errorEnvelope().
  for (const auto& [name, description] : errors)
    responses.set(name, Json::object().set("description", description).set("content", jsonContent(ref("Error"))));
  Json security =
      Json::object()
          .set("bearerAuth",
               Json::object()
                   .set("type", "http")
                   .set("scheme", "bearer")
                   .set("description", "A token from POST /auth/login, or an API token"))
          .set("apiKey",
               Json::object().set("type", "apiKey").set("in", "header").set("name", "X-API-Key"));
  return Json::object()
      .set("schemas", schemas)
      .set("responses", responses)
      .set("securitySchemes", security);
}

}  // namespace

Json openApiDocument(const std::string& version) {
  Json paths = Json::object();
  std::vector<std::string> tags;  // in the order they first appear
  const auto ids = operationIds();
  for (const auto& r : routes()) {
    if (std::find(tags.begin(), tags.end(), r.tag) == tags.end()) tags.push_back(r.tag);
    const ops::Operation* op =
        r.operation.empty() ? nullptr : ops::findOperation(r.operation);
    Json o = Json::object();
    o.set("operationId", ids.at(&r)).set("tags", Json::array({Json(r.tag)}));
    o.set("summary", op ? op->title : r.summary);
    std::string description = op ? op->description : r.summary;
    if (op && op->safety == ops::Safety::kDestructive)
      description +=
          " Destructive: without ?confirm=true the answer is 400 CONFIRMATION_REQUIRED with a dry "
          "run of what would change; 409 when it cannot be done now (the dry run names what to do "
          "first, e.g. power the VM off).";
    if (r.async)
      description +=
          " Runs as a task: the answer is 202 with a task resource to follow at /tasks/{id}, once the "
          "request has been checked (a bad one is refused at once, 422 naming the field).";
    if (!r.description.empty()) description += " " + r.description;
    o.set("description", description);
    Json params = Json::array();
    std::set<std::string> path_args;
    for (size_t i = 0; i < r.path.size(); ++i) {
      if (r.path[i] != '{') continue;
      size_t close = r.path.find('}', i);
      std::string name = r.path.substr(i + 1, close - i - 1);
      std::string arg = name;
      for (const auto& [p, a] : r.path_args)
        if (p == name) arg = a;
      path_args.insert(arg);
      std::string desc = "Name, inventory path, or id";
      if (op)
        if (const Json* props = op->input_schema.find("properties"))
          if (const Json* prop = props->find(arg); prop && prop->find("description"))
            desc = prop->find("description")->asString();
      params.push(stringParam(name, "path", desc + " (percent-encode '/')", true));
    }
    const bool list = !r.list_key.empty();
    if (op && (r.method == "GET" || r.method == "DELETE")) {
      if (const Json* props = op->input_schema.find("properties"))
        for (const auto& [name, prop] : props->members()) {
          if (path_args.count(name) || name == "confirm" ||
              (list && (name == "limit" || name == "offset" || name == "cursor")))
            continue;
          Json p = Json::object()
                       .set("name", name)
                       .set("in", "query")
                       .set("required", false)
                       .set("schema", prop);
          if (prop.find("description")) p.set("description", *prop.find("description"));
          params.push(p);
        }
    }
    if (list) {
      params.push(Json::object()
                      .set("name", "page_size")
                      .set("in", "query")
                      .set("required", false)
                      .set("description", "Items per page, 1-2000 (default 100)")
                      .set("schema", Json::object()
                                         .set("type", "integer")
                                         .set("minimum", 1)
                                         .set("maximum", 2000)
                                         .set("default", 100)));
      params.push(
          stringParam("cursor", "query", "page_info.next_cursor of the previous page", false));
      params.push(Json::object()
                      .set("name", "first_page_only")
                      .set("in", "query")
                      .set("required", false)
                      .set("description", "Only the first page: no next_cursor is returned")
                      .set("schema", Json::object().set("type", "boolean").set("default", false)));
    }
    if (op && op->safety == ops::Safety::kDestructive)
      params.push(
          Json::object()
              .set("name", "confirm")
              .set("in", "query")
              .set("required", false)
              .set("description", "Must be true to act; otherwise the answer is a dry run (400)")
              .set("schema", Json::object().set("type", "boolean").set("default", false)));
    if (params.size() > 0) o.set("parameters", params);
    if (op && (r.method == "POST" || r.method == "PATCH") && !r.body_arg.empty()) {
      // The whole body is one argument of the operation (a catalog request's inputs).
      Json body = memberSchema(op->input_schema, {r.body_arg});
      if (!body.find("type")) body.set("type", "object");
      o.set("requestBody", Json::object().set("required", false).set("content", jsonContent(body)));
    } else if (op && (r.method == "POST" || r.method == "PATCH")) {
      Json body = op->input_schema;
      if (Json* props = body.find("properties")) {
        for (const auto& a : path_args) props->erase(a);
        props->erase("confirm");
      }
      if (Json* req = body.find("required")) {
        Json kept = Json::array();
        for (const auto& n : req->items())
          if (!path_args.count(n.asString())) kept.push(n);
        if (kept.size() > 0)
          *req = kept;
        else
          body.erase("required");
      }
      const bool required = body.find("required") != nullptr;
      o.set("requestBody",
            Json::object().set("required", required).set("content", jsonContent(body)));
    }
    if (r.native == "auth.login") {
      Json body =
          Json::object()
              .set("type", "object")
              .set("properties",
                   Json::object()
                       .set("username", Json::object().set("type", "string").set("minLength", 1))
                       .set("password", Json::object()
                                            .set("type", "string")
                                            .set("minLength", 1)
                                            .set("format", "password")))
              .set("required", Json::array({Json("username"), Json("password")}));
      o.set("requestBody", Json::object().set("required", true).set("content", jsonContent(body)));
    }
    Json responses = Json::object();
    if (r.async) {
      responses.set(
          "202",
          Json::object()
              .set("description", "Accepted: follow the task at its href")
              .set("headers", Json::object().set(
                                  "Location", Json::object().set(
                                                  "schema", Json::object().set("type", "string"))))
              .set("content", jsonContent(envelopeOf(ref("Task"), false))));
    } else if (r.native == "metrics") {
      responses.set("200", Json::object()
                               .set("description", "Prometheus text format")
                               .set("content", Json::object().set(
                                                   "text/plain",
                                                   Json::object().set("schema", typed("string")))));
    } else if (r.native == "openapi") {
      responses.set(
          "200", Json::object()
                     .set("description", "This document (not in the envelope)")
                     .set("content", jsonContent(closedObject(Json::object()
                                                                  .set("openapi", typed("string"))
                                                                  .set("info", typed("object"))
                                                                  .set("paths", typed("object")),
                                                              {"openapi", "info", "paths"})
                                                     .set("additionalProperties", true))));
    } else if (r.native == "docs" || r.native == "redoc") {
      responses.set(
          "200",
          Json::object()
              .set("description", "An HTML page that renders this document")
              .set("content",
                   Json::object().set("text/html", Json::object().set("schema", typed("string")))));
    } else {
      Json data;
      if (op && list)
        data = Json::object().set("type", "array").set("items", itemSchema(*op, r.list_key));
      else if (op)
        data = memberSchema(op->output_schema, r.data_path);
      else
        data = nativeData(r.native);
      Json envelope = envelopeOf(data, list);  // a paged native route (/tasks) too
      responses.set(std::to_string(r.success_status),
                    Json::object()
                        .set("description", r.success_status == 201 ? "Created" : "OK")
                        .set("content", jsonContent(envelope)));
    }
    if (!r.public_route) {
      responses.set("401", responseRef("Unauthorized"));
      responses.set("403", responseRef("Forbidden"));
      responses.set("429", responseRef("TooManyRequests"));
    }
    if (op || r.native.rfind("auth.", 0) == 0 || r.native.rfind("tasks.", 0) == 0) {
      responses.set("400", responseRef("BadRequest"));
      responses.set("422", responseRef("ValidationError"));
      responses.set("500", responseRef("InternalError"));
      responses.set("503", responseRef("ServiceUnavailable"));
    }
    if (op || r.native == "tasks.get" || r.native == "tasks.cancel")
      responses.set("404", responseRef("NotFound"));
    if (op && op->safety != ops::Safety::kRead) responses.set("409", responseRef("Conflict"));
    if (r.method == "POST" || r.method == "PATCH") {
      responses.set("413", responseRef("PayloadTooLarge"));
      responses.set("415", responseRef("UnsupportedMediaType"));
    }
    if (r.native == "auth.login")
      responses.set("401", responseRef("Unauthorized"))
          .set("403", responseRef("Forbidden"))  // logins disabled
          .set("409", responseRef("Conflict"))   // too many open login sessions
          .set("429", responseRef("TooManyRequests"))
          .set("502", responseRef("BadGateway"))
          .set("504", responseRef("GatewayTimeout"));
    if (op)
      responses.set("502", responseRef("BadGateway")).set("504", responseRef("GatewayTimeout"));
    if (r.native == "health") {
      // Degraded: the error envelope, with the health report as error_details.
      Json degraded = Json::object().set(
          "allOf",
          Json::array({ref("Error"), Json::object().set(
                                         "properties", Json::object().set("error_details",
                                                                          nativeData("health")))}));
      responses.set("503", Json::object()
                               .set("description", "vCenter is not reachable (status degraded)")
                               .set("content", jsonContent(degraded)));
    }
    responses.set("4XX", responseRef("HttpRefused"));
    o.set("responses", responses);
    if (r.public_route) o.set("security", Json::array());
    std::string lower;
    for (char c : r.method) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!paths.find(r.path)) paths.set(r.path, Json::object());
    paths.find(r.path)->set(lower, o);
  }
  Json tag_list = Json::array();
  for (const auto& t : tags) {
    Json tag = Json::object().set("name", t);
    auto it = tagDescriptions().find(t);
    if (it != tagDescriptions().end()) tag.set("description", it->second);
    tag_list.push(tag);
  }
  return Json::object()
      .set("openapi", "3.1.0")
      .set("info", Json::object()
                       .set("title", "vsmcp vSphere REST gateway")
                       .set("version", version)
                       .set("description",
                            "Self-service REST API over vCenter and ESXi, from the same operation "
                            "registry as the "
                            "vsmcp MCP server and CLI. Every reply is an envelope: success, "
                            "message, timestamp and "
                            "data; errors add error_code and error_details."))
      .set("servers", Json::array({Json::object().set("url", "/")}))
      .set("security", Json::array({Json::object().set("bearerAuth", Json::array()),
                                    Json::object().set("apiKey", Json::array())}))
      .set("tags", tag_list)
      .set("paths", paths)
      .set("components", components());
}

}  // namespace vsmcp::gateway
