// The Invoker runs every operation call for every surface (mcp-server's tools and resources,
// rest-gateway's routes, vsphere-cli's commands), so policy, approval, dry run and audit happen
// in one place:
//
//   admit (libpolicy: role, then rate limit; refusals are audited)
//   -> precheck (what can be checked before a long call starts)
//   -> destructive: the approval table (approval.hpp): dry run, ask the person, run or refuse;
//      every approval path first runs the dry run, so a call whose preconditions are not met
//      fails with the dry run's reason before vCenter is touched
//   -> "start" audit record (changes) -> the handler -> outcome audit record -> CallObserver
//
// A surface only translates its wire format to a Call and a Reply back; it never decides
// policy and never approves on a person's behalf. Surfaces that answer before the work ends
// (REST's 202) call prepare() on the request and run() later; the others call invoke().
//
// Thread safety: an Invoker is thread-safe (its Policy is); a Call belongs to one thread.
// REQUIRES: the registry, policy, observer and clock outlive the Invoker.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "ops/approval.hpp"
#include "ops/registry.hpp"
#include "policy/clock.hpp"
#include "policy/policy.hpp"

namespace vsmcp::ops {

policy::Action actionOf(Safety safety);

// How a call ended, for metrics.
// kApprovalRequested: the person was asked and the answer comes with a retry of the same call
// (PersonChannel::pending); nothing ran.
enum class Outcome { kOk, kError, kDryRun, kDeclined, kDenied, kRateLimited, kCancelled, kApprovalRequested };
std::string_view outcomeName(Outcome outcome);  // "ok", "error", "dry_run", ...

// Counts calls (mcp-server's and rest-gateway's /metrics). Must be thread-safe.
class CallObserver {
 public:
  virtual ~CallObserver() = default;
  virtual void record(const std::string& operation, Outcome outcome, std::chrono::microseconds duration) = 0;
};

// A way to ask the person behind the caller (MCP elicitation, the CLI's terminal prompt).
class PersonChannel {
 public:
  virtual ~PersonChannel() = default;
  // Whether to do what `would` describes. true = yes, false = no; an error = no answer came.
  virtual Result<bool> ask(const Operation& op, const std::string& would) = 0;
  // True when `ask`'s error means the question was put and its answer comes with a retry of the
  // same call (MCP 2026-07-28's input_required round trip): the call ends with
  // Outcome::kApprovalRequested, audited as "approval_requested", nothing run.
  virtual bool pending(const Status& error) const {
    (void)error;
    return false;
  }
};

struct Call {
  const Operation* op = nullptr;
  Json args = Json::object();  // arguments valid for op->input_schema, without `confirm`
  // transport, remote, session, correlation_id, principal, role: filled by the surface; the
  // Invoker fills operation, action, arguments and the approval.
  policy::CallContext context;
  Caller caller = Caller::kModel;
  bool confirmed = false;                      // the caller's confirm
  std::string confirm_kind = "caller_confirm";  // audit label: caller_confirm, rest_confirm, cli_yes
  PersonChannel* person = nullptr;             // null: no person can be asked
  std::string person_kind = "person";          // audit label: person, cli_prompt
  bool dry_run_only = false;                   // describe, change nothing (any safety class but reads)
  bool unpaged = false;                        // lists: everything from offset on
  bool start_only = false;                     // task operations: return once the task exists
  // Lists: page from a snapshot. The first page lists everything once and keeps it; its
  // next_cursor names the snapshot, so the following pages never list vCenter again.
  bool snapshots = false;
  ProgressCallback on_progress;
  const CancelToken* cancel = nullptr;
  Client* client = nullptr;
  Status client_error;  // why there is no client (the connection failed): the call's error
};

struct Reply {
  Outcome outcome = Outcome::kError;
  // kOk: the operation's result. kDryRun / kDeclined: {dry_run: true, would, blocked?,
  // details?, declined?}. Otherwise the error (refusal, failed precheck, vCenter's fault).
  Result<Json> result = Status::Internal("no reply");
  std::string correlation_id;
  ApprovalStep step = ApprovalStep::kRun;  // what the approval table decided (destructive calls)
  // A dry run that the same call with confirm would turn into the real thing (no person can
  // be asked and the mode lets the caller confirm): the surface may say how to confirm.
  bool confirm_would_run = false;
  // The dry run the Invoker made, when it made one ({dry_run, would, blocked?, details?}), also
  // when the call then failed on what it found blocked.
  Json dry_run;
};

struct InvokerOptions {
  ApprovalMode approval = ApprovalMode::kConfirm;  // when no person can be asked
  // Snapshots of listings that list cursors page through (Call::snapshots).
  std::chrono::seconds snapshot_ttl{600};  // a cursor expires this long after its first page
  size_t max_snapshots = 8;                // the oldest goes first
  size_t max_snapshot_items = 50000;       // items kept in all snapshots together
};

class Invoker {
 public:
  // `observer` may be null.
  Invoker(const Registry& registry, policy::Policy& policy, CallObserver* observer, InvokerOptions options = {},
          const policy::Clock& clock = policy::systemClock());

  // A call admitted, checked and approved, ready to run; or the final reply.
  struct Prepared {
    bool ready = false;
    Reply reply;  // when !ready
    Call call;
    std::chrono::steady_clock::time_point started{};
  };
  Prepared prepare(Call call);
  // REQUIRES: prepared.ready.
  Reply run(Prepared prepared);
  // prepare, then run when ready.
  Reply invoke(Call call);

  const Registry& registry() const { return registry_; }
  const InvokerOptions& options() const { return options_; }
  policy::Policy& policy() { return policy_; }

 private:
  Reply finish(Prepared& p, Outcome outcome, Result<Json> result, std::string_view audit_outcome);
  Result<DryRun> dryRun(const Call& call);
  // A list call with Call::snapshots: a page of a kept snapshot, or a new snapshot's first page.
  Result<Json> listFromSnapshot(const Call& call, const OperationContext& octx);

  struct Snapshot {
    std::string principal, operation, query;  // what a cursor must match
    // The whole listing as the handler returned it: its items as compact JSON text (a fifth of
    // the memory of the parsed form; a page parses its own), or, when the handler deferred them
    // (OperationContext::deferred), made as a page shows them; the other members parsed.
    std::vector<std::string> items;
    DeferredItems deferred;
    Json rest;
    std::size_t size() const { return deferred.item ? deferred.size : items.size(); }
    std::chrono::steady_clock::time_point expires;
  };

  const Registry& registry_;
  policy::Policy& policy_;
  CallObserver* observer_;
  InvokerOptions options_;
  const policy::Clock& clock_;
  std::mutex snapshots_mu_;
  std::map<std::string, Snapshot> snapshots_;  // by id; guarded by snapshots_mu_
};

// The JSON of a dry run: {dry_run: true, would, blocked?, details?}.
Json dryRunJson(const DryRun& dry);
// The `freshness` member of a read's result: {source: live|vcenter, as_of, version?}.
Json freshnessJson(const vsphere::Freshness& f);

}  // namespace vsmcp::ops
