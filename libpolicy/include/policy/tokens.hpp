// TokenStore: bearer tokens / API keys and the principals they stand for. Tokens are kept as
// SHA-256 digests only, and a lookup compares the digest of what was presented with every
// entry in constant time, so neither the store nor timing reveals a token.
// Thread safety: build it, then share it const (authenticate/find are const and safe).
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vsmcp/result.hpp"

namespace vsmcp::policy {

// Who makes a call, once authenticated.
struct Principal {
  std::string name;  // e.g. "alice"; never a secret
  std::string role;  // name of a Role
};

// Lowercase hex SHA-256 of `data` (for writing token files: sha256 of the token).
std::string sha256Hex(std::string_view data);

class TokenStore {
 public:
  static constexpr size_t kMinTokenLength = 16;

  // Adds a principal with its token in clear (at least kMinTokenLength characters).
  // Fails with InvalidArgument naming the principal (never the token) when the token is
  // short, the name is empty or already used, or the token is already given to another.
  Status add(const std::string& name, const std::string& role, std::string_view token);
  // Same with the token's SHA-256 as 64 hex digits.
  Status addHashed(const std::string& name, const std::string& role, std::string_view sha256_hex);

  // The principal the token belongs to, or nullopt. Empty tokens never match.
  std::optional<Principal> authenticate(std::string_view token) const;
  // The principal of that name, or nullopt.
  std::optional<Principal> find(std::string_view name) const;
  bool empty() const { return entries_.empty(); }
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    Principal principal;
    std::array<unsigned char, 32> digest;
  };
  Status addDigest(const std::string& name, const std::string& role,
                   const std::array<unsigned char, 32>& digest);
  std::vector<Entry> entries_;
};

}  // namespace vsmcp::policy
