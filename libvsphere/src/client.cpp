// Session handling, the PropertyCollector loop and tasks.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <thread>

#include "client_impl.hpp"
#include "live_inventory.hpp"
#include "vsmcp/log.hpp"

namespace vsmcp::vsphere {

using soap::child;
using soap::childText;
using soap::SoapWriter;

namespace {

// vim25 methods that change nothing in the inventory; any other call may, so a live read made
// after it waits for the change feed (LiveInventory::noteWrite). Unknown methods count as
// changes: the cost of a wrong guess is one extra poll, never a stale answer.
bool changesNothing(std::string_view method) {
  static const char* const kReads[] = {
      "RetrieveServiceContent", "Login", "Logout", "SessionIsActive", "CurrentTime",
      "RetrievePropertiesEx", "ContinueRetrievePropertiesEx", "CancelRetrievePropertiesEx",
      "RetrieveProperties", "CreateContainerView", "DestroyView", "CreatePropertyCollector",
      "DestroyPropertyCollector", "CreateFilter", "DestroyPropertyFilter", "WaitForUpdatesEx",
      "CancelWaitForUpdates", "FindByUuid", "FindByInventoryPath", "FindChild", "FindByIp",
      "FindByDnsName", "QueryPerf", "QueryPerfCounter", "QueryAvailablePerfMetric",
      "QueryPerfProviderSummary", "QueryEvents", "CreateCollectorForEvents", "ReadNextEvents",
      "ReadPreviousEvents", "DestroyCollector", "GetAlarm", "GetAlarmState"};
  for (const char* r : kReads)
    if (method == r) return true;
  return false;
}

constexpr const char* kCookieName = "vmware_soap_session";

std::string extractCookie(const HttpResponse& response) {
  for (const auto& line : response.headers_named("Set-Cookie")) {
    auto semi = line.find(';');
    std::string pair = line.substr(0, semi);
    while (!pair.empty() && pair.front() == ' ') pair.erase(0, 1);
    if (pair.rfind(kCookieName, 0) == 0) return pair;
  }
  return "";
}

AboutInfo parseAbout(pugi::xml_node about) {
  AboutInfo a;
  a.name = childText(about, "name");
  a.full_name = childText(about, "fullName");
  a.vendor = childText(about, "vendor");
  a.version = childText(about, "version");
  a.build = childText(about, "build");
  a.api_type = childText(about, "apiType");
  a.api_version = childText(about, "apiVersion");
  a.instance_uuid = childText(about, "instanceUuid");
  return a;
}

}  // namespace

ServiceContent parseServiceContent(pugi::xml_node rv) {
  ServiceContent sc;
  sc.root_folder = soap::readMoRef(child(rv, "rootFolder"));
  sc.property_collector = soap::readMoRef(child(rv, "propertyCollector"));
  sc.view_manager = soap::readMoRef(child(rv, "viewManager"));
  sc.session_manager = soap::readMoRef(child(rv, "sessionManager"));
  sc.search_index = soap::readMoRef(child(rv, "searchIndex"));
  sc.task_manager = soap::readMoRef(child(rv, "taskManager"));
  sc.event_manager = soap::readMoRef(child(rv, "eventManager"));
  sc.perf_manager = soap::readMoRef(child(rv, "perfManager"));
  sc.custom_fields_manager = soap::readMoRef(child(rv, "customFieldsManager"));
  sc.about = parseAbout(child(rv, "about"));
  return sc;
}

TaskInfo parseTaskInfo(pugi::xml_node info) {
  TaskInfo t;
  t.ref = soap::readMoRef(child(info, "task"));
  t.name = childText(info, "descriptionId");
  t.entity = soap::readMoRef(child(info, "entity"));
  t.entity_name = childText(info, "entityName");
  t.state = childText(info, "state");
  t.progress = static_cast<int>(soap::toInt(child(info, "progress"), t.state == "success" ? 100 : 0));
  t.cancelable = soap::toBool(child(info, "cancelable"));
  t.cancelled = soap::toBool(child(info, "cancelled"));
  if (auto err = child(info, "error")) {
    auto fault = child(err, "fault");
    if (fault) t.error_fault = soap::faultType(fault);
    t.error = childText(err, "localizedMessage");
    // Some servers (vcsim) put a type name, not a sentence, in localizedMessage.
    if (t.error.empty() || t.error.rfind("*types.", 0) == 0)
      t.error = soap::faultToStatus(t.error_fault, fault, "", 0).message();
  }
  t.result = soap::readMoRef(child(info, "result"));
  t.queue_time = childText(info, "queueTime");
  t.start_time = childText(info, "startTime");
  t.complete_time = childText(info, "completeTime");
  if (t.state == "success") t.progress = 100;
  return t;
}

Client::Impl::Impl(ConnectionOptions options, Url url, std::unique_ptr<HttpTransport> transport)
    : options_(std::move(options)), url_(std::move(url)), transport_(std::move(transport)) {}

Client::Impl::~Impl() {
  if (live_owner_) live_owner_->stop();
  stopKeepalive();
}

void Client::Impl::stopKeepalive() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (keepalive_.joinable() && keepalive_.get_id() != std::this_thread::get_id()) keepalive_.join();
}

