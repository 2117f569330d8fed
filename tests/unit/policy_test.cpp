// libpolicy: roles, tokens, rate limits, the filter chain, audit records and config files.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "policy/policy.hpp"
#include "policy_fakes.hpp"

using namespace vsmcp;
using namespace vsmcp::policy;
using vsmcp::testing::InMemoryAuditSink;
using vsmcp::testing::ManualClock;

namespace {

const Role& role(const std::vector<Role>& roles, const std::string& name) {
  for (const auto& r : roles)
    if (r.name == name) return r;
  FAIL("no role " << name);
  return roles.front();
}

std::string tempPath(const std::string& name) {
  return "/tmp/vsmcp-policy-test-" + std::to_string(::getpid()) + "-" + name;
}

CallContext call(const std::string& principal, const std::string& op, Action action, Json args = Json::object()) {
  CallContext c;
  c.transport = "http";
  c.principal = principal;
  c.operation = op;
  c.action = action;
  c.arguments = std::move(args);
  return c;
}

}  // namespace

TEST_CASE("built-in roles grant reads, power and snapshots, everything, by role") {
  auto roles = builtinRoles();
  const Role& viewer = role(roles, "viewer");
  const Role& op = role(roles, "operator");
  const Role& admin = role(roles, "admin");
  CHECK(viewer.allows("vm_list", Action::kRead));
  CHECK(viewer.allows("datastore_usage", Action::kRead));
  CHECK_FALSE(viewer.allows("vm_power_on", Action::kChange));
  CHECK_FALSE(viewer.allows("vm_destroy", Action::kDestructive));
  CHECK(op.allows("vm_list", Action::kRead));
  CHECK(op.allows("vm_power_on", Action::kChange));
  CHECK(op.allows("vm_shutdown_guest", Action::kChange));
  CHECK(op.allows("vm_snapshot_create", Action::kChange));
  CHECK(op.allows("vm_snapshot_revert", Action::kDestructive));
  CHECK_FALSE(op.allows("vm_destroy", Action::kDestructive));
  CHECK_FALSE(op.allows("vm_clone", Action::kChange));
  CHECK_FALSE(op.allows("host_enter_maintenance", Action::kChange));
  CHECK(admin.allows("vm_destroy", Action::kDestructive));
  CHECK(admin.allows("host_enter_maintenance", Action::kChange));
}

TEST_CASE("a deny glob wins over allow and over all reads") {
  Role r{"custom", true, {"vm_*"}, {"vm_destroy", "*_perf"}};
  CHECK(r.allows("vm_power_on", Action::kChange));
  CHECK_FALSE(r.allows("vm_destroy", Action::kDestructive));
  CHECK_FALSE(r.allows("host_perf", Action::kRead));
  CHECK(r.allows("host_list", Action::kRead));
}

