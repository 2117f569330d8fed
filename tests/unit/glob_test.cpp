#include <catch2/catch.hpp>

#include "vsphere/types.hpp"

using vsmcp::vsphere::globMatch;
using vsmcp::vsphere::parsePowerState;
using vsmcp::vsphere::PowerState;

TEST_CASE("globs match with star and question mark") {
  CHECK(globMatch("*", ""));
  CHECK(globMatch("web-*", "web-01"));
  CHECK_FALSE(globMatch("web-*", "db-01"));
  CHECK(globMatch("*-0?", "app-07"));
  CHECK_FALSE(globMatch("*-0?", "app-100"));
  CHECK(globMatch("a*b*c", "aXXbYYc"));
  CHECK_FALSE(globMatch("a*b*c", "aXXbYY"));
  CHECK(globMatch("exact", "exact"));
  CHECK_FALSE(globMatch("exact", "exactly"));
  // Pathological pattern stays fast (no exponential backtracking).
  CHECK_FALSE(globMatch("*a*a*a*a*a*a*a*a*b", std::string(5000, 'a')));
}

TEST_CASE("power states parse from vSphere names and short forms") {
  CHECK(parsePowerState("poweredOn") == PowerState::kPoweredOn);
  CHECK(parsePowerState("off") == PowerState::kPoweredOff);
  CHECK(parsePowerState("suspended") == PowerState::kSuspended);
  CHECK_FALSE(parsePowerState("sleeping").has_value());
}
