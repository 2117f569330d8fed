#include <catch2/catch.hpp>

#include "url.hpp"
#include "vsphere/http_transport.hpp"

using vsmcp::vsphere::normalizeThumbprint;
using vsmcp::vsphere::parseUrl;

TEST_CASE("server URLs parse with defaults for scheme, port and path") {
  auto u = parseUrl("vc.example.com");
  REQUIRE(u.ok());
  CHECK(u->scheme == "https");
  CHECK(u->host == "vc.example.com");
  CHECK(u->port == "443");
  CHECK(u->path == "/sdk");
  auto v = parseUrl("https://127.0.0.1:8989/sdk");
  REQUIRE(v.ok());
  CHECK(v->port == "8989");
  CHECK(v->hostPort() == "127.0.0.1:8989");
  auto w = parseUrl("https://[::1]:443/");
  REQUIRE(w.ok());
  CHECK(w->host == "::1");
  CHECK(w->path == "/sdk");
  CHECK(w->hostPort() == "[::1]:443");
  auto h = parseUrl("http://esx01");
  REQUIRE(h.ok());
  CHECK(h->port == "80");
  CHECK_FALSE(h->tls());
}

TEST_CASE("malformed server URLs are refused with a reason") {
  CHECK(parseUrl("").status().message().find("empty") != std::string::npos);
  CHECK(parseUrl("ftp://x").status().message().find("scheme") != std::string::npos);
  CHECK(parseUrl("https://h:99999").status().message().find("port") != std::string::npos);
  CHECK(parseUrl("https://h:abc").status().message().find("port") != std::string::npos);
  CHECK(parseUrl("https://[::1").status().message().find("IPv6") != std::string::npos);
  auto creds = parseUrl("https://root:secret@vc/sdk");
  REQUIRE_FALSE(creds.ok());
  CHECK(creds.status().message().find("secret") == std::string::npos);
  CHECK(creds.status().message().find("credentials") != std::string::npos);
  // A password with a slash must not leak through another error either.
  auto slash = parseUrl("https://admin:Pa/ss@vc.example.com/sdk");
  REQUIRE_FALSE(slash.ok());
  CHECK(slash.status().message().find("Pa/ss") == std::string::npos);
  CHECK(parseUrl("https://vc:bad/sdk").status().message().find("vc:bad") == std::string::npos);
}

TEST_CASE("thumbprints normalise to colon-separated upper-case SHA-256") {
  std::string raw(64, 'a');
  auto t = normalizeThumbprint(raw);
  REQUIRE(t.ok());
  CHECK(t->size() == 95);
  CHECK(t->substr(0, 6) == "AA:AA:");
  auto sha1 = normalizeThumbprint(std::string(40, 'b'));
  REQUIRE_FALSE(sha1.ok());
  CHECK(sha1.status().message().find("SHA-1") != std::string::npos);
  CHECK_FALSE(normalizeThumbprint("zz").ok());
}
