// vsphere-cli: the command table covers the registry, every command has help with an example,
// usage errors exit 2 before anything is sent, profiles and their precedence, exit codes,
// completion scripts.
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cli.hpp"
#include "command_table.hpp"
#include "completion.hpp"
#include "exit_codes.hpp"
#include "ops/registry.hpp"
#include "profiles.hpp"
#include "schema_flags.hpp"

using vsmcp::ErrorCode;
using vsmcp::Result;
using vsmcp::Status;
using namespace vsmcp::cli;

namespace {

class FakeTerminal final : public Terminal {
 public:
  bool stdoutIsTty() const override { return false; }
  bool stderrIsTty() const override { return false; }
  int columns() const override { return 0; }
  bool interactive() const override { return false; }
  std::optional<bool> confirm(const std::string&) override { return std::nullopt; }
};

// Runs the CLI in process. The connection is refused (kUnavailable) after recording the
// options it was asked to use, so nothing reaches a network.
struct Run {
  int code = -1;
  std::string out, err;
  int connects = 0;
  vsmcp::vsphere::ConnectionOptions options;
};

Run runCli(std::vector<std::string> args) {
  Run r;
  std::ostringstream out, err;
  FakeTerminal terminal;
  Io io{out,
        err,
        terminal,
        [&r](const vsmcp::vsphere::ConnectionOptions& o)
            -> Result<std::unique_ptr<vsmcp::vsphere::Client>> {
          ++r.connects;
          r.options = o;
          return Status::Unavailable("test: no vCenter here");
        },
        nullptr,
        nullptr};
  args.insert(args.begin(), "vsphere-cli");
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  r.code = run(static_cast<int>(argv.size()), argv.data(), io);
  r.out = out.str();
  r.err = err.str();
  return r;
}

// Sets environment variables for one test and restores them after.
class Env {
 public:
  Env() {
    for (const char* n :
         {"VCENTER_HOST", "VCENTER_USER", "VCENTER_PASSWORD", "VCENTER_PASSWORD_FILE",
          "VCENTER_INSECURE", "VCENTER_CA_BUNDLE", "VCENTER_THUMBPRINT", "VCENTER_ALLOWED_HOSTS",
          "VSPHERE_CLI_PROFILE", "VSPHERE_CLI_CONFIG", "VSPHERE_CLI_ROLE", "VSPHERE_CLI_AUDIT_LOG",
          "XDG_CONFIG_HOME", "GOVC_URL", "GOVC_USERNAME", "GOVC_PASSWORD", "GOVC_INSECURE"})
      unset(n);
  }
  ~Env() {
    for (const auto& [name, value] : saved_) {
      if (value.second)
        ::setenv(name.c_str(), value.first.c_str(), 1);
      else
        ::unsetenv(name.c_str());
    }
  }
  void set(const char* name, const std::string& value) {
    save(name);
    ::setenv(name, value.c_str(), 1);
  }
  void unset(const char* name) {
    save(name);
    ::unsetenv(name);
  }

 private:
  void save(const char* name) {
    if (saved_.count(name)) return;
    const char* v = std::getenv(name);
    saved_[name] = {v ? v : "", v != nullptr};
  }
  std::map<std::string, std::pair<std::string, bool>> saved_;
};

// A temporary directory removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/vsmcp-cli-test-XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    path_ = tmpl;
  }
  ~TempDir() {
    for (const auto& f : files_) std::remove(f.c_str());
    ::rmdir(path_.c_str());
  }
  std::string write(const std::string& name, const std::string& text) {
    const std::string p = path_ + "/" + name;
    std::ofstream(p) << text;
    files_.push_back(p);
    return p;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::vector<std::string> files_;
};

}  // namespace

TEST_CASE("every registry operation has a command") {
  CHECK(operationsWithoutCommand() == std::vector<std::string>{});
  CHECK(commandsWithoutOperation() == std::vector<std::string>{});
}