Status Client::Impl::start() {
  SoapWriter w("RetrieveServiceContent");
  w.moref("_this", MoRef{"ServiceInstance", "ServiceInstance"});
  VSMCP_ASSIGN_OR_RETURN(auto reply, call(w, "RetrieveServiceContent", true));
  sc_ = parseServiceContent(child(reply->response, "returnval"));
  if (sc_.property_collector.empty() || sc_.session_manager.empty())
    return Status::Protocol("RetrieveServiceContent reply lacks propertyCollector or sessionManager");
  // The version goes into a header: accept only what a version looks like.
  const auto& v = sc_.about.api_version;
  if (!v.empty() && v.size() < 32 &&
      std::all_of(v.begin(), v.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '.'; }))
    soap_action_ = "\"urn:vim25/" + v + "\"";
  if (!options_.session_cookie.empty()) {
    VSMCP_ASSIGN_OR_RETURN(bool resumed, resume(options_.session_cookie));
    if (!resumed) {
      if (options_.password.empty())
        return Status::Error(ErrorCode::kUnauthenticated,
                             "the saved session with " + url_.hostPort() + " has expired: log in again");
      VSMCP_RETURN_IF_ERROR(login());
    }
  } else {
    VSMCP_RETURN_IF_ERROR(login());
  }
  if (options_.keepalive_interval.count() > 0) {
    keepalive_ = std::thread([this] { keepaliveLoop(); });
  }
  return Status::Ok();
}

void Client::Impl::keepaliveLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    if (cv_.wait_for(lock, options_.keepalive_interval, [this] { return stopping_; })) break;
    lock.unlock();
    SoapWriter w("CurrentTime");
    w.moref("_this", MoRef{"ServiceInstance", "ServiceInstance"});
    auto r = call(w, "CurrentTime", true);
    if (!r.ok()) log(LogLevel::kWarning, "session keepalive failed: " + r.status().toString());
    lock.lock();
  }
}

Status Client::Impl::login() {
  if (options_.username.empty())
    return Status::InvalidArgument("a user name is required to log in to " + url_.hostPort());
  SoapWriter w("Login");
  w.moref("_this", sc_.session_manager)
      .text("userName", options_.username)
      .text("password", options_.password);
  auto envelope = w.finish();
  if (!envelope.ok()) return Status::InvalidArgument("user name or password contains a control character");
  std::string cookie;
  auto parsed = roundTrip(soapRequest(std::move(envelope).value(), false, ""), "Login", &cookie);
  if (!parsed.ok()) {
    return parsed.status().withContext("login to " + url_.hostPort() + " as '" +
                                       options_.username + "' failed");
  }
  if (cookie.empty())
    return Status::Protocol("login to " + url_.hostPort() + " succeeded but no " +
                            std::string(kCookieName) + " cookie came back");
  std::lock_guard<std::mutex> lock(mu_);
  cookie_ = std::move(cookie);
  logged_in_ = true;
  ++login_generation_;
  return Status::Ok();
}

