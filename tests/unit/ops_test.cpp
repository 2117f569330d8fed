// The operation layer (libops) in process: the approval table, the registry's checks, the
// Invoker with scripted operations, a manual clock and an in-memory audit sink, and the same
// scenarios through the MCP, REST and CLI adapters, which must decide and audit alike. No
// socket, no simulator, no Node: the vCenter client logs in over a scripted fake transport and
// the scripted operations never use it.
#include <catch2/catch.hpp>

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <mutex>
#include <sstream>
#include <thread>
#include <unistd.h>

#include "cli.hpp"
#include "command_table.hpp"
#include "fake_http_transport.hpp"
#include "gateway.hpp"
#include "mcp/protocol.hpp"
#include "mcp/server.hpp"
#include "metrics.hpp"
#include "ops/approval.hpp"
#include "ops/invoker.hpp"
#include "ops/registry.hpp"
#include "ops/schema.hpp"
#include "ops/summary.hpp"
#include "policy_fakes.hpp"
#include "routes.hpp"
#include "tool_bridge.hpp"

using namespace vsmcp;
using namespace vsmcp::ops;
using vsmcp::testing::FakeHttpTransport;
using vsmcp::testing::InMemoryAuditSink;
using vsmcp::testing::ManualClock;

namespace {

// ---- scripted operations ---------------------------------------------------------------------

// What the scripted operations do, set by each test.
struct Script {
  std::atomic<int> calls{0};          // handler runs (real actions)
  std::atomic<int> dry_runs{0};       // dry-run looks
  Status fail;                        // the handler's error, when set
  std::vector<std::string> blockers;  // the destructive dry run's unmet preconditions
  bool wait_for_cancel = false;       // the handler waits until its call is cancelled
  bool defer = false;                 // vm_list hands its items over as OperationContext::deferred
  std::atomic<int> made{0};           // deferred items made
};

Registry scriptedRegistry(Script& s) {
  std::vector<Operation> ops;
  auto vmArg = [] { return Schema::string("VM name or id").minLength(1); };
  auto handler = [&s](const char* what) {
    return [&s, what](Client&, const Json& args, const OperationContext& ctx) -> Result<Json> {
      ++s.calls;
      if (s.wait_for_cancel) {
        while (!(ctx.cancel && ctx.cancel->cancelled())) std::this_thread::yield();
        return Status::Error(ErrorCode::kCancelled, "cancelled");
      }
      if (!s.fail.ok()) return s.fail;
      return Json::object().set("did", what).set("vm", args.find("vm") ? *args.find("vm") : Json("all"));
    };
  };
  Schema out = Schema::result().prop("did", Schema::string("What was done")).prop("vm", Schema::string("The VM"));
  Operation get;
  get.name = "vm_get";
  get.title = "Get a VM";
  get.description = "Scripted read";
  get.input_schema = Schema::object().prop("vm", vmArg(), kRequired).json();
  get.output_schema = out.json();
  get.handler = handler("read");
  ops.push_back(get);
  Operation on = get;
  on.name = "vm_power_on";
  on.title = "Power on";
  on.description = "Scripted change";
  on.safety = Safety::kChange;
  on.handler = handler("power_on");
  ops.push_back(on);
  Operation destroy = get;
  destroy.name = "vm_destroy";
  destroy.title = "Destroy";
  destroy.description = "Scripted destructive";
  destroy.safety = Safety::kDestructive;
  destroy.handler = handler("destroy");
  destroy.dry_run = [&s](Client&, const Json& args) -> Result<DryRun> {
    ++s.dry_runs;
    DryRun d;
    d.would = "destroy VM '" + args.find("vm")->asString() + "'";
    d.blockers = s.blockers;
    return d;
  };
  ops.push_back(destroy);
  Operation list;
  list.name = "vm_list";
  list.title = "List VMs";
  list.description = "Scripted list of five VMs";
  list.shape = Shape::kList;
  list.list_key = "vms";
  list.input_schema = Schema::object()
                          .prop("name", Schema::string("Name glob"))
                          .prop("limit", Schema::integer("Page size").minimum(1))
                          .prop("offset", Schema::integer("Skip").minimum(0))
                          .json();
  list.output_schema = Schema::result()
                           .prop("total", Schema::integer("All"))
                           .prop("count", Schema::integer("This page"))
                           .prop("offset", Schema::integer("Start"))
                           .prop("next_offset", Schema::integer("Next start"))
                           .prop("vms", Schema::array(Schema::result().prop("name", Schema::string("Name")), "VMs"))
                           .json();
  list.handler = [&s](Client&, const Json& args, const OperationContext& ctx) -> Result<Json> {
    ++s.calls;
    const std::int64_t total = 5;
    if (s.defer && ctx.deferred && ctx.unpaged) {
      ctx.deferred->size = total;
      ctx.deferred->item = [&s, stamp = std::to_string(s.calls.load())](size_t i) {
        ++s.made;
        return Json::object().set("name", "vm" + std::to_string(i) + "-" + stamp);
      };
      return Json::object().set("total", total);
    }
    const std::int64_t offset = args.find("offset") ? args.find("offset")->asInt() : 0;
    const std::int64_t limit = ctx.unpaged ? total : (args.find("limit") ? args.find("limit")->asInt() : 100);
    Json vms = Json::array();
    for (std::int64_t i = offset; i < std::min(total, offset + limit); ++i)
      vms.push(Json::object().set("name", "vm" + std::to_string(i) + "-" + std::to_string(s.calls.load())));
    Json page = Json::object().set("total", total).set("count", static_cast<std::int64_t>(vms.size()));
    page.set("offset", offset).set("vms", vms);
    if (offset + limit < total) page.set("next_offset", offset + limit);
    return page;
  };
  ops.push_back(list);
  auto r = Registry::create(std::move(ops));
  REQUIRE(r.ok());
  return std::move(r).value();
}

// A client logged in over the fake transport (the scripted operations never use it).
std::unique_ptr<Client> fakeClient() {
  auto fake = vsmcp::testing::makeLoggedInFake();
  vsphere::ConnectionOptions o;
  o.url = "https://vc.test/sdk";
  o.username = "user";
  o.password = "pass";
  auto c = Client::connect(o, std::move(fake));
  REQUIRE(c.ok());
  return std::move(c).value();
}

// The last audit record of the "call" event (the outcome).
policy::AuditRecord lastOutcome(const InMemoryAuditSink& sink) {
  auto records = sink.records();
  for (auto it = records.rbegin(); it != records.rend(); ++it)
    if (it->event == "call") return *it;
  FAIL("no outcome record");
  return {};
}

// A person who answers yes or no.
struct FixedPerson final : PersonChannel {
  bool yes = false;
  int asked = 0;
  Result<bool> ask(const Operation&, const std::string&) override {
    ++asked;
    return yes;
  }
};

struct InvokerFixture {
  Script script;
  Registry registry = scriptedRegistry(script);
  ManualClock clock;
  std::shared_ptr<InMemoryAuditSink> audit = std::make_shared<InMemoryAuditSink>();
  policy::Policy policy;
  std::unique_ptr<Client> client = fakeClient();
  explicit InvokerFixture(policy::PolicyConfig config = {}) : policy(std::move(config), audit, clock) {}

