#include <catch2/catch.hpp>

#include "vsmcp/json.hpp"

using vsmcp::ErrorCode;
using vsmcp::Json;

TEST_CASE("JSON round-trips through parse and dump") {
  const std::string text =
      R"({"a":1,"b":[true,false,null],"c":{"d":"x\"y\\z\n\u00e9"},"e":-2.5,"f":9007199254740993})";
  auto j = Json::parse(text);
  REQUIRE(j.ok());
  CHECK(j->find("a")->asInt() == 1);
  CHECK(j->find("b")->items().size() == 3);
  CHECK(j->find("c")->find("d")->asString() == "x\"y\\z\n\xc3\xa9");
  CHECK(j->find("e")->asDouble() == -2.5);
  CHECK(j->find("f")->asInt() == 9007199254740993LL);
  auto again = Json::parse(j->dump());
  REQUIRE(again.ok());
  CHECK(*again == *j);
}

TEST_CASE("objects keep insertion order and set replaces") {
  Json o = Json::object();
  o.set("z", 1).set("a", 2).set("z", 3);
  CHECK(o.dump() == R"({"z":3,"a":2})");
  CHECK(o.erase("z"));
  CHECK(o.dump() == R"({"a":2})");
}

TEST_CASE("malformed, oversized and deeply nested JSON is refused with a reason") {
  auto bad = Json::parse("{\"a\":}");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == ErrorCode::kInvalidArgument);
  CHECK(bad.status().message().find("offset 5") != std::string::npos);
  CHECK_FALSE(Json::parse("").ok());
  CHECK_FALSE(Json::parse("{} x").ok());
  CHECK_FALSE(Json::parse("\"\xff\"").ok());  // invalid UTF-8
  std::string deep(10000, '[');
  auto d = Json::parse(deep);
  REQUIRE_FALSE(d.ok());
  CHECK(d.status().message().find("deeper than 64") != std::string::npos);
  Json::ParseLimits small;
  small.max_bytes = 10;
  CHECK(Json::parse("[1,2,3,4,5,6,7]", small).status().message().find("exceeds") != std::string::npos);
}

TEST_CASE("accessors of the wrong type return fallbacks") {
  Json s("text");
  CHECK(s.asInt(7) == 7);
  CHECK(s.items().empty());
  CHECK(s.find("x") == nullptr);
  Json d(3.0);
  CHECK(d.asInt() == 3);
  CHECK(Json(3.5).asInt(-1) == -1);
  CHECK(Json(std::nan("")).dump() == "null");
}

TEST_CASE("duplicate keys and unpaired surrogates are refused, wide objects parse") {
  auto dup = Json::parse(R"({"a":1,"b":2,"a":3})");
  REQUIRE_FALSE(dup.ok());
  CHECK(dup.status().message().find("duplicate object key \"a\"") != std::string::npos);
  CHECK_FALSE(Json::parse(R"("x\udc00y")").ok());
  CHECK_FALSE(Json::parse(R"({"\udc00":1})").ok());
  CHECK(Json::parse(R"("\ud83d\ude00")").ok());  // a valid pair (emoji) is fine
  std::string wide = "{";
  for (int i = 0; i < 50000; ++i) wide += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":" + std::to_string(i);
  wide += "}";
  auto w = Json::parse(wide);
  REQUIRE(w.ok());
  CHECK(w->size() == 50000);
  CHECK(w->find("k49999")->asInt() == 49999);
}

#include "signed_state.hpp"

TEST_CASE("canonical JSON ignores member order, and signed state detects any change") {
  using namespace vsmcp::mcp::internal;
  auto a = *vsmcp::Json::parse(R"({"b":[1,{"y":2,"x":1}],"a":"s"})");
  auto b = *vsmcp::Json::parse(R"({"a":"s","b":[1,{"x":1,"y":2}]})");
  CHECK(canonicalJson(a) == canonicalJson(b));
  CHECK(canonicalJson(a) == R"({"a":"s","b":[1,{"x":1,"y":2}]})");
  CHECK(sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");

  const std::string token = signState("key-1", "rs1", a);
  auto back = verifyState("key-1", "rs1", token);
  REQUIRE(back.ok());
  CHECK(*back == a);
  CHECK_FALSE(verifyState("key-2", "rs1", token).ok());  // another key
  CHECK_FALSE(verifyState("key-1", "tk1", token).ok());  // another kind
  for (size_t i = 0; i < token.size(); ++i) {
    std::string altered = token;
    altered[i] = altered[i] == 'x' ? 'y' : 'x';
    CHECK_FALSE(verifyState("key-1", "rs1", altered).ok());
  }
  CHECK_FALSE(verifyState("key-1", "rs1", "").ok());
  CHECK_FALSE(verifyState("key-1", "rs1", "rs1.").ok());
  CHECK(isoTime(0) == "1970-01-01T00:00:00.000Z");
  CHECK(isoTime(1785234567891) == "2026-07-28T10:29:27.891Z");
}