Result<bool> Client::Impl::resume(const std::string& cookie) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    cookie_ = cookie;
    logged_in_ = true;
    ++login_generation_;
  }
  // SessionManager.currentSession is unset when the cookie names no live session.
  bool alive = false;
  Status read = retrieveObjects({sc_.session_manager}, {"currentSession"}, [&](const ObjectContent& oc) {
    alive = static_cast<bool>(oc.get("currentSession").first_child());
    return Status::Ok();
  });
  if (!read.ok() && read.details().fault != "NotAuthenticated") return read;
  if (!alive) {
    std::lock_guard<std::mutex> lock(mu_);
    cookie_.clear();
    logged_in_ = false;
  }
  return alive;
}

Status Client::Impl::logout() {
  stopKeepalive();  // no ping may log in again behind our back
  std::string cookie;
  {
    std::lock_guard<std::mutex> lock(mu_);
    logged_out_ = true;  // an expired session is not renewed after an explicit logout
    if (!logged_in_) return Status::Ok();
    cookie = std::move(cookie_);
    cookie_.clear();
    logged_in_ = false;
  }
  SoapWriter w("Logout");
  w.moref("_this", sc_.session_manager);
  VSMCP_ASSIGN_OR_RETURN(std::string envelope, w.finish());
  auto parsed = roundTrip(soapRequest(std::move(envelope), false, cookie), "Logout");
  if (!parsed.ok() && parsed.status().details().fault != "NotAuthenticated") return parsed.status();
  return Status::Ok();
}

HttpRequest Client::Impl::soapRequest(std::string envelope, bool idempotent,
                                      const std::string& cookie) const {
  HttpRequest req;
  req.target = url_.path;
  req.idempotent = idempotent;
  req.headers = {{"Content-Type", "text/xml; charset=utf-8"}, {"SOAPAction", soap_action_}};
  if (!cookie.empty()) req.headers.emplace_back("Cookie", cookie);
  req.body = std::move(envelope);
  return req;
}

Result<std::unique_ptr<soap::SoapReply>> Client::Impl::roundTrip(const HttpRequest& request,
                                                                 std::string_view method,
                                                                 std::string* cookie) {
  using Clock = std::chrono::steady_clock;
  const auto started = Clock::now();
  auto sent = started;
  size_t bytes = 0;
  auto parsed = [&]() -> Result<std::unique_ptr<soap::SoapReply>> {
    auto resp = transport_->send(request);
    sent = Clock::now();
    if (!resp.ok()) return resp.status();
    if (cookie) *cookie = extractCookie(*resp);
    bytes = resp->body.size();
    return soap::parseSoapReply(std::move(resp->body), resp->status, method);
  }();
  const auto done = Clock::now();
  if (shouldLog(LogLevel::kDebug)) {
    using ms = std::chrono::duration<double, std::milli>;
    log(LogLevel::kDebug, "soap " + std::string(method) + ": " +
                              std::to_string(ms(sent - started).count()) + " ms on the wire, " +
                              std::to_string(ms(done - sent).count()) + " ms parsing " +
                              std::to_string(bytes) + " bytes" +
                              (parsed.ok() ? "" : "; " + parsed.status().toString()));
  }
  if (options_.on_call)
    options_.on_call(method, std::chrono::duration_cast<std::chrono::microseconds>(done - started),
                     parsed.ok() ? Status::Ok() : parsed.status());
  return parsed;
}

Result<std::unique_ptr<soap::SoapReply>> Client::Impl::call(SoapWriter& writer,
                                                            std::string_view method,
                                                            bool idempotent) {
  VSMCP_ASSIGN_OR_RETURN(std::string envelope, writer.finish());
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::string cookie;
    std::uint64_t generation;
    bool logged_in;
    {
      std::lock_guard<std::mutex> lock(mu_);
      cookie = cookie_;
      generation = login_generation_;
      logged_in = logged_in_;
    }
    auto parsed = roundTrip(soapRequest(envelope, idempotent, cookie), method);
    // Even a failed call may have changed something: the next live read waits for the feed.
    if (LiveInventory* live = this->live(); live && !changesNothing(method)) live->noteWrite();
    if (parsed.ok()) return parsed;
    const bool expired = parsed.status().details().fault == "NotAuthenticated";
    if (!expired || !logged_in || attempt > 0) return parsed.status();
    VSMCP_RETURN_IF_ERROR(relogin(generation, parsed.status()));
  }
  return Status::Internal("unreachable");
}

