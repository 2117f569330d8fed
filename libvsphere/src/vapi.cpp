#include "vapi.hpp"

#include <algorithm>
#include <cctype>

namespace vsmcp::vsphere::vapi {

std::string encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == ':') {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string idSegment(std::string_view id) { return "/id:" + encode(id); }

std::string base64(std::string_view data) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    const unsigned v = static_cast<unsigned char>(data[i]) << 16 |
                       static_cast<unsigned char>(data[i + 1]) << 8 |
                       static_cast<unsigned char>(data[i + 2]);
    out += kAlphabet[v >> 18 & 63];
    out += kAlphabet[v >> 12 & 63];
    out += kAlphabet[v >> 6 & 63];
    out += kAlphabet[v & 63];
  }
  if (i < data.size()) {
    unsigned v = static_cast<unsigned char>(data[i]) << 16;
    if (i + 1 < data.size()) v |= static_cast<unsigned char>(data[i + 1]) << 8;
    out += kAlphabet[v >> 18 & 63];
    out += kAlphabet[v >> 12 & 63];
    out += i + 1 < data.size() ? kAlphabet[v >> 6 & 63] : '=';
    out += '=';
  }
  return out;
}

namespace {

struct ErrorClass {
  const char* type;  // the last part of com.vmware.vapi.std.errors.<type>, lower case
  ErrorCode code;
  const char* phrase;
};

constexpr ErrorClass kErrors[] = {
    {"already_exists", ErrorCode::kAlreadyExists, "already exists"},
    {"already_in_desired_state", ErrorCode::kInvalidState, "already in the desired state"},
    {"canceled", ErrorCode::kCancelled, "cancelled"},
    {"concurrent_change", ErrorCode::kBusy, "changed concurrently"},
    {"error", ErrorCode::kInternal, "server error"},
    {"feature_in_use", ErrorCode::kBusy, "feature in use"},
    {"internal_server_error", ErrorCode::kInternal, "internal server error"},
    {"invalid_argument", ErrorCode::kInvalidArgument, "invalid argument"},
    {"invalid_element_configuration", ErrorCode::kInvalidArgument, "invalid configuration"},
    {"invalid_element_type", ErrorCode::kInvalidArgument, "invalid element type"},
    {"invalid_request", ErrorCode::kInvalidArgument, "invalid request"},
    {"not_allowed_in_current_state", ErrorCode::kInvalidState, "not allowed in the current state"},
    {"not_found", ErrorCode::kNotFound, "not found"},
    {"operation_not_found", ErrorCode::kUnsupported, "operation not found"},
    {"resource_busy", ErrorCode::kBusy, "resource busy"},
    {"resource_in_use", ErrorCode::kBusy, "resource in use"},
    {"resource_inaccessible", ErrorCode::kUnavailable, "resource inaccessible"},
    {"service_unavailable", ErrorCode::kUnavailable, "service unavailable"},
    {"timed_out", ErrorCode::kTimeout, "timed out"},
    {"unable_to_allocate_resource", ErrorCode::kInvalidState, "unable to allocate resource"},
    {"unauthenticated", ErrorCode::kUnauthenticated, "not authenticated"},
    {"unauthorized", ErrorCode::kPermissionDenied, "permission denied"},
    {"unexpected_input", ErrorCode::kInvalidArgument, "unexpected input"},
    {"unsupported", ErrorCode::kUnsupported, "unsupported"},
    {"unverified_peer", ErrorCode::kTls, "unverified peer"},
};

ErrorCode codeForStatus(int status) {
  switch (status) {
    case 400:
      return ErrorCode::kInvalidArgument;
    case 401:
      return ErrorCode::kUnauthenticated;
    case 403:
      return ErrorCode::kPermissionDenied;
    case 404:
      return ErrorCode::kNotFound;
    case 405:
      return ErrorCode::kUnsupported;
    case 408:
      return ErrorCode::kTimeout;
    case 409:
      return ErrorCode::kBusy;
    case 429:
      return ErrorCode::kRateLimited;
    case 501:
      return ErrorCode::kUnsupported;
    default:
      break;
  }
  if (status >= 500) return ErrorCode::kUnavailable;
  if (status >= 400) return ErrorCode::kInvalidArgument;
  return ErrorCode::kProtocol;  // a redirect or an informational status: not a vAPI answer
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string htmlTitle(std::string_view body) {
  std::string head = lower(body.substr(0, 4096));
  auto start = head.find("<title>");
  if (start == std::string::npos) return "";
  start += 7;
  auto end = head.find("</title>", start);
  if (end == std::string::npos) return "";
  std::string title(body.substr(start, std::min<size_t>(end - start, 120)));
  for (auto& c : title)
    if (std::iscntrl(static_cast<unsigned char>(c))) c = ' ';
  return title;
}

bool looksLikeHtml(std::string_view body) {
  std::string head = lower(body.substr(0, 512));
  return head.find("<html") != std::string::npos ||
         head.find("<!doctype html") != std::string::npos;
}

bool blank(std::string_view body) {
  return std::all_of(body.begin(), body.end(),
                     [](char c) { return std::isspace(static_cast<unsigned char>(c)); });
}

// The default messages of a vAPI error's "messages" list, joined; at most ~300 characters.
std::string errorMessages(const Json& error) {
  const Json* messages = error.find("messages");
  if (!messages) {
    if (const Json* value = error.find("value")) messages = value->find("messages");
  }
  std::string out;
  if (!messages) return out;
  for (const auto& m : messages->items()) {
    const Json* text = m.find("default_message");
    const std::string& s = text ? text->asString() : m.asString();
    if (s.empty()) continue;
    if (!out.empty()) out += "; ";
    out += s;
    if (out.size() > 300) {
      out.resize(300);
      out += "...";
      break;
    }
  }
  for (auto& c : out)
    if (std::iscntrl(static_cast<unsigned char>(c))) c = ' ';
  return out;
}

Status wrongType(std::string_view what, std::string_view member, const Json& v,
                 std::string_view expected) {
  return Status::Protocol(std::string(what) + ": member '" + std::string(member) + "' is " +
                          std::string(Json::typeName(v.type())) + ", expected " +
                          std::string(expected));
}

Status expectObject(const Json& value, std::string_view what) {
  if (value.isObject()) return Status::Ok();
  return Status::Protocol(std::string(what) + ": expected an object, got " +
                          std::string(Json::typeName(value.type())));
}

// A string member; absent or null -> "".
Status stringMember(const Json& obj, std::string_view key, std::string& out,
                    std::string_view what) {
  const Json* v = obj.find(key);
  if (!v || v->isNull()) {
    out.clear();
    return Status::Ok();
  }
  if (!v->isString()) return wrongType(what, key, *v, "a string");
  out = v->asString();
  return Status::Ok();
}

Status stringList(const Json& obj, std::string_view key, std::vector<std::string>& out,
                  std::string_view what) {
  out.clear();
  const Json* v = obj.find(key);
  if (!v || v->isNull()) return Status::Ok();
  if (!v->isArray()) return wrongType(what, key, *v, "an array of strings");
  for (const auto& item : v->items()) {
    if (!item.isString()) return wrongType(what, key, item, "an array of strings");
    out.push_back(item.asString());
  }
  return Status::Ok();
}

Status requireId(const std::string& id, std::string_view what) {
  if (id.empty()) return Status::Protocol(std::string(what) + ": the reply has no id");
  return Status::Ok();
}

// A printable, bounded copy of a server's message.
std::string cleanMessage(std::string text) {
  if (text.size() > 300) {
    text.resize(300);
    text += "...";
  }
  for (auto& c : text)
    if (std::iscntrl(static_cast<unsigned char>(c))) c = ' ';
  return text;
}

void addMessage(const Json& message, std::vector<std::string>& out) {
  const Json* text = message.isString() ? &message : message.find("default_message");
  if (text && text->isString() && !text->asString().empty())
    out.push_back(cleanMessage(text->asString()));
}

// The messages of one entry of a deployment's errors, warnings or information: its own
// "message" and "messages", its "error"'s, and its parse "issues"'. Odd shapes add nothing.
void collectMessages(const Json& entry, std::vector<std::string>& out, int depth = 0) {
  if (!entry.isObject() || depth > 4) return;
  if (const Json* m = entry.find("message")) addMessage(*m, out);
  if (const Json* ms = entry.find("messages"))
    for (const auto& m : ms->items()) addMessage(m, out);
  if (const Json* e = entry.find("error")) collectMessages(*e, out, depth + 1);
  if (const Json* issues = entry.find("issues"))
    for (const auto& issue : issues->items()) collectMessages(issue, out, depth + 1);
}

std::vector<std::string> listMessages(const Json& report, std::string_view key) {
  std::vector<std::string> out;
  if (const Json* list = report.find(key))
    for (const auto& entry : list->items()) collectMessages(entry, out);
  return out;
}

// The first of `keys` present and not null, or nullptr.
const Json* findAny(const Json& obj, std::initializer_list<std::string_view> keys) {
  for (auto key : keys) {
    const Json* v = obj.find(key);
    if (v && !v->isNull()) return v;
  }
  return nullptr;
}

Json stringArray(const std::vector<std::string>& items) {
  Json::Array out;
  for (const auto& s : items) out.emplace_back(s);
  return Json(std::move(out));
}

}  // namespace

Status errorFromReply(int http_status, std::string_view body, const ErrorContext& context) {
  std::string type, server_message;
  if (!blank(body) && !looksLikeHtml(body)) {
    auto parsed = Json::parse(body);
    if (parsed.ok() && parsed->isObject()) {
      const Json* t = parsed->find("type");
      if (!t || !t->isString()) t = parsed->find("error_type");
      if (t && t->isString()) {
        type = lower(t->asString());
        if (auto dot = type.rfind('.'); dot != std::string::npos) type = type.substr(dot + 1);
      }
      server_message = errorMessages(*parsed);
    }
  }
  ErrorCode code = codeForStatus(http_status);
  const char* phrase = nullptr;
  for (const auto& e : kErrors) {
    if (type == e.type) {
      code = e.code;
      phrase = e.phrase;
      break;
    }
  }
  ErrorDetails details{type, http_status, context.object};
  if (code == ErrorCode::kNotFound && !context.not_found.empty())
    return Status::Error(code, context.not_found, std::move(details));
  if (code == ErrorCode::kAlreadyExists && !context.already_exists.empty())
    return Status::Error(code, context.already_exists, std::move(details));
  std::string message = context.what + " failed with HTTP " + std::to_string(http_status);
  if (phrase) message += std::string(" (") + phrase + ")";
  if (!server_message.empty()) {
    message += ": " + server_message;
  } else if (looksLikeHtml(body)) {
    std::string title = htmlTitle(body);
    message += title.empty() ? ": an HTML page" : ": an HTML page titled '" + title + "'";
  }
  return Status::Error(code, std::move(message), std::move(details));
}

Result<Json> valueOfReply(int http_status, std::string_view body, std::string_view what) {
  if (blank(body)) return Json();
  const std::string where =
      "the reply to " + std::string(what) + " (HTTP " + std::to_string(http_status) + ")";
  ErrorDetails details{"", http_status, ""};
  if (looksLikeHtml(body)) {
    std::string title = htmlTitle(body);
    return Status::Error(ErrorCode::kProtocol,
                         "expected JSON in " + where + " but got an HTML page" +
                             (title.empty() ? std::string() : " titled '" + title + "'") +
                             "; is the URL a vCenter Server?",
                         details);
  }
  auto parsed = Json::parse(body);
  if (!parsed.ok())
    return Status::Error(ErrorCode::kProtocol, where + " is not JSON: " + parsed.status().message(),
                         details);
  if (!parsed->isObject())
    return Status::Error(ErrorCode::kProtocol,
                         where + " is a JSON " + std::string(Json::typeName(parsed->type())) +
                             ", expected an object with a \"value\"",
                         details);
  Json* value = parsed->find("value");
  if (!value) return Json();
  return std::move(*value);
}

Result<std::vector<std::string>> decodeIds(const Json& value, std::string_view what) {
  std::vector<std::string> out;
  if (value.isNull()) return out;  // vcsim sends "value": null for an empty list
  if (!value.isArray())
    return Status::Protocol(std::string(what) + ": expected a list of ids, got " +
                            std::string(Json::typeName(value.type())));
  for (const auto& item : value.items()) {
    if (!item.isString() || item.asString().empty())
      return Status::Protocol(std::string(what) + ": expected a list of ids, found " +
                              (item.isString() ? std::string("an empty string")
                                               : std::string(Json::typeName(item.type()))));
    out.push_back(item.asString());
  }
  return out;
}

Result<std::string> decodeId(const Json& value, std::string_view what) {
  if (!value.isString() || value.asString().empty())
    return Status::Protocol(std::string(what) + ": expected the new object's id, got " +
                            (value.isString() ? std::string("an empty string")
                                              : std::string(Json::typeName(value.type()))));
  return value.asString();
}

Result<TagCategory> decodeCategory(const Json& value, std::string_view what) {
  VSMCP_RETURN_IF_ERROR(expectObject(value, what));
  TagCategory c;
  VSMCP_RETURN_IF_ERROR(stringMember(value, "id", c.id, what));
  VSMCP_RETURN_IF_ERROR(requireId(c.id, what));
  VSMCP_RETURN_IF_ERROR(stringMember(value, "name", c.name, what));
  VSMCP_RETURN_IF_ERROR(stringMember(value, "description", c.description, what));
  std::string cardinality;
  VSMCP_RETURN_IF_ERROR(stringMember(value, "cardinality", cardinality, what));
  if (!cardinality.empty()) {
    auto parsed = parseTagCardinality(cardinality);
    if (!parsed)
      return Status::Protocol(std::string(what) + ": unknown cardinality '" +
                              cardinality.substr(0, 40) + "'");
    c.cardinality = *parsed;
  }
  VSMCP_RETURN_IF_ERROR(stringList(value, "associable_types", c.associable_types, what));
  VSMCP_RETURN_IF_ERROR(stringList(value, "used_by", c.used_by, what));
  return c;
}

Result<Tag> decodeTag(const Json& value, std::string_view what) {
  VSMCP_RETURN_IF_ERROR(expectObject(value, what));
  Tag t;
  VSMCP_RETURN_IF_ERROR(stringMember(value, "id", t.id, what));
  VSMCP_RETURN_IF_ERROR(requireId(t.id, what));
  VSMCP_RETURN_IF_ERROR(stringMember(value, "name", t.name, what));
  VSMCP_RETURN_IF_ERROR(stringMember(value, "description", t.description, what));
  VSMCP_RETURN_IF_ERROR(stringMember(value, "category_id", t.category_id, what));
  VSMCP_RETURN_IF_ERROR(stringList(value, "used_by", t.used_by, what));
  return t;
}

Result<std::vector<MoRef>> decodeObjectIds(const Json& value, std::string_view what) {
  std::vector<MoRef> out;
  if (value.isNull()) return out;
  if (!value.isArray())
    return Status::Protocol(std::string(what) + ": expected a list of objects, got " +
                            std::string(Json::typeName(value.type())));
  for (const auto& item : value.items()) {
    VSMCP_RETURN_IF_ERROR(expectObject(item, what));
    MoRef ref;
    VSMCP_RETURN_IF_ERROR(stringMember(item, "type", ref.type, what));
    VSMCP_RETURN_IF_ERROR(stringMember(item, "id", ref.value, what));
    if (ref.type.empty() || ref.value.empty())
      return Status::Protocol(std::string(what) + ": an object lacks its type or id");
    out.push_back(std::move(ref));
  }
  return out;
}

Result<ContentLibrary> decodeLibrary(const Json& value, std::string_view what) {
  VSMCP_RETURN_IF_ERROR(expectObject(value, what));
  ContentLibrary l;
  VSMCP_RETURN_IF_ERROR(stringMember(value, "id", l.id, what));
  VSMCP_RETURN_IF_ERROR(requireId(l.id, what));
  VSMCP_RETURN_IF_ERROR(stringMember(value, "name", l.name, what));
  VSMCP_RETURN_IF_ERROR(stringMember(value, "description", l.description, what));
  VSMCP_RETURN_IF_ERROR(stringMember(value, "type", l.type, what));
  VSMCP_RETURN_IF_ERROR(stringMember(value, "creation_time", l.creation_time, what));
  return l;
}

Result<LibraryItem> decodeLibraryItem(const Json& value, std::string_view what) {
  VSMCP_RETURN_IF_ERROR(expectObject(value, what));
  LibraryItem i;
  VSMCP_RETURN_IF_ERROR(stringMember(value, "id", i.id, what));
  VSMCP_RETURN_IF_ERROR(requireId(i.id, what));
  VSMCP_RETURN_IF_ERROR(stringMember(value, "name", i.name, what));
  VSMCP_RETURN_IF_ERROR(stringMember(value, "description", i.description, what));
  VSMCP_RETURN_IF_ERROR(stringMember(value, "type", i.type, what));
  VSMCP_RETURN_IF_ERROR(stringMember(value, "library_id", i.library_id, what));
  VSMCP_RETURN_IF_ERROR(stringMember(value, "creation_time", i.creation_time, what));
  VSMCP_RETURN_IF_ERROR(stringMember(value, "last_modified_time", i.last_modified_time, what));
  if (const Json* size = value.find("size"); size && !size->isNull()) {
    if (!size->isNumber() || size->asInt(-1) < 0)
      return wrongType(what, "size", *size, "a byte count");
    i.size_bytes = size->asInt();
  }
  return i;
}

Result<LibraryItemFilter> decodeLibraryItemFilter(const Json& value, std::string_view what) {
  VSMCP_RETURN_IF_ERROR(expectObject(value, what));
  LibraryItemFilter f;
  VSMCP_RETURN_IF_ERROR(stringMember(value, "name", f.name, what));
  const Json* annotation = findAny(value, {"annotation", "Annotation"});
  if (annotation) {
    if (!annotation->isString()) return wrongType(what, "annotation", *annotation, "a string");
    f.annotation = annotation->asString();
  }
  const Json* networks = findAny(value, {"networks", "Networks"});
  if (networks) {
    Json holder = Json::object();
    holder.set("networks", *networks);
    VSMCP_RETURN_IF_ERROR(stringList(holder, "networks", f.networks, what));
  }
  VSMCP_RETURN_IF_ERROR(stringList(value, "EULAs", f.eulas, what));
  VSMCP_RETURN_IF_ERROR(stringList(value, "storage_groups", f.storage_groups, what));
  return f;
}

Result<std::string> decodeUploadUri(const Json& value, std::string_view what) {
  VSMCP_RETURN_IF_ERROR(expectObject(value, what));
  const Json* endpoint = value.find("upload_endpoint");
  if (!endpoint || endpoint->isNull())
    return Status::Protocol(std::string(what) + ": the reply has no upload_endpoint");
  VSMCP_RETURN_IF_ERROR(expectObject(*endpoint, what));
  std::string uri;
  VSMCP_RETURN_IF_ERROR(stringMember(*endpoint, "uri", uri, what));
  if (uri.empty()) return Status::Protocol(std::string(what) + ": the upload endpoint has no uri");
  return uri;
}

Result<Deployment> decodeDeployment(const Json& value, std::string_view what) {
  VSMCP_RETURN_IF_ERROR(expectObject(value, what));
  Deployment d;
  if (const Json* ok = value.find("succeeded"); ok && !ok->isNull()) {
    if (!ok->isBool()) return wrongType(what, "succeeded", *ok, "a boolean");
    d.succeeded = ok->asBool();
  }
  if (const Json* id = value.find("resource_id"); id && !id->isNull()) {
    VSMCP_RETURN_IF_ERROR(expectObject(*id, what));
    VSMCP_RETURN_IF_ERROR(stringMember(*id, "type", d.resource.type, what));
    VSMCP_RETURN_IF_ERROR(stringMember(*id, "id", d.resource.value, what));
  }
  if (const Json* report = value.find("error"); report && report->isObject()) {
    d.errors = listMessages(*report, "errors");
    d.warnings = listMessages(*report, "warnings");
    d.information = listMessages(*report, "information");
  }
  return d;
}

Result<UpdateSessionState> decodeUpdateSession(const Json& value, std::string_view what) {
  VSMCP_RETURN_IF_ERROR(expectObject(value, what));
  UpdateSessionState st;
  VSMCP_RETURN_IF_ERROR(stringMember(value, "state", st.state, what));
  std::vector<std::string> messages;
  if (const Json* m = value.find("error_message")) addMessage(*m, messages);
  if (!messages.empty()) st.error_message = messages.front();
  return st;
}

Json categoryCreateBody(const CategorySpec& spec) {
  Json create = Json::object();
  create.set("name", spec.name)
      .set("description", spec.description)
      .set("cardinality", std::string(tagCardinalityName(spec.cardinality)))
      .set("associable_types", stringArray(spec.associable_types));  // [] = any; never absent
  return Json::object().set("create_spec", std::move(create));
}

Json categoryUpdateBody(const CategoryUpdate& update) {
  Json spec = Json::object();
  if (update.name) spec.set("name", *update.name);
  if (update.description) spec.set("description", *update.description);
  if (update.cardinality)
    spec.set("cardinality", std::string(tagCardinalityName(*update.cardinality)));
  if (update.associable_types) spec.set("associable_types", stringArray(*update.associable_types));
  return Json::object().set("update_spec", std::move(spec));
}

Json tagCreateBody(const TagSpec& spec, const std::string& category_id) {
  Json create = Json::object();
  create.set("name", spec.name)
      .set("description", spec.description)
      .set("category_id", category_id);
  return Json::object().set("create_spec", std::move(create));
}

Json tagUpdateBody(const TagUpdate& update) {
  Json spec = Json::object();
  if (update.name) spec.set("name", *update.name);
  if (update.description) spec.set("description", *update.description);
  return Json::object().set("update_spec", std::move(spec));
}

Json objectIdBody(const MoRef& object) {
  Json id = Json::object();
  id.set("type", object.type).set("id", object.value);
  return Json::object().set("object_id", std::move(id));
}

Json localLibraryCreateBody(const std::string& name, const std::string& description,
                            const MoRef& datastore) {
  Json backing = Json::object();
  backing.set("type", "DATASTORE").set("datastore_id", datastore.value);
  Json create = Json::object();
  create.set("name", name)
      .set("description", description)
      .set("type", "LOCAL")
      .set("storage_backings", Json::array({std::move(backing)}));
  return Json::object().set("create_spec", std::move(create));
}

Json libraryItemCreateBody(const std::string& library_id, const std::string& name,
                           const std::string& type, const std::string& description) {
  Json create = Json::object();
  create.set("library_id", library_id)
      .set("name", name)
      .set("description", description)
      .set("type", type);
  return Json::object().set("create_spec", std::move(create));
}

Json ovfFilterBody(const std::string& resource_pool) {
  return Json::object().set("target", Json::object().set("resource_pool_id", resource_pool));
}

Json ovfDeployBody(const LibraryDeploySpec& spec) {
  Json deployment = Json::object();
  deployment.set("name", spec.name).set("accept_all_EULA", true);
  if (!spec.annotation.empty()) deployment.set("annotation", spec.annotation);
  if (!spec.datastore.empty()) deployment.set("default_datastore_id", spec.datastore);
  if (!spec.network_mappings.empty()) {
    Json mappings = Json::array();
    for (const auto& m : spec.network_mappings)
      mappings.push(Json::object().set("key", m.ovf_network).set("value", m.network));
    deployment.set("network_mappings", std::move(mappings));
  }
  Json target = Json::object();
  target.set("resource_pool_id", spec.resource_pool);
  if (!spec.folder.empty()) target.set("folder_id", spec.folder);
  if (!spec.host.empty()) target.set("host_id", spec.host);
  Json body = Json::object();
  body.set("deployment_spec", std::move(deployment)).set("target", std::move(target));
  return body;
}

Json updateSessionCreateBody(const std::string& item_id) {
  return Json::object().set("create_spec", Json::object().set("library_item_id", item_id));
}

Json updateSessionFileAddBody(const std::string& file_name, std::int64_t size) {
  Json file = Json::object();
  file.set("name", file_name).set("source_type", "PUSH").set("size", size);
  return Json::object().set("file_spec", std::move(file));
}

}  // namespace vsmcp::vsphere::vapi
