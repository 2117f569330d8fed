// The text that accompanies a result: the operation's own summary when it declares one, else
// one by the result's shape (a page of a list, one object, a vCenter task, a dry run), and the
// renaming of operation names in messages for surfaces that call them otherwise (REST routes,
// CLI commands).
// Thread safety: pure functions.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "ops/registry.hpp"

namespace vsmcp::ops {

// One line (or a few) saying what `result` holds or what the call did.
std::string summarize(const Operation& op, const Json& args, const Json& result);

// `text` with every whole-word operation name of `registry` replaced by what `name_of` gives
// for it (nullopt = leave it): "vm_list lists what exists" -> "GET /vms lists what exists".
std::string renameOperations(std::string text, const Registry& registry,
                             const std::function<std::optional<std::string>(const Operation&)>& name_of);

}  // namespace vsmcp::ops
