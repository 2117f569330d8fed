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

}  // namespace vsmcp::vsphere
