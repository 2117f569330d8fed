// Settings the servers share (mcp-server, rest-gateway): the vCenter connection, the policy
// (tokens, roles, rate limits, audit), and HTTP serving. Each comes from a command-line
// option, an environment variable (the names the Python vSphere MCP servers use) or a
// TOML/INI config file (--config). Precedence: command line, then config file, then
// environment. Bad settings fail at start with a message that names the setting.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "policy/policy.hpp"
#include "vsphere/client.hpp"

namespace vsmcp::apps {

struct Settings {
  vsphere::ConnectionOptions vcenter;
  std::vector<std::string> allowed_vcenters;  // host globs; empty = any
  std::string password_file;                  // VCENTER_PASSWORD_FILE

  std::string http_host = "127.0.0.1";
  unsigned short http_port = 8000;
  std::string tls_cert_file;  // both set = HTTPS
  std::string tls_key_file;

  std::string api_key;               // MCP_API_KEY: principal "api-key" with role admin
  std::string api_key_file;          // MCP_API_KEY_FILE
  std::string tokens_file;           // roles and tokens (docs/policy.md)
  std::string rate_limits_file;      // rate limits (docs/policy.md)
  std::string audit_log = "stderr";  // file path, "-" (stdout), "stderr" or "off"
  std::string anonymous_role = "admin";  // role of callers without a token
  bool no_auth = false;  // allow a non-loopback HTTP address without tokens
};

// Declares the vCenter options (VCENTER_*), the policy options and the HTTP serving options.
// `host_env`/`port_env` name the bind address variables (MCP_HOST/MCP_PORT for mcp-server).
void addVcenterOptions(CLI::App& app, Settings& s);
void addPolicyOptions(CLI::App& app, Settings& s);
void addHttpOptions(CLI::App& app, Settings& s, const std::string& host_env, const std::string& port_env,
                    unsigned short default_port);

// After parsing: reads the secret files and checks the settings against each other.
// `serving_http` = the program will listen on http_host (checks the no-auth rule).
// `require_account` = a vCenter user and password must be given (the gateway can run without
// one: then only its logins reach vCenter).
// `require_password` = false: a user without a password is accepted (vsphere-cli resuming a
// stored session).
Status finishSettings(Settings& s, bool serving_http, bool require_account = true,
                      bool require_password = true);

// The policy the settings describe (roles, tokens, rate limits, audit target) and its audit
// sink (null when audit_log is "off").
struct PolicySetup {
  policy::PolicyConfig config;
  std::shared_ptr<policy::AuditSink> audit;
};
Result<PolicySetup> buildPolicy(const Settings& s);

// The credential of an HTTP request's headers: "Authorization: Bearer <t>" (the scheme in any
// case) or "X-API-Key: <t>"; "" when there is none. nullopt when both are sent and differ:
// such a request is refused rather than one of them silently winning.
std::optional<std::string> bearerCredential(const std::string& authorization, const std::string& api_key_header);

}  // namespace vsmcp::apps
