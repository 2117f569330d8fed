// isoTime: the one UTC timestamp format of envelopes, audit records and deployment records.
#include <catch2/catch.hpp>

#include "vsmcp/time.hpp"

using namespace std::chrono;

TEST_CASE("isoTime writes UTC with milliseconds, before and after 1970") {
  using vsmcp::isoTime;
  CHECK(isoTime(system_clock::time_point{}) == "1970-01-01T00:00:00.000Z");
  // 2026-11-23 is day 20,780 of the epoch.
  const auto t = system_clock::time_point{hours(24 * 20780) + hours(9) + minutes(7) + seconds(22) + milliseconds(123)};
  CHECK(isoTime(t) == "2026-11-23T09:07:22.123Z");
  CHECK(isoTime(t + microseconds(999)) == "2026-11-23T09:07:22.123Z");  // floored, never rounded up
  CHECK(isoTime(system_clock::time_point{milliseconds(-1)}) == "1969-12-31T23:59:59.999Z");
  CHECK(isoTime(system_clock::time_point{milliseconds(-1000)}) == "1969-12-31T23:59:59.000Z");
}

TEST_CASE("isoTime texts sort as their times do, within a second too") {
  using vsmcp::isoTime;
  const auto base = system_clock::time_point{hours(24 * 20415)};
  std::string last;
  for (int ms : {0, 1, 9, 10, 99, 100, 999, 1000, 1001, 60000, 3600000}) {
    const std::string text = isoTime(base + milliseconds(ms));
    CHECK(text > last);
    last = text;
  }
  const std::string now = vsmcp::isoTimeNow();
  CHECK(now.size() == 24);
  CHECK(now.back() == 'Z');
}