  Call call(const char* op, Json args = Json::object().set("vm", "web")) {
    Call c;
    c.op = registry.find(op);
    c.args = std::move(args);
    c.client = client.get();
    c.context.transport = "test";
    return c;
  }
};

}  // namespace

// ---- the approval table -----------------------------------------------------------------------

TEST_CASE("approval table: a person's answer decides even when a model sends confirm") {
  ApprovalInput in;
  in.caller = Caller::kModel;
  in.confirmed = true;
  in.can_ask_person = true;
  CHECK(decideApproval(in) == ApprovalStep::kAskPerson);
  in.mode = ApprovalMode::kPerson;
  CHECK(decideApproval(in) == ApprovalStep::kAskPerson);
}

TEST_CASE("approval table: without a person, the mode decides what a model's confirm is worth") {
  ApprovalInput in;
  in.caller = Caller::kModel;
  CHECK(decideApproval(in) == ApprovalStep::kDryRun);
  in.confirmed = true;
  CHECK(decideApproval(in) == ApprovalStep::kRun);
  in.mode = ApprovalMode::kPerson;
  CHECK(decideApproval(in) == ApprovalStep::kRefuse);
  in.confirmed = false;
  CHECK(decideApproval(in) == ApprovalStep::kRefuse);
}

TEST_CASE("approval table: a person's own confirm runs, a dry run never does") {
  ApprovalInput in;
  in.caller = Caller::kPerson;
  in.confirmed = true;
  in.can_ask_person = true;
  in.mode = ApprovalMode::kPerson;
  CHECK(decideApproval(in) == ApprovalStep::kRun);
  in.dry_run_only = true;
  CHECK(decideApproval(in) == ApprovalStep::kDryRun);
  in = ApprovalInput{};
  in.caller = Caller::kPerson;
  CHECK(decideApproval(in) == ApprovalStep::kDryRun);
  CHECK(parseApprovalMode("person").value() == ApprovalMode::kPerson);
  CHECK(!parseApprovalMode("yes").ok());
}

// ---- the registry's checks --------------------------------------------------------------------

TEST_CASE("the registry refuses malformed declarations, naming the operation and the field") {
  auto base = [] {
    Operation op;
    op.name = "thing_get";
    op.title = "Get a thing";
    op.description = "One thing";
    op.input_schema = Schema::object().prop("thing", Schema::string("The thing's name"), kRequired).json();
    op.output_schema = Schema::result().prop("thing", Schema::string("The thing")).json();
    op.handler = [](Client&, const Json&, const OperationContext&) -> Result<Json> { return Json::object(); };
    return op;
  };
  CHECK(checkOperation(base()).empty());
  auto problems = [](const Operation& op) {
    std::string all;
    for (const auto& p : checkOperation(op)) all += p + "\n";
    return all;
  };
  Operation undescribed = base();
  undescribed.input_schema.find("properties")->find("thing")->erase("description");
  CHECK(problems(undescribed).find("thing_get: input > 'thing' has no description") != std::string::npos);
  Operation typo = base();
  typo.input_schema.find("properties")->find("thing")->set("minLenght", 1);
  CHECK(problems(typo).find("unknown keyword 'minLenght'") != std::string::npos);
  Operation shallow = base();
  shallow.output_schema.find("properties")->set("vm", Json::object().set("type", "object").set("description", "x"));
  CHECK(problems(shallow).find("'vm' is an object with no properties declared") != std::string::npos);
  Operation destructive = base();
  destructive.safety = Safety::kDestructive;
  CHECK(problems(destructive).find("declares its dry run") != std::string::npos);
  Operation list = base();
  list.shape = Shape::kList;
  CHECK(problems(list).find("list_key") != std::string::npos);
  Operation open = base();
  open.input_schema.erase("additionalProperties");
  CHECK(problems(open).find("must refuse unknown arguments") != std::string::npos);
  auto twice = Registry::create({base(), base()});
  REQUIRE(!twice.ok());
  CHECK(twice.status().message().find("thing_get: declared twice") != std::string::npos);
}