Status Client::Impl::relogin(std::uint64_t generation, const Status& refused) {
  // The session expired (vCenter restarted, idle timeout): log in again once, unless
  // another thread already did since the refused call started.
  std::lock_guard<std::mutex> relogin(login_mu_);
  bool stale;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (logged_out_) return refused;
    stale = login_generation_ == generation;
  }
  if (!stale) return Status::Ok();
  log(LogLevel::kInfo, "vSphere session expired; logging in again to " + url_.hostPort());
  return login();
}

Status Client::Impl::retrieve(const std::vector<PropertySet>& props,
                              const std::function<void(SoapWriter&)>& objects,
                              const ObjectVisitor& visit,
                              const std::function<void(size_t)>& on_page) {
  SoapWriter w("RetrievePropertiesEx");
  w.moref("_this", sc_.property_collector).open("specSet");
  for (const auto& ps : props) {
    w.open("propSet").text("type", ps.type).boolean("all", false);
    for (const auto& p : ps.paths) w.text("pathSet", p);
    w.close("propSet");
  }
  objects(w);
  w.close("specSet");
  w.open("options").integer("maxObjects", std::max(1, options_.page_size)).close("options");

  ObjectContent oc;  // reused: its property list keeps its capacity from object to object
  auto visitObject = [&](pugi::xml_node obj) -> Status {
    oc.ref = {};
    oc.props.clear();
    bool have_ref = false;
    for (auto c = obj.first_child(); c; c = c.next_sibling()) {
      if (c.type() != pugi::node_element) continue;
      if (soap::hasLocalName(c.name(), "propSet")) {
        // <name> then <val>, as vCenter sends them; any other shape is searched for.
        pugi::xml_node name = c.first_child();
        pugi::xml_node val = name.next_sibling();
        if (!soap::hasLocalName(name.name(), "name") || !soap::hasLocalName(val.name(), "val") ||
            name.type() != pugi::node_element || val.type() != pugi::node_element) {
          name = child(c, "name");
          val = child(c, "val");
        }
        oc.props.emplace_back(name.text().as_string(), val);
      } else if (!have_ref && soap::hasLocalName(c.name(), "obj")) {
        oc.ref = soap::readMoRef(c);
        have_ref = true;
      }
    }
    return visit(oc);
  };

  // One page. A caller that wants each page's count first (on_page) gets the page whole, as
  // Impl::call reads it. Otherwise the page streams (soap::RetrieveStream): its objects are
  // visited in batches while the rest is still on the wire, and it is never held whole. That
  // path mirrors Impl::call and roundTrip: session cookie, one re-login on NotAuthenticated,
  // the debug timing and options_.on_call. `visit_error` receives the visitor's failure.
  auto page = [&](SoapWriter& writer, std::string_view method, bool idempotent,
                  Status& visit_error) -> Result<std::unique_ptr<soap::SoapReply>> {
    if (on_page) {
      VSMCP_ASSIGN_OR_RETURN(auto reply, call(writer, method, idempotent));
      auto rv = child(reply->response, "returnval");
      size_t count = 0;
      for (auto obj = rv.first_child(); obj; obj = obj.next_sibling())
        if (obj.type() == pugi::node_element && soap::hasLocalName(obj.name(), "objects")) ++count;
      on_page(count);
      for (auto obj = rv.first_child(); obj; obj = obj.next_sibling()) {
        if (obj.type() != pugi::node_element || !soap::hasLocalName(obj.name(), "objects"))
          continue;
        visit_error = visitObject(obj);
        if (!visit_error.ok()) break;
      }
      return reply;
    }
    VSMCP_ASSIGN_OR_RETURN(std::string envelope, writer.finish());
    for (int attempt = 0; attempt < 2; ++attempt) {
      std::string cookie;
      std::uint64_t generation;
      bool logged_in;
      {
        std::lock_guard<std::mutex> lock(mu_);
        cookie = cookie_;
        generation = login_generation_;
        logged_in = logged_in_;
      }
      using Clock = std::chrono::steady_clock;
      const auto started = Clock::now();
      soap::RetrieveStream stream(method, visitObject);
      auto parsed = [&]() -> Result<std::unique_ptr<soap::SoapReply>> {
        auto resp =
            transport_->sendStreaming(soapRequest(envelope, idempotent, cookie),
                                      [&](std::string_view piece) { return stream.feed(piece); });
        if (!resp.ok()) return resp.status();
        if (resp->status == 200) return stream.finish(resp->status);
        return soap::parseSoapReply(std::move(resp->body), resp->status, method);
      }();
      const auto done = Clock::now();
      if (shouldLog(LogLevel::kDebug)) {
        using ms = std::chrono::duration<double, std::milli>;
        log(LogLevel::kDebug,
            "soap " + std::string(method) + ": " + std::to_string(ms(done - started).count()) +
                " ms on the wire and parsing " + std::to_string(stream.bytes()) +
                " bytes as they came, " + std::to_string(stream.visited()) + " objects" +
                (parsed.ok() ? "" : "; " + parsed.status().toString()));
      }
      if (options_.on_call)
        options_.on_call(method,
                         std::chrono::duration_cast<std::chrono::microseconds>(done - started),
                         parsed.ok() ? Status::Ok() : parsed.status());
      if (parsed.ok()) {
        visit_error = stream.visitError();
        return parsed;
      }
      const bool expired = parsed.status().details().fault == "NotAuthenticated";
      // Objects already visited would be visited again: only a refusal before any is retried.
      if (!expired || !logged_in || attempt > 0 || stream.visited() > 0) return parsed.status();
      VSMCP_RETURN_IF_ERROR(relogin(generation, parsed.status()));
    }
    return Status::Internal("unreachable");
  };

  Status visit_error;
  VSMCP_ASSIGN_OR_RETURN(auto reply, page(w, "RetrievePropertiesEx", true, visit_error));
  for (;;) {
    std::string token = childText(child(reply->response, "returnval"), "token");
    if (!visit_error.ok()) {
      if (!token.empty()) {
        SoapWriter c("CancelRetrievePropertiesEx");
        c.moref("_this", sc_.property_collector).text("token", token);
        (void)call(c, "CancelRetrievePropertiesEx", true);
      }
      return visit_error;
    }
    if (token.empty()) return Status::Ok();
    SoapWriter next("ContinueRetrievePropertiesEx");
    next.moref("_this", sc_.property_collector).text("token", token);
    // Not idempotent: the server has moved on once it answered, so a resend could skip a page.
    VSMCP_ASSIGN_OR_RETURN(reply, page(next, "ContinueRetrievePropertiesEx", false, visit_error));
  }
}