TEST_CASE("sha256Hex matches the FIPS 180-2 test vector") {
  CHECK(sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("token store authenticates by token and refuses everything else") {
  TokenStore store;
  REQUIRE(store.add("alice", "operator", "alice-token-0123456789").ok());
  REQUIRE(store.addHashed("ci", "viewer", sha256Hex("ci-token-abcdefghijklmnop")).ok());
  auto alice = store.authenticate("alice-token-0123456789");
  REQUIRE(alice);
  CHECK(alice->name == "alice");
  CHECK(alice->role == "operator");
  auto ci = store.authenticate("ci-token-abcdefghijklmnop");
  REQUIRE(ci);
  CHECK(ci->name == "ci");
  CHECK_FALSE(store.authenticate("alice-token-012345678"));
  CHECK_FALSE(store.authenticate("alice-token-0123456789 "));
  CHECK_FALSE(store.authenticate(""));
  CHECK(store.find("ci")->role == "viewer");
  CHECK_FALSE(store.find("bob"));
}

TEST_CASE("token store refuses short, duplicate and malformed entries without echoing tokens") {
  TokenStore store;
  Status s = store.add("bob", "viewer", "short-secret");
  REQUIRE(s.code() == ErrorCode::kInvalidArgument);
  CHECK(s.message().find("bob") != std::string::npos);
  CHECK(s.message().find("short-secret") == std::string::npos);
  REQUIRE(store.add("bob", "viewer", "a-long-enough-token-1").ok());
  CHECK(store.add("bob", "admin", "a-long-enough-token-2").code() == ErrorCode::kInvalidArgument);
  Status same = store.add("carol", "admin", "a-long-enough-token-1");
  CHECK(same.code() == ErrorCode::kInvalidArgument);
  CHECK(same.message().find("a-long-enough") == std::string::npos);
  CHECK(store.addHashed("dave", "viewer", "xyz").code() == ErrorCode::kInvalidArgument);
  CHECK(store.addHashed("dave", "viewer", std::string(64, 'g')).code() == ErrorCode::kInvalidArgument);
  CHECK(store.size() == 1);
}

TEST_CASE("parseRate reads N/s, N/min, N/h and off, and names bad text") {
  auto r = parseRate("120/min", 5);
  REQUIRE(r.ok());
  CHECK(r->per_second == Approx(2.0));
  CHECK(r->burst == 5);
  CHECK(parseRate("3600/h", 1)->per_second == Approx(1.0));
  CHECK(parseRate("2.5/s", 1)->per_second == Approx(2.5));
  CHECK(parseRate("off", 1)->unlimited());
  for (const char* bad : {"", "10", "/min", "0/s", "-1/s", "ten/min", "5/day", "1e999/s"}) {
    auto b = parseRate(bad, 1);
    INFO(bad);
    REQUIRE_FALSE(b.ok());
    CHECK(b.status().message().find("N/s") != std::string::npos);
  }
  CHECK_FALSE(parseRate("1/s", 0).ok());
  CHECK(describeRate(*parseRate("60/min", 10)) == "60/min, burst 10");
}

TEST_CASE("rate limiter refuses past the burst and says when to retry") {
  ManualClock clock;
  RateLimitConfig config;
  config.read = {1, 3};  // 1/s, burst 3
  RateLimiter limiter(config, clock);
  for (int i = 0; i < 3; ++i) REQUIRE(limiter.admit("alice", Action::kRead).ok());
  Status refused = limiter.admit("alice", Action::kRead);
  REQUIRE(refused.code() == ErrorCode::kRateLimited);
  CHECK(refused.details().retry_after_seconds == 1);
  CHECK(refused.message().find("alice") != std::string::npos);
  CHECK(refused.message().find("retry after 1 s") != std::string::npos);
  // Another principal has its own bucket.
  CHECK(limiter.admit("bob", Action::kRead).ok());
  clock.advance(std::chrono::milliseconds(999));
  CHECK(limiter.admit("alice", Action::kRead).code() == ErrorCode::kRateLimited);
  clock.advance(std::chrono::milliseconds(1001));
  CHECK(limiter.admit("alice", Action::kRead).ok());
  // A long pause refills to the burst, not beyond.
  clock.advance(std::chrono::hours(1));
  for (int i = 0; i < 3; ++i) CHECK(limiter.admit("alice", Action::kRead).ok());
  CHECK_FALSE(limiter.admit("alice", Action::kRead).ok());
}

TEST_CASE("rate limiter keeps change operations in a separate, stricter bucket") {
  ManualClock clock;
  RateLimitConfig config;
  config.read = {10, 100};
  config.change = {0.1, 2};  // 6/min, burst 2
  RateLimiter limiter(config, clock);
  CHECK(limiter.admit("alice", Action::kChange).ok());
  CHECK(limiter.admit("alice", Action::kDestructive).ok());
  Status refused = limiter.admit("alice", Action::kChange);
  REQUIRE(refused.code() == ErrorCode::kRateLimited);
  CHECK(refused.details().retry_after_seconds == 10);
  CHECK(refused.message().find("change") != std::string::npos);
  // Reads are not affected by the empty change bucket, and do not refill it.
  for (int i = 0; i < 50; ++i) REQUIRE(limiter.admit("alice", Action::kRead).ok());
  CHECK_FALSE(limiter.admit("alice", Action::kDestructive).ok());
}

TEST_CASE("rate limiter takes back a refunded token, never beyond the burst") {
  ManualClock clock;
  RateLimitConfig config;
  config.change = {0.001, 1};  // one change, then wait
  RateLimiter limiter(config, clock);
  limiter.refund("alice", Action::kDestructive);  // nothing taken yet: nothing to give back
  REQUIRE(limiter.admit("alice", Action::kDestructive).ok());
  REQUIRE_FALSE(limiter.admit("alice", Action::kDestructive).ok());
  limiter.refund("alice", Action::kDestructive);
  CHECK(limiter.admit("alice", Action::kDestructive).ok());
  CHECK_FALSE(limiter.admit("alice", Action::kDestructive).ok());
  limiter.refund("alice", Action::kDestructive);
  limiter.refund("alice", Action::kDestructive);  // capped at the burst of 1
  CHECK(limiter.admit("alice", Action::kDestructive).ok());
  CHECK_FALSE(limiter.admit("alice", Action::kDestructive).ok());
  limiter.refund("bob", Action::kChange);  // another principal's refund gives alice nothing
  CHECK_FALSE(limiter.admit("alice", Action::kChange).ok());
}

TEST_CASE("rate limiter applies per-principal overrides and unlimited rates") {
  ManualClock clock;
  RateLimitConfig config;
  config.read = {1, 1};
  config.principals["ci"].read = RateLimit{0, 1};  // unlimited
  config.principals["slow"].change = RateLimit{1, 1};
  RateLimiter limiter(config, clock);
  for (int i = 0; i < 1000; ++i) REQUIRE(limiter.admit("ci", Action::kRead).ok());
  CHECK(limiter.admit("alice", Action::kRead).ok());
  CHECK_FALSE(limiter.admit("alice", Action::kRead).ok());
  CHECK(limiter.admit("slow", Action::kChange).ok());
  CHECK_FALSE(limiter.admit("slow", Action::kChange).ok());
  CHECK(limiter.admit("slow", Action::kRead).ok());  // reads: the default limit
}

TEST_CASE("rate limiter forgets full buckets beyond max_principals but not partly used ones") {
  ManualClock clock;
  RateLimitConfig config;
  config.read = {1, 2};
  config.max_principals = 3;
  RateLimiter limiter(config, clock);
  REQUIRE(limiter.admit("a", Action::kRead).ok());
  REQUIRE(limiter.admit("a", Action::kRead).ok());  // a is empty now
  for (const char* p : {"b", "c", "d", "e"}) REQUIRE(limiter.admit(p, Action::kRead).ok());
  // a's bucket was not full, so it was kept: a is still limited.
  CHECK(limiter.admit("a", Action::kRead).code() == ErrorCode::kRateLimited);
}

TEST_CASE("maskSecrets hides secret-named members at any depth and cuts long strings") {
  Json args = Json::object()
                  .set("vm", "web-01")
                  .set("password", "hunter2")
                  .set("guest", Json::object().set("adminPassword", "p@ss").set("API-Key", "k").set("user", "root"))
                  .set("list", Json::array({Json::object().set("auth_token", "t"), Json("plain")}))
                  .set("note", std::string(3000, 'x'));
  Json masked = maskSecrets(args);
  std::string text = masked.dump();
  CHECK(text.find("hunter2") == std::string::npos);
  CHECK(text.find("p@ss") == std::string::npos);
  CHECK(masked.find("guest")->find("API-Key")->asString() == "***");
  CHECK(masked.find("list")->items()[0].find("auth_token")->asString() == "***");
  CHECK(masked.find("vm")->asString() == "web-01");
  CHECK(masked.find("guest")->find("user")->asString() == "root");
  CHECK(masked.find("note")->asString().size() < 1100);
  CHECK(masked.find("note")->asString().find("3000 bytes") != std::string::npos);
  // A cut never splits a UTF-8 character.
  std::string euros;
  for (int i = 0; i < 600; ++i) euros += "\xe2\x82\xac";
  Json cut = maskSecrets(Json(euros));
  auto reparsed = Json::parse(cut.dump());
  REQUIRE(reparsed.ok());
  CHECK(reparsed->asString().rfind("\xe2\x82\xac...(", std::string::npos) != std::string::npos);
}

TEST_CASE("policy refuses a call outside the role and audits the refusal") {
  ManualClock clock;
  auto sink = std::make_shared<InMemoryAuditSink>();
  PolicyConfig config;
  REQUIRE(config.tokens.add("vic", "viewer", "viewer-token-0123456789").ok());
  config.target = "vc.example.com";
  Policy policy(std::move(config), sink, clock);
  CHECK(policy.authenticationRequired());
  CHECK(policy.mayCall("vic", "vm_list", Action::kRead));
  CHECK_FALSE(policy.mayCall("vic", "vm_power_on", Action::kChange));
  CHECK_FALSE(policy.mayCall("stranger", "vm_list", Action::kRead));

  auto c = call("vic", "vm_power_on", Action::kChange, Json::object().set("vm", "web-01"));
  Status s = policy.admit(c);
  REQUIRE(s.code() == ErrorCode::kPermissionDenied);
  CHECK(s.message().find("viewer") != std::string::npos);
  CHECK(s.message().find("vm_power_on") != std::string::npos);
  auto records = sink->records();
  REQUIRE(records.size() == 1);
  CHECK(records[0].outcome == "denied");
  CHECK(records[0].principal == "vic");
  CHECK(records[0].role == "viewer");
  CHECK(records[0].operation == "vm_power_on");
  CHECK(records[0].target == "vc.example.com");
  CHECK_FALSE(records[0].correlation_id.empty());
  CHECK(records[0].error.find("may not call") != std::string::npos);
  auto stats = policy.stats();
  REQUIRE(stats.size() == 2);
  CHECK(stats[0].filter == "role");
  CHECK(stats[0].refused == 1);
  CHECK(stats[1].passed == 0);
}

TEST_CASE("policy audits start and outcome of a change with duration, masked arguments and one correlation id") {
  ManualClock clock;
  auto sink = std::make_shared<InMemoryAuditSink>();
  Policy policy(PolicyConfig{}, sink, clock);  // no tokens: anonymous is admin
  CHECK_FALSE(policy.authenticationRequired());
  auto c = call("", "vm_clone", Action::kChange, Json::object().set("vm", "a").set("password", "s3cr3t"));
  REQUIRE(policy.admit(c).ok());
  CHECK(c.role == "admin");
  policy.started(c);
  clock.advance(std::chrono::milliseconds(1500));
  policy.finished(c, "ok");
  auto records = sink->records();
  REQUIRE(records.size() == 2);
  CHECK(records[0].event == "start");
  CHECK_FALSE(records[0].duration);
  CHECK(records[1].event == "call");
  CHECK(records[1].outcome == "ok");
  REQUIRE(records[1].duration);
  CHECK(records[1].duration->count() == 1500000);
  CHECK(records[0].correlation_id == records[1].correlation_id);
  CHECK(records[1].principal == "anonymous");
  Json line = toJson(records[1]);
  CHECK(line.find("duration_ms")->asDouble() == Approx(1500.0));
  CHECK(line.find("arguments")->find("password")->asString() == "***");
  CHECK(line.dump().find("s3cr3t") == std::string::npos);
  CHECK(line.find("time")->asString() == "2026-11-18T11:06:41.500Z");  // when the outcome was written
  // A read gets no start record.
  auto r = call("", "vm_list", Action::kRead);
  REQUIRE(policy.admit(r).ok());
  policy.started(r);
  policy.finished(r, "error", Status::NotFound("no VM named 'x'"));
  records = sink->records();
  REQUIRE(records.size() == 3);
  CHECK(records[2].outcome == "error");
  CHECK(records[2].error == "no VM named 'x'");
}

TEST_CASE("policy rate-limits per principal and audits rate_limited with retry time") {
  ManualClock clock;
  auto sink = std::make_shared<InMemoryAuditSink>();
  PolicyConfig config;
  config.rate_limits.change = {0.5, 1};
  Policy policy(std::move(config), sink, clock);
  auto a = call("", "vm_power_on", Action::kChange);
  REQUIRE(policy.admit(a).ok());
  auto b = call("", "vm_power_off", Action::kChange);
  Status s = policy.admit(b);
  REQUIRE(s.code() == ErrorCode::kRateLimited);
  CHECK(s.details().retry_after_seconds == 2);
  auto records = sink->records();
  REQUIRE(records.size() == 1);
  CHECK(records[0].outcome == "rate_limited");
  CHECK(policy.stats()[1].refused == 1);
}

TEST_CASE("failed authentication is counted and audited without the credential") {
  ManualClock clock;
  auto sink = std::make_shared<InMemoryAuditSink>();
  PolicyConfig config;
  REQUIRE(config.tokens.add("alice", "admin", "alice-token-0123456789").ok());
  Policy policy(std::move(config), sink, clock);
  CHECK(policy.authenticate("alice-token-0123456789", "http", "10.0.0.1"));
  CHECK_FALSE(policy.authenticate("guess-guess-guess-guess", "http", "10.0.0.9"));
  CHECK(policy.unauthenticatedCount() == 1);
  auto records = sink->records();
  REQUIRE(records.size() == 1);
  CHECK(records[0].outcome == "unauthenticated");
  CHECK(records[0].remote == "10.0.0.9");
  CHECK(toJson(records[0]).dump().find("guess") == std::string::npos);
}

TEST_CASE("file audit sink appends one JSON line per record, readable only by its owner") {
  std::string path = tempPath("audit.log");
  std::remove(path.c_str());
  {
    auto sink = FileAuditSink::open(path);
    REQUIRE(sink.ok());
    AuditRecord r;
    r.operation = "vm_list";
    r.outcome = "ok";
    r.principal = "alice";
    (*sink)->write(r);
    r.operation = "vm_destroy";
    r.event = "start";
    (*sink)->write(r);
    // The record is in the file before the sink is closed (no buffering in the process).
    std::ifstream in(path);
    std::string first;
    REQUIRE(std::getline(in, first));
    auto j = Json::parse(first);
    REQUIRE(j.ok());
    CHECK(j->find("operation")->asString() == "vm_list");
  }
  {
    auto again = FileAuditSink::open(path);  // appends
    REQUIRE(again.ok());
    AuditRecord r;
    r.operation = "vm_get";
    (*again)->write(r);
  }
  std::ifstream in(path);
  std::vector<std::string> ops;
  for (std::string line; std::getline(in, line);) {
    auto j = Json::parse(line);
    REQUIRE(j.ok());
    ops.push_back(j->find("operation")->asString());
  }
  CHECK(ops == std::vector<std::string>{"vm_list", "vm_destroy", "vm_get"});
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  std::remove(path.c_str());
  auto bad = FileAuditSink::open("/nonexistent-dir/audit.log");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message().find("/nonexistent-dir/audit.log") != std::string::npos);
}

TEST_CASE("token file defines roles and tokens, errors name the entry") {
  PolicyConfig config;
  Status ok = parseTokenConfig(
      R"({"roles":{"dba":{"reads":true,"allow":["vm_snapshot_*"],"deny":["vm_snapshot_revert"]}},
          "tokens":[{"name":"alice","role":"dba","token":"alice-token-0123456789"},
                    {"name":"ci","role":"viewer","sha256":")" + sha256Hex("ci-token-0123456789ab") + R"("}]})",
      "tokens.json", config);
  REQUIRE(ok.ok());
  Policy policy(std::move(config));
  auto alice = policy.authenticate("alice-token-0123456789", "http", "");
  REQUIRE(alice);
  CHECK(alice->role == "dba");
  CHECK(policy.mayCall("alice", "vm_snapshot_create", Action::kChange));
  CHECK_FALSE(policy.mayCall("alice", "vm_snapshot_revert", Action::kDestructive));
  CHECK(policy.mayCall("alice", "vm_list", Action::kRead));
  CHECK(policy.authenticate("ci-token-0123456789ab", "http", "")->name == "ci");

  auto error = [](const std::string& text) {
    PolicyConfig c;
    Status s = parseTokenConfig(text, "tokens.json", c);
    REQUIRE_FALSE(s.ok());
    return s.message();
  };
  CHECK(error(R"({"tokens":[{"name":"bob","role":"opertor","token":"bob-token-0123456789"}]})")
            .find("tokens.json: tokens[0] ('bob'): unknown role 'opertor' (known: viewer, operator, admin)") !=
        std::string::npos);
  CHECK(error(R"({"tokens":[{"name":"bob","role":"viewer"}]})").find("exactly one of") != std::string::npos);
  CHECK(error(R"({"tokens":[{"name":"bob","role":"viewer","token":"short"}]})").find("shorter than 16") !=
        std::string::npos);
  CHECK(error(R"({"roles":{"admin":{"reads":true}}})").find("roles.admin") != std::string::npos);
  CHECK(error(R"({"roles":{"x":{"alow":["*"]}}})").find("unknown key 'alow'") != std::string::npos);
  CHECK(error(R"({"tokns":[]})").find("unknown key 'tokns'") != std::string::npos);
  CHECK(error("{not json").find("tokens.json: not valid JSON") != std::string::npos);
  CHECK(error(R"({"roles":{"x":{"allow":"vm_*"}}})").find("roles.x.allow must be an array") != std::string::npos);
}