TEST_CASE("every built-in operation is well formed and is a tool, a route and a command") {
  const Registry& r = builtinRegistry();
  REQUIRE(r.operations().size() >= 60);
  mcp::Server server(mcp::Implementation{"t", "1", "t"});
  policy::Policy policy(policy::PolicyConfig{});
  Invoker invoker(r, policy, nullptr);
  apps::Bridge bridge;
  bridge.invoker = &invoker;
  auto tools = apps::registerTools(server, bridge, {});
  REQUIRE(tools.ok());
  CHECK(*tools == r.operations().size());
  for (const auto& op : r.operations()) {
    INFO(op.name);
    CHECK(checkOperation(op).empty());
    // Described for a model: every input property (checked by checkOperation), and the
    // annotations follow the class.
    if (op.safety == Safety::kDestructive) {
      CHECK(op.input_schema.find("properties")->find("confirm"));
      CHECK(op.dry_run);
    }
    bool routed = false;
    for (const auto& route : gateway::routes()) routed = routed || route.operation == op.name;
    CHECK(routed);
    CHECK(cli::findCommandForOperation(op.name) != nullptr);
  }
  // What users found wrong: destructive classes for power-off, reset, suspend, maintenance.
  for (const char* name : {"vm_power_off", "vm_reset", "vm_suspend", "host_enter_maintenance", "vm_destroy",
                           "vm_snapshot_revert", "vm_snapshot_delete", "vm_snapshot_delete_all"})
    CHECK(r.find(name)->safety == Safety::kDestructive);
  // Shapes are declared once and the surfaces follow them.
  CHECK(r.find("vm_list")->shape == Shape::kList);
  CHECK(r.find("vm_list")->list_key == "vms");
  CHECK(r.find("vm_clone")->shape == Shape::kTask);
  for (const auto& route : gateway::routes()) {
    const Operation* op = route.operation.empty() ? nullptr : r.find(route.operation);
    if (!op) continue;
    INFO(route.method + " " + route.path);
    if (op->shape == Shape::kTask) CHECK(route.async);
    if (op->shape == Shape::kList && route.method == "GET") CHECK(route.list_key == op->list_key);
  }
}

TEST_CASE("operation names in messages become what each surface calls them") {
  const std::string text = "not found (vm_list lists what exists); vm_list_x and xvm_list stay";
  auto renamed = renameOperations(text, builtinRegistry(), [](const Operation& op) -> std::optional<std::string> {
    return "<" + op.name + ">";
  });
  CHECK(renamed == "not found (<vm_list> lists what exists); vm_list_x and xvm_list stay");
}

// ---- the Invoker ------------------------------------------------------------------------------

TEST_CASE("invoker: a model's confirm does not replace the person's no, and a no is final") {
  InvokerFixture f;
  FixedPerson person;
  Call c = f.call("vm_destroy");
  c.confirmed = true;
  c.person = &person;
  Reply r = Invoker(f.registry, f.policy, nullptr, {}, f.clock).invoke(std::move(c));
  CHECK(person.asked == 1);
  CHECK(r.outcome == Outcome::kDeclined);
  CHECK(f.script.calls == 0);
  REQUIRE(r.result.ok());
  CHECK(r.result->find("declined")->asBool());
  CHECK(!r.confirm_would_run);
  CHECK(lastOutcome(*f.audit).outcome == "declined");
  CHECK(summarize(*f.registry.find("vm_destroy"), Json::object(), *r.result).find("confirm") == std::string::npos);
}

// A person asked through a round trip (MCP 2026-07-28's input_required): the answer comes with
// a retry of the call.
struct RoundTripPerson final : PersonChannel {
  int asked = 0;
  Result<bool> ask(const Operation&, const std::string&) override {
    ++asked;
    return Status::Error(ErrorCode::kCancelled, "the answer comes with the retry", ErrorDetails{"RoundTrip", 0, ""});
  }
  bool pending(const Status& error) const override { return error.details().fault == "RoundTrip"; }
};

TEST_CASE("invoker: a question put for a retry runs nothing, even confirmed, and is audited as approval_requested") {
  InvokerFixture f;
  RoundTripPerson person;
  Call c = f.call("vm_destroy");
  c.confirmed = true;
  c.person = &person;
  Reply r = Invoker(f.registry, f.policy, nullptr, {}, f.clock).invoke(std::move(c));
  CHECK(person.asked == 1);
  CHECK(r.outcome == Outcome::kApprovalRequested);
  CHECK(!r.result.ok());
  CHECK(f.script.calls == 0);
  CHECK(f.script.dry_runs == 1);
  CHECK(lastOutcome(*f.audit).outcome == "approval_requested");
  CHECK(outcomeName(Outcome::kApprovalRequested) == "approval_requested");
}

TEST_CASE("invoker: the person's yes runs the call and the audit says who approved it and how") {
  policy::PolicyConfig config;
  InvokerFixture f(config);
  FixedPerson person;
  person.yes = true;
  Call c = f.call("vm_destroy");
  c.person = &person;
  c.context.principal = "";
  Reply r = Invoker(f.registry, f.policy, nullptr, {}, f.clock).invoke(std::move(c));
  CHECK(r.outcome == Outcome::kOk);
  CHECK(f.script.calls == 1);
  auto rec = lastOutcome(*f.audit);
  CHECK(rec.outcome == "ok");
  CHECK(rec.approval == "person");
  CHECK(rec.approved_by == "anonymous");
  // A start record came before vCenter was touched.
  bool started = false;
  for (const auto& a : f.audit->records()) started = started || (a.event == "start" && a.approval == "person");
  CHECK(started);
}

