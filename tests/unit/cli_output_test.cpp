// vsphere-cli output: table alignment by display width (unicode names), CSV quoting, ids only,
// JSON, and the rendering of each result shape the registry returns.
#include <algorithm>
#include <catch2/catch.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "output.hpp"
#include "progress.hpp"

using vsmcp::Json;
using namespace vsmcp::cli;

namespace {

Json parse(const char* text) {
  auto j = Json::parse(text);
  REQUIRE(j.ok());
  return *j;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

// The display column where `needle` starts in `line`.
size_t columnOf(const std::string& line, const std::string& needle) {
  const size_t pos = line.find(needle);
  REQUIRE(pos != std::string::npos);
  return displayWidth(line.substr(0, pos));
}

}  // namespace

TEST_CASE("display width counts wide characters twice and combining marks not at all") {
  CHECK(displayWidth("web-01") == 6);
  CHECK(displayWidth("\xE6\x97\xA5\xE6\x9C\xAC") == 4);  // 日本
  CHECK(displayWidth("caf\x65\xCC\x81") == 4);           // cafe + combining acute
  CHECK(displayWidth("\xC3\xA9t\xC3\xA9") == 3);         // été
  CHECK(displayWidth("\xF0\x9F\x9A\x80") == 2);          // rocket emoji
  CHECK(displayWidth("\xFF\xFE") == 2);                  // invalid bytes: 1 each
  CHECK(displayWidth("\xE0\x80\x80") == 3);              // overlong: invalid
}

TEST_CASE("table columns line up by display width with unicode names") {
  const std::string t = renderTable({"name", "power_state", "num_cpu"},
                                    {{"web-01", "poweredOn", "2"},
                                     {"\xE6\x97\xA5\xE6\x9C\xAC-vm", "poweredOff", "16"},
                                     {"caf\x65\xCC\x81", "suspended", "4"}});
  auto rows = lines(t);
  REQUIRE(rows.size() == 4);
  CHECK(rows[0].rfind("NAME", 0) == 0);
  // The second column starts at the same display column on every line.
  const size_t col = columnOf(rows[0], "POWER_STATE");
  CHECK(columnOf(rows[1], "poweredOn") == col);
  CHECK(columnOf(rows[2], "poweredOff") == col);
  CHECK(columnOf(rows[3], "suspended") == col);
  // Widest name (日本-vm, 7 columns) plus two spaces.
  CHECK(col == 9);
  // Numbers are right-aligned: they end in the same column as the header.
  CHECK(displayWidth(rows[0]) == displayWidth(rows[1]));
  CHECK(displayWidth(rows[2]) == displayWidth(rows[0]));
  CHECK(rows[1].substr(rows[1].size() - 3) == "  2");
  // No trailing spaces.
  for (const auto& r : rows) CHECK(r.back() != ' ');
}

TEST_CASE("table cells cannot carry control characters or bidi overrides to the terminal") {
  CHECK(sanitizeCell("a\nb\tc") == "a?b?c");
  CHECK(sanitizeCell("\x1b[31mred") == "?[31mred");
  CHECK(sanitizeCell("x\xE2\x80\xAEy") == "x?y");  // U+202E right-to-left override
  CHECK(sanitizeCell("\xC3\xA9") == "\xC3\xA9");   // valid UTF-8 is kept
  CHECK(sanitizeCell("\xFF") == "?");
  const std::string t = renderTable({"name"}, {{sanitizeCell("two\nlines")}});
  CHECK(lines(t).size() == 2);
}

TEST_CASE("csv quotes fields per RFC 4180") {
  CHECK(csvField("plain") == "plain");
  CHECK(csvField("a,b") == "\"a,b\"");
  CHECK(csvField("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(csvField("two\nlines") == "\"two\nlines\"");
  CHECK(csvField("cr\r") == "\"cr\r\"");
  CHECK(csvField("") == "");
  CHECK(csvField(" spaced ") == " spaced ");
  CHECK(renderCsv({"name", "note"}, {{"a,b", "x\"y"}, {"c", ""}}) ==
        "name,note\n\"a,b\",\"x\"\"y\"\nc,\n");
}

TEST_CASE("a paged list renders its items with the command's columns and notes more pages") {
  Json r = parse(R"({"total":3,"count":2,"offset":0,"vms":[
      {"id":"vm-1","name":"web-01","power_state":"poweredOn","num_cpu":2,"memory_mb":2048,"host":"h1","ip_address":"10.0.0.1","datastores":["ds1","ds2"]},
      {"id":"vm-2","name":"db, main","power_state":"poweredOff","num_cpu":4,"memory_mb":4096,"host":"h2","ip_address":"","datastores":[]}],
      "next_offset":2})");
  OutputOptions o;
  Rendered t = renderResult(r, "name,power_state,num_cpu,id", o);
  auto rows = lines(t.out);
  REQUIRE(rows.size() == 3);
  CHECK(rows[0].find("NAME") == 0);
  CHECK(rows[0].find("MEMORY_MB") == std::string::npos);
  CHECK(rows[1].find("web-01") == 0);
  CHECK(t.note.find("showing 2 of 3 vms") != std::string::npos);
  CHECK(t.note.find("--offset 2") != std::string::npos);

