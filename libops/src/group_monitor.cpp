// Monitoring operations: events, recent tasks, performance samples.
#include <cstdio>
#include <map>

#include "util.hpp"
#include "vsmcp/glob.hpp"

namespace vsmcp::ops {

namespace {

using namespace vsphere;
using namespace util;

// ---- Summaries ------------------------------------------------------------------------------

const std::string& stringOf(const Json& obj, const char* key) {
  static const std::string kEmpty;
  const Json* v = obj.find(key);
  return v ? v->asString() : kEmpty;
}

// At most `max` characters of `text`, with "..." when cut.
std::string clip(const std::string& text, size_t max) {
  return text.size() <= max ? text : text.substr(0, max) + "...";
}

// An ISO time to the second ("2026-11-23T06:45:41.125870471Z" -> "2026-11-23T06:45:41Z").
std::string toSecond(const std::string& time) {
  const size_t dot = time.find('.');
  if (dot == std::string::npos) return time;
  const size_t end = time.find_first_not_of("0123456789", dot + 1);
  return time.substr(0, dot) + (end == std::string::npos ? std::string() : time.substr(end));
}

// A perf counter unit as people write it.
std::string unitText(const std::string& unit) {
  static const std::map<std::string, std::string> kUnits = {
      {"kiloBytesPerSecond", "KB/s"}, {"kiloBitsPerSecond", "kbit/s"}, {"megaBytesPerSecond", "MB/s"},
      {"megaHertz", "MHz"}, {"kiloBytes", "KB"}, {"megaBytes", "MB"}, {"millisecond", "ms"},
      {"microsecond", "us"}, {"second", "s"}, {"watt", "W"}, {"number", ""}};
  auto it = kUnits.find(unit);
  return it == kUnits.end() ? unit : it->second;
}

// vm_events, events_list: "N events, newest first: <type> (<message>) at <time>, ...".
std::string eventsSummary(const Json&, const Json& r) {
  const Json* events = r.find("events");
  const size_t n = events ? events->size() : 0;
  std::string text = std::to_string(n) + (n == 1 ? " event" : " events");
  size_t shown = 0;
  for (const auto& e : events ? events->items() : Json::Array{}) {
    if (shown == 3) {
      text += ", ...";
      break;
    }
    text += (shown++ ? ", " : ", newest first: ") + stringOf(e, "type");
    if (!stringOf(e, "message").empty()) text += " (" + clip(stringOf(e, "message"), 80) + ")";
    text += " at " + toSecond(stringOf(e, "time"));
  }
  return text;
}

// tasks_recent: "N recent tasks: 1 running, 1 error, 15 success; <name> on <entity> failed: <error>".
std::string tasksSummary(const Json&, const Json& r) {
  const Json* tasks = r.find("tasks");
  std::map<std::string, size_t> by_state;
  std::string notable;
  size_t shown = 0;
  for (const auto& t : tasks ? tasks->items() : Json::Array{}) {
    const std::string& state = stringOf(t, "state");
    ++by_state[state];
    if (state != "error" && state != "running" && state != "queued") continue;
    if (++shown > 2) continue;  // name the first two that failed or are not done
    notable += "; " + stringOf(t, "name") + " on " + stringOf(t, "entity") + " " +
               (state == "error" ? "failed" : state) + (t.find("error") ? ": " + clip(stringOf(t, "error"), 60) : "");
  }
  if (shown > 2) notable += "; ...";
  std::string counts;
  for (const char* state : {"running", "queued", "error", "success"}) {
    auto it = by_state.find(state);
    if (it == by_state.end()) continue;
    counts += (counts.empty() ? ": " : ", ") + std::to_string(it->second) + " " + state;
  }
  return std::to_string(tasks ? tasks->size() : 0) + " recent tasks" + counts + notable;
}

// vm_perf, host_perf: "4 series: cpu.usage.average 13.15% (latest of 15 samples), ...". Percent
// values are already in percent (the handler converts vCenter's hundredths).
std::string perfSummary(const Json&, const Json& r) {
  const Json* series = r.find("series");
  if (!series || series->size() == 0) return "no samples for these counters at this interval";
  std::string text = std::to_string(series->size()) + " series:";
  size_t shown = 0;
  for (const auto& s : series->items()) {
    if (shown == 6) {
      text += ", ...";
      break;
    }
    const Json* values = s.find("values");
    const size_t n = values ? values->size() : 0;
    std::string name = stringOf(s, "counter");
    if (!stringOf(s, "instance").empty()) name += "[" + stringOf(s, "instance") + "]";
    std::string latest = "no samples";
    if (n > 0) {
      // The newest sample: vCenter lists them oldest first, the simulator newest first.
      const Json* stamps = s.find("timestamps");
      size_t newest = n - 1;
      if (stamps && stamps->size() == n)
        for (size_t i = 0; i < n; ++i)
          if (toSecond(stamps->items()[i].asString()) > toSecond(stamps->items()[newest].asString())) newest = i;
      const double v = values->items()[newest].asDouble();
      const std::string& unit = stringOf(s, "unit");
      char buf[48];
      if (unit == "percent") std::snprintf(buf, sizeof buf, "%.2f%%", v);
      else std::snprintf(buf, sizeof buf, "%.0f%s%s", v, unitText(unit).empty() ? "" : " ", unitText(unit).c_str());
      latest = std::string(buf) + " (latest of " + std::to_string(n) + (n == 1 ? " sample)" : " samples)");
    }
    text += (shown++ ? ", " : " ") + name + " " + latest;
  }
  return text;
}

// ---- Schemas --------------------------------------------------------------------------------

Schema maxCount(std::int64_t default_count) {
  return Schema::integer("At most this many events, newest first; default " + std::to_string(default_count))
      .minimum(1)
      .maximum(1000);
}

// One event; `with_entities` adds the names of the objects involved (events_list).
Schema eventForm(bool with_entities) {
  Schema e = Schema::result("One vCenter event")
                 .prop("type", Schema::string("Event type, e.g. VmPoweredOnEvent, VmReconfiguredEvent"), kRequired)
                 .prop("time", Schema::string("When it happened, ISO 8601 (2026-11-23T06:45:41.125Z)"), kRequired)
                 .prop("user", Schema::string("User who caused it; empty for system events"))
                 .prop("message", Schema::string("vCenter's message in words"));
  if (with_entities)
    e.prop("vm", Schema::string("Name of the VM involved; empty when none"))
        .prop("host", Schema::string("Name of the host involved; empty when none"))
        .prop("cluster", Schema::string("Name of the cluster involved; empty when none"))
        .prop("datacenter", Schema::string("Name of the datacenter involved; empty when none"));
  return e;
}

Schema eventsResult(bool with_entities) {
  return Schema::result().prop("events", Schema::array(eventForm(with_entities), "The events, newest first"),
                               kRequired);
}

// The perf query arguments next to the VM or host argument.
Schema perfInput(const char* key, const Schema& locator) {
  return Schema::object()
      .prop(key, locator, kRequired)
      .prop("counters", Schema::array(Schema::string("Counter name group.name.rollup, e.g. cpu.usage.average, "
                                                     "mem.usage.average, net.usage.average"),
                                      "Counters to read; default CPU, memory, disk and network usage"))
      .prop("interval_seconds", Schema::integer("Sampling interval: 20 = realtime (about the last hour); 300, "
                                                "1800, 7200, 86400 = historical rollups; default 20")
                                    .minimum(20)
                                    .unit("seconds"))
      .prop("max_samples", Schema::integer("Newest samples per series; default 15").minimum(1).maximum(10000));
}

Schema perfResult() {
  return Schema::result().prop(
      "series",
      Schema::array(
          Schema::result("The samples of one counter (and instance)")
              .prop("counter", Schema::string("Counter name, e.g. cpu.usage.average"), kRequired)
              .prop("unit", Schema::string("Unit of the values: percent (5.24 = 5.24 %), megaHertz, kiloBytes, "
                                           "kiloBytesPerSecond, millisecond, number ..."),
                    kRequired)
              .prop("instance", Schema::string("Instance (a CPU, disk or NIC, e.g. vmnic0); empty for the "
                                               "aggregate of all"))
              .prop("timestamps", Schema::array(Schema::string("Sample time, ISO 8601"),
                                                "Sample times, one per value"),
                    kRequired)
              .prop("values", Schema::array(Schema::number("A sample in the series' unit; percent as "
                                                           "a number with decimals (5.24)"),
                                            "Sample values, in the order of timestamps"),
                    kRequired),
          "One entry per counter and instance; empty when there are no samples at this interval"),
      kRequired);
}

// vm_perf, host_perf: samples of `type` named by args[key]. vCenter gives percent counters in
// hundredths (524 = 5.24 %); they are returned in percent.
OperationHandler perfHandler(const char* type, const char* key) {
  return [type, key](Client& c, const Json& args, const OperationContext&) -> Result<Json> {
    VSMCP_ASSIGN_OR_RETURN(MoRef ref, c.resolve(type, Locator::any(str(args, key))));
    PerfQuery q;
    for (const auto& n : args.find("counters") ? args.find("counters")->items() : Json::Array{})
      q.counters.push_back(n.asString());
    if (const Json* i = args.find("interval_seconds")) q.interval_seconds = static_cast<int>(i->asInt());
    if (const Json* m = args.find("max_samples")) q.max_samples = static_cast<int>(m->asInt());
    VSMCP_ASSIGN_OR_RETURN(auto series, c.queryPerf(ref, q));
    Json arr = Json::array();
    for (const auto& s : series) {
      const bool hundredths = s.unit == "percent";
      Json values = Json::array();
      for (auto v : s.values) values.push(hundredths ? Json(static_cast<double>(v) / 100.0) : Json(v));
      arr.push(Json::object().set("counter", s.counter).set("unit", s.unit).set("instance", s.instance)
                   .set("timestamps", strings(s.timestamps)).set("values", values));
    }
    return Json::object().set("series", arr);
  };
}

}  // namespace

void addMonitorOperations(std::vector<Operation>& ops) {
  {
    Operation op = declare(
        "vm_events", "Events of a VM",
        "Recent events of a VM (power changes, reconfigurations, migrations...), newest first.", Safety::kRead,
        Shape::kObject, Schema::object().prop("vm", vmLocator(), kRequired).prop("max_count", maxCount(50)),
        eventsResult(false), [](Client& c, const Json& args, const OperationContext&) -> Result<Json> {
          VSMCP_ASSIGN_OR_RETURN(MoRef vm, vmArg(c, args));
          int max = static_cast<int>(args.find("max_count") ? args.find("max_count")->asInt(50) : 50);
          VSMCP_ASSIGN_OR_RETURN(auto events, c.events(vm, max));
          Json arr = Json::array();
          for (const auto& e : events)
            arr.push(Json::object().set("type", e.type).set("time", e.created_time).set("user", e.user_name)
                         .set("message", e.message));
          return Json::object().set("events", arr);
        });
    op.summary = eventsSummary;
    ops.push_back(std::move(op));
  }
  {
    Schema input =
        Schema::object()
            .prop("vm", Schema::string("Only this VM's events: VM name, inventory path (/DC/vm/x), id (vm-42) or "
                                       "BIOS UUID; not with host")
                            .minLength(1))
            .prop("host", Schema::string("Only this host's events and those of its VMs: host name, inventory path, "
                                         "id (host-12) or UUID; not with vm")
                              .minLength(1))
            .prop("type", Schema::string("Only events whose type matches this glob (* and ?, case-sensitive), e.g. "
                                         "VmPoweredOffEvent, Vm*Event, *Migrat*"))
            .prop("max_count", maxCount(100));
    Operation op = declare(
        "events_list", "List events",
        "Recent vCenter events, newest first: of one VM or host when given (and everything under it), "
        "else of the whole inventory. Optionally only events whose type matches a glob "
        "(VmPoweredOffEvent, *Migrat*). Use for an activity timeline or to see who changed what.",
        Safety::kRead, Shape::kObject, input, eventsResult(true),
        [](Client& c, const Json& args, const OperationContext&) -> Result<Json> {
          if (args.find("vm") && args.find("host")) return Status::InvalidArgument("give vm or host, not both");
          MoRef entity;
          if (args.find("vm")) { VSMCP_ASSIGN_OR_RETURN(entity, vmArg(c, args)); }
          if (args.find("host")) { VSMCP_ASSIGN_OR_RETURN(entity, hostArg(c, args)); }
          int max = static_cast<int>(args.find("max_count") ? args.find("max_count")->asInt(100) : 100);
          VSMCP_ASSIGN_OR_RETURN(auto events, c.events(entity, max));
          const std::string type = str(args, "type");
          Json arr = Json::array();
          for (const auto& e : events) {
            if (!type.empty() && !globMatch(type, e.type)) continue;
            arr.push(Json::object().set("type", e.type).set("time", e.created_time).set("user", e.user_name)
                         .set("message", e.message).set("vm", e.vm).set("host", e.host)
                         .set("cluster", e.cluster).set("datacenter", e.datacenter));
          }
          return Json::object().set("events", arr);
        });
    op.summary = eventsSummary;
    ops.push_back(std::move(op));
  }
  {
    Operation op = declare("tasks_recent", "Recent tasks", "Recent vCenter tasks with their state, progress and errors.",
                           Safety::kRead, Shape::kObject, Schema::object(),
                           Schema::result().prop("tasks", Schema::array(taskForm(), "The recent tasks"), kRequired),
                           [](Client& c, const Json&, const OperationContext&) -> Result<Json> {
                             VSMCP_ASSIGN_OR_RETURN(auto tasks, c.recentTasks());
                             Json arr = Json::array();
                             for (const auto& t : tasks) arr.push(toJson(t));
                             return Json::object().set("tasks", arr);
                           });
    op.summary = tasksSummary;
    ops.push_back(std::move(op));
  }
  {
    Operation op = declare("vm_perf", "VM performance", "Performance samples of a VM, counters resolved by name. Values are in each series' unit; "
                           "percent counters in percent (5.24).",
                           Safety::kRead, Shape::kObject, perfInput("vm", vmLocator()), perfResult(),
                           perfHandler("VirtualMachine", "vm"));
    op.summary = perfSummary;
    ops.push_back(std::move(op));
  }
  {
    Operation op = declare("host_perf", "Host performance", "Performance samples of a host, counters resolved by name. Values are in each series' unit; "
                           "percent counters in percent (5.24).",
                           Safety::kRead, Shape::kObject, perfInput("host", hostLocator()), perfResult(),
                           perfHandler("HostSystem", "host"));
    op.summary = perfSummary;
    ops.push_back(std::move(op));
  }
}

}  // namespace vsmcp::ops
