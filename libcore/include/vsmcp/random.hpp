// Random ids and tokens from the kernel's CSPRNG (getrandom(2)), and base64url text.
// Thread-safe (pure functions).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace vsmcp {

// `n` cryptographically random bytes. Aborts when the kernel cannot supply them (no source of
// ids or tokens is better than a guessable one).
std::string randomBytes(size_t n);
// 2 x `n` lowercase hex digits of `n` random bytes.
std::string randomHex(size_t n);

// base64url (RFC 4648 section 5) without padding, and back; nullopt on a character outside the
// alphabet.
std::string base64url(std::string_view data);
std::optional<std::string> base64urlDecode(std::string_view text);

}  // namespace vsmcp