  o.format = Format::kCsv;
  Rendered c = renderResult(r, "name,power_state,num_cpu,id", o);
  auto csv = lines(c.out);
  REQUIRE(csv.size() == 3);
  // CSV shows every field by default, arrays joined with ';'.
  CHECK(csv[0] == "id,name,power_state,num_cpu,memory_mb,host,ip_address,datastores");
  CHECK(csv[1] == "vm-1,web-01,poweredOn,2,2048,h1,10.0.0.1,ds1;ds2");
  CHECK(csv[2] == "vm-2,\"db, main\",poweredOff,4,4096,h2,,");

  o.columns = {"name", "id"};
  CHECK(renderResult(r, "", o).out == "name,id\nweb-01,vm-1\n\"db, main\",vm-2\n");

  o = OutputOptions{};
  o.quiet = true;
  CHECK(renderResult(r, "", o).out == "vm-1\nvm-2\n");
}

TEST_CASE("json output is the result itself, compact or indented") {
  Json r = parse(
      R"({"vm":{"id":"vm-1","name":"web-01","datastores":["a"],"annotation":"line\nbreak"}})");
  OutputOptions o;
  o.format = Format::kJson;
  Rendered compact = renderResult(r, "", o);
  CHECK(compact.out == r.dump() + "\n");
  o.pretty_json = true;
  Rendered pretty = renderResult(r, "", o);
  auto back = Json::parse(pretty.out);
  REQUIRE(back.ok());
  CHECK(*back == r);
  CHECK(pretty.out.find("\n  \"vm\": {\n    \"id\": \"vm-1\"") != std::string::npos);
}

TEST_CASE("a get renders as aligned key-value lines and -q prints its id") {
  Json r = parse(
      R"({"host":{"id":"host-9","name":"esx-1","cpu_cores":8,"in_maintenance_mode":false,"memory_bytes":1610612736}})");
  OutputOptions o;
  auto rows = lines(renderResult(r, "", o).out);
  REQUIRE(rows.size() == 5);
  CHECK(rows[0] == "id:" + std::string(18, ' ') + "host-9");
  CHECK(rows[3] == "in_maintenance_mode: false");
  CHECK(rows[4] == "memory_bytes:" + std::string(8, ' ') + "1.5 GiB");
  o.quiet = true;
  CHECK(renderResult(r, "", o).out == "host-9\n");
  o.quiet = false;
  o.format = Format::kCsv;
  CHECK(lines(renderResult(r, "", o).out)[0] == "key,value");
  CHECK(lines(renderResult(r, "", o).out)[5] == "memory_bytes,1610612736");
}

