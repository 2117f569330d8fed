// http::Request's accessors: header lookup, query parameters and path segments.
#include "http/server.hpp"
#include "text.hpp"

namespace vsmcp::http {

std::string Request::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (iequals(k, name)) return v;
  return "";
}

std::vector<std::pair<std::string, std::string>> Request::queryParams() const {
  std::vector<std::pair<std::string, std::string>> out;
  std::string_view rest = query;
  while (!rest.empty()) {
    size_t amp = rest.find('&');
    std::string_view piece = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (piece.empty()) continue;
    size_t eq = piece.find('=');
    std::string_view name = piece.substr(0, eq);
    std::string_view value =
        eq == std::string_view::npos ? std::string_view() : piece.substr(eq + 1);
    out.emplace_back(percentDecodeLenient(name, PlusMeans::kSpace),
                     percentDecodeLenient(value, PlusMeans::kSpace));
  }
  return out;
}

std::optional<std::vector<std::string>> Request::decodedPathSegments() const {
  std::vector<std::string> out;
  std::string_view rest = path;
  if (!rest.empty() && rest.front() == '/') rest.remove_prefix(1);
  if (rest.empty()) return out;
  for (;;) {
    size_t slash = rest.find('/');
    auto segment = percentDecode(rest.substr(0, slash), PlusMeans::kPlus);
    if (!segment) return std::nullopt;
    out.push_back(std::move(*segment));
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  return out;
}

}  // namespace vsmcp::http
