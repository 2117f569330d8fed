#include "ops/invoker.hpp"

#include <algorithm>
#include <functional>
#include <map>

#include "vsmcp/json_schema.hpp"
#include "vsmcp/random.hpp"
#include "vsmcp/time.hpp"

namespace vsmcp::ops {

policy::Action actionOf(Safety safety) {
  switch (safety) {
    case Safety::kRead: return policy::Action::kRead;
    case Safety::kChange: return policy::Action::kChange;
    case Safety::kDestructive: return policy::Action::kDestructive;
  }
  return policy::Action::kDestructive;
}

std::string_view outcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kOk: return "ok";
    case Outcome::kError: return "error";
    case Outcome::kDryRun: return "dry_run";
    case Outcome::kDeclined: return "declined";
    case Outcome::kDenied: return "denied";
    case Outcome::kRateLimited: return "rate_limited";
    case Outcome::kCancelled: return "cancelled";
    case Outcome::kApprovalRequested: return "approval_requested";
  }
  return "unknown";
}

Json dryRunJson(const DryRun& dry) {
  Json j = Json::object().set("dry_run", true).set("would", dry.would);
  if (!dry.blockers.empty()) {
    Json b = Json::array();
    for (const auto& s : dry.blockers) b.push(s);
    j.set("blocked", std::move(b));
  }
  if (dry.details.size() > 0) j.set("details", dry.details);
  return j;
}

Json freshnessJson(const vsphere::Freshness& f) {
  Json out = Json::object();
  out.set("source", f.live ? "live" : "vcenter").set("as_of", isoTime(f.as_of));
  if (!f.version.empty()) out.set("version", f.version);
  return out;
}

namespace {

// Arguments that name an inventory object, and the managed object type each resolves to: the
// dry run of a change without one of its own resolves them to show what the call would act on.
const std::map<std::string, std::string>& locatorTypes() {
  static const std::map<std::string, std::string> kTypes = {
      {"vm", "VirtualMachine"},     {"template", "VirtualMachine"},     {"host", "HostSystem"},
      {"cluster", "ClusterComputeResource"}, {"datacenter", "Datacenter"}, {"datastore", "Datastore"},
      {"network", "Network"},       {"resource_pool", "ResourcePool"},  {"folder", "Folder"}};
  return kTypes;
}

std::string blockedText(const DryRun& dry) {
  std::string text;
  for (const auto& b : dry.blockers) text += (text.empty() ? "" : "; ") + b;
  return text;
}

}  // namespace

Invoker::Invoker(const Registry& registry, policy::Policy& policy, CallObserver* observer, InvokerOptions options,
                 const policy::Clock& clock)
    : registry_(registry), policy_(policy), observer_(observer), options_(options), clock_(clock) {}

Result<DryRun> Invoker::dryRun(const Call& call) {
  const Operation& op = *call.op;
  if (op.dry_run) return op.dry_run(*call.client, call.args);
  // A change without a dry run of its own: the call and the objects it would act on.
  DryRun dry;
  Json resolved = Json::object();
  std::string found;
  for (const auto& [key, value] : call.args.members()) {
    auto it = locatorTypes().find(key);
    if (it == locatorTypes().end() || !value.isString() || value.asString().empty()) continue;
    auto ref = call.client->resolve(it->second, vsphere::Locator::any(value.asString()));
    if (!ref.ok()) return ref.status().withContext(key + " '" + value.asString() + "'");
    resolved.set(key, ref->value);
    found += (found.empty() ? "; " : ", ") + key + " '" + value.asString() + "' is " + ref->value;
  }
  dry.would = "call " + op.name + " with " + call.args.dump() + found;
  dry.details.set("operation", op.name).set("arguments", call.args).set("resolved", resolved);
  return dry;
}

Reply Invoker::finish(Prepared& p, Outcome outcome, Result<Json> result, std::string_view audit_outcome) {
  Reply r;
  r.outcome = outcome;
  r.correlation_id = p.call.context.correlation_id;
  if (!audit_outcome.empty()) policy_.finished(p.call.context, audit_outcome, result.status());
  if (observer_)
    observer_->record(p.call.op->name, outcome,
                      std::chrono::duration_cast<std::chrono::microseconds>(clock_.now() - p.started));
  r.result = std::move(result);
  return r;
}

