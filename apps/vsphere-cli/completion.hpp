// Shell completion scripts for bash and zsh, generated from the command tree (the command
// table and each operation's flags), so they never drift from the commands.
// Thread safety: pure functions.
#pragma once

#include <string>
#include <vector>

namespace vsmcp::cli {

struct CompletionFlag {
  std::string name;  // with dashes: "--power-state", "-q"
  bool takes_value = false;
  bool file_value = false;           // complete file names for its value
  std::vector<std::string> choices;  // complete these for its value
  std::string description;
};

struct CompletionNode {
  std::string path;  // "" for the program itself, "vm", "vm power", "vm power on"
  std::string description;
  std::vector<std::string> children;  // names of subcommands, in order
  std::vector<CompletionFlag> flags;  // flags of this command (not the global ones)
};

struct CompletionModel {
  std::string program = "vsphere-cli";
  std::vector<CompletionNode> nodes;         // parents before children
  std::vector<CompletionFlag> global_flags;  // accepted everywhere
};

std::string bashCompletion(const CompletionModel& model);
std::string zshCompletion(const CompletionModel& model);

}  // namespace vsmcp::cli
