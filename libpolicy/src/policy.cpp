#include "policy/policy.hpp"
#include "vsmcp/random.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

#include "vsmcp/glob.hpp"
#include "vsmcp/log.hpp"

namespace vsmcp::policy {

namespace {

const Role* findRole(const std::vector<Role>& roles, std::string_view name) {
  for (const auto& r : roles)
    if (r.name == name) return &r;
  return nullptr;
}

// The principal's role must grant the operation.
class RoleFilter final : public Filter {
 public:
  explicit RoleFilter(const std::vector<Role>& roles) : roles_(roles) {}
  std::string_view name() const override { return "role"; }
  Status decide(CallContext& call) override {
    const Role* role = findRole(roles_, call.role);
    if (role && role->allows(call.operation, call.action)) return Status::Ok();
    ErrorDetails details;
    details.object = call.operation;
    return Status::Error(ErrorCode::kPermissionDenied,
                         "permission denied: role '" + call.role + "' of '" +
                             (call.principal.empty() ? std::string("anonymous") : call.principal) +
                             "' may not call " + call.operation,
                         details);
  }

 private:
  const std::vector<Role>& roles_;
};

class RateLimitFilter final : public Filter {
 public:
  explicit RateLimitFilter(RateLimiter& limiter) : limiter_(limiter) {}
  std::string_view name() const override { return "rate_limit"; }
  Status decide(CallContext& call) override { return limiter_.admit(call.principal, call.action); }

