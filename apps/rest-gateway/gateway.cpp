#include "gateway.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <map>

#include "docs_pages.hpp"
#include "envelope.hpp"
#include "memory.hpp"
#include "openapi.hpp"
#include "routes.hpp"
#include "settings.hpp"
#include "vsmcp/json_schema.hpp"
#include "vsmcp/log.hpp"
#include "vsmcp/random.hpp"
#include "ops/registry.hpp"
#include "ops/summary.hpp"

namespace vsmcp::gateway {

namespace {

// A change made through a login's own session: the service account's live inventory learns
// of it from vCenter's feed; until it has, its reads wait (read-your-writes across sessions of
// this gateway).
void noteChange(vsphere::Client* service, vsphere::Client* client) {
  if (service && client != service) service->noteWrite();
}

constexpr int kDefaultPageSize = 100;
constexpr int kMaxPageSize = 2000;

std::chrono::microseconds since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t);
}

http::Response validation(const std::string& field, const std::string& message) {
  return error(422, "VALIDATION_ERROR", message, Json::object().set("field", field));
}

// The field a validateJson message names ("memory_mb: must be ..." -> "memory_mb").
std::string fieldOf(const std::string& message) {
  size_t colon = message.find(':');
  if (colon == std::string::npos) return std::string();
  const std::string field = message.substr(0, colon);
  return field.find(' ') == std::string::npos ? field : std::string();  // a sentence, not a field
}

std::optional<bool> parseBool(const std::string& v) {
  if (v == "true" || v == "1" || v == "yes") return true;
  if (v == "false" || v == "0" || v == "no") return false;
  return std::nullopt;
}

// A query string value converted to the type the schema property wants.
Result<Json> typed(const Json& prop, const std::string& name, const std::string& value) {
  std::string type = prop.find("type") ? prop.find("type")->asString() : "string";
  auto bad = [&](const char* what) {
    return Status::InvalidArgument(name + ": '" + value + "' is not " + what);
  };
  if (type == "integer") {
    char* end = nullptr;
    errno = 0;
    long long n = std::strtoll(value.c_str(), &end, 10);
    if (value.empty() || *end != '\0' || errno == ERANGE) return bad("an integer");
    return Json(static_cast<std::int64_t>(n));
  }
  if (type == "number") {
    char* end = nullptr;
    double d = std::strtod(value.c_str(), &end);
    if (value.empty() || *end != '\0' || !std::isfinite(d)) return bad("a number");
    return Json(d);
  }
  if (type == "boolean") {
    auto b = parseBool(value);
    if (!b) return bad("true or false");
    return Json(*b);
  }
  if (type == "array") {
    Json arr = Json::array();
    size_t i = 0;
    while (i <= value.size()) {
      size_t j = value.find(',', i);
      if (j == std::string::npos) j = value.size();
      if (j > i) arr.push(value.substr(i, j - i));
      i = j + 1;
    }
    return arr;
  }
  return Json(value);
}

// --- paging: every paged route (the registry's lists and /tasks) goes through these ---------

// A list's paging: page_size (1-2000, default 100), first_page_only, and an opaque cursor (the
// offset of the next page bound to a digest of the route and its filters, so that it cannot be
// replayed on another query).
struct Paging {
  std::int64_t page_size = kDefaultPageSize;
  std::int64_t offset = 0;  // from the cursor
  bool first_page_only = false;
  std::string cursor;    // as given; "" = the first page
  std::string snapshot;  // the Invoker's cursor inside ours: the next page of one snapshot
};
constexpr const char* kPagingParams = "page_size, cursor, first_page_only";

// What a cursor is bound to: the route and its filters (as JSON, so that values holding '&'
// or '=' cannot pass for other filters).
std::string queryKey(const std::string& route_path, const std::map<std::string, std::string>& filters) {
  Json query = Json::object();
  for (const auto& [k, v] : filters) query.set(k, v);
  return Json::array({Json(route_path), query}).dump();
}