TEST_CASE("command paths are unique and every group exists") {
  std::set<std::string> paths, groups;
  for (const auto& g : groupTable()) CHECK(groups.insert(g.path).second);
  for (const auto& c : commandTable()) {
    INFO(c.path);
    CHECK(paths.insert(c.path).second);
    CHECK_FALSE(groups.count(c.path));  // a path is a group or a command, not both
    auto words = splitWords(c.path);
    for (size_t n = 1; n < words.size(); ++n) {
      std::string prefix;
      for (size_t i = 0; i < n; ++i) prefix += (i ? " " : "") + words[i];
      CHECK(groups.count(prefix));
    }
    CHECK((c.builtin == Builtin::kNone) == !c.operation.empty());
  }
}

TEST_CASE("the issue's govc-style commands map to the expected operations") {
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"vm ls", "vm_list"},
      {"vm info", "vm_get"},
      {"vm power on", "vm_power_on"},
      {"vm power shutdown", "vm_shutdown_guest"},
      {"vm snapshot rm-all", "vm_snapshot_delete_all"},
      {"vm destroy", "vm_destroy"},
      {"host maintenance enter", "host_enter_maintenance"},
      {"ds usage", "datastore_usage"},
      {"pool ls", "resource_pool_list"},
      {"events", "events_list"},
      {"tasks", "tasks_recent"},
      {"template to-vm", "template_to_vm"},
      {"inventory summary", "inventory_summary"}};
  for (const auto& [path, op] : expected) {
    INFO(path);
    const CommandEntry* c = findCommand(path);
    REQUIRE(c);
    CHECK(c->operation == op);
  }
  CHECK(findCommand("about")->builtin == Builtin::kAbout);
  CHECK(findCommand("session login")->builtin == Builtin::kSessionLogin);
}

TEST_CASE("no command flag shadows a global option") {
  Env env;
  const CompletionModel model = completionModel();
  std::set<std::string> globals;
  for (const auto& f : model.global_flags) globals.insert(f.name);
  CHECK(globals.count("--json"));
  CHECK(globals.count("--vcenter-host"));
  CHECK(globals.count("--password-file"));
  for (const auto& n : model.nodes)
    for (const auto& f : n.flags) {
      INFO(n.path << " " << f.name);
      CHECK_FALSE(globals.count(f.name));
    }
}

TEST_CASE("every command has --help with an example and exits 0") {
  Env env;
  for (const auto& c : commandTable()) {
    INFO(c.path);
    auto args = splitWords(c.path);
    args.push_back("--help");
    Run r = runCli(args);
    CHECK(r.code == 0);
    CHECK(r.out.find("Example:\n  vsphere-cli " + c.path) != std::string::npos);
    CHECK(r.connects == 0);
    if (c.builtin != Builtin::kNone) continue;
    // Each flag of the operation is in the help.
    for (const auto& f : flagsFromSchema(vsmcp::ops::findOperation(c.operation)->input_schema))
      CHECK(r.out.find("--" + f.name) != std::string::npos);
  }
  Run root = runCli({"--help"});
  CHECK(root.code == 0);
  CHECK(root.out.find("Exit codes:") != std::string::npos);
  for (const auto& g : groupTable()) {
    INFO(g.path);
    auto args = splitWords(g.path);
    args.push_back("--help");
    CHECK(runCli(args).code == 0);
  }
}

TEST_CASE("help shows positional arguments, choices and the destructive note") {
  Env env;
  Run r = runCli({"vm", "destroy", "--help"});
  CHECK(r.out.find("VM") != std::string::npos);
  CHECK(r.out.find("Destructive:") != std::string::npos);
  CHECK(r.out.find("--confirm") == std::string::npos);
  Run revert = runCli({"vm", "snapshot", "revert", "--help"});
  CHECK(revert.out.find("Example:\n  vsphere-cli vm snapshot revert web-01 before-upgrade") != std::string::npos);
  CHECK(revert.out.find("SNAPSHOT") != std::string::npos);
  CHECK(revert.out.find("Destructive:") != std::string::npos);
  Run ls = runCli({"vm", "ls", "--help"});
  CHECK(ls.out.find("One of: poweredOn, poweredOff, suspended") != std::string::npos);
  CHECK(ls.out.find("Example:\n  vsphere-cli vm ls 'web-*' --power-state poweredOn") !=
        std::string::npos);
}