TEST_CASE("rate-limit file sets defaults and per-principal overrides, errors name the key") {
  RateLimitConfig config;
  REQUIRE(parseRateLimitConfig(R"({"read":{"rate":"300/min","burst":30},"change":{"rate":"6/min","burst":2},
                                  "principals":{"ci":{"change":{"rate":"off"}}}})",
                               "limits.json", config)
              .ok());
  CHECK(config.read.per_second == Approx(5.0));
  CHECK(config.read.burst == 30);
  CHECK(config.change.per_second == Approx(0.1));
  REQUIRE(config.principals.count("ci"));
  CHECK(config.principals["ci"].change->unlimited());
  CHECK_FALSE(config.principals["ci"].read);

  RateLimitConfig c2;
  Status s = parseRateLimitConfig(R"({"change":{"rate":"6/fortnight"}})", "limits.json", c2);
  REQUIRE_FALSE(s.ok());
  CHECK(s.message().find("limits.json: change") != std::string::npos);
  CHECK(s.message().find("6/fortnight") != std::string::npos);
  CHECK(parseRateLimitConfig(R"({"read":{"rate":"1/s","burst":"ten"}})", "l", c2).message().find("burst") !=
        std::string::npos);
  CHECK_FALSE(parseRateLimitConfig(R"({"writes":{}})", "l", c2).ok());
  CHECK(loadRateLimitFile("/nonexistent/limits.json", c2).message().find("/nonexistent/limits.json") !=
        std::string::npos);
}

