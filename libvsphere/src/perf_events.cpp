// Performance counters (resolved by name) and events.
#include <algorithm>
#include <map>

#include "client_impl.hpp"

namespace vsmcp::vsphere {

using soap::child;
using soap::childText;
using soap::SoapWriter;

namespace {

const std::vector<std::string> kDefaultCounters = {"cpu.usage.average", "mem.usage.average",
                                                   "disk.usage.average", "net.usage.average"};

size_t editDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

PerfCounterInfo parseCounter(pugi::xml_node n) {
  PerfCounterInfo c;
  c.key = static_cast<int>(soap::toInt(child(n, "key")));
  c.rollup = childText(n, "rollupType");
  c.name = childText(child(n, "groupInfo"), "key") + "." + childText(child(n, "nameInfo"), "key") +
           "." + c.rollup;
  c.unit = childText(child(n, "unitInfo"), "key");
  c.stats_type = childText(n, "statsType");
  c.level = static_cast<int>(soap::toInt(child(n, "level")));
  c.description = childText(child(n, "nameInfo"), "summary");
  return c;
}

}  // namespace

Result<std::vector<PerfCounterInfo>> Client::perfCounters() {
  std::vector<PerfCounterInfo> out;
  VSMCP_RETURN_IF_ERROR(impl_->retrieveObjects(
      {impl_->sc_.perf_manager}, {"perfCounter"}, [&](const ObjectContent& oc) {
        for (auto n = oc.get("perfCounter").first_child(); n; n = n.next_sibling())
          if (n.type() == pugi::node_element) out.push_back(parseCounter(n));
        return Status::Ok();
      }));
  if (out.empty()) return Status::Unsupported("the server publishes no performance counters");
  return out;
}

Result<std::vector<PerfSeries>> Client::queryPerf(const MoRef& entity, const PerfQuery& query) {
  if (query.max_samples < 1 || query.max_samples > 10000)
    return Status::InvalidArgument("max_samples must be between 1 and 10000");
  if (query.interval_seconds <= 0) return Status::InvalidArgument("interval_seconds must be positive");
  VSMCP_ASSIGN_OR_RETURN(auto counters, perfCounters());
  std::map<std::string, const PerfCounterInfo*> by_name;
  std::map<int, const PerfCounterInfo*> by_key;
  for (const auto& c : counters) {
    by_name.emplace(c.name, &c);
    by_key.emplace(c.key, &c);
  }
  const auto& wanted = query.counters.empty() ? kDefaultCounters : query.counters;
  std::vector<int> keys;
  for (const auto& name : wanted) {
    auto it = by_name.find(name);
    if (it == by_name.end()) {
      // Suggest the closest names (edit distance), so a typo gets a useful hint.
      std::vector<std::pair<size_t, std::string>> ranked;
      for (const auto& entry : by_name) ranked.emplace_back(editDistance(name, entry.first), entry.first);
      std::sort(ranked.begin(), ranked.end());
      std::string hint;
      for (size_t i = 0; i < ranked.size() && i < 5; ++i) hint += (i ? ", " : "") + ranked[i].second;
      return Status::InvalidArgument("unknown performance counter '" + name + "'" +
                                     (hint.empty() ? std::string() : "; closest known: " + hint));
    }
    keys.push_back(it->second->key);
  }
  SoapWriter w("QueryPerf");
  w.moref("_this", impl_->sc_.perf_manager).open("querySpec").moref("entity", entity);
  if (!query.start_time.empty()) w.text("startTime", query.start_time);
  if (!query.end_time.empty()) w.text("endTime", query.end_time);
  w.integer("maxSample", query.max_samples);
  for (int key : keys)
    w.open("metricId").integer("counterId", key).text("instance", query.instance).close("metricId");
  w.integer("intervalId", query.interval_seconds).text("format", "normal").close("querySpec");
  VSMCP_ASSIGN_OR_RETURN(auto reply, impl_->call(w, "QueryPerf", true));
  std::vector<PerfSeries> out;
  for (auto em = reply->response.first_child(); em; em = em.next_sibling()) {
    if (soap::localName(em.name()) != "returnval") continue;
    std::vector<std::string> stamps;
    for (auto si = em.first_child(); si; si = si.next_sibling())
      if (soap::localName(si.name()) == "sampleInfo") stamps.emplace_back(childText(si, "timestamp"));
    for (auto series = em.first_child(); series; series = series.next_sibling()) {
      if (soap::localName(series.name()) != "value") continue;
      PerfSeries s;
      auto id = child(series, "id");
      int key = static_cast<int>(soap::toInt(child(id, "counterId")));
      auto it = by_key.find(key);
      s.counter = it != by_key.end() ? it->second->name : std::to_string(key);
      s.unit = it != by_key.end() ? it->second->unit : "";
      s.instance = childText(id, "instance");
      for (auto v = series.first_child(); v; v = v.next_sibling())
        if (soap::localName(v.name()) == "value") s.values.push_back(soap::toInt(v));
      s.timestamps.assign(stamps.begin(),
                          stamps.begin() + static_cast<long>(std::min(stamps.size(), s.values.size())));
      out.push_back(std::move(s));
    }
  }
  return out;
}

Result<std::vector<EventInfo>> Client::events(const MoRef& entity, int max_count) {
  if (max_count < 1 || max_count > 1000)
    return Status::InvalidArgument("max_count must be between 1 and 1000");
  SoapWriter w("QueryEvents");
  w.moref("_this", impl_->sc_.event_manager).open("filter");
  if (!entity.empty())
    w.open("entity").moref("entity", entity).text("recursion", "all").close("entity");
  w.integer("maxCount", max_count);
  w.close("filter");
  VSMCP_ASSIGN_OR_RETURN(auto reply, impl_->call(w, "QueryEvents", true));
  std::vector<EventInfo> out;
  for (auto ev = reply->response.first_child(); ev; ev = ev.next_sibling()) {
    if (soap::localName(ev.name()) != "returnval") continue;
    EventInfo e;
    e.key = static_cast<int>(soap::toInt(child(ev, "key")));
    e.type = std::string(soap::xsiType(ev));
    e.created_time = childText(ev, "createdTime");
    e.user_name = childText(ev, "userName");
    e.message = childText(ev, "fullFormattedMessage");
    e.vm = childText(child(ev, "vm"), "name");
    e.host = childText(child(ev, "host"), "name");
    e.datacenter = childText(child(ev, "datacenter"), "name");
    e.cluster = childText(child(ev, "computeResource"), "name");
    out.push_back(std::move(e));
  }
  std::sort(out.begin(), out.end(), [](const EventInfo& a, const EventInfo& b) { return a.key > b.key; });
  if (out.size() > static_cast<size_t>(max_count)) out.resize(static_cast<size_t>(max_count));
  return out;
}

}  // namespace vsmcp::vsphere