TEST_CASE("usage errors exit 2 before anything is sent") {
  Env env;
  env.set("VCENTER_HOST", "127.0.0.1:1");
  env.set("VCENTER_USER", "u");
  env.set("VCENTER_PASSWORD", "p");
  const std::vector<std::vector<std::string>> bad = {
      {},                                                   // no command
      {"vm"},                                               // a group needs a command
      {"vm", "frobnicate"},                                 // unknown command
      {"vm", "info"},                                       // missing VM
      {"vm", "ls", "--power-state", "on"},                  // not a choice
      {"vm", "ls", "--limit", "ten"},                       // not an integer
      {"vm", "ls", "--limit", "0"},                         // below the minimum
      {"vm", "ls", "--no-such-flag"},                       // unknown flag
      {"vm", "info", "a", "b"},                             // one argument too many
      {"vm", "info", "a", "--vm", "b"},                     // given twice, differently
      {"vm", "reconfigure", "web", "--memory-mb", "1001"},  // not a multiple of 4
      {"--format", "xml", "vm", "ls"},                      // unknown format
      {"--role", "root", "vm", "ls"},                       // unknown role
  };
  for (const auto& args : bad) {
    std::string line;
    for (const auto& a : args) line += a + " ";
    INFO(line);
    Run r = runCli(args);
    CHECK(r.code == 2);
    CHECK(r.connects == 0);
    CHECK_FALSE(r.err.empty());
  }
  Run missing = runCli({"vm", "info"});
  CHECK(missing.err.find("missing VM: give it as an argument or with --vm") != std::string::npos);
  Run range = runCli({"vm", "ls", "--limit", "0"});
  CHECK(range.err.find("--limit") != std::string::npos);
}

TEST_CASE("a missing vCenter or password is a usage error and a refused host is a policy refusal") {
  Env env;
  Run none = runCli({"vm", "ls"});
  CHECK(none.code == 2);
  CHECK(none.err.find("VCENTER_HOST") != std::string::npos);
  env.set("VCENTER_HOST", "vc.example.com");
  env.set("VCENTER_USER", "u");
  Run nopass = runCli({"vm", "ls"});
  CHECK(nopass.code == 2);
  CHECK(nopass.err.find("password") != std::string::npos);
  env.set("VCENTER_PASSWORD", "p");
  env.set("VCENTER_ALLOWED_HOSTS", "vc-prod.*");
  Run refused = runCli({"vm", "ls"});
  CHECK(refused.code == 5);
  CHECK(refused.connects == 0);
  env.unset("VCENTER_ALLOWED_HOSTS");
  Run unreachable = runCli({"vm", "ls"});
  CHECK(unreachable.code == 1);
  CHECK(unreachable.connects == 1);
  CHECK(unreachable.err.find("cannot connect to vc.example.com") != std::string::npos);
}

TEST_CASE("a role that does not grant a change refuses it with exit 5") {
  Env env;
  env.set("VCENTER_HOST", "vc.example.com");
  env.set("VCENTER_USER", "u");
  env.set("VCENTER_PASSWORD", "p");
  Run r = runCli({"--role", "viewer", "vm", "power", "on", "web-01"});
  CHECK(r.code == 5);
  CHECK(r.connects == 0);
  CHECK(r.err.find("vm power on") != std::string::npos);
  env.set("VSPHERE_CLI_ROLE", "operator");
  CHECK(runCli({"vm", "destroy", "web-01", "--yes"}).code == 5);
  CHECK(runCli({"vm", "power", "on", "web-01"}).code ==
        1);  // granted: reaches the (refused) connection
}

