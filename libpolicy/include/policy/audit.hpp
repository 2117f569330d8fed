// Audit: one JSON line per call, written through an AuditSink.
//
// Record fields (JSON keys): time (UTC, ISO 8601 with milliseconds), event ("call" = the
// outcome of a call; "start" = written before a change or destructive operation touches
// vCenter, so a crash in the middle still leaves a trace), correlation_id, transport, remote,
// session, principal, role, operation, action, arguments (secrets masked, long strings cut),
// target (the vCenter or ESXi host), duration_ms, outcome (ok, error, dry_run, declined,
// denied, rate_limited, unauthenticated, cancelled), error, approval (how a destructive call was
// approved: person, caller_confirm, cli_yes, cli_prompt, rest_confirm) and approved_by (who).
//
// FileAuditSink writes each record with a single write(2) on a file opened with O_APPEND:
// nothing is buffered in the process, so a record is in the kernel before the call returns,
// and concurrent writers never interleave lines.
// Thread safety: AuditSink::write must be thread-safe; the sinks here are.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "policy/roles.hpp"
#include "vsmcp/json.hpp"
#include "vsmcp/result.hpp"

namespace vsmcp::policy {

struct AuditRecord {
  std::chrono::system_clock::time_point time;
  std::string event = "call";  // "call" | "start"
  std::string correlation_id;
  std::string transport;  // "stdio", "http", "rest", "cli"
  std::string remote;     // peer address, when known
  std::string session;    // MCP session id, when there is one
  std::string principal;
  std::string role;
  std::string operation;
  std::optional<Action> action;
  Json arguments;      // already masked (see maskSecrets)
  std::string target;  // vCenter / ESXi host
  std::optional<std::chrono::microseconds> duration;
  std::string outcome;
  std::string error;
  std::string approval;     // how a destructive call was approved (policy::CallContext::approval)
  std::string approved_by;  // who approved it
};

Json toJson(const AuditRecord& record);

// A copy of `value` where every object member whose key names a secret (password, passwd,
// secret, token, api_key/apikey, authorization, credential, private_key, passphrase; any
// case, anywhere in the key) has its value replaced by "***", at any depth, and strings longer
// than 1024 bytes are cut (with a note of their length).
Json maskSecrets(const Json& value);

class AuditSink {
 public:
  virtual ~AuditSink() = default;
  virtual void write(const AuditRecord& record) = 0;
};

class FileAuditSink final : public AuditSink {
 public:
  // Opens (creating with mode 0600) `path` for appending; "-" = standard output,
  // "stderr" = standard error. Fails with a message naming the path.
  static Result<std::unique_ptr<FileAuditSink>> open(const std::string& path);
  ~FileAuditSink() override;
  void write(const AuditRecord& record) override;
  // Records that could not be written (disk full, closed pipe); each failure is also logged.
  std::uint64_t failures() const { return failures_.load(); }

 private:
  FileAuditSink(int fd, bool owned, std::string path);
  int fd_;
  bool owned_;
  std::string path_;
  std::atomic<std::uint64_t> failures_{0};
};

}  // namespace vsmcp::policy
