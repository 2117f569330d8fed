#include "profiles.hpp"

#include <algorithm>
#include <cctype>
#include <iterator>
#include <sstream>

namespace vsmcp::cli {

namespace {

bool bareKeyChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
}

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

// Reads a quoted string at s[i] (i at the quote); advances i past the closing quote.
Result<std::string> quoted(const std::string& s, size_t& i, const std::string& where) {
  const char quote = s[i++];
  std::string out;
  while (i < s.size() && s[i] != quote) {
    char c = s[i++];
    if (quote == '"' && c == '\\') {
      if (i >= s.size()) break;
      const char e = s[i++];
      switch (e) {
        case '"':
          c = '"';
          break;
        case '\\':
          c = '\\';
          break;
        case 'n':
          c = '\n';
          break;
        case 't':
          c = '\t';
          break;
        default:
          return Status::InvalidArgument(where + ": unsupported escape \\" + std::string(1, e));
      }
    }
    out += c;
  }
  if (i >= s.size()) return Status::InvalidArgument(where + ": unterminated string");
  ++i;
  return out;
}

void skipSpace(const std::string& s, size_t& i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
}

// The rest of the line after i must be blank or a comment.
Status lineEnd(const std::string& s, size_t i, const std::string& where) {
  skipSpace(s, i);
  if (i < s.size() && s[i] != '#')
    return Status::InvalidArgument(where + ": unexpected '" + s.substr(i) + "'");
  return Status::Ok();
}

Result<std::vector<std::string>> value(const std::string& s, size_t& i, const std::string& where) {
  skipSpace(s, i);
  if (i >= s.size()) return Status::InvalidArgument(where + ": missing value");
  if (s[i] == '"' || s[i] == '\'') {
    VSMCP_ASSIGN_OR_RETURN(std::string v, quoted(s, i, where));
    return std::vector<std::string>{v};
  }
  if (s[i] == '[') {
    ++i;
    std::vector<std::string> items;
    for (;;) {
      skipSpace(s, i);
      if (i < s.size() && s[i] == ']') {
        ++i;
        return items;
      }
      if (i >= s.size() || (s[i] != '"' && s[i] != '\''))
        return Status::InvalidArgument(where + ": arrays hold quoted strings, on one line");
      VSMCP_ASSIGN_OR_RETURN(std::string v, quoted(s, i, where));
      items.push_back(v);
      skipSpace(s, i);
      if (i < s.size() && s[i] == ',')
        ++i;
      else if (i >= s.size() || s[i] != ']')
        return Status::InvalidArgument(where + ": expected ',' or ']'");
    }
  }
  size_t e = i;
  while (e < s.size() && !std::isspace(static_cast<unsigned char>(s[e])) && s[e] != '#') ++e;
  std::string word = s.substr(i, e - i);
  i = e;
  const bool number =
      !word.empty() && std::all_of(word.begin() + (word[0] == '-' ? 1 : 0), word.end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c));
      });
  if (word == "true" || word == "false" || (number && word != "-"))
    return std::vector<std::string>{word};
  return Status::InvalidArgument(where + ": '" + word +
                                 "' is not a value (quote strings: \"...\")");
}

}  // namespace

Result<Profiles> parseProfiles(std::string_view text, const std::string& origin) {
  Profiles profiles;
  std::string section;  // current profile name; "" = before any section
  std::istringstream in{std::string(text)};
  int number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const std::string where = origin + ":" + std::to_string(number);
    size_t i = 0;
    skipSpace(line, i);
    if (i >= line.size() || line[i] == '#') continue;
    if (line[i] == '[') {
      const size_t close = line.find(']', i);
      if (close == std::string::npos) return Status::InvalidArgument(where + ": missing ']'");
      const std::string header = trim(std::string_view(line).substr(i + 1, close - i - 1));
      VSMCP_RETURN_IF_ERROR(lineEnd(line, close + 1, where));
      if (header.rfind("profile.", 0) != 0 || header.size() == 8)
        return Status::InvalidArgument(where + ": unknown section [" + header +
                                       "]; settings go in [profile.NAME] sections");
      std::string name = header.substr(8);
      if (name.size() >= 2 && name.front() == '"' && name.back() == '"')
        name = name.substr(1, name.size() - 2);
      if (name.empty() || !std::all_of(name.begin(), name.end(), bareKeyChar))
        return Status::InvalidArgument(where + ": profile names are letters, digits, '-' and '_'");
      if (profiles.count(name))
        return Status::InvalidArgument(where + ": profile '" + name + "' defined twice");
      profiles[name];
      section = name;
      continue;
    }
    size_t k = i;
    while (k < line.size() && bareKeyChar(line[k])) ++k;
    const std::string key = line.substr(i, k - i);
    size_t j = k;
    skipSpace(line, j);
    if (key.empty() || j >= line.size() || line[j] != '=')
      return Status::InvalidArgument(where + ": expected key = value");
    if (section.empty())
      return Status::InvalidArgument(where + ": '" + key +
                                     "' is outside any [profile.NAME] section");
    if (key == "password" || key == "vcenter-password")
      return Status::InvalidArgument(where + ": passwords do not belong in " + origin +
                                     "; name a file holding it with password-file");
    ++j;
    VSMCP_ASSIGN_OR_RETURN(auto values, value(line, j, where));
    VSMCP_RETURN_IF_ERROR(lineEnd(line, j, where));
    auto& settings = profiles[section];
    for (const auto& s : settings)
      if (s.key == key)
        return Status::InvalidArgument(where + ": '" + key + "' given twice in [profile." +
                                       section + "]");
    settings.push_back({key, std::move(values)});
  }
  return profiles;
}

std::string defaultProfilePath(const std::function<const char*(const char*)>& getenv) {
  const char* xdg = getenv("XDG_CONFIG_HOME");
  if (xdg && *xdg == '/') return std::string(xdg) + "/vsmcp/cli.toml";
  const char* home = getenv("HOME");
  return std::string(home && *home ? home : ".") + "/.config/vsmcp/cli.toml";
}

ProfileConfig::ProfileConfig(std::string profile, std::string origin,
                             std::vector<std::string> allowed_keys)
    : profile_(std::move(profile)), origin_(std::move(origin)), allowed_(std::move(allowed_keys)) {}

std::vector<CLI::ConfigItem> ProfileConfig::from_config(std::istream& input) const {
  if (profile_.empty()) return {};
  const std::string text{std::istreambuf_iterator<char>(input), std::istreambuf_iterator<char>()};
  auto profiles = parseProfiles(text, origin_);
  if (!profiles.ok()) throw CLI::ConfigError(profiles.status().message());
  auto it = profiles->find(profile_);
  if (it == profiles->end()) {
    std::string names;
    for (const auto& p : *profiles) names += (names.empty() ? "" : ", ") + p.first;
    throw CLI::ConfigError(
        "no profile '" + profile_ + "' in " + origin_ +
        (names.empty() ? std::string(" (it has none)") : " (it has: " + names + ")"));
  }
  std::vector<CLI::ConfigItem> out;
  for (const auto& s : it->second) {
    if (std::find(allowed_.begin(), allowed_.end(), s.key) == allowed_.end()) {
      std::string known;
      for (const auto& a : allowed_) known += (known.empty() ? "" : ", ") + a;
      throw CLI::ConfigError(origin_ + ": [profile." + profile_ + "] unknown key '" + s.key +
                             "' (known: " + known + ")");
    }
    CLI::ConfigItem item;
    item.name = s.key;
    item.inputs = s.values;
    out.push_back(std::move(item));
  }
  return out;
}

}  // namespace vsmcp::cli