TEST_CASE("a summary renders nested objects with dotted keys and its arrays as tables") {
  Json r = parse(R"({"datacenters":1,"hosts":{"total":3,"connected":3},"cpu":{"used_percent":12.5},
                    "by_cluster":[{"id":"domain-c1","name":"C0","hosts":3,"vms":4}]})");
  const std::string out = renderResult(r, "", OutputOptions{}).out;
  CHECK(out.find("hosts.total:" + std::string(6, ' ') + "3\n") != std::string::npos);
  CHECK(out.find("cpu.used_percent: 12.5\n") != std::string::npos);
  CHECK(out.find("by_cluster:\nID         NAME  HOSTS  VMS\ndomain-c1  C0        3    4\n") !=
        std::string::npos);
}

TEST_CASE("a snapshot tree shows depth by indenting and -q lists every snapshot id") {
  Json r = parse(R"({"current":"snapshot-3","snapshots":[
      {"id":"snapshot-1","name":"base","current":false,"children":[
        {"id":"snapshot-2","name":"patched","current":false,"children":[
          {"id":"snapshot-3","name":"tested","current":true,"children":[]}]}]}]})");
  auto rows = lines(renderResult(r, "name,id,current", OutputOptions{}).out);
  REQUIRE(rows.size() == 4);
  CHECK(rows[1].rfind("base ", 0) == 0);
  CHECK(rows[2].rfind("  patched", 0) == 0);
  CHECK(rows[3].rfind("    tested", 0) == 0);
  OutputOptions q;
  q.quiet = true;
  CHECK(renderResult(r, "", q).out == "snapshot-1\nsnapshot-2\nsnapshot-3\n");
  OutputOptions csv;
  csv.format = Format::kCsv;
  auto c = lines(renderResult(r, "", csv).out);
  CHECK(c[0] == "id,name,current,parent");
  CHECK(c[3] == "snapshot-3,tested,true,snapshot-2");
}

TEST_CASE("task results print one line and -q prints what the task made") {
  Json r = parse(
      R"({"task":{"id":"task-7","name":"VirtualMachine.clone","state":"success","progress":100,"entity":"vm-1","result":"vm-99"}})");
  CHECK(renderResult(r, "", OutputOptions{}).out ==
        "VirtualMachine.clone vm-1: success, result vm-99 (task-7)\n");
  OutputOptions q;
  q.quiet = true;
  CHECK(renderResult(r, "", q).out == "vm-99\n");
  r.find("task")->erase("result");
  CHECK(renderResult(r, "", q).out == "task-7\n");
}

TEST_CASE("a result with several lists is a document with a table for each") {
  Json r = parse(R"({"by_item":[{"item":"a","vms":1}],"unsynced":[{"id":"dep-1","name":"x"}]})");
  const std::string out = renderResult(r, "", OutputOptions{}).out;
  CHECK(out.find("by_item:\nITEM  VMS\na       1\n") != std::string::npos);
  CHECK(out.find("unsynced:\nID     NAME\ndep-1  x\n") != std::string::npos);
  Json both = parse(
      R"({"deployment":{"id":"dep-1","name":"x"},"task":{"id":"task-1","state":"success","result":"vm-9"}})");
  const std::string doc = renderResult(both, "", OutputOptions{}).out;
  CHECK(doc.find("deployment.id:   dep-1\n") != std::string::npos);
  CHECK(doc.find("task.result:     vm-9\n") != std::string::npos);
  OutputOptions q;
  q.quiet = true;
  CHECK(renderResult(both, "", q).out == "vm-9\n");
}

TEST_CASE("a dry run says what would change") {
  Json r = parse(R"j({"dry_run":true,"would":"destroy VM 'web-01' (vm-1, poweredOff)"})j");
  CHECK(renderResult(r, "", OutputOptions{}).out ==
        "dry run, nothing changed: would destroy VM 'web-01' (vm-1, poweredOff)\n");
  OutputOptions q;
  q.quiet = true;
  CHECK(renderResult(r, "", q).out.empty());
}

