// vAPI REST encoding and decoding: path segments, the {"value": ...} reply envelope, vAPI
// error replies and the typed values (categories, tags, object ids, libraries and items).
// Pure functions on text and Json, no I/O. Internal.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "vsmcp/json.hpp"
#include "vsmcp/result.hpp"
#include "vsphere/rest_client.hpp"

namespace vsmcp::vsphere::vapi {

// Protocol strings of the /rest API (under the base path, usually "/rest").
inline constexpr std::string_view kSessionPath = "/com/vmware/cis/session";
inline constexpr std::string_view kCategoryPath = "/com/vmware/cis/tagging/category";
inline constexpr std::string_view kTagPath = "/com/vmware/cis/tagging/tag";
inline constexpr std::string_view kAssociationPath = "/com/vmware/cis/tagging/tag-association";
inline constexpr std::string_view kLibraryPath = "/com/vmware/content/library";
inline constexpr std::string_view kLibraryItemPath = "/com/vmware/content/library/item";
inline constexpr std::string_view kLocalLibraryPath = "/com/vmware/content/local-library";
inline constexpr std::string_view kUpdateSessionPath =
    "/com/vmware/content/library/item/update-session";
inline constexpr std::string_view kUpdateSessionFilePath =
    "/com/vmware/content/library/item/updatesession/file";
inline constexpr std::string_view kOvfLibraryItemPath = "/com/vmware/vcenter/ovf/library-item";
inline constexpr std::string_view kSessionHeader = "vmware-api-session-id";
inline constexpr std::string_view kHeaderAuthn = "vmware-use-header-authn";

// Percent-encodes everything but unreserved characters and ':' (ids are URNs).
std::string encode(std::string_view text);
// "/id:<encoded id>", the way /rest addresses one resource.
std::string idSegment(std::string_view id);
std::string base64(std::string_view data);

// What a failed reply is about, to write its error.
struct ErrorContext {
  std::string what;            // "get tag 'urn:...'" (an action and its object)
  std::string object;          // the id or name concerned, for ErrorDetails::object
  std::string not_found;       // the message for not found; "" = "<what>: not found"
  std::string already_exists;  // the message for already exists; "" = generic
};

// The error for a reply with an HTTP status >= 300. The code comes from the vAPI error type
// of a JSON body ("com.vmware.vapi.std.errors.not_found" or, in the newer form,
// "error_type": "NOT_FOUND") when there is one, else from the HTTP status. The server's
// message, if any, is kept; bodies that are not JSON (HTML, text) are not echoed.
Status errorFromReply(int http_status, std::string_view body, const ErrorContext& context);

// The "value" of a successful reply: null for an empty body; kProtocol for a body that is not
// a JSON object (HTML, text, truncated JSON), naming `what` and the HTTP status.
Result<Json> valueOfReply(int http_status, std::string_view body, std::string_view what);

// Typed decoders. `what` names the reply in errors. Missing or null members become empty;
// members of the wrong JSON type are kProtocol naming the member.
Result<std::vector<std::string>> decodeIds(const Json& value, std::string_view what);
Result<std::string> decodeId(const Json& value, std::string_view what);  // a created object
Result<TagCategory> decodeCategory(const Json& value, std::string_view what);
Result<Tag> decodeTag(const Json& value, std::string_view what);
Result<std::vector<MoRef>> decodeObjectIds(const Json& value, std::string_view what);
Result<ContentLibrary> decodeLibrary(const Json& value, std::string_view what);
Result<LibraryItem> decodeLibraryItem(const Json& value, std::string_view what);
// The reply to ovf/library-item ?~action=filter. Accepts "networks" and "annotation" also as
// "Networks" and "Annotation" (govmomi's spelling).
Result<LibraryItemFilter> decodeLibraryItemFilter(const Json& value, std::string_view what);
// upload_endpoint.uri of the reply to updatesession/file ?~action=add; kProtocol if absent.
Result<std::string> decodeUploadUri(const Json& value, std::string_view what);

// The reply to ovf/library-item ?~action=deploy, before it becomes a result or an error.
struct Deployment {
  bool succeeded = false;  // absent = false
  MoRef resource;          // resource_id {type, id}; empty if absent
  std::vector<std::string> errors, warnings, information;  // the messages of each list
};
Result<Deployment> decodeDeployment(const Json& value, std::string_view what);

// An update session's state ("ACTIVE", "DONE", "ERROR", ...) and error message, if any.
struct UpdateSessionState {
  std::string state;
  std::string error_message;
};
Result<UpdateSessionState> decodeUpdateSession(const Json& value, std::string_view what);

// Request bodies.
Json categoryCreateBody(const CategorySpec& spec);
Json categoryUpdateBody(const CategoryUpdate& update);
Json tagCreateBody(const TagSpec& spec, const std::string& category_id);
Json tagUpdateBody(const TagUpdate& update);
Json objectIdBody(const MoRef& object);  // {"object_id": {"type": ..., "id": ...}}
Json localLibraryCreateBody(const std::string& name, const std::string& description,
                            const MoRef& datastore);
Json libraryItemCreateBody(const std::string& library_id, const std::string& name,
                           const std::string& type, const std::string& description);
Json ovfFilterBody(const std::string& resource_pool);  // {"target": {"resource_pool_id": ...}}
Json ovfDeployBody(const LibraryDeploySpec& spec);     // empty optional members left out
Json updateSessionCreateBody(const std::string& item_id);
Json updateSessionFileAddBody(const std::string& file_name, std::int64_t size);  // PUSH

}  // namespace vsmcp::vsphere::vapi