Invoker::Prepared Invoker::prepare(Call call) {
  Prepared p;
  p.started = clock_.now();
  const Operation& op = *call.op;
  policy::CallContext& ctx = call.context;
  ctx.operation = op.name;
  ctx.action = actionOf(op.safety);
  ctx.arguments = call.args;
  ctx.approval.clear();
  ctx.approved_by.clear();
  p.call = std::move(call);
  Call& c = p.call;
  const std::string who = c.context.principal.empty() ? "anonymous" : c.context.principal;

  if (Status admitted = policy_.admit(c.context); !admitted.ok()) {
    // Audited by the policy already.
    p.reply = finish(p, admitted.code() == ErrorCode::kRateLimited ? Outcome::kRateLimited : Outcome::kDenied,
                     admitted, "");
    return p;
  }
  // The surfaces check their arguments against the schema in their own words; this keeps a
  // surface that forgot from reaching vCenter with what the schema refuses.
  Json schema_args = c.args;
  if (Status valid = validateJson(op.input_schema, schema_args, ""); !valid.ok()) {
    p.reply = finish(p, Outcome::kError, valid, "error");
    return p;
  }
  if (c.client == nullptr) {
    p.reply = finish(p, Outcome::kError,
                     c.client_error.ok() ? Status::Internal("no vCenter connection for " + op.name) : c.client_error,
                     "error");
    return p;
  }
  if (op.precheck && !(c.dry_run_only && op.safety == Safety::kRead)) {
    if (Status checked = op.precheck(*c.client, c.args); !checked.ok()) {
      p.reply = finish(p, Outcome::kError, checked, "error");
      return p;
    }
  }
  if (op.safety == Safety::kRead) {
    p.ready = true;  // reads change nothing: a dry run of a read is the read
    return p;
  }
  if (op.safety == Safety::kChange) {
    if (!c.dry_run_only) {
      p.ready = true;
      return p;
    }
    auto dry = dryRun(c);
    if (!dry.ok()) p.reply = finish(p, Outcome::kError, dry.status(), "error");
    else p.reply = finish(p, Outcome::kDryRun, dryRunJson(*dry), "dry_run");
    p.reply.step = ApprovalStep::kDryRun;
    return p;
  }

  // Destructive: the approval table decides.
  ApprovalInput in;
  in.caller = c.caller;
  in.dry_run_only = c.dry_run_only;
  in.confirmed = c.confirmed;
  in.can_ask_person = c.person != nullptr;
  in.mode = options_.approval;
  const ApprovalStep step = decideApproval(in);
  if (step == ApprovalStep::kRefuse) {
    p.reply = finish(p, Outcome::kDenied,
                     Status::Error(ErrorCode::kPermissionDenied,
                                   op.name + " needs a person's approval: this server's approval mode is 'person' "
                                             "(MCP_APPROVAL / --approval) and this client cannot ask one (it did not "
                                             "declare elicitation); nothing was changed"),
                     "denied");
    p.reply.step = step;
    return p;
  }
  // Every other path looks first: the dry run says what would happen and what would fail.
  auto dry = dryRun(c);
  if (!dry.ok()) {
    p.reply = finish(p, Outcome::kError, dry.status(), "error");
    p.reply.step = step;
    return p;
  }
  if (step == ApprovalStep::kDryRun || (step == ApprovalStep::kAskPerson && !dry->blockers.empty())) {
    p.reply = finish(p, Outcome::kDryRun, dryRunJson(*dry), "dry_run");
    p.reply.step = ApprovalStep::kDryRun;
    ApprovalInput confirmed = in;
    confirmed.confirmed = true;
    p.reply.confirm_would_run = dry->blockers.empty() && decideApproval(confirmed) == ApprovalStep::kRun;
    return p;
  }
  if (!dry->blockers.empty()) {
    // Approved, but it would fail: say why before vCenter is touched.
    Json looked = dryRunJson(*dry);
    p.reply = finish(p, Outcome::kError,
                     Status::Error(ErrorCode::kInvalidState, "cannot " + op.name + " now: " + blockedText(*dry) +
                                                                 "; nothing was changed"),
                     "error");
    p.reply.step = step;
    p.reply.dry_run = std::move(looked);
    return p;
  }
  if (step == ApprovalStep::kAskPerson) {
    auto answer = c.person->ask(op, dry->would);
    if (!answer.ok() && c.person->pending(answer.status())) {
      policy_.refund(c.context);  // the question and the retry that answers it are one call
      p.reply = finish(p, Outcome::kApprovalRequested, answer.status(), "approval_requested");
      p.reply.step = step;
      return p;
    }
    if (!answer.ok()) {
      p.reply = finish(p, Outcome::kError,
                       Status::Error(ErrorCode::kUnavailable, "could not ask for approval of " + op.name + ": " +
                                                                  answer.status().message() + "; nothing was changed"),
                       "error");
      p.reply.step = step;
      return p;
    }
    if (!*answer) {
      Json declined = dryRunJson(*dry);
      declined.set("declined", true);
      p.call.context.approval = c.person_kind;
      p.call.context.approved_by = who;
      p.reply = finish(p, Outcome::kDeclined, std::move(declined), "declined");
      p.reply.step = step;
      return p;
    }
    p.call.context.approval = c.person_kind;
  } else {
    p.call.context.approval = c.confirm_kind;
  }
  p.call.context.approved_by = who;
  p.reply.step = step;
  p.ready = true;
  return p;
}

