#include "text.hpp"

#include <cctype>

namespace vsmcp::http {
namespace {

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The byte of the escape at s[i] ('%'), or -1 when it is not a complete %XX.
int escapeAt(std::string_view s, size_t i) {
  if (i + 2 >= s.size()) return -1;
  int hi = hexValue(s[i + 1]);
  int lo = hexValue(s[i + 2]);
  return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

// ASCII only, whatever the locale: HTTP's names are ASCII.
char asciiLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i] != b[i] && asciiLower(a[i]) != asciiLower(b[i])) return false;
  return true;
}

std::string toLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = asciiLower(c);
  return out;
}

std::string_view trimWhitespace(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool isToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) continue;
    switch (c) {
      case '!':
      case '#':
      case '$':
      case '%':
      case '&':
      case '\'':
      case '*':
      case '+':
      case '-':
      case '.':
      case '^':
      case '_':
      case '`':
      case '|':
      case '~':
        continue;
      default:
        return false;
    }
  }
  return true;
}

bool isSafeHeaderValue(std::string_view s) {
  // A plain loop: find_first_of with a set calls memchr once per character.
  for (char c : s)
    if (c == '\r' || c == '\n' || c == '\0') return false;
  return true;
}

bool isSaneRequestId(std::string_view s) {
  if (s.empty() || s.size() > 128) return false;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (!std::isalnum(u) && c != '.' && c != '_' && c != '-') return false;
  }
  return true;
}

std::optional<std::string> percentDecode(std::string_view s, PlusMeans plus) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      int byte = escapeAt(s, i);
      if (byte <= 0) return std::nullopt;  // bad escape, or NUL
      out.push_back(static_cast<char>(byte));
      i += 2;
    } else if (c == '\0') {
      return std::nullopt;
    } else {
      out.push_back(c == '+' && plus == PlusMeans::kSpace ? ' ' : c);
    }
  }
  return out;
}

std::string percentDecodeLenient(std::string_view s, PlusMeans plus) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    int byte = c == '%' ? escapeAt(s, i) : -1;
    if (byte > 0) {
      out.push_back(static_cast<char>(byte));
      i += 2;
    } else {
      out.push_back(c == '+' && plus == PlusMeans::kSpace ? ' ' : c);
    }
  }
  return out;
}

}  // namespace vsmcp::http