 private:
  RateLimiter& limiter_;
};

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Result<std::string> readFile(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::InvalidArgument(std::string("cannot read the ") + what + " '" + path + "'");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

Result<std::vector<std::string>> stringList(const Json& v, const std::string& where) {
  if (!v.isArray()) return Status::InvalidArgument(where + " must be an array of strings");
  std::vector<std::string> out;
  for (const auto& item : v.items()) {
    if (!item.isString() || item.asString().empty())
      return Status::InvalidArgument(where + " must hold non-empty strings");
    out.push_back(item.asString());
  }
  return out;
}

Status unknownKeys(const Json& obj, std::initializer_list<const char*> known, const std::string& where) {
  for (const auto& [k, v] : obj.members()) {
    bool ok = false;
    for (const char* n : known) ok = ok || k == n;
    if (!ok) {
      std::string list;
      for (const char* n : known) list += (list.empty() ? "" : ", ") + std::string(n);
      return Status::InvalidArgument(where + ": unknown key '" + k + "' (known: " + list + ")");
    }
  }
  return Status::Ok();
}

Result<RateLimit> rateEntry(const Json& v, const std::string& where) {
  if (!v.isObject()) return Status::InvalidArgument(where + " must be an object {\"rate\": \"60/min\", \"burst\": 10}");
  VSMCP_RETURN_IF_ERROR(unknownKeys(v, {"rate", "burst"}, where));
  const Json* rate = v.find("rate");
  if (!rate || !rate->isString()) return Status::InvalidArgument(where + ".rate must be a string such as \"60/min\"");
  const Json* burst = v.find("burst");
  if (burst && !burst->isNumber()) return Status::InvalidArgument(where + ".burst must be a number");
  auto parsed = parseRate(rate->asString(), burst ? burst->asDouble() : 1);
  if (!parsed.ok()) return parsed.status().withContext(where);
  return parsed;
}

}  // namespace

Status parseTokenConfig(std::string_view text, const std::string& origin, PolicyConfig& config) {
  auto doc = Json::parse(text);
  if (!doc.ok()) return doc.status().withContext(origin + ": not valid JSON");
  if (!doc->isObject()) return Status::InvalidArgument(origin + ": must be a JSON object");
  VSMCP_RETURN_IF_ERROR(unknownKeys(*doc, {"roles", "tokens"}, origin));
  if (const Json* roles = doc->find("roles")) {
    if (!roles->isObject()) return Status::InvalidArgument(origin + ": \"roles\" must be an object");
    for (const auto& [name, def] : roles->members()) {
      std::string where = origin + ": roles." + name;
      if (name.empty()) return Status::InvalidArgument(origin + ": a role has an empty name");
      if (findRole(config.roles, name)) return Status::InvalidArgument(where + ": role is already defined (built-in roles cannot be redefined)");
      if (!def.isObject()) return Status::InvalidArgument(where + " must be an object");
      VSMCP_RETURN_IF_ERROR(unknownKeys(def, {"reads", "allow", "deny"}, where));
      Role role;
      role.name = name;
      if (const Json* r = def.find("reads")) {
        if (!r->isBool()) return Status::InvalidArgument(where + ".reads must be true or false");
        role.all_reads = r->asBool();
      }
      if (const Json* a = def.find("allow")) { VSMCP_ASSIGN_OR_RETURN(role.allow, stringList(*a, where + ".allow")); }
      if (const Json* d = def.find("deny")) { VSMCP_ASSIGN_OR_RETURN(role.deny, stringList(*d, where + ".deny")); }
      config.roles.push_back(std::move(role));
    }
  }
  if (const Json* tokens = doc->find("tokens")) {
    if (!tokens->isArray()) return Status::InvalidArgument(origin + ": \"tokens\" must be an array");
    size_t i = 0;
    for (const auto& t : tokens->items()) {
      std::string where = origin + ": tokens[" + std::to_string(i++) + "]";
      if (!t.isObject()) return Status::InvalidArgument(where + " must be an object");
      VSMCP_RETURN_IF_ERROR(unknownKeys(t, {"name", "role", "token", "sha256"}, where));
      const Json* name = t.find("name");
      const Json* role = t.find("role");
      if (!name || !name->isString() || name->asString().empty())
        return Status::InvalidArgument(where + ".name must be a non-empty string");
      where += " ('" + name->asString() + "')";
      if (!role || !role->isString()) return Status::InvalidArgument(where + ".role must be a string");
      if (!findRole(config.roles, role->asString())) {
        std::string known;
        for (const auto& r : config.roles) known += (known.empty() ? "" : ", ") + r.name;
        return Status::InvalidArgument(where + ": unknown role '" + role->asString() + "' (known: " + known + ")");
      }
      const Json* token = t.find("token");
      const Json* hash = t.find("sha256");
      if ((token != nullptr) == (hash != nullptr))
        return Status::InvalidArgument(where + ": give exactly one of \"token\" and \"sha256\"");
      Status added = token ? (token->isString() ? config.tokens.add(name->asString(), role->asString(), token->asString())
                                                : Status::InvalidArgument("\"token\" must be a string"))
                           : (hash->isString() ? config.tokens.addHashed(name->asString(), role->asString(), hash->asString())
                                               : Status::InvalidArgument("\"sha256\" must be a string"));
      if (!added.ok()) return added.withContext(where);
    }
  }
  return Status::Ok();
}

Status loadTokenFile(const std::string& path, PolicyConfig& config) {
  VSMCP_ASSIGN_OR_RETURN(std::string text, readFile(path, "token file"));
  return parseTokenConfig(text, path, config);
}

Status parseRateLimitConfig(std::string_view text, const std::string& origin, RateLimitConfig& config) {
  auto doc = Json::parse(text);
  if (!doc.ok()) return doc.status().withContext(origin + ": not valid JSON");
  if (!doc->isObject()) return Status::InvalidArgument(origin + ": must be a JSON object");
  VSMCP_RETURN_IF_ERROR(unknownKeys(*doc, {"read", "change", "principals"}, origin));
  if (const Json* r = doc->find("read")) { VSMCP_ASSIGN_OR_RETURN(config.read, rateEntry(*r, origin + ": read")); }
  if (const Json* c = doc->find("change")) { VSMCP_ASSIGN_OR_RETURN(config.change, rateEntry(*c, origin + ": change")); }
  if (const Json* p = doc->find("principals")) {
    if (!p->isObject()) return Status::InvalidArgument(origin + ": \"principals\" must be an object");
    for (const auto& [name, o] : p->members()) {
      std::string where = origin + ": principals." + name;
      if (!o.isObject()) return Status::InvalidArgument(where + " must be an object");
      VSMCP_RETURN_IF_ERROR(unknownKeys(o, {"read", "change"}, where));
      RateLimitConfig::Override entry;
      if (const Json* r = o.find("read")) { VSMCP_ASSIGN_OR_RETURN(entry.read, rateEntry(*r, where + ".read")); }
      if (const Json* c = o.find("change")) { VSMCP_ASSIGN_OR_RETURN(entry.change, rateEntry(*c, where + ".change")); }
      config.principals[name] = entry;
    }
  }
  return Status::Ok();
}

Status loadRateLimitFile(const std::string& path, RateLimitConfig& config) {
  VSMCP_ASSIGN_OR_RETURN(std::string text, readFile(path, "rate-limit file"));
  return parseRateLimitConfig(text, path, config);
}

std::string hostOf(std::string_view url) {
  size_t scheme = url.find("://");
  if (scheme != std::string_view::npos) url.remove_prefix(scheme + 3);
  url = url.substr(0, url.find_first_of("/?#"));
  if (size_t at = url.rfind('@'); at != std::string_view::npos) url.remove_prefix(at + 1);
  if (!url.empty() && url.front() == '[') {
    size_t close = url.find(']');
    return lower(url.substr(1, close == std::string_view::npos ? std::string_view::npos : close - 1));
  }
  return lower(url.substr(0, url.find(':')));
}

Status checkHostAllowed(const std::vector<std::string>& allowed, std::string_view url) {
  if (allowed.empty()) return Status::Ok();
  std::string host = hostOf(url);
  for (const auto& pattern : allowed)
    if (!host.empty() && globMatch(lower(pattern), host)) return Status::Ok();
  ErrorDetails details;
  details.object = host;
  return Status::Error(ErrorCode::kPermissionDenied,
                       "vCenter host '" + host + "' is not in the allowed list", details);
}

struct Policy::Impl {
  Impl(PolicyConfig c, std::shared_ptr<AuditSink> a, const Clock& clk)
      : config(std::move(c)), audit(std::move(a)), clock(clk), limiter(config.rate_limits, clk) {
    filters.push_back(std::make_unique<RoleFilter>(config.roles));
    filters.push_back(std::make_unique<RateLimitFilter>(limiter));
    counters = std::vector<Counter>(filters.size());
  }
  struct Counter {
    std::atomic<std::uint64_t> passed{0}, refused{0};
  };
  const PolicyConfig config;
  std::shared_ptr<AuditSink> audit;
  const Clock& clock;
  RateLimiter limiter;
  std::vector<std::unique_ptr<Filter>> filters;
  std::vector<Counter> counters;
  std::atomic<std::uint64_t> unauthenticated{0};
};

Policy::Policy(PolicyConfig config, std::shared_ptr<AuditSink> audit, const Clock& clock)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(audit), clock)) {}
Policy::~Policy() = default;