TEST_CASE("vCenter host allow-list matches the URL's host by glob, any case") {
  CHECK(hostOf("https://VC01.corp.example:443/sdk") == "vc01.corp.example");
  CHECK(hostOf("vc01.corp.example") == "vc01.corp.example");
  CHECK(hostOf("https://user@vc01:8443") == "vc01");
  CHECK(hostOf("https://[::1]:8989/sdk") == "::1");
  CHECK(checkHostAllowed({}, "anything").ok());
  std::vector<std::string> allowed{"vc*.corp.example", "127.0.0.1"};
  CHECK(checkHostAllowed(allowed, "https://VC01.corp.example/sdk").ok());
  CHECK(checkHostAllowed(allowed, "https://127.0.0.1:41234/sdk").ok());
  Status s = checkHostAllowed(allowed, "https://evil.example/sdk");
  REQUIRE(s.code() == ErrorCode::kPermissionDenied);
  CHECK(s.message().find("evil.example") != std::string::npos);
  CHECK_FALSE(checkHostAllowed(allowed, "https://vc01.corp.example.evil.example/sdk").ok());
}

TEST_CASE("a role set by the surface is kept, and still checked") {
  ManualClock clock;
  Policy policy(PolicyConfig{}, nullptr, clock);
  auto c = call("vc:alice", "vm_power_on", Action::kChange);
  c.role = "viewer";
  Status s = policy.admit(c);
  REQUIRE(s.code() == ErrorCode::kPermissionDenied);
  CHECK(c.role == "viewer");
  auto d = call("vc:alice", "vm_power_on", Action::kChange);
  d.role = "operator";
  CHECK(policy.admit(d).ok());
  // Without a role, an unknown principal gets none, so nothing is granted.
  auto e = call("vc:alice", "vm_list", Action::kRead);
  CHECK(policy.admit(e).code() == ErrorCode::kPermissionDenied);
}