std::string cursorBinding(const std::string& query_key) { return policy::sha256Hex(query_key).substr(0, 16); }

// True when `name` is a paging parameter, taken into `p`; `refusal` is then set (422) when its
// value is bad.
bool takePagingParam(Paging& p, const std::string& name, const std::string& value,
                     std::optional<http::Response>& refusal) {
  if (name == "page_size") {
    auto n = typed(Json::object().set("type", "integer"), name, value);
    if (!n.ok() || n->asInt() < 1 || n->asInt() > kMaxPageSize)
      refusal = validation(name, "page_size must be an integer from 1 to " + std::to_string(kMaxPageSize));
    else
      p.page_size = n->asInt();
    return true;
  }
  if (name == "first_page_only") {
    auto b = parseBool(value);
    if (!b)
      refusal = validation(name, "first_page_only must be true or false");
    else
      p.first_page_only = *b;
    return true;
  }
  if (name == "cursor") {
    p.cursor = value;
    return true;
  }
  return false;
}

// Reads the cursor, if any, into p.offset; a 422 naming cursor when it is not one this gateway
// gave out for `query_key`.
std::optional<http::Response> applyCursor(Paging& p, const std::string& query_key) {
  if (p.cursor.empty()) return std::nullopt;
  auto text = base64urlDecode(p.cursor);
  size_t dot = text ? text->find('.') : std::string::npos;
  char* end = nullptr;
  std::string number = dot == std::string::npos ? "" : text->substr(0, dot);
  if (!number.empty() && number.front() == 's') {
    // A page of a snapshot the Invoker keeps: "s<id>-<offset>".
    p.snapshot = number;
    const size_t dash = number.rfind('-');
    number = dash == std::string::npos ? "" : number.substr(dash + 1);
  }
  long long o = number.empty() ? -1 : std::strtoll(number.c_str(), &end, 10);
  if (o < 0 || (end && *end != '\0')) return validation("cursor", "cursor is not one this gateway gave out");
  if (text->substr(dot + 1) != cursorBinding(query_key))
    return validation("cursor", "cursor belongs to a query with other filters; start again without it");
  p.offset = o;
  return std::nullopt;
}

// The reply with one page; `next_offset` = where the next page starts, if there is one.
// `next_snapshot` = the Invoker's cursor of that page, when the pages come from a snapshot.
http::Response pageReply(const Paging& p, const std::string& query_key, const std::string& what, Json items,
                         std::int64_t total, std::optional<std::int64_t> next_offset,
                         const std::string& next_snapshot = "") {
  PageInfo page;
  page.page_size = p.page_size;
  page.offset = p.offset;
  page.has_more = next_offset.has_value();
  page.first_page_only = p.first_page_only;
  if (next_offset && !p.first_page_only)
    page.next_cursor = base64url((next_snapshot.empty() ? std::to_string(*next_offset) : next_snapshot) + "." +
                                 cursorBinding(query_key));
  return okPage(what, std::move(items), total, page);
}

// A request body must be JSON: Content-Type application/json, in any case, with or without
// parameters ("application/json; charset=utf-8"); else 415 naming the expected type.
std::optional<http::Response> requireJsonBody(const http::Request& req) {
  const std::string given = req.header("Content-Type");
  std::string essence = given.substr(0, given.find(';'));
  const size_t first = essence.find_first_not_of(" \t");
  const size_t last = essence.find_last_not_of(" \t");
  essence = first == std::string::npos ? "" : essence.substr(first, last - first + 1);
  for (char& c : essence) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (essence == "application/json") return std::nullopt;
  return error(415, "UNSUPPORTED_MEDIA_TYPE", "the body must be JSON (Content-Type: application/json)",
               Json::object()
                   .set("expected", "application/json")
                   .set("content_type", given.empty() ? Json() : Json(given.substr(0, 200))));
}

}  // namespace