namespace {
// Where a live inventory runs (the servers), every read says whether it came from it or, while
// it was not in sync, from vCenter. A one-shot program (the CLI) always reads vCenter and
// its output stays as it was.
bool reportsFreshness(Client& client, const vsphere::Freshness& f) {
  if (f.as_of == std::chrono::system_clock::time_point{}) return false;
  return f.live || client.liveInventoryStatus().state != "off";
}

}  // namespace

Reply Invoker::run(Prepared p) {
  const Operation& op = *p.call.op;
  const ApprovalStep step = p.reply.step;
  if (op.safety != Safety::kRead) policy_.started(p.call.context);
  OperationContext octx;
  octx.on_progress = p.call.on_progress;
  octx.cancel = p.call.cancel;
  octx.unpaged = p.call.unpaged;
  octx.start_only = p.call.start_only;
  vsphere::Freshness freshness;
  if (op.safety == Safety::kRead) octx.freshness = &freshness;
  auto result = op.shape == Shape::kList && p.call.snapshots ? listFromSnapshot(p.call, octx)
                                                             : op.handler(*p.call.client, p.call.args, octx);
  if (result.ok() && result->isObject() && !result->find("freshness") && reportsFreshness(*p.call.client, freshness))
    result->set("freshness", freshnessJson(freshness));
  // What the operation returned, whatever happened to the request meanwhile: "cancelled" only
  // when the cancellation stopped it.
  Outcome outcome = Outcome::kOk;
  if (!result.ok()) outcome = result.status().code() == ErrorCode::kCancelled ? Outcome::kCancelled : Outcome::kError;
  Reply r = finish(p, outcome, std::move(result), outcomeName(outcome));
  r.step = step;
  return r;
}

namespace {

constexpr std::int64_t kDefaultPage = 100;
constexpr std::int64_t kMaxPage = 2000;

// One page of a whole listing of `total` items (`item(i)` gives the i-th) whose other members
// are `rest` (as a list handler returns it unpaged from offset 0).
Json pageOf(const Json& rest, std::int64_t total, const std::function<Json(size_t)>& item, const std::string& list_key,
            std::int64_t offset, std::int64_t limit, const std::string& cursor_base) {
  offset = std::clamp<std::int64_t>(offset, 0, total);
  limit = std::clamp<std::int64_t>(limit, 1, kMaxPage);
  Json items = Json::array();
  for (std::int64_t i = offset; i < std::min(total, offset + limit); ++i) items.push(item(static_cast<size_t>(i)));
  Json page = Json::object();
  page.set("total", total).set("count", static_cast<std::int64_t>(items.size())).set("offset", offset);
  page.set(list_key, std::move(items));
  // Members besides the page (datastore_usage's totals) hold for every page.
  for (const auto& [k, v] : rest.members())
    if (k != list_key && k != "total" && k != "count" && k != "offset" && k != "next_offset") page.set(k, v);
  if (offset + limit < total) {
    page.set("next_offset", offset + limit);
    if (!cursor_base.empty()) page.set("next_cursor", cursor_base + "-" + std::to_string(offset + limit));
  }
  return page;
}

Json pageOf(const Json& full, const std::string& list_key, std::int64_t offset, std::int64_t limit,
            const std::string& cursor_base) {
  const Json* all = full.find(list_key);
  const auto total = static_cast<std::int64_t>(all ? all->size() : 0);
  return pageOf(full, total, [all](size_t i) { return all->items()[i]; }, list_key, offset, limit, cursor_base);
}

}  // namespace

