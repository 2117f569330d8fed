// vsphere-cli against the vCenter simulator, in process (the same code the program runs):
// every command of the table runs; reads print exactly the registry's result with --json;
// changes print results of their output schema and act; CSV and -q agree with the JSON;
// destructive commands refuse without --yes, ask on a terminal, and fail at once with the dry
// run's reason when it is blocked; dry runs change nothing; progress shows only once vCenter
// reports the task; exit codes for not found, login and TLS refusals, failed operations; lists
// merge all pages.
#include <stdlib.h>

#include <unistd.h>

#include <catch2/catch.hpp>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cli.hpp"
#include "command_table.hpp"
#include "ops/registry.hpp"
#include "vcsim.hpp"
#include "vsmcp/json_schema.hpp"

using vsmcp::Json;
using vsmcp::Result;
using vsmcp::testing::Vcsim;
using namespace vsmcp::cli;
using namespace vsmcp::vsphere;
using vsmcp::ops::findOperation;
using vsmcp::ops::Operation;
using vsmcp::ops::OperationContext;

namespace {

class ScriptedTerminal final : public Terminal {
 public:
  bool stdoutIsTty() const override { return false; }
  bool stderrIsTty() const override { return tty; }
  int columns() const override { return 100; }
  bool interactive() const override { return tty; }
  std::optional<bool> confirm(const std::string& question) override {
    questions.push_back(question);
    if (answers.empty()) return std::nullopt;
    const bool a = answers.front();
    answers.pop_front();
    return a;
  }
  bool tty = false;
  std::deque<bool> answers;
  std::vector<std::string> questions;
};

struct CliRun {
  int code = -1;
  std::string out, err;
  Json json() const {
    auto j = Json::parse(out);
    INFO(out);
    REQUIRE(j.ok());
    return *j;
  }
};

// The simulator's connection in the environment the CLI reads.
class Cli {
 public:
  explicit Cli(const Vcsim& sim) : sim_(sim) {
    ::setenv("VCENTER_HOST", sim.url().c_str(), 1);
    ::setenv("VCENTER_USER", "user", 1);
    ::setenv("VCENTER_PASSWORD", "pass", 1);
    ::setenv("VCENTER_CA_BUNDLE", sim.certFile().c_str(), 1);
    // Stored sessions (session login) go to a folder of this test, not the user's cache.
    const std::string cache = "/tmp/vsmcp-cli-test-cache-" + std::to_string(::getpid());
    ::setenv("XDG_CACHE_HOME", cache.c_str(), 1);
    for (const char* n : {"VCENTER_INSECURE", "VCENTER_THUMBPRINT", "VCENTER_PASSWORD_FILE",
                          "VCENTER_ALLOWED_HOSTS", "VSPHERE_CLI_PROFILE", "VSPHERE_CLI_ROLE",
                          "VSPHERE_CLI_AUDIT_LOG"})
      ::unsetenv(n);
  }

  CliRun run(std::vector<std::string> args, std::function<bool()> interrupted = nullptr) {
    CliRun r;
    std::ostringstream out, err;
    Io io{out,
          err,
          terminal,
          [this](const ConnectionOptions& o) {
            ConnectionOptions with = o;
            if (on_call) with.on_call = on_call;
            return Client::connect(with);
          },
          std::move(interrupted),
          nullptr};
    args.insert(args.begin(), "vsphere-cli");
    std::vector<const char*> argv;
    for (const auto& a : args) argv.push_back(a.c_str());
    r.code = vsmcp::cli::run(static_cast<int>(argv.size()), argv.data(), io);
    r.out = out.str();
    r.err = err.str();
    return r;
  }

  ScriptedTerminal terminal;
  // Sees every vCenter call the CLI makes, when set.
  std::function<void(std::string_view, std::chrono::microseconds, const vsmcp::Status&)> on_call;

