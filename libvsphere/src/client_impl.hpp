// Client::Impl: the session (login, cookie, re-login), the PropertyCollector retrieval loop
// and the shared helpers used by the inventory and operation files. Internal.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "soap.hpp"
#include "url.hpp"
#include "vsphere/client.hpp"
#include "vsphere/rest_client.hpp"

namespace vsmcp::vsphere {

struct ServiceContent {
  MoRef root_folder, property_collector, view_manager, session_manager, search_index,
      task_manager, event_manager, perf_manager;
  MoRef custom_fields_manager;  // vCenter only
  AboutInfo about;
};

// One object of a RetrievePropertiesEx reply. Nodes point into the page's document and are
// valid only during the visitor call.
struct ObjectContent {
  MoRef ref;
  std::vector<std::pair<std::string_view, pugi::xml_node>> props;
  pugi::xml_node get(std::string_view path) const {
    for (const auto& [name, node] : props)
      if (name == path) return node;
    return {};
  }
  std::string str(std::string_view path) const { return get(path).text().as_string(); }
  std::int64_t integer(std::string_view path) const { return soap::toInt(get(path)); }
  bool boolean(std::string_view path) const { return soap::toBool(get(path)); }
  MoRef moref(std::string_view path) const { return soap::readMoRef(get(path)); }
};

using ObjectVisitor = std::function<Status(const ObjectContent&)>;

struct PropertySet {
  std::string type;
  std::vector<std::string> paths;
};

// Name and parent of every container-ish entity, to build inventory paths and resolve names
// of hosts, clusters, datastores and networks in one round trip.
struct InventoryIndex {
  struct Entry {
    MoRef ref;
    std::string name;
    MoRef parent;
  };
  std::unordered_map<std::string, Entry> by_value;  // moref value -> entry
  // The entity types indexed, and the name/parent property sets that fill the index.
  static const std::vector<std::string>& types();
  static std::vector<PropertySet> propertySets();
  void add(const ObjectContent& oc);
  std::string name(const MoRef& ref) const;
  std::string path(const MoRef& ref) const;  // "/DC0/vm/folder"
  // The nearest ancestor (or self) of the given type, e.g. "Datacenter".
  const Entry* ancestor(const MoRef& ref, std::string_view type) const;
  std::string clusterOf(const MoRef& host) const;  // name of the host's compute resource
};

class LiveInventory;

class Client::Impl {
 public:
  Impl(ConnectionOptions options, Url url, std::unique_ptr<HttpTransport> transport);
  ~Impl();

  Status start();  // RetrieveServiceContent + Login + keepalive thread
  std::string sessionCookie() {
    std::lock_guard<std::mutex> lock(mu_);
    return cookie_;
  }
  // Uses `cookie` as the session; false when it names no live session (then not logged in).
  Result<bool> resume(const std::string& cookie);
  Status login();
  Status logout();
  void stopKeepalive();  // stops and joins the keepalive thread; idempotent

  // After a call refused with NotAuthenticated: logs in again, unless another thread already
  // did since `generation` (then Ok: retry). `refused` when the client was logged out on
  // purpose, or the login's failure.
  Status relogin(std::uint64_t generation, const Status& refused);

  // One SOAP call. Re-logs in once on NotAuthenticated.
  Result<std::unique_ptr<soap::SoapReply>> call(soap::SoapWriter& writer, std::string_view method,
                                                bool idempotent);

  // Retrieves properties of every object selected by `specs` (the XML of one or more
  // ObjectSpec and PropertySpec, already written into the filter spec), page by page.
  // `on_page`, if set, learns each page's object count before its objects are visited.
  Status retrieve(const std::vector<PropertySet>& props, const std::function<void(soap::SoapWriter&)>& objects,
                  const ObjectVisitor& visit, const std::function<void(size_t)>& on_page = nullptr);
  // Properties of all objects of `types` under the root folder, through a ContainerView.
  // `on_view_created`, if set, runs once the view exists, before the retrieval starts.
  Status retrieveView(const std::vector<std::string>& types, const std::vector<PropertySet>& props,
                      const ObjectVisitor& visit, const std::function<void(size_t)>& on_page = nullptr,
                      const std::function<void()>& on_view_created = nullptr);
  // Properties of the given objects (all of one type).
  Status retrieveObjects(const std::vector<MoRef>& refs, const std::vector<std::string>& paths,
                         const ObjectVisitor& visit);

  Result<InventoryIndex> inventoryIndex();
  // Client::listVms's direct read (inventory.cpp): `detail` already raised for the filters.
  Result<std::vector<VmSummary>> listVmsDirect(const VmFilter& filter, VmDetail detail);

  // Starts a task-returning method (the writer already holds its arguments) and, unless
  // options.wait is false, waits for it.
  Result<TaskInfo> runTask(soap::SoapWriter& writer, std::string_view method,
                           const TaskOptions& options);
  // A method whose only argument is its target: a task (simpleTask) or a void call.
  Result<TaskInfo> simpleTask(const char* method, const MoRef& target, const TaskOptions& options);
  Status simpleCall(const char* method, const MoRef& target, const std::string& what);
  // The root resource pool of the compute resource that holds `host`.
  Result<MoRef> rootPoolOfHost(const MoRef& host);
  Result<TaskInfo> taskInfo(const MoRef& task);
  // Polls the task until it ends; `label` names it in errors ("PowerOnVM_Task (task-12)").
  Result<TaskInfo> waitTask(const MoRef& task, std::string_view label, const TaskOptions& options);

  // The live inventory when started (Client::startLiveInventory); null otherwise. Set once,
  // kept until the Impl goes.
  LiveInventory* live() const { return live_.load(std::memory_order_acquire); }
  std::unique_ptr<LiveInventory> live_owner_;
  std::atomic<LiveInventory*> live_{nullptr};

  ConnectionOptions options_;
  Url url_;
  std::unique_ptr<HttpTransport> transport_;
  ServiceContent sc_;
  std::string soap_action_ = "\"urn:vim25/6.5\"";

 private:
  void keepaliveLoop();
  // The request of one SOAP call: the envelope, the SOAPAction and the session cookie (none
  // when `cookie` is empty).
  HttpRequest soapRequest(std::string envelope, bool idempotent, const std::string& cookie) const;
  // The one place a SOAP request goes on the wire: sends it, parses the reply, logs the
  // timing at debug level and tells options_.on_call. `cookie`, if set, receives the
  // session cookie the reply sets ("" if none).
  Result<std::unique_ptr<soap::SoapReply>> roundTrip(const HttpRequest& request,
                                                     std::string_view method,
                                                     std::string* cookie = nullptr);

  std::mutex mu_;
  std::string cookie_;  // guarded by mu_; "vmware_soap_session=..."
  std::uint64_t login_generation_ = 0;  // guarded by mu_
  bool logged_in_ = false;              // guarded by mu_
  bool logged_out_ = false;             // guarded by mu_; set by an explicit logout
  std::mutex login_mu_;                 // serialises re-login
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
  std::thread keepalive_;

 public:
  // Client::rest()'s REST client. Declared last: destroyed (logging its REST session out) first.
  std::mutex rest_mu_;
  std::unique_ptr<RestClient> rest_;  // guarded by rest_mu_; made on first use
};

// Parses ServiceContent from a RetrieveServiceContent response element.
ServiceContent parseServiceContent(pugi::xml_node returnval);
// Parses a TaskInfo element.
TaskInfo parseTaskInfo(pugi::xml_node info);

// Locator helpers shared by inventory and operations.
Locator::Kind classifyLocator(const Locator& locator);

}  // namespace vsmcp::vsphere
