#include "policy/tokens.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

namespace vsmcp::policy {

namespace {

std::array<unsigned char, 32> digestOf(std::string_view data) {
  std::array<unsigned char, 32> out{};
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr);
  return out;
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string sha256Hex(std::string_view data) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned char b : digestOf(data)) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

Status TokenStore::add(const std::string& name, const std::string& role, std::string_view token) {
  if (token.size() < kMinTokenLength)
    return Status::InvalidArgument("the token of '" + name + "' is shorter than " +
                                   std::to_string(kMinTokenLength) + " characters");
  return addDigest(name, role, digestOf(token));
}

Status TokenStore::addHashed(const std::string& name, const std::string& role, std::string_view hex) {
  std::array<unsigned char, 32> digest{};
  bool valid = hex.size() == 64;
  for (size_t i = 0; valid && i < 32; ++i) {
    int hi = hexValue(hex[2 * i]), lo = hexValue(hex[2 * i + 1]);
    valid = hi >= 0 && lo >= 0;
    if (valid) digest[i] = static_cast<unsigned char>(hi * 16 + lo);
  }
  if (!valid)
    return Status::InvalidArgument("the sha256 of '" + name + "' must be 64 hexadecimal digits");
  return addDigest(name, role, digest);
}

Status TokenStore::addDigest(const std::string& name, const std::string& role,
                             const std::array<unsigned char, 32>& digest) {
  if (name.empty()) return Status::InvalidArgument("a token has no principal name");
  if (role.empty()) return Status::InvalidArgument("the token of '" + name + "' has no role");
  for (const auto& e : entries_) {
    if (e.principal.name == name) return Status::InvalidArgument("principal '" + name + "' is listed twice");
    if (e.digest == digest)
      return Status::InvalidArgument("'" + name + "' and '" + e.principal.name + "' have the same token");
  }
  entries_.push_back({{name, role}, digest});
  return Status::Ok();
}

std::optional<Principal> TokenStore::authenticate(std::string_view token) const {
  if (token.empty()) return std::nullopt;
  const auto digest = digestOf(token);
  const Entry* found = nullptr;
  // Every entry is compared, in constant time, whatever matches.
  for (const auto& e : entries_)
    if (CRYPTO_memcmp(e.digest.data(), digest.data(), digest.size()) == 0) found = &e;
  if (!found) return std::nullopt;
  return found->principal;
}

std::optional<Principal> TokenStore::find(std::string_view name) const {
  for (const auto& e : entries_)
    if (e.principal.name == name) return e.principal;
  return std::nullopt;
}

}  // namespace vsmcp::policy