 private:
  const Vcsim& sim_;
};

Json parse(const std::string& text) {
  auto j = Json::parse(text);
  REQUIRE(j.ok());
  return *j;
}

Json registry(Client& c, const std::string& op, const std::string& args) {
  const Operation* o = findOperation(op);
  REQUIRE(o);
  auto r = o->handler(c, parse(args), OperationContext{});
  INFO(op << " " << args << ": " << r.status().toString());
  REQUIRE(r.ok());
  return *r;
}

void checkShape(const std::string& op, const Json& result) {
  const Operation* o = findOperation(op);
  REQUIRE(o);
  vsmcp::Status valid = vsmcp::validateJson(o->output_schema, result, "result");
  INFO(op << ": " << valid.toString() << " in " << result.dump());
  CHECK(valid.ok());
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

// The ids a list result holds (trees flattened), as -q prints them.
void ids(const Json& items, std::vector<std::string>& out) {
  for (const auto& item : items.items()) {
    if (const Json* id = item.find("id"); id && id->isString()) out.push_back(id->asString());
    if (const Json* children = item.find("children")) ids(*children, out);
  }
}

// The list a result holds, by the rule the output uses: its one array, and no object members.
const Json* listIn(const Json& result) {
  const Json* found = nullptr;
  for (const auto& [k, v] : result.members()) {
    if (v.isObject()) return nullptr;
    if (!v.isArray()) continue;
    if (found) return nullptr;
    found = &v;
  }
  return found;
}

size_t rowCount(const Json& items) {
  size_t n = 0;
  for (const auto& item : items.items()) {
    ++n;
    if (const Json* children = item.find("children")) n += rowCount(*children);
  }
  return n;
}

// CSV records (a quoted field may hold line breaks).
size_t csvRecords(const std::string& text) {
  size_t n = 0;
  bool quoted = false;
  for (char c : text) {
    if (c == '"')
      quoted = !quoted;
    else if (c == '\n' && !quoted)
      ++n;
  }
  return n;
}

std::vector<std::string> plus(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

VmSummary vm(Client& c, const std::string& name) {
  auto v = c.getVm(Locator::any(name));
  INFO(name << ": " << v.status().toString());
  REQUIRE(v.ok());
  return *v;
}

std::vector<std::string> words(const std::string& path, std::vector<std::string> rest) {
  auto w = splitWords(path);
  w.insert(w.end(), rest.begin(), rest.end());
  return w;
}

}  // namespace

TEST_CASE("every command runs against the simulator, reads print the registry's result") {
  Vcsim sim({"-pool", "1", "-alarm", "DC0_C0_RP0_VM1:red,DC0_C0_H0:yellow"});
  Cli cli(sim);
  auto client = sim.connect();
  std::set<std::string> covered;

  // Reads: --json is exactly the registry's result for the same arguments; CSV has a row per
  // item and -q prints the same ids.
  struct Read {
    std::string command;
    std::vector<std::string> args;
    std::string op_args;  // "" = compare the shape only (events, tasks and perf change)
  };
  const std::vector<Read> reads = {
      {"vm ls", {}, "{}"},
      {"vm ls",
       {"DC0_H0*", "--power-state", "poweredOn"},
       R"({"name":"DC0_H0*","power_state":"poweredOn"})"},
      {"vm ls", {"--limit", "1", "--offset", "1"}, R"({"limit":1,"offset":1})"},
      {"vm info", {"DC0_H0_VM0"}, R"({"vm":"DC0_H0_VM0"})"},
      {"host ls", {}, "{}"},
      {"host ls", {"--cluster", "DC0_C0"}, R"({"cluster":"DC0_C0"})"},
      {"host info", {"DC0_C0_H1"}, R"({"host":"DC0_C0_H1"})"},
      {"cluster ls", {}, "{}"},
      {"cluster info", {"DC0_C0"}, R"({"cluster":"DC0_C0"})"},
      {"ds ls", {}, "{}"},
      {"ds info", {"LocalDS_0"}, R"({"datastore":"LocalDS_0"})"},
      {"ds usage", {"--min-used-percent", "0"}, R"({"min_used_percent":0.0})"},
      {"net ls", {}, "{}"},
      {"net info", {"VM Network"}, R"({"network":"VM Network"})"},
      {"pool ls", {}, "{}"},
      {"pool info", {"DC0_C0_RP1"}, R"({"resource_pool":"DC0_C0_RP1"})"},
      {"folder ls", {}, "{}"},
      {"folder info", {"/DC0/vm"}, R"({"folder":"/DC0/vm"})"},
      {"datacenter ls", {}, "{}"},
      {"datacenter info", {"--datacenter", "DC0"}, R"({"datacenter":"DC0"})"},
      {"inventory summary", {}, "{}"},
      {"template ls", {}, "{}"},
      {"vm snapshot ls", {"DC0_H0_VM0"}, R"({"vm":"DC0_H0_VM0"})"},
      {"events", {"--max-count", "5"}, ""},
      {"vm events", {"DC0_H0_VM0"}, ""},
      {"tasks", {}, ""},
      {"vm perf", {"DC0_H0_VM0"}, ""},
      {"host perf", {"DC0_C0_H1", "--counters", "cpu.usage.average,mem.usage.average"}, ""},
      {"alarm ls", {}, "{}"},
      {"alarm ls", {"--status", "yellow"}, R"({"status":"yellow"})"},
      {"alarm ls", {"--entity", "DC0_C0_RP0_VM1", "--acknowledged=false"},
       R"({"entity":"DC0_C0_RP0_VM1","acknowledged":false})"},
  };
  auto read = [&](const Read& r) {
    const CommandEntry* c = findCommand(r.command);
    REQUIRE(c);
    covered.insert(r.command);
    INFO(r.command);
    CliRun json = cli.run(plus(words(r.command, r.args), {"--json"}));
    INFO(json.err);
    REQUIRE(json.code == 0);
    const Json got = json.json();
    checkShape(c->operation, got);
    if (!r.op_args.empty()) CHECK(got == registry(*client, c->operation, r.op_args));
    CliRun table = cli.run(words(r.command, r.args));
    CHECK(table.code == 0);
    CHECK_FALSE(table.out.empty());
    if (const Json* list = listIn(got)) {
      std::vector<std::string> expected;
      ids(*list, expected);
      CliRun quiet = cli.run(plus(words(r.command, r.args), {"-q"}));
      CHECK(quiet.code == 0);
      if (list->size() > 0 && list->items().front().find("id")) CHECK(lines(quiet.out) == expected);
      CliRun csv = cli.run(plus(words(r.command, r.args), {"--format", "csv"}));
      CHECK(csv.code == 0);
      CHECK(csvRecords(csv.out) == rowCount(*list) + 1);
    }
    return got;
  };
  for (const auto& r : reads) read(r);

  // Changes: results of the output schema, progress on stderr, and the effect seen by another
  // session.
  struct Change {
    std::string command;
    std::vector<std::string> args;
    int code = 0;
  };
  auto change = [&](const Change& s) {
    covered.insert(s.command);
    INFO(s.command);
    CliRun r = cli.run(plus(words(s.command, s.args), {"--json"}));
    INFO(r.out << r.err);
    REQUIRE(r.code == s.code);
    if (s.code != 0) return Json();
    const Json got = r.json();
    checkShape(findCommand(s.command)->operation, got);
    if (got.find("task")) {
      CHECK(got.find("task")->find("state")->asString() == "success");
      CHECK(r.err.find("100%") != std::string::npos);  // plain progress lines (not a terminal)
    }
    return got;
  };
  change({"vm power off", {"DC0_H0_VM0"}, 5});  // destructive: no --yes, no terminal
  CHECK(vm(*client, "DC0_H0_VM0").power_state == PowerState::kPoweredOn);
  change({"vm power off", {"DC0_H0_VM0", "--yes"}});
  CHECK(vm(*client, "DC0_H0_VM0").power_state == PowerState::kPoweredOff);
  change({"vm power on", {"DC0_H0_VM0"}});
  CHECK(vm(*client, "DC0_H0_VM0").power_state == PowerState::kPoweredOn);
  change({"vm power on", {"DC0_H0_VM0"}, 1});  // already on: InvalidPowerState
  change({"vm power suspend", {"DC0_H0_VM0", "--yes"}});
  CHECK(vm(*client, "DC0_H0_VM0").power_state == PowerState::kSuspended);
  change({"vm power on", {"DC0_H0_VM0"}});
  change({"vm power reset", {"DC0_H0_VM0", "--yes"}});
  change({"vm power shutdown", {"DC0_H0_VM0"}});
  CHECK(vm(*client, "DC0_H0_VM0").power_state == PowerState::kPoweredOff);
  change({"vm power reboot", {"DC0_H0_VM0"}, 1});  // this simulator has no RebootGuest
  change({"vm power on", {"DC0_H0_VM0"}});

  // Alarms: acknowledged by key (what alarm ls prints with -q), reset by name and object.
  {
    const Json red = registry(*client, "alarm_list", R"({"status":"red"})");
    REQUIRE(red.find("total")->asInt() == 1);
    const std::string key = red.find("alarms")->items().at(0).find("id")->asString();
    CHECK(lines(cli.run({"alarm", "ls", "--status", "red", "-q"}).out) == std::vector<std::string>{key});
    const Json acked = change({"alarm ack", {key}});
    CHECK(acked.find("alarm")->find("acknowledged_by")->asString() == "user");
    const Json acknowledged = registry(*client, "alarm_list", R"({"acknowledged":true})");
    CHECK(acknowledged.find("alarms")->items().at(0).find("id")->asString() == key);
    change({"alarm reset", {"Host connection and power state", "--entity", "DC0_C0_H0"}});
    CHECK(registry(*client, "alarm_list", "{}").find("total")->asInt() == 1);
    change({"alarm reset", {"Host connection and power state", "--entity", "DC0_C0_H0"}, 3});  // not triggered now
    change({"alarm ack", {"alarm-1.no-such-vm"}, 3});
  }

  change({"vm snapshot create", {"DC0_H0_VM0", "snap1"}});
  change({"vm snapshot create", {"DC0_H0_VM0", "snap2", "--description", "second", "--memory"}});
  {
    CliRun ls = cli.run({"vm", "snapshot", "ls", "DC0_H0_VM0", "--json"});
    CHECK(ls.json() == registry(*client, "vm_snapshot_list", R"({"vm":"DC0_H0_VM0"})"));
    CliRun tree = cli.run({"vm", "snapshot", "ls", "DC0_H0_VM0"});
    CHECK(tree.out.find("\n  snap2 ") != std::string::npos);  // the child is indented
  }
  change({"vm snapshot revert", {"DC0_H0_VM0", "snap1", "--yes"}});  // the snapshot is positional
  CHECK(registry(*client, "vm_snapshot_list", R"({"vm":"DC0_H0_VM0"})")
            .find("snapshots")
            ->items()
            .at(0)
            .find("current")
            ->asBool());
  change({"vm snapshot rm", {"DC0_H0_VM0", "snap2", "--yes"}});
  change({"vm snapshot rm-all", {"DC0_H0_VM0", "--yes"}});
  CHECK(registry(*client, "vm_snapshot_list", R"({"vm":"DC0_H0_VM0"})").find("snapshots")->size() ==
        0);

  const Json clone = change({"vm clone", {"DC0_H0_VM0", "clone-1"}});
  CHECK(vm(*client, "clone-1").ref.value == clone.find("task")->find("result")->asString());
  change({"vm create", {"new-1", "--num-cpus", "2", "--memory-mb", "256"}});
  change({"vm reconfigure", {"new-1", "--num-cpus", "4", "--annotation", "from the cli"}});
  CHECK(vm(*client, "new-1").num_cpu == 4);
  CHECK(vm(*client, "new-1").annotation == "from the cli");
  change({"vm relocate", {"DC0_C0_RP0_VM0", "--host", "DC0_C0_H1"}});
  CHECK(vm(*client, "DC0_C0_RP0_VM0").host_name == "DC0_C0_H1");
  change({"vm relocate", {"DC0_C0_RP0_VM0"}, 2});  // needs somewhere to go
  const Json marked = change({"vm mark-template", {"new-1"}});
  CHECK(marked.find("template")->asBool());
  {
    covered.insert("template ls");
    covered.insert("template info");
    CliRun ls = cli.run({"template", "ls", "--json"});
    CHECK(ls.json() == registry(*client, "template_list", "{}"));
    CHECK(ls.json().find("total")->asInt() == 1);
    CliRun info = cli.run({"template", "info", "new-1", "--json"});
    CHECK(info.code == 0);
    CHECK(info.json() == registry(*client, "template_get", R"({"template":"new-1"})"));
    CHECK(cli.run({"template", "info", "DC0_H0_VM0"}).code == 3);  // a VM, not a template
  }
  const Json back = change({"template to-vm", {"new-1"}});
  CHECK_FALSE(back.find("template")->asBool());
  change({"vm destroy", {"clone-1", "--yes"}});
  CHECK(cli.run({"vm", "info", "clone-1"}).code == 3);
  change({"host maintenance enter", {"DC0_C0_H2"}, 5});  // destructive: no --yes, no terminal
  CHECK_FALSE(client->getHost(Locator::any("DC0_C0_H2"))->in_maintenance_mode);
  change({"host maintenance enter", {"DC0_C0_H2", "--yes"}});
  CHECK(client->getHost(Locator::any("DC0_C0_H2"))->in_maintenance_mode);
  change({"host maintenance exit", {"DC0_C0_H2"}});
  CHECK_FALSE(client->getHost(Locator::any("DC0_C0_H2"))->in_maintenance_mode);

  // Tags, the catalog and its deployments (vCenter's REST API, which the simulator serves).
  change({"tag category create",
          {"env", "--cardinality", "SINGLE", "--associable-types", "VirtualMachine"}});
  change({"tag category update", {"env", "--description", "environments"}});
  read({"tag category ls", {}, "{}"});
  read({"tag category info", {"env"}, R"({"category":"env"})"});
  change({"tag create", {"prod", "env", "--description", "production"}});
  change({"tag update", {"prod", "--category", "env", "--description", "production VMs"}});
  read({"tag ls", {"--category", "env"}, R"({"category":"env"})"});
  CHECK(read({"tag info", {"prod"}, R"({"tag":"prod"})"})
            .find("tag")
            ->find("description")
            ->asString() == "production VMs");
  change({"tag attach", {"prod", "DC0_H0_VM0"}});
  read({"tag attached", {"DC0_H0_VM0"}, R"({"object":"DC0_H0_VM0"})"});
  CHECK(read({"tag objects", {"prod"}, R"({"tag":"prod"})"}).find("objects")->size() == 1);
  change({"tag detach", {"prod", "DC0_H0_VM0"}});
  change({"tag rm", {"prod"}, 5});  // destructive: no --yes, no terminal
  change({"tag rm", {"prod", "--yes"}});
  change({"tag category rm", {"env", "--yes"}});
  CHECK(registry(*client, "tag_category_list", "{}").find("total")->asInt() == 0);

  REQUIRE(client->powerOff(vm(*client, "DC0_H0_VM1").ref).ok());
  REQUIRE(client->markAsTemplate(vm(*client, "DC0_H0_VM1").ref).ok());
  const std::string item = "template:" + vm(*client, "DC0_H0_VM1").ref.value;
  read({"catalog ls", {}, "{}"});
  read({"catalog info", {item}, R"({"item":")" + item + R"("})"});
  read({"catalog schema", {item}, R"({"item":")" + item + R"("})"});
  const Json requested = change({"catalog request", {item, "--inputs", R"({"name":"dep-vm-1"})"}});
  const std::string deployment = requested.find("deployment")->find("id")->asString();
  CHECK(vm(*client, "dep-vm-1").ref.value == requested.find("task")->find("result")->asString());
  read({"deployment ls", {}, "{}"});
  read({"deployment info", {deployment}, R"({"deployment":")" + deployment + R"("})"});
  read({"report deployments", {}, "{}"});
  change({"deployment rm", {deployment, "--yes"}});
  CHECK(cli.run({"vm", "info", "dep-vm-1"}).code == 3);
  CHECK(cli.run({"deployment", "info", deployment}).code == 3);

  // Built-ins.
  for (const char* b :
       {"about", "session login", "session logout", "completion bash", "completion zsh"})
    covered.insert(b);
  CliRun about = cli.run({"about", "--json"});
  REQUIRE(about.code == 0);
  CHECK(about.json().find("api_type")->asString() == "VirtualCenter");
  CHECK(about.json().find("full_name")->asString() == client->about().full_name);
  CHECK(cli.run({"about"}).out.find("api_type:") != std::string::npos);
  CliRun login = cli.run({"session", "login", "--json"});
  REQUIRE(login.code == 0);
  CHECK(login.json().find("user")->asString() == "user");
  CHECK(login.json().find("session_stored")->asBool());
  {
    // Without a password, the stored session is resumed.
    ::unsetenv("VCENTER_PASSWORD");
    CHECK(cli.run({"vm", "ls", "-q"}).code == 0);
    CliRun out = cli.run({"session", "logout", "--json"});
    CHECK(out.code == 0);
    CHECK(out.json().find("session_ended")->asBool());
    // Ended: without a password there is nothing to log in with.
    CHECK(cli.run({"vm", "ls", "-q"}).code == 2);
    ::setenv("VCENTER_PASSWORD", "pass", 1);
  }
  CHECK(cli.run({"completion", "bash"}).out.find("complete -F _vsphere_cli vsphere-cli") !=
        std::string::npos);
  CHECK(cli.run({"completion", "zsh"}).out.find("#compdef vsphere-cli") != std::string::npos);

  // Every command of the table ran above.
  for (const auto& c : commandTable()) {
    INFO("not run against the simulator: " << c.path);
    CHECK(covered.count(c.path));
  }
}

TEST_CASE(
    "destructive commands refuse without --yes when no one can be asked, and ask on a terminal") {
  Vcsim sim;
  Cli cli(sim);
  auto client = sim.connect();
  REQUIRE(client->powerOff(vm(*client, "DC0_H0_VM1").ref).ok());

  CliRun refused = cli.run({"vm", "destroy", "DC0_H0_VM1", "--json"});
  CHECK(refused.code == 5);
  CHECK(refused.err.find("refused: needs --yes") != std::string::npos);
  const Json dry = refused.json();  // the dry run, as the operation describes it
  CHECK(dry.find("dry_run")->asBool());
  CHECK(dry.find("would")->asString().find("destroy VM 'DC0_H0_VM1'") != std::string::npos);
  vm(*client, "DC0_H0_VM1");  // still there
  CHECK(cli.terminal.questions.empty());

  cli.terminal.tty = true;
  cli.terminal.answers = {false};
  CliRun declined = cli.run({"vm", "destroy", "DC0_H0_VM1"});
  CHECK(declined.code == 5);
  CHECK(declined.err.find("declined") != std::string::npos);
  REQUIRE(cli.terminal.questions.size() == 1);
  CHECK(cli.terminal.questions[0].find("would destroy VM 'DC0_H0_VM1'") != std::string::npos);
  CHECK(cli.terminal.questions[0].find("Proceed?") != std::string::npos);
  vm(*client, "DC0_H0_VM1");

  CliRun dry_run = cli.run({"vm", "destroy", "DC0_H0_VM1", "--dry-run"});
  CHECK(dry_run.code == 0);
  CHECK(dry_run.out.find("dry run, nothing changed: would destroy VM 'DC0_H0_VM1'") == 0);
  CHECK(cli.terminal.questions.size() == 1);  // a dry run asks nothing

  cli.terminal.answers = {true};
  CliRun approved = cli.run({"vm", "destroy", "DC0_H0_VM1"});
  CHECK(approved.code == 0);
  CHECK(cli.terminal.questions.size() == 2);
  CHECK(approved.err.find("[##############################] 100%") != std::string::npos);
  CHECK_FALSE(client->getVm(Locator::any("DC0_H0_VM1")).ok());

  // A terminal that closes without an answer changes nothing.
  REQUIRE(client->createSnapshot(vm(*client, "DC0_H0_VM0").ref, "keep", "", false, false).ok());
  cli.terminal.answers.clear();
  CHECK(cli.run({"vm", "snapshot", "rm-all", "DC0_H0_VM0"}).code == 5);
  CHECK(client->snapshots(vm(*client, "DC0_H0_VM0").ref)->roots.size() == 1);
}

TEST_CASE("a dry run of a change resolves its targets and changes nothing") {
  Vcsim sim;
  Cli cli(sim);
  auto client = sim.connect();
  const std::string id = vm(*client, "DC0_H0_VM0").ref.value;
  REQUIRE(client->powerOff(vm(*client, "DC0_H0_VM0").ref).ok());
  // A change: the call, its arguments and the objects they name, under details.
  CliRun r = cli.run({"vm", "power", "on", "DC0_H0_VM0", "--dry-run", "--json"});
  REQUIRE(r.code == 0);
  const Json j = r.json();
  CHECK(j.find("dry_run")->asBool());
  CHECK(j.find("would")->asString().find("call vm_power_on") == 0);
  const Json* details = j.find("details");
  REQUIRE(details);
  CHECK(details->find("operation")->asString() == "vm_power_on");
  CHECK(details->find("arguments")->find("vm")->asString() == "DC0_H0_VM0");
  CHECK(details->find("resolved")->find("vm")->asString() == id);
  CHECK(vm(*client, "DC0_H0_VM0").power_state == PowerState::kPoweredOff);
  CliRun text = cli.run({"vm", "relocate", "DC0_H0_VM0", "--host", "DC0_C0_H0", "--dry-run"});
  CHECK(text.code == 0);
  CHECK(text.out.find("dry run, nothing changed: would call vm_relocate") == 0);
  CHECK(text.out.find("host 'DC0_C0_H0' is host-") != std::string::npos);
  CHECK(vm(*client, "DC0_H0_VM0").host_name == "DC0_H0");
  CHECK(cli.run({"vm", "power", "on", "no-such-vm", "--dry-run"}).code == 3);
  CHECK(cli.run({"vm", "create", "x", "--dry-run", "--datastore", "nope"}).code == 3);
  CHECK_FALSE(client->getVm(Locator::any("x")).ok());

  // A destructive command: its own dry run, which looks at the VM, even with --yes.
  const std::string running = vm(*client, "DC0_H0_VM1").ref.value;
  CliRun off = cli.run({"vm", "power", "off", "DC0_H0_VM1", "--dry-run", "--yes", "--json"});
  REQUIRE(off.code == 0);
  const Json o = off.json();
  CHECK(o.find("dry_run")->asBool());
  CHECK(o.find("would")->asString().find("power off VM 'DC0_H0_VM1' (" + running + ") at once") == 0);
  CHECK_FALSE(o.find("blocked"));
  REQUIRE(o.find("details"));
  CHECK(o.find("details")->find("vm")->asString() == running);
  CHECK(o.find("details")->find("power_state")->asString() == "poweredOn");
  CHECK(vm(*client, "DC0_H0_VM1").power_state == PowerState::kPoweredOn);
  CHECK(cli.run({"vm", "power", "off", "no-such-vm", "--dry-run"}).code == 3);
}

TEST_CASE("vm snapshot revert takes the snapshot as its second argument, or --snapshot") {
  Vcsim sim;
  Cli cli(sim);
  auto client = sim.connect();
  const MoRef ref = vm(*client, "DC0_H0_VM0").ref;
  REQUIRE(client->createSnapshot(ref, "first", "", false, false).ok());
  REQUIRE(client->createSnapshot(ref, "second", "", false, false).ok());
  auto current = [&] { return client->snapshots(ref)->current.value; };
  const std::string second = current();

  CliRun positional = cli.run({"vm", "snapshot", "revert", "DC0_H0_VM0", "first", "--yes", "--json"});
  INFO(positional.err);
  REQUIRE(positional.code == 0);
  CHECK(positional.json().find("task")->find("state")->asString() == "success");
  CHECK(current() != second);
  const std::string first = current();

  // The dry run names the snapshot given as an argument.
  CliRun dry = cli.run({"vm", "snapshot", "revert", "DC0_H0_VM0", "second", "--dry-run", "--json"});
  REQUIRE(dry.code == 0);
  CHECK(dry.json().find("would")->asString().find("to snapshot 'second' (" + second) != std::string::npos);
  CHECK(dry.json().find("details")->find("snapshot_id")->asString() == second);
  CHECK(current() == first);

  CliRun flag = cli.run({"vm", "snapshot", "revert", "DC0_H0_VM0", "--snapshot", "second", "--yes", "-q"});
  CHECK(flag.code == 0);
  CHECK(current() == second);
  CHECK(cli.run({"vm", "snapshot", "revert", "DC0_H0_VM0", "first", "--snapshot", "second", "--yes"}).code == 2);
  CliRun missing = cli.run({"vm", "snapshot", "revert", "DC0_H0_VM0", "no-such-snapshot", "--yes"});
  CHECK(missing.code == 3);
  CHECK(missing.err.find("no snapshot named 'no-such-snapshot'") != std::string::npos);
  CHECK(current() == second);
  // Without one: the current snapshot.
  CHECK(cli.run({"vm", "snapshot", "revert", "DC0_H0_VM0", "--yes", "-q"}).code == 0);
  CHECK(current() == second);
  CliRun help = cli.run({"vm", "snapshot", "revert", "--help"});
  CHECK(help.out.find("SNAPSHOT") != std::string::npos);
}

TEST_CASE("no progress line shows before the VM is resolved and the call approved") {
  Vcsim sim;
  Cli cli(sim);
  auto client = sim.connect();
  auto noProgress = [](const CliRun& r) {
    INFO(r.err);
    CHECK(r.err.find("started") == std::string::npos);
    CHECK(r.err.find("%") == std::string::npos);
    CHECK(r.err.find("\r\033[K") == std::string::npos);
  };
  for (bool tty : {false, true}) {
    INFO("terminal: " << tty);
    cli.terminal.tty = tty;
    CliRun on = cli.run({"vm", "power", "on", "no-such-vm"});
    CHECK(on.code == 3);
    noProgress(on);
    CliRun off = cli.run({"vm", "power", "off", "no-such-vm", "--yes"});
    CHECK(off.code == 3);
    noProgress(off);
    CliRun destroy = cli.run({"vm", "destroy", "no-such-vm", "--yes"});
    CHECK(destroy.code == 3);
    noProgress(destroy);
  }
  CHECK(cli.terminal.questions.empty());  // nothing to ask about a VM that does not exist
  // Not approved: refused without --yes where no one can be asked, or declined.
  cli.terminal.tty = false;
  CliRun refused = cli.run({"vm", "power", "off", "DC0_H0_VM0"});
  CHECK(refused.code == 5);
  noProgress(refused);
  cli.terminal.tty = true;
  cli.terminal.answers = {false};
  CliRun declined = cli.run({"vm", "power", "off", "DC0_H0_VM0"});
  CHECK(declined.code == 5);
  noProgress(declined);
  CHECK(vm(*client, "DC0_H0_VM0").power_state == PowerState::kPoweredOn);
  // Once vCenter reports the task, the progress shows.
  cli.terminal.tty = false;
  CliRun done = cli.run({"vm", "power", "off", "DC0_H0_VM0", "--yes"});
  CHECK(done.code == 0);
  CHECK(done.err.find("Power off a VM DC0_H0_VM0: started\n") != std::string::npos);
  CHECK(done.err.find("Power off a VM DC0_H0_VM0: 100%\n") != std::string::npos);
}

TEST_CASE("destroying a powered-on VM is refused with the dry run's reason before vCenter is asked") {
  Vcsim sim;
  Cli cli(sim);
  auto client = sim.connect();
  std::mutex mu;
  std::map<std::string, int> calls;
  cli.on_call = [&](std::string_view op, std::chrono::microseconds, const vsmcp::Status&) {
    std::lock_guard<std::mutex> lock(mu);
    ++calls[std::string(op)];
  };
  auto sent = [&](const char* method) {
    std::lock_guard<std::mutex> lock(mu);
    return calls[method];
  };
  const std::string reason =
      "VM 'DC0_H0_VM0' is poweredOn: power it off first ('vsphere-cli vm power shutdown', or "
      "'vsphere-cli vm power off')";

  CliRun yes = cli.run({"vm", "destroy", "DC0_H0_VM0", "--yes"});
  CHECK(yes.code == 1);
  CHECK(yes.err.find("vm destroy failed: cannot 'vsphere-cli vm destroy' now: " + reason) != std::string::npos);
  CHECK(yes.err.find("nothing was changed") != std::string::npos);
  CHECK(yes.err.find("vm_") == std::string::npos);  // tool names read as commands
  CHECK(yes.err.find("started") == std::string::npos);
  CHECK(yes.out.empty());
  CHECK(sent("Destroy_Task") == 0);
  CHECK(sent("RetrievePropertiesEx") > 0);  // it did look
  CHECK(vm(*client, "DC0_H0_VM0").power_state == PowerState::kPoweredOn);

  // Without --yes and no terminal: the dry run with its reason, and exit 1 (not 5: --yes would
  // not help).
  CliRun script = cli.run({"vm", "destroy", "DC0_H0_VM0", "--json"});
  CHECK(script.code == 1);
  const Json dry = script.json();
  CHECK(dry.find("dry_run")->asBool());
  REQUIRE(dry.find("blocked"));
  CHECK(dry.find("blocked")->items().at(0).asString().find("VM 'DC0_H0_VM0' is poweredOn: power it off first") == 0);
  CHECK(script.err.find("cannot be done now: " + reason) != std::string::npos);
  CHECK(script.err.find("needs --yes") == std::string::npos);

  // On a terminal: nothing to ask, the same reason.
  cli.terminal.tty = true;
  cli.terminal.answers = {true};
  CliRun asked = cli.run({"vm", "destroy", "DC0_H0_VM0"});
  CHECK(asked.code == 1);
  CHECK(cli.terminal.questions.empty());
  CHECK(asked.err.find("cannot be done now: " + reason) != std::string::npos);
  CHECK(sent("Destroy_Task") == 0);
  CHECK(vm(*client, "DC0_H0_VM0").power_state == PowerState::kPoweredOn);

  // Powered off, the same command destroys it.
  cli.terminal.tty = false;
  REQUIRE(client->powerOff(vm(*client, "DC0_H0_VM0").ref).ok());
  CliRun destroyed = cli.run({"vm", "destroy", "DC0_H0_VM0", "--yes", "-q"});
  CHECK(destroyed.code == 0);
  CHECK(sent("Destroy_Task") == 1);
  CHECK_FALSE(client->getVm(Locator::any("DC0_H0_VM0")).ok());
}

TEST_CASE("exit codes tell not found, login and TLS refusals and failures apart") {
  Vcsim sim;
  Cli cli(sim);
  CliRun missing = cli.run({"vm", "info", "no-such-vm"});
  CHECK(missing.code == 3);
  CHECK(missing.err.find("'vsphere-cli vm ls' lists what exists") != std::string::npos);
  CHECK(cli.run({"host", "maintenance", "enter", "no-such-host"}).code == 3);

  ::setenv("VCENTER_PASSWORD", "Wr0ng-Passw0rd-x9", 1);
  CliRun login = cli.run({"vm", "ls"});
  CHECK(login.code == 4);
  CHECK(login.err.find("Wr0ng-Passw0rd-x9") == std::string::npos);  // never the password
  CHECK(cli.run({"session", "login"}).code == 4);
  ::setenv("VCENTER_PASSWORD", "pass", 1);

  ::unsetenv("VCENTER_CA_BUNDLE");  // verification on, the simulator's certificate untrusted
  CHECK(cli.run({"vm", "ls"}).code == 4);
  ::setenv("VCENTER_THUMBPRINT", sim.thumbprint().c_str(), 1);  // pinned: trusted
  CHECK(cli.run({"vm", "ls"}).code == 0);
  std::string wrong = sim.thumbprint();
  wrong[0] = wrong[0] == 'A' ? 'B' : 'A';
  ::setenv("VCENTER_THUMBPRINT", wrong.c_str(), 1);
  CHECK(cli.run({"vm", "ls", "--insecure"}).code == 4);  // a wrong pin holds even with --insecure
  ::unsetenv("VCENTER_THUMBPRINT");
  CHECK(cli.run({"vm", "ls", "--insecure"}).code == 0);
  ::setenv("VCENTER_CA_BUNDLE", sim.certFile().c_str(), 1);

  // Ctrl-C that comes too late to cancel: the task finished; the exit code still says 130.
  CliRun late = cli.run({"vm", "power", "off", "DC0_H0_VM0", "--yes"}, [] { return true; });
  CHECK(late.code == 130);
  CHECK(late.err.find("had already finished") != std::string::npos);
}

TEST_CASE("a list without --limit merges every page into one result of the same shape") {
  // 2,100 VMs in the cluster's pool: more than one page of the largest size (2,000).
  Vcsim sim({"-cluster", "1", "-host", "1", "-standalone-host", "0", "-vm", "2100"});
  Cli cli(sim);
  auto client = sim.connect();
  CliRun all = cli.run({"vm", "ls", "--json"});
  REQUIRE(all.code == 0);
  const Json j = all.json();
  checkShape("vm_list", j);
  const std::int64_t total = j.find("total")->asInt();
  CHECK(total > 2000);
  CHECK(j.find("count")->asInt() == total);
  CHECK(j.find("vms")->size() == static_cast<size_t>(total));
  CHECK_FALSE(j.find("next_offset"));
  // The same items, in the same order, as the registry's pages.
  std::vector<Json> expected;
  for (std::int64_t offset = 0; offset < total; offset += 2000) {
    Json page =
        registry(*client, "vm_list", R"({"limit":2000,"offset":)" + std::to_string(offset) + "}");
    for (const auto& v : page.find("vms")->items()) expected.push_back(v);
  }
  CHECK(j.find("vms")->items() == expected);
  // An explicit page is the registry's page, next_offset included.
  CliRun page = cli.run({"vm", "ls", "--limit", "5", "--json"});
  CHECK(page.json() == registry(*client, "vm_list", R"({"limit":5})"));
  CHECK(page.json().find("next_offset")->asInt() == 5);
  CliRun quiet = cli.run({"vm", "ls", "-q"});
  CHECK(lines(quiet.out).size() == static_cast<size_t>(total));
}
