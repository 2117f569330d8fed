#include "signed_state.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <vector>

#include "vsmcp/random.hpp"

namespace vsmcp::mcp::internal {

namespace {

void canonicalInto(const Json& v, std::string& out) {
  if (v.isObject()) {
    std::vector<const std::pair<std::string, Json>*> members;
    for (const auto& m : v.members()) members.push_back(&m);
    std::sort(members.begin(), members.end(), [](const auto* a, const auto* b) { return a->first < b->first; });
    out += '{';
    for (size_t i = 0; i < members.size(); ++i) {
      if (i) out += ',';
      out += Json(members[i]->first).dump();
      out += ':';
      canonicalInto(members[i]->second, out);
    }
    out += '}';
  } else if (v.isArray()) {
    out += '[';
    bool first = true;
    for (const auto& item : v.items()) {
      if (!first) out += ',';
      first = false;
      canonicalInto(item, out);
    }
    out += ']';
  } else {
    out += v.dump();
  }
}

std::string hmac(std::string_view key, std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), md, &len);
  return std::string(reinterpret_cast<const char*>(md), len);
}

}  // namespace

std::string canonicalJson(const Json& value) {
  std::string out;
  canonicalInto(value, out);
  return out;
}

std::string sha256Hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

std::string signState(std::string_view key, std::string_view kind, const Json& payload) {
  std::string signed_part(kind);
  signed_part += '.';
  signed_part += base64url(payload.dump());
  std::string token = signed_part;
  token += '.';
  token += base64url(hmac(key, signed_part));
  return token;
}

Result<Json> verifyState(std::string_view key, std::string_view kind, std::string_view token) {
  const size_t last = token.rfind('.');
  if (last == std::string_view::npos || token.size() > (1u << 20))
    return Status::InvalidArgument("it is not a token this server issued (malformed)");
  const std::string_view signed_part = token.substr(0, last);
  const size_t first = signed_part.find('.');
  if (first == std::string_view::npos) return Status::InvalidArgument("it is not a token this server issued (malformed)");
  if (signed_part.substr(0, first) != kind)
    return Status::InvalidArgument("it is not a token of the expected kind");
  // Compared as text, so no other spelling of the same bytes is accepted.
  const std::string_view mac = token.substr(last + 1);
  const std::string expected = base64url(hmac(key, signed_part));
  if (mac.size() != expected.size() || CRYPTO_memcmp(mac.data(), expected.data(), expected.size()) != 0)
    return Status::InvalidArgument("its signature does not match (altered, or issued under another key)");
  auto text = base64urlDecode(signed_part.substr(first + 1));
  if (!text) return Status::InvalidArgument("its payload is not base64url");
  auto payload = Json::parse(*text);
  if (!payload.ok() || !payload->isObject()) return Status::InvalidArgument("its payload is not a JSON object");
  return std::move(payload).value();
}

std::int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string isoTime(std::int64_t ms) {
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

}  // namespace vsmcp::mcp::internal
