#include "cli.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <sstream>
#include <utility>
#include <vector>

#include "command_table.hpp"
#include "exit_codes.hpp"
#include "output.hpp"
#include "policy/policy.hpp"
#include "profiles.hpp"
#include "progress.hpp"
#include "schema_flags.hpp"
#include "settings.hpp"
#include "vsmcp/json_schema.hpp"
#include "vsmcp/log.hpp"
#include "ops/invoker.hpp"
#include "ops/registry.hpp"

namespace vsmcp::cli {

namespace {

constexpr const char* kProgram = "vsphere-cli";
constexpr const char* kVersion = "0.1.0";

bool isTaskOperation(const ops::Operation& op) { return op.shape == ops::Shape::kTask; }

// An example value for an argument in --help.
std::string sampleValue(const ops::Operation& op, const FlagSpec& f) {
  static const std::map<std::string, std::string> kSamples = {{"vm", "web-01"},
                                                              {"host", "esx-01.example.com"},
                                                              {"template", "ubuntu-22.04"},
                                                              {"cluster", "prod"},
                                                              {"datacenter", "DC0"},
                                                              {"datastore", "datastore1"},
                                                              {"network", "'VM Network'"},
                                                              {"resource_pool", "prod-pool"},
                                                              {"folder", "/DC0/vm/prod"},
                                                              {"snapshot", "before-upgrade"}};
  if (f.property == "name") {
    if (op.safety == ops::Safety::kRead) return "'web-*'";
    if (op.name.find("snapshot") != std::string::npos) return "before-upgrade";
    return "web-02";
  }
  if (!f.choices.empty()) return f.choices.front();
  auto it = kSamples.find(f.property);
  if (it != kSamples.end()) return it->second;
  switch (f.type) {
    case FlagType::kInteger:
      return f.minimum ? std::to_string(static_cast<long long>(*f.minimum)) : "1";
    case FlagType::kNumber:
      return "1";
    case FlagType::kStringList:
      return "a,b";
    default:
      return "VALUE";
  }
}

std::string exampleLine(const std::string& path, const ops::Operation& op,
                        const std::vector<FlagSpec>& flags) {
  std::string line = std::string(kProgram) + " " + path;
  std::vector<const FlagSpec*> positional;
  for (const auto& f : flags)
    if (f.position >= 0) positional.push_back(&f);
  std::sort(positional.begin(), positional.end(),
            [](const FlagSpec* a, const FlagSpec* b) { return a->position < b->position; });
  for (const FlagSpec* f : positional) line += " " + sampleValue(op, *f);
  bool shown_optional = false;
  for (const auto& f : flags) {
    if (f.position >= 0) continue;
    if (f.required) {
      line += " --" + f.name + (f.type == FlagType::kBoolean ? "" : " " + sampleValue(op, f));
    } else if (!shown_optional && (!f.choices.empty() || (op.safety != ops::Safety::kRead &&
                                                          f.type != FlagType::kBoolean))) {
      // One optional flag, to show how flags look.
      line += " --" + f.name + " " + sampleValue(op, f);
      shown_optional = true;
    }
  }
  return line;
}

std::string expandHome(const std::string& path) {
  if (path.rfind("~/", 0) != 0) return path;
  const char* home = std::getenv("HOME");
  return home && *home ? std::string(home) + path.substr(1) : path;
}

// Replaces registry operation names in a message with the commands people type
// ("vm_list lists what exists" -> "'vsphere-cli vm ls' lists what exists").
std::string withCommandNames(std::string message) {
  auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  for (const auto& c : commandTable()) {
    if (c.operation.empty()) continue;
    size_t pos = 0;
    while ((pos = message.find(c.operation, pos)) != std::string::npos) {
      const size_t end = pos + c.operation.size();
      if ((pos > 0 && word(message[pos - 1])) || (end < message.size() && word(message[end]))) {
        pos = end;
        continue;
      }
      const std::string replacement = "'" + std::string(kProgram) + " " + c.path + "'";
      message.replace(pos, c.operation.size(), replacement);
      pos += replacement.size();
    }
  }
  return message;
}

// The value of a global option given before parsing ("--profile x" or "--profile=x").
std::string preScan(int argc, const char* const* argv, const std::string& name) {
  std::string value;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--") break;
    if (a == name && i + 1 < argc)
      value = argv[++i];
    else if (a.rfind(name + "=", 0) == 0)
      value = a.substr(name.size() + 1);
  }
  return value;
}

bool fileExists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// Help that lists subcommands by the first sentence of their description (an operation's
// title); a command's own help shows the whole description.
class HelpFormatter final : public CLI::Formatter {
 public:
  std::string make_subcommand(const CLI::App* sub) const override {
    std::string d = sub->get_description();
    if (const size_t stop = d.find(". "); stop != std::string::npos) d = d.substr(0, stop);
    std::stringstream out;
    CLI::detail::format_help(out, sub->get_display_name(true), d, column_width_);
    return out.str();
  }
};

// The options every command accepts.
struct Globals {
  apps::Settings settings;  // vCenter connection (addVcenterOptions)
  std::string profile;
  std::string format = "table";
  bool json = false;
  bool quiet = false;
  std::vector<std::string> columns;
  bool yes = false;
  bool dry_run = false;
  std::string role = "admin";
  std::string audit_log = "off";
  bool verbose = false;
};

// One flag of a command and where CLI11 puts what was given.
struct FlagSlot {
  FlagSpec spec;
  CLI::Option* option = nullptr;
  std::vector<std::string> values;
  bool flag = false;
  CLI::Option* positional = nullptr;
  std::string positional_value;
};

struct Leaf {
  const CommandEntry* entry = nullptr;
  const ops::Operation* op = nullptr;  // null for a built-in
  CLI::App* app = nullptr;
  std::deque<FlagSlot> slots;  // stable addresses: CLI11 writes into them
};

class Program {
 public:
  explicit Program(Io& io) : io_(io), app_(description(), kProgram) {}