struct Gateway::Caller {
  std::string principal;  // policy principal ("" = anonymous, "vc:<user>" for logins)
  std::string role;       // "" = from the token store
  std::string how;        // "login", "token", "anonymous"
  std::string token;      // the login token (for logout/refresh)
  std::string username;   // login: the vCenter user
  std::chrono::system_clock::time_point expires{};
  vsphere::Client* client = nullptr;
  std::shared_ptr<vsphere::Client> hold;  // keeps a login session's client alive
};

Gateway::Gateway(GatewayOptions options, vsphere::Client* service, policy::Policy& policy, apps::Metrics& metrics,
                 LoginSessions::Connector connect)
    : options_(std::move(options)),
      service_(service),
      policy_(policy),
      metrics_(metrics),
      sessions_(options_.vcenter, options_.session_ttl, options_.max_login_sessions, std::move(connect)),
      invoker_(options_.registry ? *options_.registry : ops::builtinRegistry(), policy, &metrics),
      tasks_(TaskStore::Options{}),
      login_limiter_(policy::RateLimitConfig{options_.login_attempts, options_.login_attempts, {}, 10000}),
      openapi_(openApiDocument(options_.version).dump()),
      started_(std::chrono::steady_clock::now()) {
  if (options_.health_interval.count() > 0 && service_) health_thread_ = std::thread([this] { checkHealth(); });
}

Gateway::~Gateway() {
  {
    std::lock_guard<std::mutex> lock(health_mu_);
    stopping_ = true;
  }
  health_cv_.notify_all();
  if (health_thread_.joinable()) health_thread_.join();
}

void Gateway::checkHealth() {
  for (;;) {
    const auto t0 = std::chrono::steady_clock::now();
    Status s = service_->ping();
    const double ms = static_cast<double>(since(t0).count()) / 1000.0;
    std::unique_lock<std::mutex> lock(health_mu_);
    reachable_ = s.ok();
    health_latency_ms_ = ms;
    health_error_ = s.ok() ? "" : s.message();
    health_checked_ = isoTime(std::chrono::system_clock::now());
    if (health_cv_.wait_for(lock, options_.health_interval, [&] { return stopping_; })) return;
  }
}

http::Response Gateway::health() const {
  Json vc = Json::object().set("host", policy_.config().target);
  std::lock_guard<std::mutex> lock(health_mu_);
  if (reachable_) {
    vc.set("reachable", *reachable_).set("checked", health_checked_).set("latency_ms", health_latency_ms_);
    if (!health_error_.empty()) vc.set("error", health_error_);
  } else {
    vc.set("reachable", Json()).set("note", service_ ? "not checked yet" : "no service account: only logins");
  }
  const bool healthy = !reachable_ || *reachable_;
  Json data = Json::object()
                  .set("status", healthy ? "ok" : "degraded")
                  .set("version", options_.version)
                  .set("uptime_seconds", static_cast<std::int64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                                                       std::chrono::steady_clock::now() - started_)
                                                                       .count()))
                  .set("vcenter", vc);
  if (service_) data.set("inventory", apps::liveInventoryJson(*service_));
  // A 503 is an error like any other (success false, error_code), with the report in its details.
  if (!healthy) return error(503, errorCodeText(ErrorCode::kUnavailable), "vCenter is not reachable", data);
  return ok(200, "healthy", data);
}

std::optional<http::Response> Gateway::handleInline(const http::Request& req) {
  if (req.method != "GET" && req.method != "HEAD") return std::nullopt;
  if (req.path == "/health") return health();
  if (req.path == "/") {
    return ok(200, "vSphere REST gateway (vsmcp)",
              Json::object()
                  .set("name", "vsmcp rest-gateway")
                  .set("version", options_.version)
                  .set("docs", "/docs")
                  .set("redoc", "/redoc")
                  .set("openapi", "/openapi.json")
                  .set("health", "/health")
                  .set("vcenter", policy_.config().target)
                  .set("login", options_.logins ? "POST /auth/login" : "disabled"));
  }
  if (req.path == "/openapi.json") {
    http::Response r;
    r.body = openapi_;
    return r;
  }
  if (req.path == "/metrics") {
    http::Response r;
    r.content_type = "text/plain; version=0.0.4";
    r.body = metrics_.prometheusText(&policy_);
    if (service_) r.body += apps::liveInventoryMetrics(*service_);
    return r;
  }
  return docsRoute(req, options_.ui_assets_dir);
}

