#include "openapi.hpp"

#include <cctype>
#include <map>
#include <set>

#include "routes.hpp"
#include "vsphere/operations.hpp"

namespace vsmcp::gateway {

namespace {

Json ref(const std::string& name) { return Json::object().set("$ref", "#/components/schemas/" + name); }
Json responseRef(const std::string& name) { return Json::object().set("$ref", "#/components/responses/" + name); }

Json envelopeOf(Json data, bool list) {
  Json props = Json::object()
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

std::string operationId(const Route& r) {
  if (!r.operation.empty()) return r.operation;
  std::string id;
  for (char c : r.native) id += c == '.' ? '_' : c;
  return id;
}

// The schema of one list item (the items of the output's array), when the output says it.
Json itemSchema(const vsphere::Operation& op, const std::string& key) {
  const Json* props = op.output_schema.find("properties");
  const Json* arr = props ? props->find(key) : nullptr;
  const Json* items = arr ? arr->find("items") : nullptr;
  return items ? *items : Json::object().set("type", "object");
}

Json stringParam(const std::string& name, const char* in, const std::string& description, bool required) {
  return Json::object()
      .set("name", name)
      .set("in", in)
      .set("required", required)
      .set("description", description)
      .set("schema", Json::object().set("type", "string"));
}

Json components() {
  Json schemas = Json::object();
  schemas.set("PageInfo",
              Json::object().set("type", "object").set(
                  "properties",
                  Json::object()
                      .set("page_size", Json::object().set("type", "integer"))
                      .set("offset", Json::object().set("type", "integer"))
                      .set("count", Json::object().set("type", "integer"))
                      .set("has_more", Json::object().set("type", "boolean"))
                      .set("first_page_only", Json::object().set("type", "boolean"))
                      .set("next_cursor", Json::object().set("type", Json::array({Json("string"), Json("null")})))));
  schemas.set("Error",
              Json::object()
                  .set("type", "object")
                  .set("properties",
                       Json::object()
                           .set("success", Json::object().set("type", "boolean").set("const", false))
                           .set("message", Json::object().set("type", "string"))
                           .set("timestamp", Json::object().set("type", "string").set("format", "date-time"))
                           .set("error_code", Json::object().set("type", "string").set("examples", Json::array({Json("NOT_FOUND")})))
                           .set("error_details", Json::object().set("type", "object")))
                  .set("required", Json::array({Json("success"), Json("message"), Json("timestamp"), Json("error_code"),
                                                Json("error_details")})));
  schemas.set("Task", Json::object()
                          .set("type", "object")
                          .set("properties",
                               Json::object()
                                   .set("id", Json::object().set("type", "string"))
                                   .set("operation", Json::object().set("type", "string"))
                                   .set("state", Json::object().set("type", "string").set(
                                                     "enum", Json::array({Json("queued"), Json("running"), Json("success"),
                                                                          Json("error"), Json("cancelled")})))
                                   .set("progress", Json::object().set("type", "integer").set("minimum", 0).set("maximum", 100))
                                   .set("created", Json::object().set("type", "string"))
                                   .set("href", Json::object().set("type", "string"))
                                   .set("result", Json::object())
                                   .set("error", Json::object().set("type", "object")))
                          .set("required", Json::array({Json("id"), Json("operation"), Json("state"), Json("progress")})));
  Json responses = Json::object();
  const std::pair<const char*, const char*> errors[] = {
      {"BadRequest", "Bad request: malformed input, or a destructive call without ?confirm=true (the dry run is in error_details)"},
      {"Unauthorized", "No valid token: send Authorization: Bearer <token> or X-API-Key, or log in"},
      {"Forbidden", "Your role may not call this operation"},
      {"NotFound", "No such object or resource"},
      {"Conflict", "The object's state does not allow it, or the name is taken"},
      {"PayloadTooLarge", "The body is larger than the gateway accepts"},
      {"UnsupportedMediaType", "The body is not JSON"},
      {"ValidationError", "An argument is invalid; error_details.field names it"},
      {"TooManyRequests", "Rate limit reached; Retry-After says when to try again"},
      {"InternalError", "A failure the gateway did not expect"},
      {"ServiceUnavailable", "vCenter is unreachable or the gateway is overloaded"},
  };
  for (const auto& [name, description] : errors)
    responses.set(name, Json::object().set("description", description).set("content", jsonContent(ref("Error"))));
  Json security = Json::object()
                      .set("bearerAuth", Json::object().set("type", "http").set("scheme", "bearer").set(
                                             "description", "A token from POST /auth/login, or an API token"))
                      .set("apiKey", Json::object().set("type", "apiKey").set("in", "header").set("name", "X-API-Key"));
  return Json::object().set("schemas", schemas).set("responses", responses).set("securitySchemes", security);
}

}  // namespace

Json openApiDocument(const std::string& version) {
  Json paths = Json::object();
  std::set<std::string> tags;
  for (const auto& r : routes()) {
    if (r.native == "docs" || r.native == "redoc") continue;
    tags.insert(r.tag);
    const vsphere::Operation* op = r.operation.empty() ? nullptr : vsphere::findOperation(r.operation);
    Json o = Json::object();
    o.set("operationId", operationId(r)).set("tags", Json::array({Json(r.tag)}));
    o.set("summary", op ? op->title : r.summary);
    std::string description = op ? op->description : r.summary;
    if (op && op->safety == vsphere::Safety::kDestructive)
      description += " Destructive: without ?confirm=true the answer is 400 CONFIRMATION_REQUIRED with a dry run "
                     "of what would change.";
    if (r.async) description += " Runs as a task: the answer is 202 with a task resource to follow at /tasks/{id}.";
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
          if (path_args.count(name) || name == "confirm" || (list && (name == "limit" || name == "offset"))) continue;
          Json p = Json::object().set("name", name).set("in", "query").set("required", false).set("schema", prop);
          if (prop.find("description")) p.set("description", *prop.find("description"));
          params.push(p);
        }
    }
    if (list) {
      params.push(Json::object().set("name", "page_size").set("in", "query").set("required", false)
                      .set("description", "Items per page, 1-2000 (default 100)")
                      .set("schema", Json::object().set("type", "integer").set("minimum", 1).set("maximum", 2000).set("default", 100)));
      params.push(stringParam("cursor", "query", "page_info.next_cursor of the previous page", false));
      params.push(Json::object().set("name", "first_page_only").set("in", "query").set("required", false)
                      .set("description", "Only the first page: no next_cursor is returned")
                      .set("schema", Json::object().set("type", "boolean").set("default", false)));
    }
    if (op && op->safety == vsphere::Safety::kDestructive)
      params.push(Json::object().set("name", "confirm").set("in", "query").set("required", false)
                      .set("description", "Must be true to act; otherwise the answer is a dry run (400)")
                      .set("schema", Json::object().set("type", "boolean").set("default", false)));
    if (params.size() > 0) o.set("parameters", params);
    if (op && (r.method == "POST" || r.method == "PATCH")) {
      Json body = op->input_schema;
      if (Json* props = body.find("properties")) {
        for (const auto& a : path_args) props->erase(a);
        props->erase("confirm");
      }
      if (Json* req = body.find("required")) {
        Json kept = Json::array();
        for (const auto& n : req->items())
          if (!path_args.count(n.asString())) kept.push(n);
        if (kept.size() > 0) *req = kept; else body.erase("required");
      }
      const bool required = body.find("required") != nullptr;
      o.set("requestBody", Json::object().set("required", required).set("content", jsonContent(body)));
    }
    if (r.native == "auth.login") {
      Json body = Json::object()
                      .set("type", "object")
                      .set("properties", Json::object()
                                             .set("username", Json::object().set("type", "string").set("minLength", 1))
                                             .set("password", Json::object().set("type", "string").set("minLength", 1)
                                                                  .set("format", "password")))
                      .set("required", Json::array({Json("username"), Json("password")}));
      o.set("requestBody", Json::object().set("required", true).set("content", jsonContent(body)));
    }
    Json responses = Json::object();
    Json data;
    if (r.async) {
      data = ref("Task");
      responses.set("202", Json::object().set("description", "Accepted: follow the task at its href")
                               .set("headers", Json::object().set("Location", Json::object().set(
                                                   "schema", Json::object().set("type", "string"))))
                               .set("content", jsonContent(envelopeOf(data, false))));
    } else {
      if (op && list)
        data = Json::object().set("type", "array").set("items", itemSchema(*op, r.list_key));
      else if (op)
        data = op->output_schema;
      else if (r.native == "tasks.list")
        data = Json::object().set("type", "array").set("items", ref("Task"));
      else if (r.native == "tasks.get" || r.native == "tasks.cancel")
        data = ref("Task");
      else
        data = Json::object().set("type", "object");
      if (r.native == "metrics")
        responses.set("200", Json::object().set("description", "Prometheus text format").set(
                                 "content", Json::object().set("text/plain", Json::object().set(
                                                                    "schema", Json::object().set("type", "string")))));
      else if (r.native == "openapi")
        responses.set("200", Json::object().set("description", "This document").set(
                                 "content", jsonContent(Json::object().set("type", "object"))));
      else
        responses.set("200", Json::object().set("description", "OK").set("content", jsonContent(envelopeOf(data, list && op))));
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
    if (op || r.native == "tasks.get" || r.native == "tasks.cancel") responses.set("404", responseRef("NotFound"));
    if (op && op->safety != vsphere::Safety::kRead) responses.set("409", responseRef("Conflict"));
    if (r.method == "POST" || r.method == "PATCH") {
      responses.set("413", responseRef("PayloadTooLarge"));
      responses.set("415", responseRef("UnsupportedMediaType"));
    }
    if (r.native == "auth.login") responses.set("401", responseRef("Unauthorized")).set("429", responseRef("TooManyRequests"));
    if (r.native == "health") responses.set("503", Json::object().set("description", "vCenter is not reachable")
                                                       .set("content", jsonContent(envelopeOf(Json::object().set("type", "object"), false))));
    o.set("responses", responses);
    if (r.public_route) o.set("security", Json::array());
    std::string lower;
    for (char c : r.method) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!paths.find(r.path)) paths.set(r.path, Json::object());
    paths.find(r.path)->set(lower, o);
  }
  Json tag_list = Json::array();
  for (const auto& t : tags) tag_list.push(Json::object().set("name", t));
  return Json::object()
      .set("openapi", "3.1.0")
      .set("info", Json::object()
                       .set("title", "vsmcp vSphere REST gateway")
                       .set("version", version)
                       .set("description",
                            "Self-service REST API over vCenter and ESXi, from the same operation registry as the "
                            "vsmcp MCP server and CLI. Every reply is an envelope: success, message, timestamp and "
                            "data; errors add error_code and error_details."))
      .set("servers", Json::array({Json::object().set("url", "/")}))
      .set("security", Json::array({Json::object().set("bearerAuth", Json::array()),
                                    Json::object().set("apiKey", Json::array())}))
      .set("tags", tag_list)
      .set("paths", paths)
      .set("components", components());
}

}  // namespace vsmcp::gateway