TEST_CASE("invoker: approval mode person refuses a destructive call no person can approve") {
  InvokerFixture f;
  InvokerOptions options;
  options.approval = ApprovalMode::kPerson;
  Call c = f.call("vm_destroy");
  c.confirmed = true;
  Reply r = Invoker(f.registry, f.policy, nullptr, options, f.clock).invoke(std::move(c));
  CHECK(r.outcome == Outcome::kDenied);
  REQUIRE(!r.result.ok());
  CHECK(r.result.status().message().find("MCP_APPROVAL") != std::string::npos);
  CHECK(f.script.calls == 0);
  CHECK(lastOutcome(*f.audit).outcome == "denied");
}

TEST_CASE("invoker: a dry run says what blocks the call, and a confirmed call stops there") {
  InvokerFixture f;
  f.script.blockers = {"VM 'web' is suspended: resume it first (vm_power_on)"};
  Invoker invoker(f.registry, f.policy, nullptr, {}, f.clock);
  Reply dry = invoker.invoke(f.call("vm_destroy"));
  CHECK(dry.outcome == Outcome::kDryRun);
  REQUIRE(dry.result.ok());
  CHECK(dry.result->find("blocked")->size() == 1);
  CHECK(!dry.confirm_would_run);  // confirm would not help: the VM must be powered off first
  Call c = f.call("vm_destroy");
  c.confirmed = true;
  Reply refused = invoker.invoke(std::move(c));
  REQUIRE(!refused.result.ok());
  CHECK(refused.result.status().code() == ErrorCode::kInvalidState);
  CHECK(refused.result.status().message().find("resume it first (vm_power_on)") != std::string::npos);
  CHECK(f.script.calls == 0);
}

TEST_CASE("invoker: an unconfirmed dry run tells the caller that confirm would run it") {
  InvokerFixture f;
  Invoker invoker(f.registry, f.policy, nullptr, {}, f.clock);
  Reply dry = invoker.invoke(f.call("vm_destroy"));
  CHECK(dry.outcome == Outcome::kDryRun);
  CHECK(dry.confirm_would_run);
  CHECK(f.script.calls == 0);
  CHECK(f.script.dry_runs == 1);
  CHECK(lastOutcome(*f.audit).outcome == "dry_run");
}

TEST_CASE("invoker: a cancelled call is audited as cancelled, a failed one as error") {
  InvokerFixture f;
  Invoker invoker(f.registry, f.policy, nullptr, {}, f.clock);
  f.script.wait_for_cancel = true;
  std::atomic<bool> cancel_now{false};
  vsphere::CancelToken token([&] { return cancel_now.load(); });
  Call c = f.call("vm_power_on");
  c.cancel = &token;
  std::thread canceller([&] {
    while (f.script.calls == 0) std::this_thread::yield();
    cancel_now = true;
  });
  Reply r = invoker.invoke(std::move(c));
  canceller.join();
  CHECK(r.outcome == Outcome::kCancelled);
  CHECK(lastOutcome(*f.audit).outcome == "cancelled");
  f.script.wait_for_cancel = false;
  f.script.fail = Status::Error(ErrorCode::kInvalidState, "The attempted operation cannot be performed in the current state (Powered on).",
                                ErrorDetails{"InvalidPowerState", 500, "vm-42"});
  Reply failed = invoker.invoke(f.call("vm_power_on"));
  CHECK(failed.outcome == Outcome::kError);
  CHECK(lastOutcome(*f.audit).outcome == "error");
}

TEST_CASE("invoker: arguments outside the schema never reach the handler") {
  InvokerFixture f;
  Invoker invoker(f.registry, f.policy, nullptr, {}, f.clock);
  Reply r = invoker.invoke(f.call("vm_get", Json::object().set("vm", "web").set("bogus", 1)));
  REQUIRE(!r.result.ok());
  CHECK(r.result.status().code() == ErrorCode::kInvalidArgument);
  CHECK(f.script.calls == 0);
}