TEST_CASE("exit codes map error kinds the way scripts expect") {
  CHECK(exitCodeFor(Status::Ok()) == ExitCode::kOk);
  CHECK(exitCodeFor(Status::NotFound("x")) == ExitCode::kNotFound);
  CHECK(exitCodeFor(Status::Error(ErrorCode::kUnauthenticated, "x")) == ExitCode::kAuth);
  CHECK(exitCodeFor(Status::Error(ErrorCode::kTls, "x")) == ExitCode::kAuth);
  CHECK(exitCodeFor(Status::Error(ErrorCode::kPermissionDenied, "x")) == ExitCode::kRefused);
  CHECK(exitCodeFor(Status::Error(ErrorCode::kRateLimited, "x")) == ExitCode::kRefused);
  CHECK(exitCodeFor(Status::Cancelled("x")) == ExitCode::kInterrupted);
  CHECK(exitCodeFor(Status::InvalidArgument("x")) == ExitCode::kUsage);
  CHECK(exitCodeFor(Status::Error(ErrorCode::kInvalidArgument, "x",
                                  {"InvalidArgument", 500, ""})) == ExitCode::kFailed);
  CHECK(exitCodeFor(Status::Error(ErrorCode::kInvalidState, "x")) == ExitCode::kFailed);
  CHECK(exitCodeFor(Status::Unavailable("x")) == ExitCode::kFailed);
  CHECK(toInt(ExitCode::kInterrupted) == 130);
}

TEST_CASE("profiles parse from TOML sections and refuse passwords and stray keys") {
  auto p = parseProfiles(R"(# comment
[profile.lab]
vcenter-host = "vc-lab.example.com"   # trailing comment
insecure = true
allowed-vcenters = ["vc-*", 'lab#1']

[profile."prod"]
vcenter-user = 'administrator@vsphere.local'
)",
                         "cli.toml");
  REQUIRE(p.ok());
  REQUIRE(p->size() == 2);
  const auto& lab = p->at("lab");
  REQUIRE(lab.size() == 3);
  CHECK(lab[0].key == "vcenter-host");
  CHECK(lab[0].values == std::vector<std::string>{"vc-lab.example.com"});
  CHECK(lab[1].values == std::vector<std::string>{"true"});
  CHECK(lab[2].values == std::vector<std::string>{"vc-*", "lab#1"});
  CHECK(p->at("prod")[0].values.front() == "administrator@vsphere.local");

  auto error = [](const char* text) {
    auto r = parseProfiles(text, "cli.toml");
    REQUIRE_FALSE(r.ok());
    return r.status().message();
  };
  CHECK(error("[profile.a]\npassword = \"x\"\n").find("passwords do not belong") !=
        std::string::npos);
  CHECK(error("vcenter-host = \"x\"\n") ==
        "cli.toml:1: 'vcenter-host' is outside any [profile.NAME] section");
  CHECK(error("[servers]\n").find("unknown section [servers]") != std::string::npos);
  CHECK(error("[profile.a]\nx = bare\n").find("is not a value") != std::string::npos);
  CHECK(error("[profile.a]\nx = \"open\n").find("unterminated") != std::string::npos);
  CHECK(error("[profile.a]\nx = \"1\"\nx = \"2\"\n").find("given twice") != std::string::npos);
  CHECK(error("[profile.a]\n[profile.a]\n").find("defined twice") != std::string::npos);
  CHECK(defaultProfilePath([](const char* n) -> const char* {
          return std::string(n) == "HOME" ? "/home/u" : nullptr;
        }) == "/home/u/.config/vsmcp/cli.toml");
  CHECK(defaultProfilePath([](const char* n) -> const char* {
          return std::string(n) == "XDG_CONFIG_HOME" ? "/x" : "/home/u";
        }) == "/x/vsmcp/cli.toml");
}

