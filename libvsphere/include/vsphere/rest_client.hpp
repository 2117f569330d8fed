// vsphere::RestClient: the vAPI REST side of a vCenter Server (the `/rest` endpoints), for
// what the vim25 SOAP API does not offer: tag categories, tags and their attachments
// (com.vmware.cis.tagging) and content libraries (com.vmware.content).
//
// A RestClient is made from a connected vsphere::Client and reuses its URL, TLS settings
// (CA bundle, thumbprint pin, `insecure`) and credentials; it talks through an HttpTransport of
// its own built from the same options, so certificates are checked exactly as for SOAP. Its
// session is separate from the SOAP session: it logs in (HTTP basic auth, giving a
// `vmware-api-session-id` token) on its first call, logs in again once if a call is refused
// with 401, and logs out in its destructor. Credentials never enter a message or a log line.
// Every REST round trip is reported to ConnectionOptions::on_call under a fixed name such as
// "rest:tagging.tag.get" (never with ids in it).
//
// Lookups: wherever a category or tag is named, an id ("urn:vmomi:InventoryService...") or a
// name is accepted; a value starting with "urn:" is an id. A tag name is looked for within the
// given category, or in all categories when none is given (several matches are refused).
// Costs: the /rest API has no batch reads, so listing N categories or tags costs 1 + N round
// trips, and a lookup by name lists first.
//
// Content library items are filled through update sessions (uploadLibraryItemFile) and OVF
// items deployed as VMs (filterLibraryItem, deployLibraryItem).
//
// Only vCenter offers these endpoints: on a standalone ESXi host, create() fails with
// kUnsupported, as does the first call if the server has no /rest endpoint (HTTP 404 on login).
//
// Thread safety: a RestClient is thread-safe; calls from several threads share one REST
// session. REQUIRES: the Client it was created from outlives it (attachTag uses it to check
// that the object exists).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "vsmcp/json.hpp"
#include "vsmcp/result.hpp"
#include "vsphere/client.hpp"
#include "vsphere/http_transport.hpp"
#include "vsphere/types.hpp"

namespace vsmcp::vsphere {

// How many tags of one category an object may carry.
enum class TagCardinality { kSingle, kMultiple };
std::string_view tagCardinalityName(TagCardinality cardinality);           // "SINGLE" / "MULTIPLE"
std::optional<TagCardinality> parseTagCardinality(std::string_view name);  // case-insensitive

struct TagCategory {
  std::string id;  // "urn:vmomi:InventoryServiceCategory:<uuid>:GLOBAL"
  std::string name;
  std::string description;
  TagCardinality cardinality = TagCardinality::kMultiple;
  std::vector<std::string> associable_types;  // e.g. {"VirtualMachine"}; empty = any type
  std::vector<std::string> used_by;
};

struct CategorySpec {
  std::string name;  // required, unique among categories
  std::string description;
  TagCardinality cardinality = TagCardinality::kSingle;
  std::vector<std::string> associable_types;  // managed object types; empty = any type
};

// Fields left empty are not changed. vCenter only lets associable_types grow: give the
// current types first, then the new ones.
struct CategoryUpdate {
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::optional<TagCardinality> cardinality;
  std::optional<std::vector<std::string>> associable_types;
  bool empty() const { return !name && !description && !cardinality && !associable_types; }
};

struct Tag {
  std::string id;  // "urn:vmomi:InventoryServiceTag:<uuid>:GLOBAL"
  std::string name;
  std::string description;
  std::string category_id;
  std::vector<std::string> used_by;
};

struct TagSpec {
  std::string name;  // required, unique within its category
  std::string description;
  std::string category;  // required: category id or name
};

struct TagUpdate {
  std::optional<std::string> name;
  std::optional<std::string> description;
  bool empty() const { return !name && !description; }
};

struct ContentLibrary {
  std::string id;
  std::string name;
  std::string description;
  std::string type;           // "LOCAL" or "SUBSCRIBED"
  std::string creation_time;  // ISO 8601 as the server sent it; "" if absent
};

struct LibraryItem {
  std::string id;
  std::string name;
  std::string description;
  std::string type;  // "ovf", "vm-template", "iso", "file", ... as the server names it
  std::string library_id;
  std::string library_name;
  std::int64_t size_bytes = 0;
  std::string creation_time;       // ISO 8601 as the server sent it; "" if absent
  std::string last_modified_time;  // ditto
};

// What an OVF library item declares, as vCenter reads it for a deployment target
// (filterLibraryItem). Members vCenter leaves out are empty.
struct LibraryItemFilter {
  std::string name;                         // the OVF's default name for the VM or vApp
  std::string annotation;                   // its description
  std::vector<std::string> networks;        // OVF network names, keys of network mappings
  std::vector<std::string> eulas;           // license texts to accept
  std::vector<std::string> storage_groups;  // OVF storage group names
};

// One OVF network and the vCenter network it is connected to on deployment.
struct LibraryNetworkMapping {
  std::string ovf_network;  // a name from LibraryItemFilter::networks
  std::string network;      // the network's moref value, e.g. "network-7" or "dvportgroup-9"
};

// Where and as what to deploy an OVF library item. Moref values are those of the SOAP side
// (MoRef::value). EULAs are always accepted (accept_all_EULA).
struct LibraryDeploySpec {
  std::string name;           // required: the new VM's name
  std::string resource_pool;  // required: resource pool moref value, e.g. "resgroup-8"
  std::string folder;         // VM folder moref value; "" = the datacenter's VM folder
  std::string host;           // host moref value; "" = vCenter picks one
  std::string datastore;      // default datastore moref value; "" = vCenter picks one
  std::string annotation;     // the VM's notes; "" = the OVF's annotation
  std::vector<LibraryNetworkMapping> network_mappings;  // unmapped networks get vCenter's default
};

// A successful deployment.
struct LibraryDeployResult {
  MoRef vm;  // the new VM ("VirtualMachine", or "VirtualApp" for a vApp OVF)
  std::vector<std::string> warnings;     // vCenter's warning messages, if any
  std::vector<std::string> information;  // vCenter's informational messages, if any
};

class RestClient {
 public:
  // From a connected client: same URL, TLS options and credentials, a transport of its own
  // (makeHttpTransport). No request is sent yet. kUnsupported on a standalone ESXi host.
  static Result<std::unique_ptr<RestClient>> create(Client& client);
  // Same, over a caller-supplied transport (tests use a fake).
  static Result<std::unique_ptr<RestClient>> create(Client& client,
                                                    std::unique_ptr<HttpTransport> transport);
  ~RestClient();  // logs out if logged in; errors are only logged (debug)
  RestClient(const RestClient&) = delete;
  RestClient& operator=(const RestClient&) = delete;