http::Response Gateway::handle(const http::Request& req) {
  if (auto quick = handleInline(req)) return *quick;
  return route(req);
}

Result<Gateway::Caller> Gateway::authenticate(const http::Request& req) {
  const auto given = apps::bearerCredential(req.header("Authorization"), req.header("X-API-Key"));
  if (!given)
    return Status::Error(ErrorCode::kUnauthenticated,
                         "Authorization and X-API-Key carry different credentials: send one");
  const std::string cred = *given;
  Caller c;
  const std::string login_hint = options_.logins ? " (or log in with POST /auth/login)" : "";
  if (cred.rfind(LoginSessions::kTokenPrefix, 0) == 0) {
    auto s = sessions_.find(cred);
    if (!s)
      return Status::Error(ErrorCode::kUnauthenticated,
                           "the login token is unknown, expired or logged out: log in again with POST /auth/login");
    c.principal = "vc:" + s->username;
    c.role = options_.login_role;
    c.how = "login";
    c.token = cred;
    c.username = s->username;
    c.expires = s->expires;
    c.hold = s->client;
    c.client = c.hold.get();
    return c;
  }
  if (policy_.authenticationRequired()) {
    auto who = policy_.authenticate(cred, "rest", req.remote_address);
    if (!who)
      return Status::Error(ErrorCode::kUnauthenticated,
                           "a valid bearer token or X-API-Key is required" + login_hint);
    c.principal = who->name;
    c.how = "token";
  } else {
    if (!cred.empty())
      return Status::Error(ErrorCode::kUnauthenticated, "unknown token: this gateway has no API tokens" + login_hint);
    c.how = "anonymous";
  }
  if (!service_)
    return Status::Error(ErrorCode::kUnauthenticated,
                         "this gateway has no service account (VCENTER_USER): log in with POST /auth/login");
  c.client = service_;
  return c;
}

http::Response Gateway::route(const http::Request& req) {
  auto segments = req.decodedPathSegments();
  if (!segments) return error(400, "BAD_REQUEST", "the path has an invalid percent-escape");
  bool path_exists = false;
  const std::string method = req.method == "HEAD" ? "GET" : req.method;
  auto match = matchRoute(method, *segments, &path_exists);
  if (!match) {
    if (path_exists) {
      std::string allow;
      for (const auto& r : routes()) {
        auto m = matchRoute(r.method, *segments);
        if (m && m->route == &r) allow += (allow.empty() ? "" : ", ") + r.method;
      }
      http::Response res = error(405, "METHOD_NOT_ALLOWED", req.method + " is not allowed on " + req.path);
      res.headers.emplace_back("Allow", allow);
      return res;
    }
    // "/vms/" is not "/vms" (and an empty path parameter never matches): 404, naming the route
    // meant when the path without its trailing slashes is one.
    if (req.path.size() > 1 && req.path.back() == '/') {
      auto trimmed = *segments;
      while (!trimmed.empty() && trimmed.back().empty()) trimmed.pop_back();
      bool exists = false;
      if (matchRoute(method, trimmed, &exists) || exists) {
        std::string without = req.path.substr(0, req.path.find_last_not_of('/') + 1);
        if (without.empty()) without = "/";
        return error(404, "NOT_FOUND", "no such resource: " + req.path + " (no trailing slash: " + without + ")",
                     Json::object().set("did_you_mean", without));
      }
    }
    return error(404, "NOT_FOUND", "no such resource: " + req.path + " (see /openapi.json or /docs)");
  }
  if (!match->route->native.empty()) return native(*match->route, req, match->params);
  return operation(*match->route, req, match->params);
}

