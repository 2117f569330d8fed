#include "settings.hpp"

#include <cctype>
#include <fstream>

namespace vsmcp::apps {

namespace {

Status readSecret(const std::string& path, const char* setting, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::InvalidArgument(std::string(setting) + ": cannot read '" + path + "'");
  std::getline(in, out);
  while (!out.empty() && (out.back() == '\r' || out.back() == ' ' || out.back() == '\t')) out.pop_back();
  if (out.empty()) return Status::InvalidArgument(std::string(setting) + ": '" + path + "' is empty");
  return Status::Ok();
}

bool isLoopback(const std::string& host) {
  return host == "127.0.0.1" || host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

}  // namespace

void addVcenterOptions(CLI::App& app, Settings& s) {
  const char* g = "vCenter";
  app.add_option("--vcenter-host", s.vcenter.url, "vCenter or ESXi URL or host name")->envname("VCENTER_HOST")->group(g);
  app.add_option("--vcenter-user", s.vcenter.username, "User name")->envname("VCENTER_USER")->group(g);
  app.add_option("--vcenter-password-file", s.password_file,
                 "File holding the password (first line); or set VCENTER_PASSWORD")
      ->envname("VCENTER_PASSWORD_FILE")->group(g);
  app.add_flag("--insecure", s.vcenter.insecure, "Skip TLS verification of vCenter (unsafe)")
      ->envname("VCENTER_INSECURE")->group(g);
  app.add_option("--ca-bundle", s.vcenter.ca_bundle, "PEM file of CAs to trust for vCenter")
      ->envname("VCENTER_CA_BUNDLE")->group(g);
  app.add_option("--thumbprint", s.vcenter.thumbprint, "SHA-256 pin of vCenter's certificate (AB:CD:...)")
      ->envname("VCENTER_THUMBPRINT")->group(g);
  app.add_option("--allowed-vcenters", s.allowed_vcenters,
                 "Host globs this server may connect to, e.g. vc*.corp.example (comma-separated in the variable)")
      ->envname("VCENTER_ALLOWED_HOSTS")->delimiter(',')->group(g);
}

void addPolicyOptions(CLI::App& app, Settings& s) {
  const char* g = "Policy";
  app.add_option("--api-key-file", s.api_key_file,
                 "File holding a key HTTP clients send as Authorization: Bearer or X-API-Key (role admin); "
                 "or set MCP_API_KEY")
      ->envname("MCP_API_KEY_FILE")->group(g);
  app.add_option("--tokens-file", s.tokens_file, "JSON file of roles and tokens (see docs/policy.md)")
      ->envname("MCP_TOKENS_FILE")->group(g);
  app.add_option("--rate-limits-file", s.rate_limits_file, "JSON file of rate limits (see docs/policy.md)")
      ->envname("MCP_RATE_LIMITS_FILE")->group(g);
  app.add_option("--audit-log", s.audit_log, "Audit file (JSON lines), '-' for stdout, 'stderr', or 'off'")
      ->envname("MCP_AUDIT_LOG")->group(g);
  app.add_option("--role", s.anonymous_role,
                 "Role of callers without a token (stdio, or HTTP when no tokens are set): viewer, operator, admin")
      ->envname("MCP_ROLE")->group(g);
  app.add_flag("--no-auth", s.no_auth,
               "Allow HTTP on a non-loopback address without tokens (anyone who reaches it runs the tools)")
      ->group(g);
}

void addHttpOptions(CLI::App& app, Settings& s, const std::string& host_env, const std::string& port_env,
                    unsigned short default_port) {
  const char* g = "Serving";
  s.http_port = default_port;
  app.add_option("--host", s.http_host, "HTTP bind address")->envname(host_env)->group(g);
  app.add_option("--port", s.http_port, "HTTP port, 0 = any free one")
      ->envname(port_env)->check(CLI::Range(0, 65535))->group(g);
  app.add_option("--tls-cert", s.tls_cert_file, "PEM certificate chain: serve HTTPS (with --tls-key)")
      ->envname("MCP_TLS_CERT")->group(g);
  app.add_option("--tls-key", s.tls_key_file, "PEM private key for --tls-cert")->envname("MCP_TLS_KEY")->group(g);
}

Status finishSettings(Settings& s, bool serving_http, bool require_account, bool require_password) {
  if (s.vcenter.url.empty()) return Status::InvalidArgument("no vCenter given: set VCENTER_HOST or --vcenter-host");
  if (s.vcenter.username.empty() && require_account)
    return Status::InvalidArgument("no user given: set VCENTER_USER or --vcenter-user");
  if (!s.password_file.empty()) {
    VSMCP_RETURN_IF_ERROR(
        readSecret(s.password_file, "VCENTER_PASSWORD_FILE / --vcenter-password-file", s.vcenter.password));
  } else if (const char* p = std::getenv("VCENTER_PASSWORD")) {
    s.vcenter.password = p;
  }
  if (s.vcenter.password.empty() && !s.vcenter.username.empty() && require_password)
    return Status::InvalidArgument("no password given: set VCENTER_PASSWORD or VCENTER_PASSWORD_FILE");
  if (!s.api_key_file.empty()) {
    VSMCP_RETURN_IF_ERROR(readSecret(s.api_key_file, "MCP_API_KEY_FILE / --api-key-file", s.api_key));
  } else if (const char* k = std::getenv("MCP_API_KEY")) {
    s.api_key = k;
  }
  if (s.tls_cert_file.empty() != s.tls_key_file.empty())
    return Status::InvalidArgument("MCP_TLS_CERT / --tls-cert and MCP_TLS_KEY / --tls-key go together");
  if (Status allowed = policy::checkHostAllowed(s.allowed_vcenters, s.vcenter.url); !allowed.ok())
    return allowed.withContext("VCENTER_ALLOWED_HOSTS / --allowed-vcenters");
  const bool authenticated = !s.api_key.empty() || !s.tokens_file.empty();
  if (serving_http && !authenticated && !isLoopback(s.http_host) && !s.no_auth)
    return Status::InvalidArgument("refusing to serve HTTP on " + s.http_host +
                                   " without authentication: set MCP_API_KEY or MCP_TOKENS_FILE "
                                   "(or pass --no-auth to accept that anyone who reaches it runs the tools)");
  return Status::Ok();
}

Result<PolicySetup> buildPolicy(const Settings& s) {
  PolicySetup setup;
  if (!s.tokens_file.empty()) VSMCP_RETURN_IF_ERROR(policy::loadTokenFile(s.tokens_file, setup.config));
  if (!s.api_key.empty()) {
    Status added = setup.config.tokens.add("api-key", "admin", s.api_key);
    if (!added.ok()) return added.withContext("MCP_API_KEY");
  }
  bool known = false;
  std::string roles;
  for (const auto& r : setup.config.roles) {
    known = known || r.name == s.anonymous_role;
    roles += (roles.empty() ? "" : ", ") + r.name;
  }
  if (!known)
    return Status::InvalidArgument("MCP_ROLE / --role: unknown role '" + s.anonymous_role + "' (known: " + roles + ")");
  setup.config.anonymous_role = s.anonymous_role;
  if (!s.rate_limits_file.empty())
    VSMCP_RETURN_IF_ERROR(policy::loadRateLimitFile(s.rate_limits_file, setup.config.rate_limits));
  setup.config.target = policy::hostOf(s.vcenter.url);
  if (s.audit_log != "off") {
    auto sink = policy::FileAuditSink::open(s.audit_log);
    if (!sink.ok()) return sink.status().withContext("MCP_AUDIT_LOG / --audit-log");
    setup.audit = std::move(sink).value();
  }
  return setup;
}

std::optional<std::string> bearerCredential(const std::string& authorization, const std::string& api_key_header) {
  std::string bearer;
  if (authorization.size() > 6) {
    std::string scheme = authorization.substr(0, 6);
    for (auto& ch : scheme) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (scheme == "bearer" && (authorization[6] == ' ' || authorization[6] == '\t')) {
      size_t start = authorization.find_first_not_of(" \t", 6);
      size_t end = authorization.find_last_not_of(" \t");
      if (start != std::string::npos) bearer = authorization.substr(start, end - start + 1);
    }
  }
  if (!bearer.empty() && !api_key_header.empty() && bearer != api_key_header) return std::nullopt;
  return bearer.empty() ? api_key_header : bearer;
}

}  // namespace vsmcp::apps