bool Policy::authenticationRequired() const { return !impl_->config.tokens.empty(); }
const PolicyConfig& Policy::config() const { return impl_->config; }

std::optional<Principal> Policy::authenticate(std::string_view credential, const std::string& transport,
                                              const std::string& remote) {
  auto who = impl_->config.tokens.authenticate(credential);
  if (who) return who;
  impl_->unauthenticated.fetch_add(1);
  CallContext call;
  call.transport = transport;
  call.remote = remote;
  call.correlation_id = newCorrelationId();
  audit(call, "call", "unauthenticated",
        Status::Error(ErrorCode::kUnauthenticated,
                      credential.empty() ? "no credential presented" : "the credential matches no principal"),
        false);
  return std::nullopt;
}

Principal Policy::principal(const std::string& name) const {
  if (name.empty()) return {"", impl_->config.anonymous_role};
  if (auto p = impl_->config.tokens.find(name)) return *p;
  return {name, ""};  // unknown: no role, so nothing is granted
}

bool Policy::mayCall(const std::string& name, std::string_view operation, Action action) const {
  const Role* role = findRole(impl_->config.roles, principal(name).role);
  return role && role->allows(operation, action);
}

Status Policy::admit(CallContext& call) {
  call.started = impl_->clock.now();
  if (call.correlation_id.empty()) call.correlation_id = newCorrelationId();
  if (call.role.empty()) call.role = principal(call.principal).role;
  for (size_t i = 0; i < impl_->filters.size(); ++i) {
    Status s = impl_->filters[i]->decide(call);
    if (!s.ok()) {
      impl_->counters[i].refused.fetch_add(1);
      audit(call, "call", s.code() == ErrorCode::kRateLimited ? "rate_limited" : "denied", s, false);
      return s;
    }
    impl_->counters[i].passed.fetch_add(1);
  }
  return Status::Ok();
}

void Policy::refund(const CallContext& call) { impl_->limiter.refund(call.principal, call.action); }

void Policy::started(const CallContext& call) {
  if (call.action != Action::kRead) audit(call, "start", "", Status::Ok(), false);
}

void Policy::finished(const CallContext& call, std::string_view outcome, const Status& error) {
  audit(call, "call", outcome, error, true);
}

void Policy::audit(const CallContext& call, std::string_view event, std::string_view outcome, const Status& error,
                   bool with_duration) {
  if (!impl_->audit) return;
  AuditRecord r;
  r.time = impl_->clock.wallNow();
  r.event = std::string(event);
  r.correlation_id = call.correlation_id;
  r.transport = call.transport;
  r.remote = call.remote;
  r.session = call.session;
  r.principal = call.principal.empty() && !call.operation.empty() ? "anonymous" : call.principal;
  r.role = call.role;
  r.operation = call.operation;
  if (!call.operation.empty()) r.action = call.action;
  r.arguments = maskSecrets(call.arguments);
  r.target = impl_->config.target;
  if (with_duration)
    r.duration = std::chrono::duration_cast<std::chrono::microseconds>(impl_->clock.now() - call.started);
  r.outcome = std::string(outcome);
  if (!error.ok()) r.error = error.message();
  r.approval = call.approval;
  r.approved_by = call.approved_by;
  impl_->audit->write(r);
}

std::string Policy::newCorrelationId() const { return randomHex(8); }

std::vector<FilterStats> Policy::stats() const {
  std::vector<FilterStats> out;
  for (size_t i = 0; i < impl_->filters.size(); ++i)
    out.push_back({std::string(impl_->filters[i]->name()), impl_->counters[i].passed.load(),
                   impl_->counters[i].refused.load()});
  return out;
}

std::uint64_t Policy::unauthenticatedCount() const { return impl_->unauthenticated.load(); }

}  // namespace vsmcp::policy
