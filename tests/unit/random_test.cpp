// libcore: random ids and base64url.
#include <catch2/catch.hpp>
#include <set>

#include "vsmcp/random.hpp"

using namespace vsmcp;

TEST_CASE("randomHex gives distinct lowercase hex ids of the asked length") {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string id = randomHex(8);
    REQUIRE(id.size() == 16);
    CHECK(id.find_first_not_of("0123456789abcdef") == std::string::npos);
    seen.insert(id);
  }
  CHECK(seen.size() == 1000);
  CHECK(randomBytes(32).size() == 32);
}

TEST_CASE("base64url round-trips any bytes without padding and refuses foreign characters") {
  CHECK(base64url("") == "");
  CHECK(base64url("f") == "Zg");
  CHECK(base64url("foobar") == "Zm9vYmFy");
  CHECK(base64url(std::string("\xfb\xff", 2)) == "-_8");
  for (size_t n = 0; n < 40; ++n) {
    std::string data = randomBytes(n);
    auto back = base64urlDecode(base64url(data));
    REQUIRE(back);
    CHECK(*back == data);
  }
  CHECK(base64url(randomBytes(32)).size() == 43);
  CHECK_FALSE(base64urlDecode("Zm9v+mFy"));
  CHECK_FALSE(base64urlDecode("Zm9v=="));
}
