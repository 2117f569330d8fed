#include "config.hpp"

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

void addOptions(CLI::App& app, ServerConfig& c, ConfigFiles& files) {
  app.set_config("--config", "", "TOML or INI file with the same options (long names without --)");
  app.option_defaults()->always_capture_default();
  auto* vc = "vCenter";
  app.add_option("--vcenter-host", c.vcenter.url, "vCenter or ESXi URL or host name")->envname("VCENTER_HOST")->group(vc);
  app.add_option("--vcenter-user", c.vcenter.username, "User name")->envname("VCENTER_USER")->group(vc);
  app.add_option("--vcenter-password-file", files.password_file,
                 "File holding the password (first line); or set VCENTER_PASSWORD")
      ->envname("VCENTER_PASSWORD_FILE")->group(vc);
  app.add_flag("--insecure", c.vcenter.insecure, "Skip TLS verification of vCenter (unsafe)")
      ->envname("VCENTER_INSECURE")->group(vc);
  app.add_option("--ca-bundle", c.vcenter.ca_bundle, "PEM file of CAs to trust for vCenter")
      ->envname("VCENTER_CA_BUNDLE")->group(vc);
  app.add_option("--thumbprint", c.vcenter.thumbprint, "SHA-256 pin of vCenter's certificate (AB:CD:...)")
      ->envname("VCENTER_THUMBPRINT")->group(vc);
  app.add_option("--allowed-vcenters", c.allowed_vcenters,
                 "Host globs this server may connect to, e.g. vc*.corp.example (comma-separated in the variable)")
      ->envname("VCENTER_ALLOWED_HOSTS")->delimiter(',')->group(vc);

  auto* srv = "Serving";
  app.add_option("--transport", c.transport, "stdio or http")
      ->envname("MCP_TRANSPORT")->check(CLI::IsMember({"stdio", "http"}))->group(srv);
  app.add_option("--host", c.http_host, "HTTP bind address")->envname("MCP_HOST")->group(srv);
  app.add_option("--port", c.http_port, "HTTP port, 0 = any free one")
      ->envname("MCP_PORT")->check(CLI::Range(0, 65535))->group(srv);
  app.add_option("--tls-cert", c.tls_cert_file, "PEM certificate chain: serve HTTPS (with --tls-key)")
      ->envname("MCP_TLS_CERT")->group(srv);
  app.add_option("--tls-key", c.tls_key_file, "PEM private key for --tls-cert")->envname("MCP_TLS_KEY")->group(srv);
  app.add_option("--allowed-origins", c.allowed_origins,
                 "Browser Origins allowed on HTTP (default: localhost only)")
      ->envname("MCP_ALLOWED_ORIGINS")->delimiter(',')->group(srv);

  auto* pol = "Policy";
  app.add_option("--api-key-file", files.api_key_file,
                 "File holding a key HTTP clients send as Authorization: Bearer or X-API-Key (role admin); "
                 "or set MCP_API_KEY")
      ->envname("MCP_API_KEY_FILE")->group(pol);
  app.add_option("--tokens-file", c.tokens_file, "JSON file of roles and tokens (see docs/policy.md)")
      ->envname("MCP_TOKENS_FILE")->group(pol);
  app.add_option("--rate-limits-file", c.rate_limits_file, "JSON file of rate limits (see docs/policy.md)")
      ->envname("MCP_RATE_LIMITS_FILE")->group(pol);
  app.add_option("--audit-log", c.audit_log, "Audit file (JSON lines), '-' for stdout, 'stderr', or 'off'")
      ->envname("MCP_AUDIT_LOG")->group(pol);
  app.add_option("--role", c.anonymous_role,
                 "Role of callers without a token (stdio, or HTTP when no tokens are set): viewer, operator, admin")
      ->envname("MCP_ROLE")->group(pol);
  app.add_flag("--read-only", c.read_only, "Register only read tools")->envname("MCP_READ_ONLY")->group(pol);
  app.add_option("--allow-tools", c.allow, "Register only tools matching these globs (e.g. vm_* host_list)")
      ->envname("MCP_ALLOW_TOOLS")->delimiter(',')->group(pol);
  app.add_option("--deny-tools", c.deny, "Never register tools matching these globs")
      ->envname("MCP_DENY_TOOLS")->delimiter(',')->group(pol);
  app.add_flag("!--no-elicitation", c.elicit_approval,
               "Never ask the user to approve destructive calls; without confirm: true they only dry-run")
      ->group(pol);
  app.add_flag("--no-auth", files.no_auth,
               "Allow HTTP on a non-loopback address without tokens (anyone who reaches it runs the tools)")
      ->group(pol);
}

