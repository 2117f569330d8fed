// Shell-style glob matching ('*' any run, '?' one character; no classes, no escapes),
// case-sensitive, in time linear in practice (no recursion, single-star backtracking).
// Thread-safe (pure function).
#pragma once

#include <string_view>

namespace vsmcp {

bool globMatch(std::string_view pattern, std::string_view text);

}  // namespace vsmcp