TEST_CASE("invoker: pages of a cursor come from one snapshot for its caller and filters, and list again once it is gone") {
  policy::PolicyConfig config;
  REQUIRE(config.tokens.add("alice", "viewer", "alice-token-0123456789").ok());
  REQUIRE(config.tokens.add("mallory", "viewer", "mallory-token-0123456789").ok());
  InvokerFixture f(std::move(config));
  InvokerOptions options;
  options.snapshot_ttl = std::chrono::seconds(600);
  Invoker invoker(f.registry, f.policy, nullptr, options, f.clock);
  auto page = [&](Json args, const std::string& principal = "alice") {
    Call c = f.call("vm_list", std::move(args));
    c.snapshots = true;
    c.context.principal = principal;
    return invoker.invoke(std::move(c)).result;
  };
  auto first = page(Json::object().set("limit", 2));
  REQUIRE(first.ok());
  CHECK(first->find("count")->asInt() == 2);
  CHECK(first->find("total")->asInt() == 5);
  REQUIRE(first->find("next_cursor"));
  CHECK(f.script.calls == 1);
  std::vector<std::string> names;
  for (const auto& v : first->find("vms")->items()) names.push_back(v.find("name")->asString());
  Json cursor = *first->find("next_cursor");
  for (;;) {
    auto next = page(Json::object().set("limit", 2).set("cursor", cursor));
    REQUIRE(next.ok());
    for (const auto& v : next->find("vms")->items()) names.push_back(v.find("name")->asString());
    if (!next->find("next_cursor")) break;
    cursor = *next->find("next_cursor");
  }
  // Every item once, all from the first listing (the handler stamps each listing's items).
  CHECK(names == std::vector<std::string>{"vm0-1", "vm1-1", "vm2-1", "vm3-1", "vm4-1"});
  CHECK(f.script.calls == 1);
  const Json again = *first->find("next_cursor");
  auto other = page(Json::object().set("limit", 2).set("cursor", again), "mallory");
  REQUIRE(!other.ok());
  CHECK(other.status().message().find("another caller") != std::string::npos);
  auto filtered = page(Json::object().set("limit", 2).set("name", "x*").set("cursor", again));
  REQUIRE(!filtered.ok());
  CHECK(filtered.status().message().find("other filters") != std::string::npos);
  for (const char* bad : {"not-a-cursor", "s1234", "s12-x", "x12-3"}) {
    auto forged = page(Json::object().set("cursor", bad));
    REQUIRE(!forged.ok());
    CHECK(forged.status().message().find("cursor: not a cursor of this server") != std::string::npos);
  }
  CHECK(f.script.calls == 1);
  // Expired (or made by another replica): the page is listed again from the cursor's offset, and
  // the rest comes from the new snapshot.
  f.clock.advance(std::chrono::seconds(601));
  auto expired = page(Json::object().set("limit", 2).set("cursor", again));
  REQUIRE(expired.ok());
  CHECK(f.script.calls == 2);
  CHECK(expired->find("offset")->asInt() == 2);
  CHECK(expired->find("vms")->items()[0].find("name")->asString() == "vm2-2");
  REQUIRE(expired->find("next_cursor"));
  auto after = page(Json::object().set("limit", 2).set("cursor", *expired->find("next_cursor")));
  REQUIRE(after.ok());
  CHECK(after->find("vms")->items()[0].find("name")->asString() == "vm4-2");
  CHECK(f.script.calls == 2);
  auto replica = page(Json::object().set("limit", 2).set("cursor", "s0123456789abcdef-4"));
  REQUIRE(replica.ok());
  CHECK(replica->find("count")->asInt() == 1);
  CHECK(f.script.calls == 3);
  // Without snapshots (offset paging) each page lists again.
  Call plain = f.call("vm_list", Json::object().set("limit", 2).set("offset", 2));
  auto r = invoker.invoke(std::move(plain)).result;
  REQUIRE(r.ok());
  CHECK(!r->find("next_cursor"));
  CHECK(f.script.calls == 4);
}

TEST_CASE("invoker: a listing whose handler defers its items makes only the items each page shows") {
  InvokerFixture f;
  f.script.defer = true;
  Invoker invoker(f.registry, f.policy, nullptr, {}, f.clock);
  auto page = [&](Json args) {
    Call c = f.call("vm_list", std::move(args));
    c.snapshots = true;
    return invoker.invoke(std::move(c)).result;
  };
  auto first = page(Json::object().set("limit", 2));
  REQUIRE(first.ok());
  CHECK(first->find("total")->asInt() == 5);
  CHECK(first->find("count")->asInt() == 2);
  CHECK(f.script.made == 2);
  std::vector<std::string> names;
  for (const auto& v : first->find("vms")->items()) names.push_back(v.find("name")->asString());
  REQUIRE(first->find("next_cursor"));
  Json cursor = *first->find("next_cursor");
  for (;;) {
    auto next = page(Json::object().set("limit", 2).set("cursor", cursor));
    REQUIRE(next.ok());
    CHECK(next->find("total")->asInt() == 5);
    for (const auto& v : next->find("vms")->items()) names.push_back(v.find("name")->asString());
    if (!next->find("next_cursor")) break;
    cursor = *next->find("next_cursor");
  }
  CHECK(names == std::vector<std::string>{"vm0-1", "vm1-1", "vm2-1", "vm3-1", "vm4-1"});
  CHECK(f.script.calls == 1);
  CHECK(f.script.made == 5);
  // One page holds everything: no snapshot is kept, the page is made from the deferred items.
  auto whole = page(Json::object().set("limit", 10));
  REQUIRE(whole.ok());
  CHECK(whole->find("count")->asInt() == 5);
  CHECK(!whole->find("next_cursor"));
  CHECK(whole->find("vms")->items()[4].find("name")->asString() == "vm4-2");
  CHECK(f.script.made == 10);
}

// ---- the same scenarios through every surface -------------------------------------------------