http::Response Gateway::native(const Route& route, const http::Request& req,
                               const std::vector<std::pair<std::string, std::string>>& params) {
  const std::string& key = route.native;
  auto param = [&](const char* name) {
    for (const auto& [k, v] : params)
      if (k == name) return v;
    return std::string();
  };
  // These routes take no query parameters but a list's paging: refuse others (422) as the
  // operation routes do, rather than ignore them.
  Paging paging;
  std::vector<std::string> seen;
  for (const auto& [k, v] : req.queryParams()) {
    if (route.list_key.empty())
      return validation(k, "unknown query parameter '" + k + "': " + req.method + " " + req.path + " takes none");
    if (std::find(seen.begin(), seen.end(), k) != seen.end())
      return validation(k, "query parameter '" + k + "' is given more than once");
    seen.push_back(k);
    std::optional<http::Response> refusal;
    if (!takePagingParam(paging, k, v, refusal))
      return validation(k, "unknown query parameter '" + k + "' (known: " + kPagingParams + ")");
    if (refusal) return *refusal;
  }
  if (key == "auth.login") {
    if (!options_.logins) return error(403, "LOGIN_DISABLED", "logins are disabled on this gateway; use an API key");
    if (!req.body.empty())
      if (auto refusal = requireJsonBody(req)) return *refusal;
    if (Status limited = login_limiter_.admit(req.remote_address, policy::Action::kRead); !limited.ok())
      return error(Status::Error(ErrorCode::kRateLimited,
                                 "too many login attempts from " + req.remote_address + "; retry after " +
                                     std::to_string(limited.details().retry_after_seconds) + " s",
                                 limited.details()));
    auto body = Json::parse(req.body);
    if (!body.ok() || !body->isObject())
      return error(400, "BAD_REQUEST", "the body must be a JSON object {\"username\": ..., \"password\": ...}");
    const Json* user = body->find("username");
    const Json* pass = body->find("password");
    if (!user || !user->isString() || user->asString().empty()) return validation("username", "username is required");
    if (!pass || !pass->isString() || pass->asString().empty()) return validation("password", "password is required");
    policy::CallContext call;
    call.transport = "rest";
    call.remote = req.remote_address;
    call.principal = "vc:" + user->asString();
    call.role = options_.login_role;
    call.operation = "auth_login";
    call.correlation_id = policy_.newCorrelationId();
    call.started = std::chrono::steady_clock::now();
    auto session = sessions_.login(user->asString(), pass->asString());
    policy_.finished(call, session.ok() ? "ok" : "error", session.status());
    if (!session.ok()) return error(session.status());
    return ok(200, "logged in as " + user->asString(),
              Json::object()
                  .set("token", session->first)
                  .set("token_type", "Bearer")
                  .set("expires_at", isoTime(session->second.expires))
                  .set("expires_in", static_cast<std::int64_t>(options_.session_ttl.count()))
                  .set("username", user->asString()));
  }
  auto caller = authenticate(req);
  if (!caller.ok()) return error(caller.status());
  if (key == "auth.status") {
    Json data = Json::object()
                    .set("principal", caller->principal.empty() ? "anonymous" : caller->principal)
                    .set("role", caller->role.empty() ? policy_.principal(caller->principal).role : caller->role)
                    .set("authenticated_by", caller->how);
    if (caller->how == "login") data.set("username", caller->username).set("expires_at", isoTime(caller->expires));
    return ok(200, "authenticated", data);
  }
  if (key == "auth.logout" || key == "auth.refresh") {
    if (caller->how != "login")
      return error(400, "NOT_A_LOGIN", "only a login token (from POST /auth/login) can be " +
                                           std::string(key == "auth.logout" ? "logged out" : "refreshed"));
    if (key == "auth.logout") {
      Status s = sessions_.logout(caller->token);
      if (!s.ok() && s.code() != ErrorCode::kNotFound) return error(s);
      return ok(200, "logged out; the vCenter session is closed", Json::object());
    }
    auto fresh = sessions_.refresh(caller->token);
    if (!fresh.ok()) return error(fresh.status());
    return ok(200, "token refreshed; the old one no longer works",
              Json::object()
                  .set("token", fresh->first)
                  .set("token_type", "Bearer")
                  .set("expires_at", isoTime(fresh->second.expires))
                  .set("expires_in", static_cast<std::int64_t>(options_.session_ttl.count())));
  }
  const std::string owner = caller->principal.empty() ? "anonymous" : caller->principal;
  if (key == "tasks.list") {
    const std::string query_key = queryKey(route.path, {});
    if (auto refusal = applyCursor(paging, query_key)) return *refusal;
    const auto all = tasks_.list(owner);
    const auto total = static_cast<std::int64_t>(all.size());
    const std::int64_t start = std::min(paging.offset, total);  // a cursor past the end: empty
    const std::int64_t end = start + std::min(paging.page_size, total - start);
    Json items = Json::array();
    for (std::int64_t i = start; i < end; ++i) items.push(toJson(all[static_cast<size_t>(i)]));
    return pageReply(paging, query_key, route.list_key, std::move(items), total,
                     end < total ? std::optional<std::int64_t>(end) : std::nullopt);
  }
  if (key == "tasks.get" || key == "tasks.cancel") {
    auto t = key == "tasks.get" ? tasks_.get(param("id"), owner) : tasks_.cancel(param("id"), owner);
    if (!t.ok()) return error(t.status());
    return ok(200, "task " + t->id + " is " + t->state, toJson(*t));
  }
  return error(500, "INTERNAL", "no handler for route " + key);
}