Status Client::Impl::retrieveView(const std::vector<std::string>& types,
                                  const std::vector<PropertySet>& props,
                                  const ObjectVisitor& visit,
                                  const std::function<void(size_t)>& on_page,
                                  const std::function<void()>& on_view_created) {
  SoapWriter cv("CreateContainerView");
  cv.moref("_this", sc_.view_manager).moref("container", sc_.root_folder);
  for (const auto& t : types) cv.text("type", t);
  cv.boolean("recursive", true);
  VSMCP_ASSIGN_OR_RETURN(auto created, call(cv, "CreateContainerView", false));
  MoRef view = soap::readMoRef(child(created->response, "returnval"));
  if (view.empty()) return Status::Protocol("CreateContainerView returned no view");
  if (on_view_created) on_view_created();
  Status st = retrieve(
      props,
      [&](SoapWriter& w) {
        w.open("objectSet")
            .moref("obj", view)
            .boolean("skip", true)
            .open("selectSet", "TraversalSpec")
            .text("name", "traverseView")
            .text("type", "ContainerView")
            .text("path", "view")
            .boolean("skip", false)
            .close("selectSet")
            .close("objectSet");
      },
      visit, on_page);
  SoapWriter dv("DestroyView");
  dv.moref("_this", view);
  auto destroyed = call(dv, "DestroyView", false);
  if (!destroyed.ok())
    log(LogLevel::kWarning, "could not destroy container view " + view.value + ": " +
                                destroyed.status().toString());
  return st;
}

