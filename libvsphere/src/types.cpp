#include "vsphere/types.hpp"

namespace vsmcp::vsphere {

std::string_view powerStateName(PowerState state) {
  switch (state) {
    case PowerState::kPoweredOn: return "poweredOn";
    case PowerState::kPoweredOff: return "poweredOff";
    case PowerState::kSuspended: return "suspended";
    case PowerState::kUnknown: break;
  }
  return "unknown";
}

std::optional<PowerState> parsePowerState(std::string_view name) {
  if (name == "poweredOn" || name == "on") return PowerState::kPoweredOn;
  if (name == "poweredOff" || name == "off") return PowerState::kPoweredOff;
  if (name == "suspended") return PowerState::kSuspended;
  return std::nullopt;
}

bool globMatch(std::string_view pattern, std::string_view text) {
  // Iterative matcher with single-star backtracking: linear in practice, no recursion.
  size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace vsmcp::vsphere
