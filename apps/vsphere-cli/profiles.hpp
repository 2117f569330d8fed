// Named connection profiles for vsphere-cli, in one TOML file (by default
// $XDG_CONFIG_HOME/vsmcp/cli.toml, else ~/.config/vsmcp/cli.toml):
//
//   [profile.lab]
//   vcenter-host = "vc-lab.example.com"
//   vcenter-user = "administrator@vsphere.local"
//   password-file = "~/.config/vsmcp/lab.password"
//   thumbprint = "AB:CD:..."
//
// Keys are the long names of vsphere-cli's global options. A profile applies only when chosen
// (--profile NAME or VSPHERE_CLI_PROFILE); then its keys beat the environment and the command
// line beats both. Passwords never go in this file (password-file points to one), and neither
// do yes/dry-run, so a profile cannot approve destructive commands.
// Thread safety: pure functions; ProfileConfig is immutable once built.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "vsmcp/result.hpp"

namespace vsmcp::cli {

struct ProfileSetting {
  std::string key;
  std::vector<std::string> values;  // one, or the items of an array
};

// Profile name -> its settings in file order.
using Profiles = std::map<std::string, std::vector<ProfileSetting>>;

// Parses the file's text: [profile.NAME] sections of `key = value` lines (strings in double
// or single quotes, true/false, integers, arrays of strings), '#' comments. Errors name
// `origin`, the line and what is wrong.
Result<Profiles> parseProfiles(std::string_view text, const std::string& origin);

// The default file: $XDG_CONFIG_HOME/vsmcp/cli.toml, else $HOME/.config/vsmcp/cli.toml.
std::string defaultProfilePath(const std::function<const char*(const char*)>& getenv);

// A CLI11 config reader that yields the settings of one profile of the file, so CLI11 applies
// them with its precedence (command line, then this, then the environment). Keys outside
// `allowed_keys` are refused with a message naming the key and the profile.
class ProfileConfig final : public CLI::Config {
 public:
  ProfileConfig(std::string profile, std::string origin, std::vector<std::string> allowed_keys);
  std::string to_config(const CLI::App*, bool, bool, std::string) const override { return ""; }
  std::vector<CLI::ConfigItem> from_config(std::istream& input) const override;

 private:
  std::string profile_;
  std::string origin_;
  std::vector<std::string> allowed_;
};

}  // namespace vsmcp::cli