http::Response Gateway::operation(const Route& route, const http::Request& req,
                                  const std::vector<std::pair<std::string, std::string>>& params) {
  const ops::Operation* op = invoker_.registry().find(route.operation);
  if (!op) return error(500, "INTERNAL", "no operation " + route.operation);
  auto caller = authenticate(req);
  if (!caller.ok()) return error(caller.status());

  const Json* props = op->input_schema.find("properties");
  Json args = Json::object();
  for (const auto& [param, arg] : route.path_args)
    for (const auto& [k, v] : params)
      if (k == param) args.set(arg, v);
  const bool is_list = !route.list_key.empty();
  const bool destructive = op->safety == ops::Safety::kDestructive;
  Paging paging;
  bool confirm = false;
  std::map<std::string, std::string> filters;  // the query a cursor belongs to
  std::vector<std::string> seen;
  for (const auto& [k, v] : req.queryParams()) {
    if (std::find(seen.begin(), seen.end(), k) != seen.end())
      return validation(k, "query parameter '" + k + "' is given more than once");
    seen.push_back(k);
    if (is_list) {
      std::optional<http::Response> refusal;
      if (takePagingParam(paging, k, v, refusal)) {
        if (refusal) return *refusal;
        continue;
      }
    }
    if (destructive && k == "confirm") {
      auto b = parseBool(v);
      if (!b) return validation(k, "confirm must be true or false");
      confirm = *b;
      continue;
    }
    const Json* prop = props ? props->find(k) : nullptr;
    bool path_arg = false;
    for (const auto& pa : route.path_args) path_arg = path_arg || pa.second == k;
    if (!prop || path_arg || k == "confirm" || (is_list && (k == "limit" || k == "offset" || k == "cursor"))) {
      std::string known;
      if (props)
        for (const auto& [name, p] : props->members()) {
          bool hidden = name == "confirm" || (is_list && (name == "limit" || name == "offset" || name == "cursor"));
          for (const auto& pa : route.path_args) hidden = hidden || pa.second == name;
          if (!hidden) known += (known.empty() ? "" : ", ") + name;
        }
      if (is_list) known += std::string(known.empty() ? "" : ", ") + kPagingParams;
      if (destructive) known += std::string(known.empty() ? "" : ", ") + "confirm";
      return validation(k, "unknown query parameter '" + k + "'" + (known.empty() ? "" : " (known: " + known + ")"));
    }
    auto value = typed(*prop, k, v);
    if (!value.ok()) return validation(k, value.status().message());
    args.set(k, *value);
    filters[k] = v;
  }
  const std::string query_key = queryKey(route.path, filters);
  if (req.method == "POST" || req.method == "PATCH") {
    if (!req.body.empty()) {
      if (auto refusal = requireJsonBody(req)) return *refusal;
      auto body = Json::parse(req.body);
      if (!body.ok()) return error(400, "BAD_REQUEST", "the body is not valid JSON: " + body.status().message());
      if (!body->isObject()) return error(400, "BAD_REQUEST", "the body must be a JSON object");
      if (!route.body_arg.empty()) args.set(route.body_arg, *body);
      for (const auto& [k, v] : route.body_arg.empty() ? body->members() : Json::Object{}) {
        bool path_arg = false;
        for (const auto& pa : route.path_args) path_arg = path_arg || pa.second == k;
        if (path_arg) return validation(k, "'" + k + "' comes from the path, not the body");
        if (k == "confirm") return validation(k, "confirm goes in the query: ?confirm=true");
        args.set(k, v);
      }
    } else if (!route.body_arg.empty()) {
      args.set(route.body_arg, Json::object());
    }
  }
  if (is_list) {
    if (auto refusal = applyCursor(paging, query_key)) return *refusal;
    args.set("limit", paging.page_size);
    if (paging.snapshot.empty()) args.set("offset", paging.offset);
    else args.set("cursor", paging.snapshot);
  }
  if (Status valid = validateJson(op->input_schema, args, ""); !valid.ok())
    return validation(fieldOf(valid.message()), valid.message());

  ops::Call call;
  call.op = op;
  call.args = args;
  call.caller = ops::Caller::kPerson;  // the REST client is the person (or their script)
  call.confirmed = destructive && confirm;
  call.confirm_kind = "rest_confirm";
  call.snapshots = is_list && !paging.first_page_only;  // the pages after the first come from one listing
  call.client = caller->client;
  call.context.transport = "rest";
  call.context.remote = req.remote_address;
  call.context.correlation_id = req.header("X-Request-Id");
  call.context.principal = caller->principal;
  call.context.role = caller->role;
  // Admission, the precheck (a catalog request's inputs, a relocation's target), the approval
  // and the dry run happen here, before any 202: a bad request is refused at once.
  ops::Invoker::Prepared prepared = invoker_.prepare(std::move(call));
  if (!prepared.ready) {
    ops::Reply& reply = prepared.reply;
    if (!reply.result.ok()) {
      const Status& st = reply.result.status();
      // Refused before anything started: the request itself is wrong (schema, precheck).
      if (st.code() == ErrorCode::kInvalidArgument) return validation(fieldOf(st.message()), restNames(st.message()));
      if (const Json* blocked = reply.dry_run.find("blocked")) {
        Json list = Json::array();
        for (const auto& b : blocked->items()) list.push(restNames(b.asString()));
        const Json* would = reply.dry_run.find("would");
        return error(Status::Error(st.code(), restNames(st.message()), st.details()),
                     Json::object()
                         .set("dry_run", true)
                         .set("would", restNames(would ? would->asString() : std::string()))
                         .set("blocked", std::move(list)));
      }
      return restError(st);
    }
    const Json& dry = *reply.result;
    const Json* would = dry.find("would");
    const std::string what = would ? restNames(would->asString()) : "change vSphere";
    Json details = Json::object().set("dry_run", true).set("would", what);
    if (const Json* d = dry.find("details")) details.set("details", *d);
    if (const Json* blocked = dry.find("blocked"); blocked && blocked->size() > 0) {
      std::string reasons;
      Json list = Json::array();
      for (const auto& b : blocked->items()) {
        reasons += (reasons.empty() ? "" : "; ") + restNames(b.asString());
        list.push(restNames(b.asString()));
      }
      details.set("blocked", std::move(list));
      return error(409, errorCodeText(ErrorCode::kInvalidState),
                   "this cannot be done now: " + reasons + " (it would " + what + ")", details);
    }
    details.set("confirm", "?confirm=true");
    return error(400, "CONFIRMATION_REQUIRED", "this would " + what + "; repeat the request with ?confirm=true to do it",
                 details);
  }
  // The operation's declared shape decides (the route table mirrors it for the built-in ones).
  if (route.force_async || op->shape == ops::Shape::kTask) {
    auto hold = caller->hold;
    ops::Invoker* invoker = &invoker_;
    vsphere::Client* service = service_;
    auto task = tasks_.submit(caller->principal.empty() ? "anonymous" : caller->principal, op->name,
                              [hold, invoker, prepared, service](const vsphere::ProgressCallback& progress,
                                                                 const vsphere::CancelToken& cancel) mutable {
                                (void)hold;  // keeps a login session's client alive until the task ends
                                prepared.call.on_progress = progress;
                                prepared.call.cancel = &cancel;
                                vsphere::Client* client = prepared.call.client;
                                Result<Json> result = invoker->run(std::move(prepared)).result;
                                noteChange(service, client);
                                apps::releaseFreeMemory();
                                return result;
                              });
    if (!task.ok()) return error(task.status());
    http::Response r = ok(202, op->name + " accepted: follow /tasks/" + task->id, toJson(*task));
    r.headers.emplace_back("Location", "/tasks/" + task->id);
    return r;
  }
  vsphere::Client* client = prepared.call.client;
  ops::Reply reply = invoker_.run(std::move(prepared));
  if (op->safety != ops::Safety::kRead) noteChange(service_, client);
  if (!reply.result.ok()) {
    const Status& st = reply.result.status();
    if (is_list && st.code() == ErrorCode::kInvalidArgument && st.message().rfind("cursor:", 0) == 0)
      return validation("cursor", st.message());  // an expired snapshot
    return restError(st);
  }
  struct Release {  // once the reply is built and the result freed
    ~Release() { apps::releaseFreeMemory(); }
  } release;
  Result<Json>& result = reply.result;
  if (is_list) {
    Json items = result->find(route.list_key.c_str()) ? *result->find(route.list_key.c_str()) : Json::array();
    const std::int64_t total = result->find("total") ? result->find("total")->asInt() : static_cast<std::int64_t>(items.size());
    const Json* next = result->find("next_offset");
    const Json* next_snapshot = result->find("next_cursor");
    return pageReply(paging, query_key, route.list_key, std::move(items), total,
                     next ? std::optional<std::int64_t>(next->asInt()) : std::nullopt,
                     next_snapshot ? next_snapshot->asString() : std::string());
  }
  Json data = std::move(result).value();
  for (const auto& key : route.data_path) {
    const Json* member = data.find(key);
    if (!member) return error(500, "INTERNAL", "the result of " + op->name + " has no '" + key + "'");
    Json next = *member;
    data = std::move(next);
  }
  return ok(route.success_status, route.success_status == 201 ? "created" : "OK", std::move(data));
}

std::string Gateway::restNames(const std::string& text) const {
  return ops::renameOperations(text, invoker_.registry(), [](const ops::Operation& o) -> std::optional<std::string> {
    // The route a person would use: a GET for reads, else the first route of the operation.
    const Route* best = nullptr;
    for (const auto& r : routes()) {
      if (r.operation != o.name) continue;
      if (!best || (r.method == "GET" && best->method != "GET")) best = &r;
    }
    if (!best) return std::nullopt;
    return best->method + " " + best->path;
  });
}

http::Response Gateway::restError(const Status& status) const {
  return error(Status::Error(status.code(), restNames(status.message()), status.details()));
}

}  // namespace vsmcp::gateway