TEST_CASE("a chosen profile beats the environment and the command line beats both") {
  Env env;
  TempDir dir;
  const std::string secret = dir.write("pw", "s3cret\n");
  const std::string config = dir.write("cli.toml",
                                       "[profile.lab]\nvcenter-host = \"vc-lab.example.com\"\n"
                                       "vcenter-user = \"lab-user\"\npassword-file = \"" +
                                           secret + "\"\nthumbprint = \"AB:CD\"\n");
  env.set("VSPHERE_CLI_CONFIG", config);
  env.set("VCENTER_HOST", "vc-env.example.com");
  env.set("VCENTER_USER", "env-user");
  env.set("VCENTER_PASSWORD", "env-pass");

  Run plain = runCli({"vm", "ls"});  // no profile chosen: the environment
  CHECK(plain.options.url == "vc-env.example.com");
  CHECK(plain.options.password == "env-pass");

  Run lab = runCli({"--profile", "lab", "vm", "ls"});
  CHECK(lab.options.url == "vc-lab.example.com");
  CHECK(lab.options.username == "lab-user");
  CHECK(lab.options.password == "s3cret");
  CHECK(lab.options.thumbprint == "AB:CD");

  Run flag = runCli({"vm", "ls", "--profile=lab", "--vcenter-host", "vc-cli.example.com"});
  CHECK(flag.options.url == "vc-cli.example.com");
  CHECK(flag.options.username == "lab-user");

  env.set("VSPHERE_CLI_PROFILE", "lab");
  CHECK(runCli({"vm", "ls"}).options.url == "vc-lab.example.com");

  Run unknown = runCli({"--profile", "nope", "vm", "ls"});
  CHECK(unknown.code == 2);
  CHECK(unknown.err.find("no profile 'nope'") != std::string::npos);
  CHECK(unknown.err.find("lab") != std::string::npos);

  const std::string bad = dir.write("bad.toml", "[profile.x]\nvcenter-hots = \"a\"\n");
  Run typo = runCli({"--config", bad, "--profile", "x", "vm", "ls"});
  CHECK(typo.code == 2);
  CHECK(typo.err.find("unknown key 'vcenter-hots'") != std::string::npos);
  const std::string yes = dir.write("yes.toml", "[profile.x]\nyes = true\n");
  CHECK(runCli({"--config", yes, "--profile", "x", "vm", "ls"}).code == 2);

  Run missing = runCli({"--config", dir.path() + "/none.toml", "--profile", "lab", "vm", "ls"});
  CHECK(missing.code == 2);
  CHECK(missing.err.find("does not exist") != std::string::npos);
}

TEST_CASE("TLS verification stays on unless --insecure") {
  Env env;
  env.set("VCENTER_HOST", "vc.example.com");
  env.set("VCENTER_USER", "u");
  env.set("VCENTER_PASSWORD", "p");
  CHECK_FALSE(runCli({"vm", "ls"}).options.insecure);
  CHECK(runCli({"vm", "ls", "--insecure"}).options.insecure);
  env.set("VCENTER_INSECURE", "1");
  CHECK(runCli({"vm", "ls"}).options.insecure);
  env.set("VCENTER_THUMBPRINT", "AA:BB");
  CHECK(runCli({"vm", "ls"}).options.thumbprint == "AA:BB");
}