namespace {

enum class Decision { kRan, kRefused, kDryRun, kDeclined, kFailed };

const char* decisionName(Decision d) {
  switch (d) {
    case Decision::kRan: return "ran";
    case Decision::kRefused: return "refused";
    case Decision::kDryRun: return "dry run";
    case Decision::kDeclined: return "declined";
    case Decision::kFailed: return "failed";
  }
  return "?";
}

struct Scenario {
  const char* name;
  const char* op;          // vm_get, vm_power_on, vm_destroy
  const char* role;        // the caller's role
  bool confirm = false;    // MCP confirm: true, REST ?confirm=true, CLI --yes
  int person = -1;         // -1: no person can be asked; 0: the person says no; 1: yes
  bool fail = false;       // vCenter refuses the call
  bool blocked = false;    // the dry run finds an unmet precondition
  int repeat = 1;          // calls in a row (rate limits: change bucket of burst 1)
  Decision expected;
  const char* audit;       // the last call's audit outcome
  const char* approval;    // the audit's approval ("" none)
};

const Scenario kScenarios[] = {
    {"allowed read", "vm_get", "viewer", false, -1, false, false, 1, Decision::kRan, "ok", ""},
    {"refused by role", "vm_power_on", "viewer", false, -1, false, false, 1, Decision::kRefused, "denied", ""},
    {"rate-limited", "vm_power_on", "admin", false, -1, false, false, 2, Decision::kRefused, "rate_limited", ""},
    {"dry run", "vm_destroy", "admin", false, -1, false, false, 1, Decision::kDryRun, "dry_run", ""},
    {"approved by the caller", "vm_destroy", "admin", true, -1, false, false, 1, Decision::kRan, "ok", "*"},
    {"approved by the person", "vm_destroy", "admin", false, 1, false, false, 1, Decision::kRan, "ok", "*"},
    {"declined by the person", "vm_destroy", "admin", true, 0, false, false, 1, Decision::kDeclined, "declined", "*"},
    {"failed in vCenter", "vm_power_on", "admin", false, -1, true, false, 1, Decision::kFailed, "error", ""},
    {"blocked by a precondition", "vm_destroy", "admin", true, -1, false, true, 1, Decision::kFailed, "error", ""},
};

policy::PolicyConfig configFor(const Scenario& s) {
  policy::PolicyConfig config;
  config.anonymous_role = s.role;
  config.rate_limits.change = policy::RateLimit{0.001, 1};  // one change, then wait
  return config;
}

struct Outcome2 {
  Decision decision;
  std::string audit, approval;
};

// --- MCP: a session of libmcp's server with the tool bridge -----------------------------------

class CaptureSink final : public mcp::MessageSink {
 public:
  void send(const std::string& message) override {
    std::lock_guard<std::mutex> lock(mu_);
    messages_.push_back(*Json::parse(message));
    cv_.notify_all();
  }
  void requestDone() override {}
  Json waitFor(const std::function<bool(const Json&)>& pred) {
    std::unique_lock<std::mutex> lock(mu_);
    Json found;
    bool ok = cv_.wait_for(lock, std::chrono::seconds(10), [&] {
      for (const auto& m : messages_)
        if (pred(m)) {
          found = m;
          return true;
        }
      return false;
    });
    REQUIRE(ok);
    return found;
  }
  size_t count(const std::function<bool(const Json&)>& pred) {
    std::lock_guard<std::mutex> lock(mu_);
    return static_cast<size_t>(std::count_if(messages_.begin(), messages_.end(), pred));
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Json> messages_;
};

// What vCenter and the dry run do in this scenario.
void scriptFor(const Scenario& s, Script& script) {
  if (s.fail)
    script.fail = Status::Error(ErrorCode::kInvalidState, "vCenter says no", ErrorDetails{"InvalidPowerState", 500, ""});
  if (s.blocked) script.blockers = {"VM 'web' is suspended: resume it first (vm_power_on)"};
}

// What a tools/call result decided (either era), and the last call's audit.
Outcome2 mcpOutcome(const Json& result, const InMemoryAuditSink& audit) {
  Outcome2 o;
  const std::string text = result.find("content")->items()[0].find("text")->asString();
  const Json* structured = result.find("structuredContent");
  if (result.find("isError") && result.find("isError")->asBool()) {
    o.decision = text.find("denied") != std::string::npos || text.find("rate limit") != std::string::npos ||
                         text.find("not allowed") != std::string::npos || text.find("role") != std::string::npos
                     ? Decision::kRefused
                     : Decision::kFailed;
  } else if (structured && structured->find("declined")) {
    o.decision = Decision::kDeclined;
    CHECK(text.find("confirm") == std::string::npos);  // no coaching after a no
  } else if (structured && structured->find("dry_run")) {
    o.decision = Decision::kDryRun;
    CHECK(text.find("Call again with confirm: true") != std::string::npos);
  } else {
    o.decision = Decision::kRan;
    // The text is the summary and the JSON, so a client that passes only content loses nothing.
    CHECK(text.find(structured->dump()) != std::string::npos);
  }
  auto rec = lastOutcome(audit);
  o.audit = rec.outcome;
  o.approval = rec.approval;
  return o;
}

Outcome2 viaMcp(const Scenario& s) {
  Script script;
  Registry registry = scriptedRegistry(script);
  scriptFor(s, script);
  auto audit = std::make_shared<InMemoryAuditSink>();
  ManualClock clock;
  policy::Policy policy(configFor(s), audit, clock);
  apps::Metrics metrics;
  Invoker invoker(registry, policy, &metrics, {}, clock);
  auto client = fakeClient();
  mcp::Server server(mcp::Implementation{"t", "1", "t"});
  apps::Bridge bridge;
  bridge.client = client.get();
  bridge.invoker = &invoker;
  REQUIRE(apps::registerTools(server, bridge, {}).ok());
  auto sink = std::make_shared<CaptureSink>();
  auto session = server.createSession(sink);
  const std::string caps = s.person >= 0 ? R"({"elicitation":{}})" : "{}";
  REQUIRE(session->receive(R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":)" +
                               caps + R"(,"clientInfo":{"name":"t","version":"1"}}})",
                           sink).ok());
  sink->waitFor([](const Json& m) { return m.find("id") && m.find("id")->asInt() == 1; });
  REQUIRE(session->receive(R"({"jsonrpc":"2.0","method":"notifications/initialized"})", sink).ok());
  Json result;
  for (int i = 0; i < s.repeat; ++i) {
    const int id = 10 + i;
    Json args = Json::object().set("vm", "web");
    if (s.confirm) args.set("confirm", true);
    Json req = Json::object().set("jsonrpc", "2.0").set("id", id).set("method", "tools/call")
                   .set("params", Json::object().set("name", s.op).set("arguments", args));
    REQUIRE(session->receive(req.dump(), sink).ok());
    if (s.person >= 0 && std::string(s.op) == "vm_destroy" && !s.blocked) {
      Json ask = sink->waitFor([](const Json& m) { return m.find("method") && m.find("method")->asString() == "elicitation/create"; });
      Json answer = Json::object().set("jsonrpc", "2.0").set("id", *ask.find("id")).set(
          "result", s.person == 1 ? Json::object().set("action", "accept").set("content", Json::object().set("approve", true))
                                  : Json::object().set("action", "decline"));
      REQUIRE(session->receive(answer.dump(), sink).ok());
    }
    result = *sink->waitFor([id](const Json& m) { return m.find("id") && m.find("id")->asInt() == id && !m.find("method"); })
                  .find("result");
  }
  return mcpOutcome(result, *audit);
}

// --- MCP 2026-07-28: stateless requests; the person's answer comes back with a retry ----------

Outcome2 viaMcpModern(const Scenario& s) {
  Script script;
  Registry registry = scriptedRegistry(script);
  scriptFor(s, script);
  auto audit = std::make_shared<InMemoryAuditSink>();
  ManualClock clock;
  policy::Policy policy(configFor(s), audit, clock);
  apps::Metrics metrics;
  Invoker invoker(registry, policy, &metrics, {}, clock);
  auto client = fakeClient();
  mcp::Server server(mcp::Implementation{"t", "1", "t"});
  apps::Bridge bridge;
  bridge.client = client.get();
  bridge.invoker = &invoker;
  REQUIRE(apps::registerTools(server, bridge, {}).ok());
  auto sink = std::make_shared<CaptureSink>();
  auto session = server.createSession(sink);
  Json meta = Json::object()
                  .set(std::string(mcp::meta::kProtocolVersion), "2026-07-28")
                  .set(std::string(mcp::meta::kClientInfo), Json::object().set("name", "t").set("version", "1"))
                  .set(std::string(mcp::meta::kClientCapabilities),
                       s.person >= 0 ? Json::object().set("elicitation", Json::object()) : Json::object());
  Json result;
  int next_id = 10;
  auto call = [&](Json params) {
    const int id = next_id++;
    params.set("_meta", meta);
    Json req = Json::object().set("jsonrpc", "2.0").set("id", id).set("method", "tools/call").set("params", params);
    REQUIRE(session->receive(req.dump(), sink).ok());
    Json reply = sink->waitFor([id](const Json& m) { return m.find("id") && m.find("id")->asInt() == id; });
    REQUIRE(reply.find("result"));
    return *reply.find("result");
  };
  int approvals_requested = 0;
  for (int i = 0; i < s.repeat; ++i) {
    Json args = Json::object().set("vm", "web");
    if (s.confirm) args.set("confirm", true);
    Json params = Json::object().set("name", s.op).set("arguments", args);
    result = call(params);
    // No server-to-client request in this era: the question is an input_required result.
    CHECK(sink->count([](const Json& m) { return m.find("method") && m.find("method")->asString() == "elicitation/create"; }) == 0);
    if (result.find("resultType") && result.find("resultType")->asString() == "input_required") {
      REQUIRE(s.person >= 0);
      ++approvals_requested;
      CHECK(lastOutcome(*audit).outcome == "approval_requested");
      const Json& asked = *result.find("inputRequests");
      REQUIRE(asked.size() == 1);
      const std::string key = asked.members().begin()->first;
      CHECK(asked.find(key)->find("method")->asString() == "elicitation/create");
      Json answer = s.person == 1
                        ? Json::object().set("action", "accept").set("content", Json::object().set("approve", true))
                        : Json::object().set("action", "decline");
      params.set("inputResponses", Json::object().set(key, answer));
      params.set("requestState", *result.find("requestState"));
      result = call(params);
    }
    CHECK(result.find("resultType")->asString() == "complete");
  }
  CHECK(approvals_requested == (s.person >= 0 && std::string(s.op) == "vm_destroy" && !s.blocked ? s.repeat : 0));
  return mcpOutcome(result, *audit);
}

// --- REST: the gateway's handler with a scripted registry --------------------------------------

Outcome2 viaRest(const Scenario& s) {
  Script script;
  Registry registry = scriptedRegistry(script);
  scriptFor(s, script);
  auto audit = std::make_shared<InMemoryAuditSink>();
  ManualClock clock;
  policy::Policy policy(configFor(s), audit, clock);
  apps::Metrics metrics;
  auto client = fakeClient();
  gateway::GatewayOptions options;
  options.logins = false;
  options.health_interval = std::chrono::seconds(0);
  options.registry = &registry;
  gateway::Gateway gw(options, client.get(), policy, metrics,
                      [](const vsphere::ConnectionOptions&) -> Result<std::unique_ptr<Client>> {
                        return Status::Unavailable("no logins in this test");
                      });
  http::Response res;
  for (int i = 0; i < s.repeat; ++i) {
    http::Request req;
    const std::string op = s.op;
    req.method = op == "vm_get" ? "GET" : op == "vm_destroy" ? "DELETE" : "POST";
    req.path = op == "vm_power_on" ? "/vms/web/power/on" : "/vms/web";
    req.query = s.confirm ? "confirm=true" : "";
    req.target = req.path + (req.query.empty() ? "" : "?" + req.query);
    req.remote_address = "127.0.0.1";
    req.headers = {{"X-Request-Id", "req-" + std::to_string(i)}};
    res = gw.handle(req);
  }
  Outcome2 o;
  if (res.status == 200) o.decision = Decision::kRan;
  else if (res.status == 403 || res.status == 429) o.decision = Decision::kRefused;
  else if (res.status == 400 && res.body.find("CONFIRMATION_REQUIRED") != std::string::npos) o.decision = Decision::kDryRun;
  else o.decision = Decision::kFailed;
  if (s.blocked) CHECK(res.body.find("POST /vms/{id}/power/on") != std::string::npos);  // a REST route, not a tool
  auto rec = lastOutcome(*audit);
  o.audit = rec.outcome;
  o.approval = rec.approval;
  return o;
}

// --- CLI: the program in process ---------------------------------------------------------------

struct ScriptedTerminal final : cli::Terminal {
  int answer = -1;  // -1: not a terminal
  bool stdoutIsTty() const override { return false; }
  bool stderrIsTty() const override { return false; }
  int columns() const override { return 0; }
  bool interactive() const override { return answer >= 0; }
  std::optional<bool> confirm(const std::string&) override { return answer == 1; }
};

Outcome2 viaCli(const Scenario& s) {
  Script script;
  Registry registry = scriptedRegistry(script);
  scriptFor(s, script);
  char dir[] = "/tmp/vsmcp-ops-test-XXXXXX";
  REQUIRE(::mkdtemp(dir) != nullptr);
  const std::string audit_path = std::string(dir) + "/audit.jsonl";
  ::setenv("VCENTER_PASSWORD", "pass", 1);
  ::setenv("XDG_CACHE_HOME", dir, 1);
  ScriptedTerminal terminal;
  terminal.answer = s.person;
  std::ostringstream out, err;
  cli::Io io{out, err, terminal,
             [](const vsphere::ConnectionOptions&) -> Result<std::unique_ptr<Client>> { return fakeClient(); },
             nullptr, nullptr, &registry};
  const std::string op = s.op;
  std::vector<std::string> args = {"vsphere-cli", "--vcenter-host", "https://vc.test/sdk", "--vcenter-user", "user",
                                   "--role", s.role, "--audit-log", audit_path, "--json"};
  if (s.confirm && s.person < 0) args.push_back("--yes");
  for (const auto& w : cli::splitWords(cli::findCommandForOperation(op)->path)) args.push_back(w);
  args.push_back("web");
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  const int code = cli::run(static_cast<int>(argv.size()), argv.data(), io);
  ::unsetenv("VCENTER_PASSWORD");
  ::unsetenv("XDG_CACHE_HOME");
  Outcome2 o;
  const std::string e = err.str();
  if (code == 0) o.decision = Decision::kRan;
  else if (code == 5 && e.find("declined") != std::string::npos) o.decision = Decision::kDeclined;
  else if (code == 5 && e.find("needs --yes") != std::string::npos) o.decision = Decision::kDryRun;
  else if (code == 5) o.decision = Decision::kRefused;
  else o.decision = Decision::kFailed;
  if (s.blocked) CHECK(e.find("'vsphere-cli vm power on'") != std::string::npos);  // a command, not a tool
  std::ifstream in(audit_path);
  std::string line, last;
  while (std::getline(in, line))
    if (line.find("\"event\":\"call\"") != std::string::npos) last = line;
  auto rec = Json::parse(last);
  REQUIRE(rec.ok());
  o.audit = rec->find("outcome") ? rec->find("outcome")->asString() : "";
  o.approval = rec->find("approval") ? rec->find("approval")->asString() : "";
  ::unlink(audit_path.c_str());
  ::rmdir(dir);
  return o;
}

void expect(const Scenario& s, const Outcome2& o, const char* surface, const char* approval) {
  INFO(std::string(surface) + ": " + s.name + " -> " + decisionName(o.decision) + ", audit " + o.audit + ", approval " +
       o.approval);
  CHECK(o.decision == s.expected);
  CHECK(o.audit == s.audit);
  CHECK(o.approval == (std::string(s.approval) == "*" ? approval : s.approval));
}

}  // namespace

TEST_CASE("the same scenarios decide and audit alike through the MCP (both eras), REST and CLI adapters") {
  for (const Scenario& s : kScenarios) {
    INFO(s.name);
    // MCP: a model; a person through elicitation.
    expect(s, viaMcp(s), "mcp", s.person >= 0 ? "person" : "caller_confirm");
    // MCP 2026-07-28: the same table, the person asked through an input_required round trip.
    expect(s, viaMcpModern(s), "mcp 2026-07-28", s.person >= 0 ? "person" : "caller_confirm");
    // REST: the caller is the person; nobody else can be asked.
    if (s.person < 0) expect(s, viaRest(s), "rest", "rest_confirm");
    // CLI: one command per process (no rate limit to reach); the terminal prompt is the person.
    if (s.repeat == 1) expect(s, viaCli(s), "cli", s.person >= 0 ? "cli_prompt" : "cli_yes");
  }
}