Status Client::Impl::retrieveObjects(const std::vector<MoRef>& refs,
                                     const std::vector<std::string>& paths,
                                     const ObjectVisitor& visit) {
  if (refs.empty()) return Status::Ok();
  std::vector<PropertySet> props;
  for (const auto& r : refs) {
    bool seen = std::any_of(props.begin(), props.end(), [&](auto& p) { return p.type == r.type; });
    if (!seen) props.push_back({r.type, paths});
  }
  return retrieve(
      props,
      [&](SoapWriter& w) {
        for (const auto& r : refs) w.open("objectSet").moref("obj", r).boolean("skip", false).close("objectSet");
      },
      visit);
}

std::string InventoryIndex::name(const MoRef& ref) const {
  auto it = by_value.find(ref.value);
  return it == by_value.end() ? std::string() : it->second.name;
}

std::string InventoryIndex::path(const MoRef& ref) const {
  std::vector<const std::string*> parts;
  std::string cur = ref.value;
  for (int guard = 0; guard < 256; ++guard) {
    auto it = by_value.find(cur);
    if (it == by_value.end()) break;  // reached the root folder (not in the view)
    parts.push_back(&it->second.name);
    cur = it->second.parent.value;
  }
  std::string out;
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
    out += '/';
    out += **it;
  }
  return out;
}

const InventoryIndex::Entry* InventoryIndex::ancestor(const MoRef& ref, std::string_view type) const {
  std::string cur = ref.value;
  for (int guard = 0; guard < 256; ++guard) {
    auto it = by_value.find(cur);
    if (it == by_value.end()) return nullptr;
    if (it->second.ref.type == type) return &it->second;
    cur = it->second.parent.value;
  }
  return nullptr;
}

std::string InventoryIndex::clusterOf(const MoRef& host) const {
  auto it = by_value.find(host.value);
  if (it == by_value.end()) return "";
  return name(it->second.parent);
}

const std::vector<std::string>& InventoryIndex::types() {
  static const std::vector<std::string> kTypes = {
      "Folder",   "Datacenter", "ComputeResource", "ClusterComputeResource", "HostSystem",
      "ResourcePool", "VirtualApp", "Datastore", "Network", "DistributedVirtualPortgroup"};
  return kTypes;
}

std::vector<PropertySet> InventoryIndex::propertySets() {
  std::vector<PropertySet> props;
  for (const auto& t : types()) props.push_back({t, {"name", "parent"}});
  return props;
}

void InventoryIndex::add(const ObjectContent& oc) {
  by_value[oc.ref.value] = {oc.ref, oc.str("name"), oc.moref("parent")};
}

Result<TaskInfo> Client::Impl::simpleTask(const char* method, const MoRef& target,
                                          const TaskOptions& options) {
  SoapWriter w(method);
  w.moref("_this", target);
  return runTask(w, method, options);
}

Status Client::Impl::simpleCall(const char* method, const MoRef& target, const std::string& what) {
  SoapWriter w(method);
  w.moref("_this", target);
  auto r = call(w, method, false);
  if (LiveInventory* live = this->live()) live->noteWrite(target);
  return r.ok() ? Status::Ok() : r.status().withContext(what);
}

Result<MoRef> Client::Impl::rootPoolOfHost(const MoRef& host) {
  MoRef compute, pool;
  VSMCP_RETURN_IF_ERROR(retrieveObjects({host}, {"parent"}, [&](const ObjectContent& oc) {
    compute = oc.moref("parent");
    return Status::Ok();
  }));
  if (compute.empty()) return Status::NotFound("host " + host.value + " has no compute resource");
  VSMCP_RETURN_IF_ERROR(retrieveObjects({compute}, {"resourcePool"}, [&](const ObjectContent& oc) {
    pool = oc.moref("resourcePool");
    return Status::Ok();
  }));
  if (pool.empty()) return Status::NotFound("compute resource " + compute.value + " has no resource pool");
  return pool;
}

Result<InventoryIndex> Client::Impl::inventoryIndex() {
  InventoryIndex index;
  VSMCP_RETURN_IF_ERROR(retrieveView(InventoryIndex::types(), InventoryIndex::propertySets(),
                                     [&](const ObjectContent& oc) {
                                       index.add(oc);
                                       return Status::Ok();
                                     }));
  return index;
}

