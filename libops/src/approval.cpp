#include "ops/approval.hpp"

namespace vsmcp::ops {

std::string_view approvalModeName(ApprovalMode mode) {
  return mode == ApprovalMode::kPerson ? "person" : "confirm";
}

Result<ApprovalMode> parseApprovalMode(std::string_view text) {
  if (text == "confirm") return ApprovalMode::kConfirm;
  if (text == "person") return ApprovalMode::kPerson;
  return Status::InvalidArgument("approval mode '" + std::string(text.substr(0, 40)) +
                                 "' is not one of: confirm (the caller's confirm suffices), person (a person "
                                 "must approve every destructive call)");
}

std::string_view approvalStepName(ApprovalStep step) {
  switch (step) {
    case ApprovalStep::kDryRun: return "dry_run";
    case ApprovalStep::kRun: return "run";
    case ApprovalStep::kAskPerson: return "ask_person";
    case ApprovalStep::kRefuse: return "refuse";
  }
  return "unknown";
}

const std::vector<ApprovalRule>& approvalRules() {
  static const std::vector<ApprovalRule> kRules = {
      {true, std::nullopt, std::nullopt, std::nullopt, std::nullopt, ApprovalStep::kDryRun,
       "only the dry run was asked for"},
      {false, Caller::kPerson, true, std::nullopt, std::nullopt, ApprovalStep::kRun,
       "a person (REST client, CLI user) confirmed the call themselves"},
      {false, std::nullopt, std::nullopt, true, std::nullopt, ApprovalStep::kAskPerson,
       "a person can be asked: only their yes runs the call, whatever the caller sent"},
      {false, Caller::kModel, std::nullopt, false, ApprovalMode::kPerson, ApprovalStep::kRefuse,
       "approval mode 'person' and no person can be asked"},
      {false, Caller::kModel, true, false, ApprovalMode::kConfirm, ApprovalStep::kRun,
       "approval mode 'confirm': the caller's confirm suffices when no person can be asked"},
      {std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt, ApprovalStep::kDryRun,
       "not confirmed: describe what would happen"},
  };
  return kRules;
}

ApprovalStep decideApproval(const ApprovalInput& in) {
  for (const auto& r : approvalRules()) {
    if (r.dry_run_only && *r.dry_run_only != in.dry_run_only) continue;
    if (r.caller && *r.caller != in.caller) continue;
    if (r.confirmed && *r.confirmed != in.confirmed) continue;
    if (r.can_ask_person && *r.can_ask_person != in.can_ask_person) continue;
    if (r.mode && *r.mode != in.mode) continue;
    return r.step;
  }
  return ApprovalStep::kDryRun;  // unreachable: the last row matches everything
}

}  // namespace vsmcp::ops