  int run(int argc, const char* const* argv);
  CompletionModel completion() const;
  void build(const std::string& config_path, const std::string& profile);

 private:
  static std::string description() {
    return "vsphere-cli: govc-style commands over the vsmcp vSphere core. Every operation of the "
           "MCP server "
           "and the REST gateway is a command here.";
  }
  std::string rootFooter(const std::string& config_path) const;
  void addGlobals(const std::string& config_path, const std::string& profile);
  CLI::App* node(const std::string& path);
  void addLeaf(const CommandEntry& entry);

  int runLeaf(Leaf& leaf);
  int runBuiltin(Leaf& leaf);
  int runOperation(Leaf& leaf);
  Result<Json> arguments(Leaf& leaf);
  Result<std::unique_ptr<vsphere::Client>> connect();
  bool keep_session_ = false;  // session login: leave the vCenter session open to resume it
  bool stored_only_ = false;   // session logout: resume the stored session even with a password
  void applyGovcEnvironment();
  const ops::Registry& registry() const { return io_.registry ? *io_.registry : ops::builtinRegistry(); }
  int print(const Json& result, const Leaf& leaf);
  int fail(const std::string& what, const Status& status);
  int usage(const std::string& message);
  OutputOptions outputOptions() const;

  Io& io_;
  CLI::App app_;
  Globals g_;
  std::map<std::string, CLI::App*> nodes_;  // path -> app
  std::vector<std::unique_ptr<Leaf>> leaves_;
  std::map<std::string, std::vector<std::string>> global_choices_;  // --format -> table json csv
};

std::string Program::rootFooter(const std::string& config_path) const {
  return "Connection: --vcenter-host/VCENTER_HOST, --vcenter-user/VCENTER_USER, VCENTER_PASSWORD "
         "or "
         "--password-file/VCENTER_PASSWORD_FILE, --ca-bundle/VCENTER_CA_BUNDLE, "
         "--thumbprint/VCENTER_THUMBPRINT, "
         "--insecure/VCENTER_INSECURE (TLS verification is on unless --insecure).\n"
         "Profiles: [profile.NAME] sections of " +
         config_path +
         " (or --config/VSPHERE_CLI_CONFIG), chosen with --profile/VSPHERE_CLI_PROFILE; keys are "
         "the long option "
         "names (vcenter-host, vcenter-user, password-file, ca-bundle, thumbprint, insecure, role, "
         "...). Precedence: "
         "command line, then the profile, then the environment.\n"
         "Exit codes: 0 ok, 1 operation failed, 2 usage, 3 not found, 4 login or TLS refused, 5 "
         "refused by "
         "policy (role, allowed hosts, vCenter permissions, a destructive command without --yes "
         "when no one "
         "can be asked, or 'no' at the prompt), 130 interrupted (Ctrl-C cancels the running "
         "vCenter task).\n"
         "Example:\n  " +
         std::string(kProgram) + " vm ls 'web-*' --power-state poweredOn\n  " + kProgram +
         " --profile lab vm power on web-01\n  " + kProgram +
         " completion bash > /etc/bash_completion.d/" + kProgram + "\n";
}

void Program::addGlobals(const std::string& config_path, const std::string& profile) {
  app_.formatter(std::make_shared<HelpFormatter>());
  app_.set_version_flag("--version", std::string(kProgram) + " " + kVersion);
  app_.fallthrough(true);
  app_.require_subcommand(1);
  apps::addVcenterOptions(app_, g_.settings);
  app_.add_option("--password-file", g_.settings.password_file,
                  "File holding the vCenter password (first line); same as --vcenter-password-file")
      ->group("vCenter");

  const char* output = "Output";
  app_.add_flag("--json", g_.json,
                "Print the operation's result as JSON (its documented output schema)")
      ->group(output);
  app_.add_option("--format", g_.format, "table (default), json or csv")
      ->check(CLI::IsMember({"table", "json", "csv"}))
      ->group(output);
  global_choices_["--format"] = {"table", "json", "csv"};
  app_.add_option("--columns", g_.columns,
                  "Columns of a list's table or CSV, e.g. name,power_state")
      ->delimiter(',')
      ->allow_extra_args(false)
      ->group(output);
  app_.add_flag("-q,--quiet", g_.quiet,
                "Print only ids (of listed objects, of what a task made), one a line")
      ->group(output);
  app_.add_flag("-v,--verbose", g_.verbose, "Log vCenter calls (debug) to stderr")->group(output);

  const char* safety = "Safety";
  app_.add_flag("-y,--yes", g_.yes,
                "Do destructive changes without asking (needed when no one can be asked)")
      ->configurable(false)
      ->group(safety);
  app_.add_flag("--dry-run", g_.dry_run, "Show what would change and change nothing")
      ->configurable(false)
      ->group(safety);
  std::vector<std::string> roles;
  for (const auto& r : policy::builtinRoles()) roles.push_back(r.name);
  app_.add_option("--role", g_.role,
                  "Commands this run may use: viewer (reads), operator, admin (default)")
      ->envname("VSPHERE_CLI_ROLE")
      ->check(CLI::IsMember(roles))
      ->group(safety);
  global_choices_["--role"] = roles;
  app_.add_option("--audit-log", g_.audit_log,
                  "Append a JSON audit record of each call to this file ('off' = none)")
      ->envname("VSPHERE_CLI_AUDIT_LOG")
      ->group(safety);

  const char* profiles = "Profiles";
  app_.add_option("--profile", g_.profile, "Use the [profile.NAME] section of the config file")
      ->envname("VSPHERE_CLI_PROFILE")
      ->configurable(false)
      ->group(profiles);
  app_.set_config("--config", config_path, "The profile file (also VSPHERE_CLI_CONFIG)")
      ->group(profiles);
  std::vector<std::string> keys;
  for (const CLI::Option* o : app_.get_options())
    if (o->get_configurable() && !o->get_lnames().empty() && o->get_lnames().front() != "config" &&
        o->get_lnames().front() != "help" && o->get_lnames().front() != "version")
      keys.push_back(o->get_lnames().front());
  app_.config_formatter(std::make_shared<ProfileConfig>(profile, config_path, keys));
}

CLI::App* Program::node(const std::string& path) {
  if (path.empty()) return &app_;
  auto it = nodes_.find(path);
  if (it != nodes_.end()) return it->second;
  const size_t space = path.rfind(' ');
  CLI::App* parent = node(space == std::string::npos ? "" : path.substr(0, space));
  std::string summary;
  for (const auto& g : groupTable())
    if (g.path == path) summary = g.summary;
  CLI::App* app =
      parent->add_subcommand(space == std::string::npos ? path : path.substr(space + 1), summary);
  app->require_subcommand(1);
  app->footer("Run '" + std::string(kProgram) + " " + path +
              " COMMAND --help' for a command's flags and an example.");
  nodes_[path] = app;
  return app;
}

void Program::addLeaf(const CommandEntry& entry) {
  auto leaf = std::make_unique<Leaf>();
  leaf->entry = &entry;
  const size_t space = entry.path.rfind(' ');
  CLI::App* parent = node(space == std::string::npos ? "" : entry.path.substr(0, space));
  const std::string word = space == std::string::npos ? entry.path : entry.path.substr(space + 1);
  if (entry.builtin != Builtin::kNone) {
    leaf->app = parent->add_subcommand(word, entry.summary);
    leaf->app->footer("Example:\n  " + std::string(kProgram) + " " + entry.path +
                      (entry.builtin == Builtin::kCompletionBash
                           ? "\n  source <(" + std::string(kProgram) + " completion bash)"
                       : entry.builtin == Builtin::kCompletionZsh
                           ? "\n  autoload -U compinit && compinit; source <(" +
                                 std::string(kProgram) + " completion zsh)"
                           : std::string()));
    leaves_.push_back(std::move(leaf));
    return;
  }
  const ops::Operation* op = registry().find(entry.operation);
  if (!op) return;  // commandsWithoutOperation() reports it; tests fail on it
  leaf->op = op;
  std::string description = op->title + ". " + op->description + " (operation " + op->name + ", " +
                            std::string(ops::safetyName(op->safety)) + ")";
  leaf->app = parent->add_subcommand(word, description);
  const std::vector<FlagSpec> flags = flagsFromSchema(op->input_schema);
  // Positional arguments first, in their order, so CLI11 fills them in that order.
  std::vector<const FlagSpec*> order;
  for (const auto& f : flags)
    if (f.position >= 0) order.push_back(&f);
  std::sort(order.begin(), order.end(),
            [](const FlagSpec* a, const FlagSpec* b) { return a->position < b->position; });
  for (const auto& f : flags)
    if (f.position < 0) order.push_back(&f);
  for (const FlagSpec* f : order) {
    FlagSlot& slot = leaf->slots.emplace_back();
    slot.spec = *f;
    if (f->position >= 0)
      slot.positional = leaf->app
                            ->add_option(positionalName(*f), slot.positional_value,
                                         (f->required ? "" : "Optional: ") + f->description)
                            ->group("Arguments");
    const std::string help = flagHelp(*f) + (f->required ? " (required)" : "");
    if (f->type == FlagType::kBoolean) {
      slot.option = leaf->app->add_flag("--" + f->name, slot.flag, help);
    } else {
      slot.option = leaf->app->add_option("--" + f->name, slot.values, help)
                        ->expected(1)
                        ->type_name(typeLabel(f->type));
    }
    slot.option->group("Flags");
  }
  std::string footer = "Example:\n  " + exampleLine(entry.path, *op, flags) + "\n";
  if (op->safety == ops::Safety::kDestructive)
    footer +=
        "Destructive: on a terminal it shows what would change and asks; without a terminal it "
        "needs "
        "--yes (else it prints the dry run and exits 5). --dry-run only shows what would change.\n";
  else if (op->safety == ops::Safety::kChange)
    footer +=
        "Changes vSphere. --dry-run shows the call and the objects it would act on, and changes "
        "nothing.\n";
  if (isTaskOperation(*op))
    footer += "Shows the vCenter task's progress on stderr; Ctrl-C cancels the task (exit 130).\n";
  leaf->app->footer(footer);
  leaves_.push_back(std::move(leaf));
}

void Program::build(const std::string& config_path, const std::string& profile) {
  addGlobals(config_path, profile);
  app_.footer(rootFooter(config_path));
  for (const auto& g : groupTable()) node(g.path);
  for (const auto& c : commandTable()) addLeaf(c);
}

CompletionModel Program::completion() const {
  CompletionModel model;
  model.program = kProgram;
  auto flagOf = [&](const CLI::Option* o,
                    const std::map<std::string, std::vector<std::string>>& choices) {
    CompletionFlag f;
    f.name =
        o->get_lnames().empty() ? "-" + o->get_snames().front() : "--" + o->get_lnames().front();
    f.takes_value = o->get_expected_min() > 0;
    const std::string n = f.name;
    f.file_value = f.takes_value &&
                   (n.size() > 5 && (n.compare(n.size() - 5, 5, "-file") == 0 ||
                                     n == "--ca-bundle" || n == "--config" || n == "--audit-log"));
    auto it = choices.find(f.name);
    if (it != choices.end()) f.choices = it->second;
    f.description = o->get_description();
    return f;
  };
  for (const CLI::Option* o : app_.get_options()) {
    if (o->get_lnames().empty() && o->get_snames().empty()) continue;
    model.global_flags.push_back(flagOf(o, global_choices_));
    for (const auto& s : o->get_snames()) {
      CompletionFlag f = model.global_flags.back();
      f.name = "-" + s;
      model.global_flags.push_back(f);
    }
  }
  // Walk the tree breadth first from the root.
  std::vector<std::pair<std::string, const CLI::App*>> queue = {{"", &app_}};
  for (size_t i = 0; i < queue.size(); ++i) {
    const auto [path, app] = queue[i];
    CompletionNode n;
    n.path = path;
    n.description = app->get_description();
    for (const CLI::App* sub : app->get_subcommands([](const CLI::App*) { return true; })) {
      n.children.push_back(sub->get_name());
      queue.emplace_back(path.empty() ? sub->get_name() : path + " " + sub->get_name(), sub);
    }
    for (const auto& leaf : leaves_) {
      if (leaf->app != app) continue;
      std::map<std::string, std::vector<std::string>> choices;
      for (const auto& slot : leaf->slots) choices["--" + slot.spec.name] = slot.spec.choices;
      for (const auto& slot : leaf->slots) n.flags.push_back(flagOf(slot.option, choices));
    }
    model.nodes.push_back(std::move(n));
  }
  return model;
}

OutputOptions Program::outputOptions() const {
  OutputOptions o;
  o.format = g_.json || g_.format == "json" ? Format::kJson
             : g_.format == "csv"           ? Format::kCsv
                                            : Format::kTable;
  o.quiet = g_.quiet;
  o.pretty_json = io_.terminal.stdoutIsTty();
  o.columns = g_.columns;
  return o;
}

int Program::usage(const std::string& message) {
  io_.err << kProgram << ": " << message << "\n";
  return toInt(ExitCode::kUsage);
}

int Program::fail(const std::string& what, const Status& status) {
  const ExitCode code = exitCodeFor(status);
  std::string text = withCommandNames(status.message());
  if (!status.details().fault.empty()) text += " [" + status.details().fault + "]";
  switch (code) {
    case ExitCode::kUsage:
      io_.err << kProgram << ": " << text << "\n";
      break;
    case ExitCode::kNotFound:
      io_.err << kProgram << ": not found: " << text << "\n";
      break;
    case ExitCode::kAuth:
      io_.err << kProgram << ": " << text << "\n";
      break;
    case ExitCode::kRefused:
      io_.err << kProgram << ": refused: " << text << "\n";
      break;
    case ExitCode::kInterrupted:
      io_.err << kProgram << ": cancelled: " << text << "\n";
      break;
    default:
      io_.err << kProgram << ": " << what << " failed: " << text << "\n";
      break;
  }
  return toInt(code);
}

int Program::print(const Json& result, const Leaf& leaf) {
  if (!g_.columns.empty() && !g_.json && g_.format != "json" && !g_.quiet) {
    // Columns must name members of the listed objects.
    const Json* list = listOf(result, nullptr);
    if (list && list->size() > 0 && list->items().front().isObject()) {
      const Json& first = list->items().front();
      for (const auto& column : g_.columns)
        if (!first.find(column)) {
          std::string known;
          for (const auto& [k, v] : first.members()) known += (known.empty() ? "" : ", ") + k;
          return usage("--columns: no column '" + column + "' (known: " + known + ")");
        }
    }
  }
  Rendered r = renderResult(result, leaf.entry->columns, outputOptions());
  io_.out << r.out << std::flush;
  if (!r.note.empty() && !g_.quiet) io_.err << r.note;
  return toInt(ExitCode::kOk);
}

Result<Json> Program::arguments(Leaf& leaf) {
  Json args = Json::object();
  for (auto& slot : leaf.slots) {
    const FlagSpec& f = slot.spec;
    std::vector<std::string> given;
    const bool as_flag = slot.option->count() > 0;
    const bool as_positional = slot.positional && slot.positional->count() > 0;
    if (f.type == FlagType::kBoolean) {
      if (as_flag) args.set(f.property, slot.flag);
      continue;
    }
    if (as_flag) given = slot.values;
    if (as_positional) {
      if (as_flag && (given.size() != 1 || given.front() != slot.positional_value))
        return Status::InvalidArgument(positionalName(f) +
                                       " given twice, as an argument and as --" + f.name);
      given = {slot.positional_value};
    }
    if (given.empty()) {
      if (f.required)
        return Status::InvalidArgument(
            "missing " + (f.position >= 0
                              ? positionalName(f) + ": give it as an argument or with --" + f.name
                              : "--" + f.name));
      continue;
    }
    VSMCP_ASSIGN_OR_RETURN(Json v, flagValue(f, given));
    args.set(f.property, std::move(v));
  }
  Status valid = validateJson(leaf.op->input_schema, args, "");
  if (!valid.ok()) {
    // "num_cpus: must be >= 1 (minimum)" -> "--num-cpus: must be >= 1 (minimum)"
    std::string message = valid.message();
    for (const auto& slot : leaf.slots) {
      const std::string& p = slot.spec.property;
      if (message.rfind(p, 0) == 0 && message.size() > p.size() &&
          (message[p.size()] == ':' || message[p.size()] == '.' || message[p.size()] == '[')) {
        message = "--" + slot.spec.name + message.substr(p.size());
        break;
      }
    }
    return Status::InvalidArgument(message);
  }
  return args;
}

namespace {

// Where `session login` keeps a vCenter session cookie for a host and user, like govc's
// session cache: $XDG_CACHE_HOME/vsmcp/sessions (or ~/.cache/...), one 0600 file each.
std::string sessionPath(const std::string& host, const std::string& user) {
  const char* cache = std::getenv("XDG_CACHE_HOME");
  const char* home = std::getenv("HOME");
  std::string dir = cache && *cache ? std::string(cache) : std::string(home ? home : ".") + "/.cache";
  return dir + "/vsmcp/sessions/" + policy::sha256Hex(host + "\n" + user).substr(0, 32);
}

std::optional<std::string> readSession(const std::string& path) {
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto j = Json::parse(text);
  if (!in || !j.ok() || !j->find("cookie") || j->find("cookie")->asString().empty()) return std::nullopt;
  return j->find("cookie")->asString();
}

Status writeSession(const std::string& path, const std::string& host, const std::string& user,
                    const std::string& cookie) {
  std::string dir = path.substr(0, path.rfind('/'));
  for (size_t i = 1; i <= dir.size(); ++i)
    if (i == dir.size() || dir[i] == '/') ::mkdir(dir.substr(0, i).c_str(), 0700);
  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status::Unavailable("cannot write the session file under " + dir);
  const std::string text = Json::object().set("host", host).set("user", user).set("cookie", cookie).dump() + "\n";
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ok = ::close(fd) == 0 && ok;
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return Status::Unavailable("cannot write the session file under " + dir);
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<vsphere::Client>> Program::connect() {
  apps::Settings s = g_.settings;
  s.password_file = expandHome(s.password_file);
  s.vcenter.ca_bundle = expandHome(s.vcenter.ca_bundle);
  const char* env_password = std::getenv("VCENTER_PASSWORD");
  const bool have_password =
      !s.password_file.empty() || (env_password && *env_password) || !s.vcenter.password.empty();
  if ((!have_password || stored_only_) && !keep_session_ && !s.vcenter.url.empty() &&
      !s.vcenter.username.empty()) {
    const std::string host = policy::hostOf(s.vcenter.url);
    const std::string path = sessionPath(host, s.vcenter.username);
    if (auto cookie = readSession(path)) {
      VSMCP_RETURN_IF_ERROR(apps::finishSettings(s, false, true, /*require_password=*/false));
      s.vcenter.session_cookie = *cookie;
      s.vcenter.password.clear();         // the stored session, or nothing
      s.vcenter.logout_on_close = false;  // the stored session stays for the next command
      auto client = io_.connect(s.vcenter);
      if (!client.ok() && client.status().code() == ErrorCode::kUnauthenticated) {
        ::unlink(path.c_str());
        return Status::Error(ErrorCode::kUnauthenticated,
                             "the stored session of '" + s.vcenter.username + "' on " + host +
                                 " has expired: run `" + std::string(kProgram) + " session login` again");
      }
      if (!client.ok()) return client.status().withContext("cannot connect to " + host);
      return client;
    }
  }
  VSMCP_RETURN_IF_ERROR(apps::finishSettings(s, false, true));
  if (keep_session_) s.vcenter.logout_on_close = false;
  auto client = io_.connect(s.vcenter);
  if (!client.ok())
    return client.status().withContext("cannot connect to " + policy::hostOf(s.vcenter.url));
  return client;
}

int Program::runBuiltin(Leaf& leaf) {
  switch (leaf.entry->builtin) {
    case Builtin::kCompletionBash:
      io_.out << bashCompletion(completion());
      return 0;
    case Builtin::kCompletionZsh:
      io_.out << zshCompletion(completion());
      return 0;
    case Builtin::kSessionLogout: {
      const std::string host = policy::hostOf(g_.settings.vcenter.url);
      const std::string path = sessionPath(host, g_.settings.vcenter.username);
      bool ended = false;
      if (readSession(path)) {
        stored_only_ = true;
        auto client = connect();  // resumes the stored session, not a new login
        if (client.ok()) {
          ended = (*client)->logout().ok();
        } else if (client.status().code() != ErrorCode::kUnauthenticated) {
          return fail(leaf.entry->path, client.status());
        }
        ::unlink(path.c_str());
      }
      if (!g_.quiet) {
        if (outputOptions().format == Format::kJson)
          io_.out << Json::object().set("session_ended", ended).set("session_stored", false).dump() << "\n";
        else
          io_.out << (ended ? "session ended; its stored cookie is removed\n"
                            : "no stored session to end for this user and host\n");
      }
      return 0;
    }
    case Builtin::kAbout:
    case Builtin::kSessionLogin: {
      keep_session_ = leaf.entry->builtin == Builtin::kSessionLogin;
      auto client = connect();
      if (!client.ok()) return fail(leaf.entry->path, client.status());
      const vsphere::AboutInfo& a = (*client)->about();
      Json about = Json::object()
                       .set("name", a.name)
                       .set("full_name", a.full_name)
                       .set("vendor", a.vendor)
                       .set("version", a.version)
                       .set("build", a.build)
                       .set("api_type", a.api_type)
                       .set("api_version", a.api_version)
                       .set("instance_uuid", a.instance_uuid);
      if (leaf.entry->builtin == Builtin::kAbout) return print(about, leaf);
      Json login = Json::object()
                       .set("host", policy::hostOf(g_.settings.vcenter.url))
                       .set("user", (*client)->options().username)
                       .set("product", a.full_name)
                       .set("api_type", a.api_type)
                       .set("session_stored", true);
      const std::string host = policy::hostOf(g_.settings.vcenter.url);
      Status stored = writeSession(sessionPath(host, (*client)->options().username), host,
                                   (*client)->options().username, (*client)->sessionCookie());
      if (!stored.ok()) {
        (void)(*client)->logout();
        return fail(leaf.entry->path, stored);
      }
      if (outputOptions().format == Format::kTable && !g_.quiet) {
        io_.out << "logged in to " << host << " (" << a.full_name << ") as "
                << login.find("user")->asString()
                << ": the session is stored (mode 0600); later commands use it without a password "
                << "until it expires or `" << kProgram << " session logout`\n";
        return 0;
      }
      return print(login, leaf);
    }
    case Builtin::kNone:
      break;
  }
  return toInt(ExitCode::kFailed);
}

namespace {

// Asks the person at the terminal to approve a destructive command.
class TerminalPrompt final : public ops::PersonChannel {
 public:
  TerminalPrompt(Terminal& terminal, std::string command) : terminal_(terminal), command_(std::move(command)) {}
  Result<bool> ask(const ops::Operation&, const std::string& would) override {
    auto answer = terminal_.confirm(sanitizeCell(std::string(kProgram) + " " + command_ + " would " +
                                                 withCommandNames(would)) +
                                    ". Proceed?");
    return answer && *answer;  // no answer (end of input) is a no
  }

 private:
  Terminal& terminal_;
  std::string command_;
};

// GOVC_URL may carry "user:password@": the part after '@', and the user and password.
struct GovcUrl {
  std::string url, user, password;
};
std::string percentDecoded(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}
GovcUrl splitGovcUrl(const std::string& value) {
  GovcUrl g;
  const size_t scheme = value.find("://");
  const size_t host_start = scheme == std::string::npos ? 0 : scheme + 3;
  const size_t path = value.find('/', host_start);
  const size_t at = value.rfind('@', path == std::string::npos ? std::string::npos : path);
  if (at == std::string::npos || at < host_start) {
    g.url = value;
    return g;
  }
  const std::string userinfo = value.substr(host_start, at - host_start);
  const size_t colon = userinfo.find(':');
  g.user = percentDecoded(userinfo.substr(0, colon));
  if (colon != std::string::npos) g.password = percentDecoded(userinfo.substr(colon + 1));
  g.url = value.substr(0, host_start) + value.substr(at + 1);
  return g;
}

bool envSet(const char* name) {
  const char* v = std::getenv(name);
  return v && *v;
}

}  // namespace

// govc users' settings, read when the VCENTER_* ones (and the flags) are absent.
void Program::applyGovcEnvironment() {
  apps::Settings& s = g_.settings;
  GovcUrl govc;
  if (envSet("GOVC_URL")) govc = splitGovcUrl(std::getenv("GOVC_URL"));
  if (s.vcenter.url.empty() && !govc.url.empty()) s.vcenter.url = govc.url;
  if (s.vcenter.username.empty()) {
    if (envSet("GOVC_USERNAME")) s.vcenter.username = std::getenv("GOVC_USERNAME");
    else if (!govc.user.empty()) s.vcenter.username = govc.user;
  }
  if (s.password_file.empty() && !envSet("VCENTER_PASSWORD") && s.vcenter.password.empty()) {
    if (envSet("GOVC_PASSWORD")) s.vcenter.password = std::getenv("GOVC_PASSWORD");
    else if (!govc.password.empty()) s.vcenter.password = govc.password;
  }
  if (!s.vcenter.insecure && !envSet("VCENTER_INSECURE") && envSet("GOVC_INSECURE")) {
    const std::string v = std::getenv("GOVC_INSECURE");
    s.vcenter.insecure = v == "1" || v == "true" || v == "TRUE" || v == "True";
  }
}

int Program::runOperation(Leaf& leaf) {
  const ops::Operation& op = *leaf.op;
  auto parsed = arguments(leaf);
  if (!parsed.ok()) return usage(parsed.status().message());
  Json args = std::move(parsed).value();

  // Policy: the role must grant the operation; every call is audited when an audit log is set.
  policy::PolicyConfig config;
  config.anonymous_role = g_.role;
  config.target = policy::hostOf(g_.settings.vcenter.url);
  std::shared_ptr<policy::AuditSink> audit;
  if (g_.audit_log != "off") {
    auto sink = policy::FileAuditSink::open(expandHome(g_.audit_log));
    if (!sink.ok()) return usage("--audit-log: " + sink.status().message());
    audit = std::move(sink).value();
  }
  policy::Policy policy(std::move(config), audit);
  ops::Invoker invoker(registry(), policy, nullptr);

  ops::Call call;
  call.op = &op;
  call.args = args;
  call.caller = ops::Caller::kPerson;  // the person at the shell, or their script
  call.confirmed = g_.yes;
  call.confirm_kind = "cli_yes";
  call.dry_run_only = g_.dry_run;
  call.context.transport = "cli";
  TerminalPrompt prompt(io_.terminal, leaf.entry->path);
  if (op.safety == ops::Safety::kDestructive && !g_.yes && io_.terminal.interactive()) {
    call.person = &prompt;
    call.person_kind = "cli_prompt";
  }
  // A listing without --limit is the whole listing in one reply: paging is for a model's
  // context, and each page would cost a whole listing again.
  call.unpaged = op.shape == ops::Shape::kList && !args.find("limit");

  // A command the role does not grant is refused (and audited) without connecting.
  std::unique_ptr<vsphere::Client> client;
  if (policy.mayCall("", op.name, ops::actionOf(op.safety))) {
    auto connected = connect();
    if (!connected.ok()) call.client_error = connected.status();
    else client = std::move(connected).value();
  }
  call.client = client.get();
  vsphere::CancelToken cancel([this] { return io_.interrupted && io_.interrupted(); });
  call.cancel = &cancel;
  std::unique_ptr<ProgressDisplay> progress;
  if (op.safety != ops::Safety::kRead && isTaskOperation(op) && !g_.quiet) {
    progress = std::make_unique<ProgressDisplay>(io_.err, io_.terminal.stderrIsTty(), io_.terminal.columns());
    std::string label = op.title;
    for (const auto& slot : leaf.slots)
      if (slot.spec.position == 0 && args.find(slot.spec.property))
        label += " " + args.find(slot.spec.property)->asString();
    // Shown once vCenter reports the task, never before the VM is resolved and the call approved.
    call.on_progress = [&progress, label, started = false](int percent, const vsphere::TaskInfo&) mutable {
      if (!started) {
        progress->start(label);
        started = true;
      }
      progress->update(percent);
    };
  }

  ops::Invoker::Prepared prepared = invoker.prepare(std::move(call));
  ops::Reply reply;
  if (prepared.ready) {
    // From here Ctrl-C cancels the task rather than ending the process.
    const bool changes = op.safety != ops::Safety::kRead;
    if (changes && io_.task_running) io_.task_running(true);
    reply = invoker.run(std::move(prepared));
    if (changes && io_.task_running) io_.task_running(false);
    if (progress) progress->finish();
  } else {
    reply = std::move(prepared.reply);
  }
  const bool interrupted = cancel.cancelled();
  if (!reply.result.ok()) {
    if (interrupted && reply.result.status().code() != ErrorCode::kCancelled) {
      fail(leaf.entry->path, reply.result.status());
      return toInt(ExitCode::kInterrupted);
    }
    return fail(leaf.entry->path, reply.result.status());
  }
  const Json& result = *reply.result;
  if (reply.outcome == ops::Outcome::kDeclined) {
    io_.err << kProgram << ": declined: nothing changed\n";
    return toInt(ExitCode::kRefused);
  }
  if (reply.outcome == ops::Outcome::kDryRun && !g_.dry_run) {
    print(result, leaf);
    const Json* would = result.find("would");
    const std::string what = std::string(kProgram) + " " + leaf.entry->path + " would " +
                             withCommandNames(would ? would->asString() : std::string("change vSphere"));
    if (const Json* blocked = result.find("blocked"); blocked && blocked->size() > 0) {
      std::string reasons;
      for (const auto& b : blocked->items()) reasons += (reasons.empty() ? "" : "; ") + withCommandNames(b.asString());
      io_.err << kProgram << ": cannot be done now: " << sanitizeCell(reasons) << "; nothing changed\n";
      return toInt(ExitCode::kFailed);
    }
    io_.err << kProgram << ": refused: needs --yes (" << sanitizeCell(what) << "); nothing changed\n";
    return toInt(ExitCode::kRefused);
  }
  if (int printed = print(result, leaf); printed != 0) return printed;
  if (const Json* blocked = result.find("blocked"); g_.dry_run && blocked && blocked->size() > 0) {
    std::string reasons;
    for (const auto& b : blocked->items()) reasons += (reasons.empty() ? "" : "; ") + withCommandNames(b.asString());
    io_.err << kProgram << ": note: this would fail now: " << sanitizeCell(reasons) << "\n";
  }
  if (interrupted) {
    io_.err << kProgram << ": interrupted, but the task had already finished before it could be cancelled\n";
    return toInt(ExitCode::kInterrupted);
  }
  return toInt(ExitCode::kOk);
}

int Program::runLeaf(Leaf& leaf) {
  if (leaf.entry->builtin != Builtin::kNone) return runBuiltin(leaf);
  return runOperation(leaf);
}

int Program::run(int argc, const char* const* argv) {
  std::string profile = preScan(argc, argv, "--profile");
  if (profile.empty() && std::getenv("VSPHERE_CLI_PROFILE"))
    profile = std::getenv("VSPHERE_CLI_PROFILE");
  std::string config_path = preScan(argc, argv, "--config");
  if (config_path.empty() && std::getenv("VSPHERE_CLI_CONFIG"))
    config_path = std::getenv("VSPHERE_CLI_CONFIG");
  if (config_path.empty())
    config_path = defaultProfilePath([](const char* n) { return std::getenv(n); });
  config_path = expandHome(config_path);
  if (!profile.empty() && !fileExists(config_path))
    return usage("profile '" + profile + "' chosen but " + config_path + " does not exist");
  build(config_path, profile);
  try {
    app_.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 says only "A subcommand is required" for a missing or misspelt command: name the
    // word it did not know, or say which commands the group has.
    if (std::string(e.get_name()) == "RequiredError") {
      const CLI::App* at = &app_;
      std::string path = kProgram;
      for (auto subs = at->get_subcommands(); !subs.empty(); subs = at->get_subcommands()) {
        at = subs.front();
        path += " " + at->get_name();
      }
      if (!at->get_subcommands({}).empty()) {
        std::string names;
        for (const CLI::App* s : at->get_subcommands({}))
          names += (names.empty() ? "" : ", ") + s->get_name();
        std::string word;
        for (const auto& r : app_.remaining(true))
          if (!r.empty() && r.front() != '-') {
            word = r;
            break;
          }
        if (!word.empty()) return usage("unknown command '" + word + "' for '" + path + "'; commands: " + names);
        return usage("'" + path + "' needs a command: " + names);
      }
    }
    const int code = app_.exit(e, io_.out, io_.err);
    return code == 0 ? 0 : toInt(ExitCode::kUsage);  // --help and --version succeed
  }
  applyGovcEnvironment();
  setLogLevel(g_.verbose ? LogLevel::kDebug : LogLevel::kWarning);
  if (g_.json && g_.format != "table" && g_.format != "json")
    return usage("--json and --format " + g_.format + " contradict each other; give one");
  const CLI::App* selected = &app_;
  for (;;) {
    auto subs = selected->get_subcommands();
    if (subs.empty()) break;
    selected = subs.front();
  }
  for (auto& leaf : leaves_)
    if (leaf->app == selected) return runLeaf(*leaf);
  return usage("no command given; see --help");
}

}  // namespace

int run(int argc, const char* const* argv, Io& io) {
  Program program(io);
  return program.run(argc, argv);
}

CompletionModel completionModel() {
  std::ostringstream out, err;
  struct NoTerminal final : Terminal {
    bool stdoutIsTty() const override { return false; }
    bool stderrIsTty() const override { return false; }
    int columns() const override { return 0; }
    bool interactive() const override { return false; }
    std::optional<bool> confirm(const std::string&) override { return std::nullopt; }
  } terminal;
  Io io{out, err, terminal, nullptr, nullptr, nullptr};
  Program program(io);
  program.build(defaultProfilePath([](const char* n) { return std::getenv(n); }), "");
  return program.completion();
}

}  // namespace vsmcp::cli