Result<TaskInfo> Client::Impl::runTask(SoapWriter& writer, std::string_view method,
                                       const TaskOptions& options) {
  VSMCP_ASSIGN_OR_RETURN(auto reply, call(writer, method, false));
  MoRef task = soap::readMoRef(child(reply->response, "returnval"));
  if (task.empty()) return Status::Protocol(std::string(method) + " returned no task");
  if (!options.wait) {
    TaskInfo info;
    info.ref = task;
    info.name = std::string(method);
    info.state = "queued";
    return info;
  }
  return waitTask(task, method, options);
}

Result<TaskInfo> Client::Impl::taskInfo(const MoRef& task) {
  TaskInfo info;
  bool found = false;
  VSMCP_RETURN_IF_ERROR(retrieveObjects({task}, {"info"}, [&](const ObjectContent& oc) {
    info = parseTaskInfo(oc.get("info"));
    found = true;
    return Status::Ok();
  }));
  if (!found) return Status::NotFound("no task " + task.value);
  if (info.ref.empty()) info.ref = task;
  return info;
}

Result<TaskInfo> Client::Impl::waitTask(const MoRef& task, std::string_view label,
                                        const TaskOptions& options) {
  const std::string what = std::string(label) + " (" + task.value + ")";
  auto start = std::chrono::steady_clock::now();
  auto delay = std::max(options.poll_interval, std::chrono::milliseconds(10));
  int last_progress = -1;
  bool cancel_sent = false;
  for (;;) {
    VSMCP_ASSIGN_OR_RETURN(TaskInfo current, taskInfo(task));
    // A task that ended changed what it changed just now: a live read waits for the feed.
    if (LiveInventory* live = this->live(); live && (current.state == "success" || current.state == "error"))
      live->noteWrite(current.entity);
    if (current.state == "success") current.progress = 100;
    if (current.progress != last_progress && options.on_progress)
      options.on_progress(current.progress, current);
    last_progress = current.progress;
    if (current.state == "success") return current;
    if (current.state != "error" && current.state != "running" && current.state != "queued")
      return Status::Protocol(what + " has no readable state ('" + current.state +
                              "'); is the task's info visible to this user?");
    if (current.state == "error") {
      if (current.cancelled || current.error_fault == "RequestCanceled")
        return Status::Error(ErrorCode::kCancelled, what + " was cancelled",
                             ErrorDetails{"RequestCanceled", 0, current.entity.value});
      Status err = soap::faultToStatus(current.error_fault, {}, current.error, 0);
      ErrorDetails d = err.details();
      if (d.object.empty()) d.object = current.entity.value;
      return Status::Error(err.code(), what + " failed: " + err.message(), d);
    }
    if (options.cancel && options.cancel->cancelled() && !cancel_sent) {
      cancel_sent = true;
      SoapWriter c("CancelTask");
      c.moref("_this", task);
      auto cancelled = call(c, "CancelTask", false);
      if (!cancelled.ok()) return cancelled.status().withContext("cancelling " + what);
    }
    if (options.timeout.count() > 0 &&
        std::chrono::steady_clock::now() - start > options.timeout)
      return Status::Error(ErrorCode::kTimeout,
                           what + " still " + current.state + " after " +
                               std::to_string(options.timeout.count()) +
                               " ms; it keeps running in vSphere",
                           ErrorDetails{"", 0, task.value});
    std::this_thread::sleep_for(delay);
    delay = std::min<std::chrono::milliseconds>(delay * 3 / 2, std::chrono::milliseconds(2000));
  }
}

// ---------------------------------------------------------------------------------------
// Client facade: session-level methods.

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<RestClient*> Client::rest() {
  std::lock_guard<std::mutex> lock(impl_->rest_mu_);
  if (!impl_->rest_) {
    VSMCP_ASSIGN_OR_RETURN(impl_->rest_, RestClient::create(*this));
  }
  return impl_->rest_.get();
}

Status Client::startLiveInventory(LiveInventoryOptions options) {
  if (impl_->live()) return Status::InvalidArgument("the live inventory is already started");
  impl_->live_owner_ = std::make_unique<LiveInventory>(*impl_, std::move(options));
  impl_->live_owner_->start();
  impl_->live_.store(impl_->live_owner_.get(), std::memory_order_release);
  return Status::Ok();
}