TEST_CASE("a dry run's reasons and details stay out of its one line, and in its JSON") {
  // The shapes the Invoker answers with: a destructive operation's own dry run (blocked,
  // details) and a change's ({operation, arguments, resolved} under details).
  Json blocked = parse(R"j({"dry_run":true,"would":"destroy VM 'web-01' (vm-1, poweredOn)",
      "blocked":["VM 'web-01' is poweredOn: power it off first"],
      "details":{"vm":"vm-1","power_state":"poweredOn","datastores":["ds1"]}})j");
  CHECK(renderResult(blocked, "", OutputOptions{}).out ==
        "dry run, nothing changed: would destroy VM 'web-01' (vm-1, poweredOn)\n");
  Json change = parse(R"j({"dry_run":true,"would":"call vm_power_on with {\"vm\":\"web-01\"}; vm 'web-01' is vm-1",
      "details":{"operation":"vm_power_on","arguments":{"vm":"web-01"},"resolved":{"vm":"vm-1"}}})j");
  CHECK(renderResult(change, "", OutputOptions{}).out ==
        "dry run, nothing changed: would call vm_power_on with {\"vm\":\"web-01\"}; vm 'web-01' is vm-1\n");
  OutputOptions csv;
  csv.format = Format::kCsv;
  CHECK(renderResult(blocked, "", csv).out ==
        "dry_run,would\ntrue,\"destroy VM 'web-01' (vm-1, poweredOn)\"\n");
  OutputOptions json;
  json.format = Format::kJson;
  CHECK(parse(renderResult(change, "", json).out.c_str()) == change);
  OutputOptions q;
  q.quiet = true;
  CHECK(renderResult(blocked, "", q).out.empty());
}

TEST_CASE("list totals beyond the rows go to the note") {
  Json r = parse(
      R"({"total":1,"count":1,"offset":0,"datastores":[{"id":"ds-1","name":"a","capacity_bytes":2048}],
                    "total_used_percent":42.5})");
  Rendered t = renderResult(r, "name,capacity_bytes", OutputOptions{});
  CHECK(lines(t.out)[1] == "a" + std::string(12, ' ') + "2.0 KiB");
  CHECK(t.note == "total_used_percent: 42.5\n");
}

TEST_CASE("bytes read in IEC units") {
  CHECK(humanBytes(0) == "0 B");
  CHECK(humanBytes(1023) == "1023 B");
  CHECK(humanBytes(1536) == "1.5 KiB");
  CHECK(humanBytes(1099511627776LL) == "1.0 TiB");
}

TEST_CASE("the progress bar fits the terminal and shows the percentage") {
  const std::string line = progressLine("Power on a VM web-01", 45, 60);
  CHECK(displayWidth(line) <= 60);
  CHECK(line.find(" 45%") != std::string::npos);
  CHECK(line.rfind("Power on a VM web-01 [", 0) == 0);
  const std::string full = progressLine("x", 100, 80);
  CHECK(full.find("[" + std::string(30, '#') + "] 100%") != std::string::npos);
  const std::string narrow =
      progressLine("a very long label that cannot fit at all in a narrow terminal", 0, 30);
  CHECK(displayWidth(narrow) <= 30);
  CHECK(narrow.find("...") != std::string::npos);
}

TEST_CASE("progress redraws one line on a terminal and prints plain lines otherwise") {
  std::ostringstream tty, plain;
  {
    ProgressDisplay p(tty, true, 80);
    p.start("Power on a VM web-01");
    p.update(50);
    p.update(50);  // unchanged: nothing drawn
    p.update(100);
  }
  const std::string t = tty.str();
  CHECK(std::count(t.begin(), t.end(), '\r') == 3);
  CHECK(t.find("100%\n") != std::string::npos);
  CHECK(std::count(t.begin(), t.end(), '\n') == 1);
  {
    ProgressDisplay p(plain, false, 0);
    p.start("Power on a VM web-01");
    p.update(100);
  }
  CHECK(plain.str() == "Power on a VM web-01: started\nPower on a VM web-01: 100%\n");
  // No task progress at all: a terminal's bar is erased, not left at 0%.
  std::ostringstream none;
  {
    ProgressDisplay p(none, true, 80);
    p.start("Delete a tag prod");
  }
  CHECK(none.str().size() > 4);
  CHECK(none.str().substr(none.str().size() - 4) == "\r\033[K");
}
