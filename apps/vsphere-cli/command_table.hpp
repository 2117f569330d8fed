// The command table of vsphere-cli: govc-style groups and verbs ("vm power on") mapped onto
// operation names of the registry (ops/registry.hpp). A command's flags, help and
// output come from its operation, so a new operation needs only its row here; the coverage
// check (operationsWithoutCommand) fails a test when a registry operation has no command.
// A few commands are built in (about, session, completion): they use no registry operation.
// Thread safety: the tables are immutable.
#pragma once

#include <string>
#include <vector>

namespace vsmcp::cli {

enum class Builtin {
  kNone,            // a registry operation
  kAbout,           // vCenter's about info (Client::about())
  kSessionLogin,    // check the credentials
  kSessionLogout,   // nothing is stored: says so
  kCompletionBash,  // print the bash completion script
  kCompletionZsh,   // print the zsh completion script
};

struct CommandEntry {
  std::string path;       // words, e.g. "vm power on"
  std::string operation;  // registry name, e.g. "vm_power_on"; "" for a built-in
  Builtin builtin = Builtin::kNone;
  std::string columns;  // table columns of list items, comma-separated; "" = derived
  std::string summary;  // one line for a built-in's help ("" = the operation's title)
};

struct GroupEntry {
  std::string path;  // e.g. "vm snapshot"
  std::string summary;
};

// Every command, in help order.
const std::vector<CommandEntry>& commandTable();
// Every group (an inner node of the command tree), parents first.
const std::vector<GroupEntry>& groupTable();

const CommandEntry* findCommand(const std::string& path);
const CommandEntry* findCommandForOperation(const std::string& operation);

// Registry operations that no command maps to (must be empty).
std::vector<std::string> operationsWithoutCommand();
// Commands that name an operation the registry does not have (must be empty).
std::vector<std::string> commandsWithoutOperation();

// "vm power on" -> {"vm", "power", "on"}
std::vector<std::string> splitWords(const std::string& path);

}  // namespace vsmcp::cli