Status finishConfig(ServerConfig& c, const ConfigFiles& files) {
  if (c.vcenter.url.empty())
    return Status::InvalidArgument("no vCenter given: set VCENTER_HOST or --vcenter-host");
  if (c.vcenter.username.empty())
    return Status::InvalidArgument("no user given: set VCENTER_USER or --vcenter-user");
  if (!files.password_file.empty()) {
    VSMCP_RETURN_IF_ERROR(readSecret(files.password_file, "VCENTER_PASSWORD_FILE / --vcenter-password-file",
                                     c.vcenter.password));
  } else if (const char* p = std::getenv("VCENTER_PASSWORD")) {
    c.vcenter.password = p;
  }
  if (c.vcenter.password.empty())
    return Status::InvalidArgument("no password given: set VCENTER_PASSWORD or VCENTER_PASSWORD_FILE");
  if (!files.api_key_file.empty()) {
    VSMCP_RETURN_IF_ERROR(readSecret(files.api_key_file, "MCP_API_KEY_FILE / --api-key-file", c.api_key));
  } else if (const char* k = std::getenv("MCP_API_KEY")) {
    c.api_key = k;
  }
  if (c.tls_cert_file.empty() != c.tls_key_file.empty())
    return Status::InvalidArgument("MCP_TLS_CERT / --tls-cert and MCP_TLS_KEY / --tls-key go together");
  if (c.transport == "stdio" && c.audit_log == "-")
    return Status::InvalidArgument(
        "MCP_AUDIT_LOG / --audit-log: '-' (stdout) cannot be used with the stdio transport, which speaks MCP on "
        "stdout");
  if (Status allowed = policy::checkHostAllowed(c.allowed_vcenters, c.vcenter.url); !allowed.ok())
    return allowed.withContext("VCENTER_ALLOWED_HOSTS / --allowed-vcenters");
  const bool authenticated = !c.api_key.empty() || !c.tokens_file.empty();
  if (c.transport == "http" && !authenticated && !isLoopback(c.http_host) && !files.no_auth)
    return Status::InvalidArgument("refusing to serve HTTP on " + c.http_host +
                                   " without authentication: set MCP_API_KEY or MCP_TOKENS_FILE "
                                   "(or pass --no-auth to accept that anyone who reaches it runs the tools)");
  return Status::Ok();
}

Result<PolicySetup> buildPolicy(const ServerConfig& c) {
  PolicySetup setup;
  if (!c.tokens_file.empty()) VSMCP_RETURN_IF_ERROR(policy::loadTokenFile(c.tokens_file, setup.config));
  if (!c.api_key.empty()) {
    Status added = setup.config.tokens.add("api-key", "admin", c.api_key);
    if (!added.ok()) return added.withContext("MCP_API_KEY");
  }
  bool known = false;
  std::string roles;
  for (const auto& r : setup.config.roles) {
    known = known || r.name == c.anonymous_role;
    roles += (roles.empty() ? "" : ", ") + r.name;
  }
  if (!known)
    return Status::InvalidArgument("MCP_ROLE / --role: unknown role '" + c.anonymous_role + "' (known: " + roles + ")");
  setup.config.anonymous_role = c.anonymous_role;
  if (!c.rate_limits_file.empty())
    VSMCP_RETURN_IF_ERROR(policy::loadRateLimitFile(c.rate_limits_file, setup.config.rate_limits));
  setup.config.target = policy::hostOf(c.vcenter.url);
  if (c.audit_log != "off") {
    auto sink = policy::FileAuditSink::open(c.audit_log);
    if (!sink.ok()) return sink.status().withContext("MCP_AUDIT_LOG / --audit-log");
    setup.audit = std::move(sink).value();
  }
  return setup;
}

}  // namespace vsmcp::apps
