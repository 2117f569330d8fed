// The approval rules for destructive operations: one table, applied by the Invoker on every
// surface (MCP, REST, CLI), documented in docs/policy.md.
//
//   1. a dry run was asked for (CLI --dry-run)            -> dry run, nothing changes
//   2. the caller is a person and confirmed               -> run (REST ?confirm=true, CLI --yes)
//   3. a person can be asked (MCP elicitation, CLI prompt) -> dry run, ask; yes runs, no is final
//   4. the caller is a model, approval mode "person"      -> refused, naming the setting
//   5. the caller is a model and confirmed                -> run (MCP confirm: true)
//   6. otherwise                                          -> dry run, nothing changes
//
// Row 3 comes before row 5: when the client can ask a person, a model's confirm: true never
// replaces the person's answer, and a "no" is final for that call.
// Thread safety: pure functions and constant data.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vsmcp/result.hpp"

namespace vsmcp::ops {

// What decides when no person can be asked (mcp-server's MCP_APPROVAL / --approval).
enum class ApprovalMode {
  kConfirm,  // the caller's confirm suffices (default)
  kPerson,   // destructive calls need a person; refused when none can be asked
};
std::string_view approvalModeName(ApprovalMode mode);  // "confirm", "person"
Result<ApprovalMode> parseApprovalMode(std::string_view text);

// Who the caller is, as far as approvals go.
enum class Caller {
  kModel,   // an agent through MCP: its confirm is the model's word, not a person's
  kPerson,  // a person or their script: the REST client, the CLI user
};

struct ApprovalInput {
  Caller caller = Caller::kModel;
  bool dry_run_only = false;  // the caller asked only for the dry run
  bool confirmed = false;     // confirm: true, ?confirm=true, --yes
  bool can_ask_person = false;
  ApprovalMode mode = ApprovalMode::kConfirm;
};

enum class ApprovalStep {
  kDryRun,     // describe what would happen; change nothing
  kRun,        // approved by the caller's confirm
  kAskPerson,  // dry run, then ask the person: yes runs, no is final
  kRefuse,     // a person is required and none can be asked
};
std::string_view approvalStepName(ApprovalStep step);

// One row of the table; an unset condition matches anything.
struct ApprovalRule {
  std::optional<bool> dry_run_only;
  std::optional<Caller> caller;
  std::optional<bool> confirmed;
  std::optional<bool> can_ask_person;
  std::optional<ApprovalMode> mode;
  ApprovalStep step;
  const char* why;  // the row's reason, for docs and tests
};

// The table, in order: the first row that matches decides.
const std::vector<ApprovalRule>& approvalRules();
ApprovalStep decideApproval(const ApprovalInput& input);

}  // namespace vsmcp::ops