void Client::stopLiveInventory() {
  if (LiveInventory* live = impl_->live()) live->stop();
}

LiveInventoryStatus Client::liveInventoryStatus() const {
  if (LiveInventory* live = impl_->live()) return live->status();
  return {};
}

void Client::noteWrite(const MoRef& entity) {
  if (LiveInventory* live = impl_->live()) live->noteWrite(entity);
}

bool Client::waitForLiveInventory(std::chrono::milliseconds timeout) {
  LiveInventory* live = impl_->live();
  return live && live->waitInSync(timeout);
}

Client::~Client() {
  if (impl_) stopLiveInventory();  // its collector belongs to the session: before logging out
  if (impl_ && impl_->options_.logout_on_close) {
    auto st = impl_->logout();
    if (!st.ok()) log(LogLevel::kDebug, "logout on close failed: " + st.toString());
  }
}

TransportOptions transportOptions(const ConnectionOptions& options) {
  TransportOptions t;
  t.url = options.url;
  t.insecure = options.insecure;
  t.ca_bundle = options.ca_bundle;
  t.thumbprint = options.thumbprint;
  t.connect_timeout = options.connect_timeout;
  t.request_timeout = options.request_timeout;
  t.max_retries = options.max_retries;
  t.retry_backoff = options.retry_backoff;
  t.user_agent = options.user_agent;
  return t;
}

Result<std::unique_ptr<Client>> Client::connect(const ConnectionOptions& options) {
  VSMCP_ASSIGN_OR_RETURN(auto transport, makeHttpTransport(transportOptions(options)));
  return connect(options, std::move(transport));
}

Result<std::unique_ptr<Client>> Client::connect(const ConnectionOptions& options,
                                                std::unique_ptr<HttpTransport> transport) {
  VSMCP_ASSIGN_OR_RETURN(Url url, parseUrl(options.url));
  if (!transport) return Status::InvalidArgument("no transport given");
  auto impl = std::make_unique<Impl>(options, std::move(url), std::move(transport));
  VSMCP_RETURN_IF_ERROR(impl->start());
  return std::unique_ptr<Client>(new Client(std::move(impl)));
}

const AboutInfo& Client::about() const { return impl_->sc_.about; }

const ConnectionOptions& Client::options() const { return impl_->options_; }

Status Client::logout() { return impl_->logout(); }

std::string Client::sessionCookie() const { return impl_->sessionCookie(); }

Status Client::ping() {
  SoapWriter w("CurrentTime");
  w.moref("_this", MoRef{"ServiceInstance", "ServiceInstance"});
  auto r = impl_->call(w, "CurrentTime", true);
  return r.ok() ? Status::Ok() : r.status();
}

Result<TaskInfo> Client::taskInfo(const MoRef& task) { return impl_->taskInfo(task); }

Result<TaskInfo> Client::waitForTask(const MoRef& task, const TaskOptions& options) {
  return impl_->waitTask(task, "task", options);
}

Status Client::cancelTask(const MoRef& task) {
  return impl_->simpleCall("CancelTask", task, "cancel task " + task.value);
}

Result<std::vector<TaskInfo>> Client::recentTasks(const MoRef& entity) {
  // The TaskManager's recent tasks, or those of one entity.
  const MoRef source = entity.empty() ? impl_->sc_.task_manager : entity;
  std::vector<MoRef> tasks;
  VSMCP_RETURN_IF_ERROR(impl_->retrieveObjects({source}, {"recentTask"}, [&](const ObjectContent& oc) {
    for (auto n = oc.get("recentTask").first_child(); n; n = n.next_sibling())
      if (n.type() == pugi::node_element) tasks.push_back(soap::readMoRef(n));
    return Status::Ok();
  }));
  std::vector<TaskInfo> out;
  VSMCP_RETURN_IF_ERROR(impl_->retrieveObjects(tasks, {"info"}, [&](const ObjectContent& oc) {
    TaskInfo t = parseTaskInfo(oc.get("info"));
    if (t.ref.empty()) t.ref = oc.ref;
    out.push_back(std::move(t));
    return Status::Ok();
  }));
  return out;
}

}  // namespace vsmcp::vsphere