TEST_CASE("govc's GOVC_* variables stand in for absent VCENTER_* ones") {
  Env env;
  env.set("GOVC_URL", "https://govc.example.com/sdk");
  env.set("GOVC_USERNAME", "govc-user");
  env.set("GOVC_PASSWORD", "govc-pass");
  Run govc = runCli({"vm", "ls"});
  CHECK(govc.code == 1);  // reaches the (refused) connection
  CHECK(govc.connects == 1);
  CHECK(govc.options.url == "https://govc.example.com/sdk");
  CHECK(govc.options.username == "govc-user");
  CHECK(govc.options.password == "govc-pass");
  CHECK_FALSE(govc.options.insecure);
  env.set("GOVC_INSECURE", "1");
  CHECK(runCli({"vm", "ls"}).options.insecure);
  env.set("GOVC_INSECURE", "true");
  CHECK(runCli({"vm", "ls"}).options.insecure);
  env.set("GOVC_INSECURE", "0");
  CHECK_FALSE(runCli({"vm", "ls"}).options.insecure);
  env.unset("GOVC_INSECURE");

  // GOVC_URL may carry the user and the password (percent-encoded), as govc accepts it; they
  // are not left in the URL. GOVC_USERNAME and GOVC_PASSWORD beat them.
  env.set("GOVC_URL", "https://url-user:p%40ss%3Aw0rd@govc.example.com/sdk");
  Run in_url = runCli({"vm", "ls"});
  CHECK(in_url.options.url == "https://govc.example.com/sdk");
  CHECK(in_url.options.username == "govc-user");
  CHECK(in_url.options.password == "govc-pass");
  env.unset("GOVC_USERNAME");
  env.unset("GOVC_PASSWORD");
  in_url = runCli({"vm", "ls"});
  CHECK(in_url.code == 1);
  CHECK(in_url.options.url == "https://govc.example.com/sdk");
  CHECK(in_url.options.username == "url-user");
  CHECK(in_url.options.password == "p@ss:w0rd");
  CHECK(in_url.err.find("p@ss") == std::string::npos);  // never the password
  CHECK(in_url.err.find("p%40ss") == std::string::npos);
  env.set("GOVC_URL", "govc-bare.example.com");
  Run bare = runCli({"vm", "ls"});
  CHECK(bare.code == 2);  // neither a user nor a password
  CHECK(bare.connects == 0);
  env.set("GOVC_URL", "user-only@govc-bare.example.com");
  env.set("GOVC_PASSWORD", "govc-pass");
  Run user_only = runCli({"vm", "ls"});
  CHECK(user_only.options.url == "govc-bare.example.com");
  CHECK(user_only.options.username == "user-only");
  CHECK(user_only.options.password == "govc-pass");

  // VCENTER_* (and flags) win over GOVC_*.
  env.set("GOVC_URL", "https://url-user:url-pass@govc.example.com/sdk");
  env.set("GOVC_USERNAME", "govc-user");
  env.set("GOVC_INSECURE", "1");
  env.set("VCENTER_HOST", "vc.example.com");
  env.set("VCENTER_USER", "vc-user");
  env.set("VCENTER_PASSWORD", "vc-pass");
  env.set("VCENTER_INSECURE", "false");
  Run vcenter = runCli({"vm", "ls"});
  CHECK(vcenter.options.url == "vc.example.com");
  CHECK(vcenter.options.username == "vc-user");
  CHECK(vcenter.options.password == "vc-pass");
  CHECK_FALSE(vcenter.options.insecure);
  Run flags = runCli({"vm", "ls", "--vcenter-host", "vc-flag.example.com", "--vcenter-user", "flag-user"});
  CHECK(flags.options.url == "vc-flag.example.com");
  CHECK(flags.options.username == "flag-user");
  env.unset("VCENTER_HOST");
  env.unset("VCENTER_USER");
  env.unset("VCENTER_INSECURE");
  Run mixed = runCli({"vm", "ls"});  // the host from govc, the password from VCENTER_PASSWORD
  CHECK(mixed.options.url == "https://govc.example.com/sdk");
  CHECK(mixed.options.username == "govc-user");
  CHECK(mixed.options.password == "vc-pass");
  CHECK(mixed.options.insecure);
  TempDir dir;
  const std::string secret = dir.write("pw", "file-pass\n");
  env.unset("VCENTER_PASSWORD");
  CHECK(runCli({"vm", "ls", "--password-file", secret}).options.password == "file-pass");
}

TEST_CASE("completion scripts name every command and flag of the tree") {
  Env env;
  const CompletionModel model = completionModel();
  const std::string bash = bashCompletion(model);
  const std::string zsh = zshCompletion(model);
  CHECK(bash.find("complete -F _vsphere_cli vsphere-cli") != std::string::npos);
  CHECK(zsh.rfind("#compdef vsphere-cli\n", 0) == 0);
  CHECK(zsh.find("compdef _vsphere_cli vsphere-cli") != std::string::npos);
  for (const auto& c : commandTable()) {
    INFO(c.path);
    const auto words = splitWords(c.path);
    const std::string parent = c.path.substr(0, c.path.size() - words.back().size());
    // Its parent lists it.
    bool listed = false;
    for (const auto& n : model.nodes)
      if (n.path + (n.path.empty() ? "" : " ") == parent)
        listed = std::find(n.children.begin(), n.children.end(), words.back()) != n.children.end();
    CHECK(listed);
    if (c.builtin != Builtin::kNone) continue;
    for (const auto& f :
         flagsFromSchema(vsmcp::ops::findOperation(c.operation)->input_schema)) {
      CHECK(bash.find("--" + f.name) != std::string::npos);
      if (!f.choices.empty())
        CHECK(bash.find("\"" + c.path + "|--" + f.name + "\") echo \"") != std::string::npos);
    }
  }
  CHECK(bash.find("*\"|--format\") echo \"table json csv\"") != std::string::npos);
}