  // Ends the REST session now. A later call logs in again.
  Status logout();

  // --- tag categories ---
  Result<std::vector<TagCategory>> listCategories();             // sorted by name
  Result<TagCategory> getCategory(const std::string& category);  // id or name
  // kAlreadyExists if a category has that name.
  Result<TagCategory> createCategory(const CategorySpec& spec);
  Status updateCategory(const std::string& category, const CategoryUpdate& update);
  // Deletes the category and, in vCenter, its tags.
  Status deleteCategory(const std::string& category);

  // --- tags --- (`category`: id or name; "" = any category)
  Result<std::vector<Tag>> listTags(const std::string& category = "");  // sorted by name
  Result<Tag> getTag(const std::string& tag, const std::string& category = "");
  // kAlreadyExists if the category has a tag of that name; kNotFound for an unknown category.
  Result<Tag> createTag(const TagSpec& spec);
  Status updateTag(const std::string& tag, const TagUpdate& update,
                   const std::string& category = "");
  Status deleteTag(const std::string& tag, const std::string& category = "");

  // --- tag associations ---
  // kNotFound if the tag or the object does not exist (the object is checked over SOAP).
  Status attachTag(const std::string& tag, const MoRef& object, const std::string& category = "");
  Status detachTag(const std::string& tag, const MoRef& object, const std::string& category = "");
  // The tags attached to an object, with their details (1 + N round trips), sorted by name.
  Result<std::vector<Tag>> listAttachedTags(const MoRef& object);
  // The objects a tag is attached to, sorted by type and id.
  Result<std::vector<MoRef>> listAttachedObjects(const std::string& tag,
                                                 const std::string& category = "");
  // The objects attached to each of the tags (ids), each list sorted by type and id; one round
  // trip per 500 tags. A tag vCenter does not report maps to an empty list.
  Result<std::map<std::string, std::vector<MoRef>>> listAttachedObjectsOnTags(
      const std::vector<std::string>& tag_ids);

  // --- content libraries ---
  Result<std::vector<ContentLibrary>> listLibraries();  // sorted by name
  // Every item of every library, sorted by library name then item name
  // (1 + 2 x libraries + items round trips).
  Result<std::vector<LibraryItem>> listLibraryItems();
  // Creates a local library stored on `datastore` (a Datastore MoRef); returns its id.
  Result<std::string> createLocalLibrary(const std::string& name, const MoRef& datastore,
                                         const std::string& description = "");
  // Deletes a local library and its items. kNotFound for an unknown id.
  Status deleteLibrary(const std::string& library_id);
  // Creates an empty item (`type` e.g. "ovf", "iso", "file") in a library; returns its id.
  // kNotFound for an unknown library, kAlreadyExists if the library has an item of that name.
  Result<std::string> createLibraryItem(const std::string& library_id, const std::string& name,
                                        const std::string& type,
                                        const std::string& description = "");
  // Uploads one file into an item through an update session (create, add file, HTTP PUT of
  // `content`, complete; the session is failed, best effort, if a later step fails). The PUT
  // goes only to the server this client is connected to: an upload URI naming another scheme,
  // host or port is refused (kProtocol) so the session token never leaves it.
  // For an OVF item, upload the descriptor as "<name>.ovf". kNotFound for an unknown item.
  Status uploadLibraryItemFile(const std::string& item_id, const std::string& file_name,
                               const std::string& content);

  // --- OVF deployment from a content library ---
  // What an OVF item declares for a deployment into `resource_pool` (moref value). kNotFound
  // for an unknown item. 1 round trip.
  Result<LibraryItemFilter> filterLibraryItem(const std::string& item_id,
                                              const std::string& resource_pool);
  // Deploys an OVF item as a new VM. kInvalidArgument (naming the field) for a spec without
  // name or resource pool; kNotFound for an unknown item; kInternal with vCenter's messages
  // when vCenter reports the deployment failed. 1 round trip, which lasts as long as the
  // deployment (bounded by the transport's request timeout).
  Result<LibraryDeployResult> deployLibraryItem(const std::string& item_id,
                                                const LibraryDeploySpec& spec);

  // --- escape hatch ---
  // One call to an endpoint this class does not wrap: `method` "GET", "POST", "PATCH", "PUT"
  // or "DELETE"; `path` under /rest with its query, e.g. "/com/vmware/content/local-library";
  // `body` sent as JSON unless null. Returns the reply's "value" (null when there is none).
  Result<Json> rawCall(const std::string& method, const std::string& path,
                       const Json& body = Json());

  class Impl;

 private:
  explicit RestClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vsmcp::vsphere
