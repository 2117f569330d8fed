#include <catch2/catch.hpp>

#include <vector>

#include "vsmcp/result.hpp"

using vsmcp::ErrorCode;
using vsmcp::Result;
using vsmcp::Status;

TEST_CASE("an OK status is ok and prints OK") {
  Status s;
  CHECK(s.ok());
  CHECK(s.code() == ErrorCode::kOk);
  CHECK(s.toString() == "OK");
}

TEST_CASE("an error status carries code, message and details") {
  Status s = Status::Error(ErrorCode::kNotFound, "no VM named 'x'",
                           vsmcp::ErrorDetails{"ManagedObjectNotFound", 500, "vm-1"});
  CHECK_FALSE(s.ok());
  CHECK(s.code() == ErrorCode::kNotFound);
  CHECK(s.toString() == "NotFound: no VM named 'x' [fault=ManagedObjectNotFound http=500 object=vm-1]");
  Status c = s.withContext("power on");
  CHECK(c.message() == "power on: no VM named 'x'");
  CHECK(c.details().object == "vm-1");
  CHECK(c.code() == ErrorCode::kNotFound);
}

TEST_CASE("an error cannot be built with the OK code") {
  Status s = Status::Error(ErrorCode::kOk, "oops");
  CHECK_FALSE(s.ok());
  CHECK(s.code() == ErrorCode::kInternal);
}

TEST_CASE("result holds a value or an error") {
  Result<int> good = 7;
  REQUIRE(good.ok());
  CHECK(*good == 7);
  Result<int> bad = Status::NotFound("gone");
  CHECK_FALSE(bad.ok());
  CHECK(bad.status().code() == ErrorCode::kNotFound);
  CHECK(bad.valueOr(3) == 3);
  Result<int> weird = Status::Ok();  // a result needs a value or an error
  CHECK_FALSE(weird.ok());
  CHECK(weird.status().code() == ErrorCode::kInternal);
}

namespace {
Result<int> half(int v) {
  if (v % 2) return Status::InvalidArgument("odd");
  return v / 2;
}
Result<int> quarter(int v) {
  VSMCP_ASSIGN_OR_RETURN(int h, half(v));
  VSMCP_ASSIGN_OR_RETURN(int q, half(h));
  return q;
}
}  // namespace

TEST_CASE("assign-or-return propagates the first error") {
  CHECK(*quarter(8) == 2);
  auto r = quarter(6);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message() == "odd");
}

TEST_CASE("dereferencing a temporary result yields a value that outlives it") {
  auto make = [] { return Result<std::vector<int>>(std::vector<int>{1, 2, 3}); };
  int sum = 0;
  for (int v : *make()) sum += v;  // would read freed memory if * returned a reference
  CHECK(sum == 6);
}
