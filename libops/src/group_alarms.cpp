// Alarm operations: list the triggered alarms (vCenter's alarm states), acknowledge one, reset
// one to green. vCenter only.
#include <map>
#include <string>

#include "util.hpp"

namespace vsmcp::ops {

namespace {

using namespace vsphere;
using namespace util;

// ---- JSON forms -------------------------------------------------------------------------------

Json toJsonAlarm(const AlarmStateInfo& s) {
  Json j = Json::object();
  j.set("id", s.key).set("status", s.status).set("alarm", s.alarm.value).set("alarm_name", s.alarm_name)
      .set("entity", s.entity.value).set("entity_type", s.entity.type).set("entity_name", s.entity_name)
      .set("entity_path", s.entity_path).set("time", s.time).set("acknowledged", s.acknowledged);
  if (s.acknowledged) j.set("acknowledged_by", s.acknowledged_by).set("acknowledged_time", s.acknowledged_time);
  return j;
}

Schema alarmForm(const char* description = "One alarm on one object") {
  return Schema::result(description)
      .prop("id", Schema::string("Key of this alarm on this object (alarm-12.vm-42): what alarm_acknowledge and "
                                 "alarm_reset take"),
            kRequired)
      .prop("status", Schema::string("red or yellow: triggered; green or gray: not triggered (gray: unknown)")
                          .oneOf({"red", "yellow", "green", "gray"}),
            kRequired)
      .prop("alarm", Schema::string("Id of the alarm's definition (alarm-12)"), kRequired)
      .prop("alarm_name", Schema::string("The alarm's name, e.g. Virtual machine CPU usage"), kRequired)
      .prop("entity", Schema::string("Id of the object the alarm is on (vm-42, host-12)"), kRequired)
      .prop("entity_type", Schema::string("Its type: VirtualMachine, HostSystem, Datastore, "
                                          "ClusterComputeResource, ..."),
            kRequired)
      .prop("entity_name", Schema::string("Its name"), kRequired)
      .prop("entity_path", Schema::string("Its inventory path (/DC0/vm/web-01); / for the root folder"), kRequired)
      .prop("time", Schema::string("When the alarm entered this status, ISO 8601"), kRequired)
      .prop("acknowledged", Schema::boolean("True when someone acknowledged it: its actions do not run again "
                                            "until it has been green"),
            kRequired)
      .prop("acknowledged_by", Schema::string("Who acknowledged it; only when acknowledged"))
      .prop("acknowledged_time", Schema::string("When it was acknowledged, ISO 8601; only when acknowledged"));
}

// ---- arguments --------------------------------------------------------------------------------

Schema entityArg(const char* description) {
  return Schema::string(std::string(description) +
                        ": name (unique among VMs, hosts, clusters, datacenters, datastores, networks, "
                        "pools and folders), inventory path (/DC0/host/C0, / for the root folder), id "
                        "(vm-42, host-12) or Type:id (HostSystem:host-12)")
      .minLength(1);
}

Schema alarmInput(const char* verb) {
  return Schema::object()
      .prop("alarm", Schema::string(std::string("The alarm to ") + verb +
                                    ": its id from alarm_list (alarm-12.vm-42); or the alarm's id (alarm-12) "
                                    "or name (Virtual machine CPU usage), with entity unless it is triggered "
                                    "on one object only")
                         .minLength(1),
            kRequired)
      .prop("entity", entityArg("The object the alarm is triggered on; needed with an alarm id or name that is "
                                "triggered on several objects"));
}

Result<MoRef> entityOf(Client& c, const Json& args) {
  if (!args.find("entity")) return MoRef{};
  return c.resolveEntity(Locator::any(str(args, "entity")));
}

// ---- summaries --------------------------------------------------------------------------------

const std::string& stringOf(const Json& obj, const char* key) {
  static const std::string kEmpty;
  const Json* v = obj.find(key);
  return v ? v->asString() : kEmpty;
}

// "'Virtual machine CPU usage' (red) on DC0_C0_RP0_VM0"
std::string alarmLabel(const Json& a) {
  return "'" + stringOf(a, "alarm_name") + "' (" + stringOf(a, "status") + ") on " + stringOf(a, "entity_name");
}

// alarm_list: "2 of 2 alarms: 1 red, 1 yellow; 'Virtual machine CPU usage' (red) on web-01, ...".
std::string listSummary(const Json&, const Json& r) {
  const Json* items = r.find("alarms");
  const size_t count = items ? items->size() : 0;
  const std::int64_t total = r.find("total") ? r.find("total")->asInt() : 0;
  std::string text = std::to_string(count) + " of " + std::to_string(total) + (total == 1 ? " alarm" : " alarms");
  if (count == 0) return text;
  std::map<std::string, size_t> by_status;
  size_t unacknowledged = 0;
  for (const auto& a : items->items()) {
    ++by_status[stringOf(a, "status")];
    if (!a.find("acknowledged") || !a.find("acknowledged")->asBool()) ++unacknowledged;
  }
  std::string counts;
  for (const char* status : {"red", "yellow", "green", "gray"})
    if (by_status.count(status))
      counts += (counts.empty() ? ": " : ", ") + std::to_string(by_status[status]) + " " + status;
  text += counts + " (" + std::to_string(unacknowledged) + " not acknowledged)";
  size_t shown = 0;
  for (const auto& a : items->items()) {
    if (shown == 3) {
      text += ", ...";
      break;
    }
    text += (shown++ ? ", " : "; ") + alarmLabel(a);
  }
  if (const Json* next = r.find("next_offset")) text += " (more: offset " + std::to_string(next->asInt()) + ")";
  return text;
}

}  // namespace

void addAlarmOperations(std::vector<Operation>& ops) {
  {
    Schema input =
        Schema::object()
            .prop("entity", entityArg("Only alarms on this object and below it (its folders, hosts, VMs, ...; for "
                                      "a host, cluster or resource pool also the VMs it runs)"))
            .prop("status", Schema::string("Only alarms in this status. Default: red and yellow (the triggered "
                                           "ones). green or gray lists alarms that apply but are not "
                                           "triggered: one per alarm and object, a long list")
                                .oneOf({"red", "yellow", "green", "gray"}))
            .prop("acknowledged", Schema::boolean("true: only acknowledged alarms; false: only those no one has "
                                                  "acknowledged yet; default both"));
    Operation op = declare(
        "alarm_list", "List alarms",
        "vCenter's triggered alarms (red, yellow) with the object each is on (id, name, inventory path), the "
        "alarm's name, when it triggered and whether someone acknowledged it; red first, newest first. Filter by "
        "object (everything below it), status or acknowledgement. Use it to see what is wrong in the inventory "
        "or on one VM or host; the id of an item is what alarm_acknowledge and alarm_reset take. Paged.",
        Safety::kRead, Shape::kList, withPaging(input), listResult("alarms", alarmForm(), "alarms"),
        [](Client& c, const Json& args, const OperationContext& ctx) -> Result<Json> {
          AlarmQuery q;
          if (args.find("entity")) {
            auto entity = c.resolveEntity(Locator::any(str(args, "entity")));
            if (!entity.ok()) return entity.status().withContext("entity");
            q.entity = *entity;
          }
          const std::string status = str(args, "status");
          q.declared = status == "green" || status == "gray";
          VSMCP_ASSIGN_OR_RETURN(auto states, c.listAlarms(q));
          const Json* acknowledged = args.find("acknowledged");
          std::vector<AlarmStateInfo> out;
          for (auto& s : states) {
            if (!status.empty() && s.status != status) continue;
            if (acknowledged && s.acknowledged != acknowledged->asBool()) continue;
            out.push_back(std::move(s));
          }
          return listOf(out, args, ctx, "alarms", toJsonAlarm);
        });
    op.list_key = "alarms";
    op.summary = listSummary;
    ops.push_back(std::move(op));
  }
  {
    Operation op = declare(
        "alarm_acknowledge", "Acknowledge an alarm",
        "Acknowledge a triggered alarm: it stays red or yellow, but its actions (emails, scripts) do not run "
        "again until it has been green, and others see that someone is on it. Name it by its id from alarm_list "
        "(alarm-12.vm-42), or by alarm name and object. Returns the alarm with who acknowledged it and when.",
        Safety::kChange, Shape::kObject, alarmInput("acknowledge"),
        Schema::result().prop("alarm", alarmForm("The alarm, now acknowledged"), kRequired),
        [](Client& c, const Json& args, const OperationContext&) -> Result<Json> {
          VSMCP_ASSIGN_OR_RETURN(MoRef entity, entityOf(c, args));
          auto state = c.acknowledgeAlarm(str(args, "alarm"), entity);
          if (!state.ok()) return lookupError(state.status(), "alarm_list");
          return Json::object().set("alarm", toJsonAlarm(*state));
        });
    op.idempotent = true;  // acknowledging it again changes nothing
    op.summary = [](const Json&, const Json& r) {
      const Json& a = *r.find("alarm");
      return "acknowledged " + alarmLabel(a) +
             (stringOf(a, "acknowledged_by").empty() ? std::string() : " as " + stringOf(a, "acknowledged_by"));
    };
    ops.push_back(std::move(op));
  }
  {
    // A change, not destructive: a reset loses no data and interrupts no workload (the classes'
    // definition in operation.hpp); it hides a condition until vCenter next evaluates the alarm,
    // which triggers it again if the condition persists.
    Operation op = declare(
        "alarm_reset", "Reset an alarm to green",
        "Reset a triggered alarm to green (vCenter's Reset to green): it leaves the triggered alarms until its "
        "condition triggers it again. For alarms whose cause is fixed but that do not clear by themselves (event "
        "alarms); it does not fix anything. Name it by its id from alarm_list (alarm-12.vm-42), or by alarm "
        "name and object. Returns the alarm as it was before the reset.",
        Safety::kChange, Shape::kObject, alarmInput("reset"),
        Schema::result()
            .prop("alarm", alarmForm("The alarm as it was before the reset"), kRequired)
            .prop("status", Schema::string("Its status now: green").oneOf({"green"}), kRequired),
        [](Client& c, const Json& args, const OperationContext&) -> Result<Json> {
          VSMCP_ASSIGN_OR_RETURN(MoRef entity, entityOf(c, args));
          auto state = c.resetAlarm(str(args, "alarm"), entity);
          if (!state.ok()) return lookupError(state.status(), "alarm_list");
          return Json::object().set("alarm", toJsonAlarm(*state)).set("status", "green");
        });
    op.summary = [](const Json&, const Json& r) {
      const Json& a = *r.find("alarm");
      return "reset '" + stringOf(a, "alarm_name") + "' on " + stringOf(a, "entity_name") + " from " +
             stringOf(a, "status") + " to green";
    };
    ops.push_back(std::move(op));
  }
}

}  // namespace vsmcp::ops