Result<Json> Invoker::listFromSnapshot(const Call& call, const OperationContext& octx) {
  const Operation& op = *call.op;
  Json query_args = call.args;
  for (const char* k : {"limit", "offset", "cursor"}) query_args.erase(k);
  const std::string query = query_args.dump();
  const std::string who = call.context.principal;
  const Json* limit_arg = call.args.find("limit");
  const std::int64_t limit = limit_arg ? limit_arg->asInt(kDefaultPage) : kDefaultPage;
  const auto now = clock_.now();
  const Json* offset_arg = call.args.find("offset");
  std::int64_t offset = offset_arg ? offset_arg->asInt(0) : 0;
  if (const Json* cursor = call.args.find("cursor")) {
    // "s<snapshot id>-<offset>"
    const std::string& text = cursor->asString();
    const size_t dash = text.rfind('-');
    const std::string id = dash == std::string::npos ? "" : text.substr(0, dash);
    const std::string number = dash == std::string::npos ? "" : text.substr(dash + 1);
    const bool digits = !number.empty() && number.size() < 12 &&
                        number.find_first_not_of("0123456789") == std::string::npos;
    if (!digits || id.size() < 2 || id.front() != 's')
      return Status::InvalidArgument("cursor: not a cursor of this server (the next_cursor of a page); list again "
                                     "without it");
    offset = std::stoll(number);
    std::lock_guard<std::mutex> lock(snapshots_mu_);
    auto it = snapshots_.find(id);
    if (it != snapshots_.end() && it->second.expires > now) {
      const Snapshot& snap = it->second;
      if (snap.principal != who || snap.operation != op.name)
        return Status::InvalidArgument("cursor: it belongs to another caller or listing; list again without it");
      if (snap.query != query)
        return Status::InvalidArgument("cursor: it belongs to a listing with other filters; give the same filters, "
                                       "or list again without it");
      if (snap.deferred.item)
        return pageOf(snap.rest, static_cast<std::int64_t>(snap.deferred.size), snap.deferred.item, op.list_key,
                      offset, limit, id);
      const auto& texts = snap.items;
      return pageOf(snap.rest, static_cast<std::int64_t>(texts.size()),
                    [&texts](size_t i) {
                      auto item = Json::parse(texts[i]);  // our own dump: parses
                      return item.ok() ? std::move(item).value() : Json();
                    },
                    op.list_key, offset, limit, id);
    }
    // Expired, evicted, or made by another replica or before a restart: list again from the
    // cursor's offset (a new snapshot for the pages after it).
  }
  // A first page: list everything once, keep it when there are more pages.
  Json whole_args = query_args;
  OperationContext whole = octx;
  whole.unpaged = true;
  DeferredItems deferred;
  whole.deferred = &deferred;
  VSMCP_ASSIGN_OR_RETURN(Json full, op.handler(*call.client, whole_args, whole));
  // Every page of the snapshot says how fresh the listing was when it was taken.
  if (octx.freshness && reportsFreshness(*call.client, *octx.freshness))
    full.set("freshness", freshnessJson(*octx.freshness));
  const Json* all = full.find(op.list_key);
  const size_t items = deferred.item ? deferred.size : all ? all->size() : 0;
  std::string id;
  if (offset + std::clamp<std::int64_t>(limit, 1, kMaxPage) < static_cast<std::int64_t>(items) &&
      items <= options_.max_snapshot_items) {
    id = "s" + randomHex(12);
    Snapshot snap{who, op.name, query, {}, deferred, Json::object(), now + options_.snapshot_ttl};
    if (!deferred.item) {
      snap.items.reserve(items);
      for (const auto& item : all->items()) snap.items.push_back(item.dump());
    }
    for (const auto& [k, v] : full.members())
      if (k != op.list_key && k != "total") snap.rest.set(k, v);
    std::lock_guard<std::mutex> lock(snapshots_mu_);
    size_t kept = items;
    for (auto it = snapshots_.begin(); it != snapshots_.end();) {
      if (it->second.expires <= now) it = snapshots_.erase(it);
      else kept += (it++)->second.size();
    }
    while (!snapshots_.empty() &&
           (snapshots_.size() >= options_.max_snapshots || kept > options_.max_snapshot_items)) {
      auto oldest = snapshots_.begin();
      for (auto it = snapshots_.begin(); it != snapshots_.end(); ++it)
        if (it->second.expires < oldest->second.expires) oldest = it;
      kept -= oldest->second.size();
      snapshots_.erase(oldest);
    }
    snapshots_[id] = std::move(snap);
  }
  if (deferred.item) return pageOf(full, static_cast<std::int64_t>(items), deferred.item, op.list_key, offset, limit, id);
  return pageOf(full, op.list_key, offset, limit, id);
}

Reply Invoker::invoke(Call call) {
  Prepared p = prepare(std::move(call));
  if (!p.ready) return std::move(p.reply);
  return run(std::move(p));
}

}  // namespace vsmcp::ops
