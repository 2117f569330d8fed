// RestClient: tag categories, tags, tag associations and content libraries over the vAPI
// REST endpoints. Each operation builds its request (vapi.hpp bodies), sends it through the
// RestSession and decodes the typed reply.
#include "vsphere/rest_client.hpp"

#include <algorithm>
#include <cctype>

#include "rest_session.hpp"
#include "url.hpp"
#include "vapi.hpp"
#include "vsmcp/log.hpp"

namespace vsmcp::vsphere {

namespace {

std::string quoted(const std::string& s) { return "'" + s + "'"; }

bool isId(const std::string& value) { return value.rfind("urn:", 0) == 0; }

template <typename T>
void sortByName(std::vector<T>& items) {
  std::sort(items.begin(), items.end(), [](const T& a, const T& b) {
    return a.name != b.name ? a.name < b.name : a.id < b.id;
  });
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// A server-supplied text made safe to show: controls replaced, at most 200 characters.
std::string printable(std::string s) {
  if (s.size() > 200) s = s.substr(0, 200) + "...";
  for (auto& c : s)
    if (std::iscntrl(static_cast<unsigned char>(c))) c = '?';
  return s;
}

std::string joined(const std::vector<std::string>& messages) {
  std::string out;
  for (const auto& m : messages) out += (out.empty() ? "" : "; ") + m;
  return out;
}

Status checkObject(const MoRef& object) {
  if (object.type.empty() || object.value.empty())
    return Status::InvalidArgument("a tag association needs an object with a type and an id");
  return Status::Ok();
}

}  // namespace

std::string_view tagCardinalityName(TagCardinality cardinality) {
  return cardinality == TagCardinality::kSingle ? "SINGLE" : "MULTIPLE";
}

std::optional<TagCardinality> parseTagCardinality(std::string_view name) {
  std::string upper(name);
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (upper == "SINGLE") return TagCardinality::kSingle;
  if (upper == "MULTIPLE") return TagCardinality::kMultiple;
  return std::nullopt;
}

class RestClient::Impl {
 public:
  Impl(Client& client, Url server, RestSession::Config config,
       std::unique_ptr<HttpTransport> transport)
      : client_(client),
        server_(std::move(server)),
        session_(std::move(config), std::move(transport)) {}

  using Request = RestSession::Request;

  static Request get(std::string path, std::string op, vapi::ErrorContext error) {
    Request r;
    r.method = "GET";
    r.path = std::move(path);
    r.idempotent = true;
    r.op = std::move(op);
    r.error = std::move(error);
    return r;
  }

  static Request with(std::string method, std::string path, std::string query,
                      std::optional<Json> body, bool idempotent, std::string op,
                      vapi::ErrorContext error) {
    Request r;
    r.method = std::move(method);
    r.path = std::move(path);
    r.query = std::move(query);
    r.body = std::move(body);
    r.idempotent = idempotent;
    r.op = std::move(op);
    r.error = std::move(error);
    return r;
  }

  // --- categories ---

  Result<TagCategory> categoryById(const std::string& id) {
    const std::string path = std::string(vapi::kCategoryPath) + vapi::idSegment(id);
    VSMCP_ASSIGN_OR_RETURN(Json value,
                           session_.call(get(path, "tagging.category.get",
                                             {"get tag category " + quoted(id), id,
                                              "no tag category with id " + quoted(id), ""})));
    return vapi::decodeCategory(value, "tag category " + quoted(id));
  }

  Result<std::vector<std::string>> categoryIds() {
    VSMCP_ASSIGN_OR_RETURN(
        Json value, session_.call(get(std::string(vapi::kCategoryPath), "tagging.category.list",
                                      {"list tag categories", "", "", ""})));
    return vapi::decodeIds(value, "the list of tag categories");
  }

  Result<std::vector<TagCategory>> categories() {
    VSMCP_ASSIGN_OR_RETURN(auto ids, categoryIds());
    std::vector<TagCategory> out;
    for (const auto& id : ids) {
      auto c = categoryById(id);
      // Deleted between the listing and the read: not an error for a listing.
      if (!c.ok() && c.status().code() == ErrorCode::kNotFound) continue;
      if (!c.ok()) return c.status();
      out.push_back(std::move(c).value());
    }
    sortByName(out);
    return out;
  }

  Result<TagCategory> category(const std::string& category) {
    if (category.empty()) return Status::InvalidArgument("no tag category given");
    if (isId(category)) return categoryById(category);
    VSMCP_ASSIGN_OR_RETURN(auto all, categories());
    for (auto& c : all)
      if (c.name == category) return std::move(c);
    return Status::Error(ErrorCode::kNotFound, "no tag category named " + quoted(category),
                         ErrorDetails{"", 0, category});
  }

  Result<std::string> categoryId(const std::string& category) {
    VSMCP_ASSIGN_OR_RETURN(TagCategory c, this->category(category));
    return c.id;
  }

  // --- tags ---

  Result<Tag> tagById(const std::string& id) {
    const std::string path = std::string(vapi::kTagPath) + vapi::idSegment(id);
    VSMCP_ASSIGN_OR_RETURN(
        Json value,
        session_.call(get(path, "tagging.tag.get",
                          {"get tag " + quoted(id), id, "no tag with id " + quoted(id), ""})));
    return vapi::decodeTag(value, "tag " + quoted(id));
  }

  Result<std::vector<Tag>> tagsByIds(const std::vector<std::string>& ids) {
    std::vector<Tag> out;
    for (const auto& id : ids) {
      auto t = tagById(id);
      if (!t.ok() && t.status().code() == ErrorCode::kNotFound) continue;  // deleted meanwhile
      if (!t.ok()) return t.status();
      out.push_back(std::move(t).value());
    }
    sortByName(out);
    return out;
  }

  Result<std::vector<Tag>> tags(const std::string& category) {
    std::vector<std::string> ids;
    if (category.empty()) {
      VSMCP_ASSIGN_OR_RETURN(Json value,
                             session_.call(get(std::string(vapi::kTagPath), "tagging.tag.list",
                                               {"list tags", "", "", ""})));
      VSMCP_ASSIGN_OR_RETURN(ids, vapi::decodeIds(value, "the list of tags"));
    } else {
      // Resolving first makes an unknown category an error (the simulator lists nothing).
      VSMCP_ASSIGN_OR_RETURN(std::string cid, categoryId(category));
      Json body = Json::object().set("category_id", cid);
      VSMCP_ASSIGN_OR_RETURN(
          Json value, session_.call(with("POST", std::string(vapi::kTagPath) + vapi::idSegment(cid),
                                         "~action=list-tags-for-category", std::move(body), true,
                                         "tagging.tag.list-for-category",
                                         {"list the tags of category " + quoted(category), cid,
                                          "no tag category with id " + quoted(cid), ""})));
      VSMCP_ASSIGN_OR_RETURN(ids,
                             vapi::decodeIds(value, "the tags of category " + quoted(category)));
    }
    return tagsByIds(ids);
  }

  Result<Tag> tag(const std::string& tag, const std::string& category) {
    if (tag.empty()) return Status::InvalidArgument("no tag given");
    if (isId(tag)) {
      VSMCP_ASSIGN_OR_RETURN(Tag t, tagById(tag));
      if (!category.empty()) {
        VSMCP_ASSIGN_OR_RETURN(std::string cid, categoryId(category));
        if (t.category_id != cid)
          return Status::Error(ErrorCode::kNotFound,
                               "tag " + quoted(tag) + " is not in category " + quoted(category),
                               ErrorDetails{"", 0, tag});
      }
      return t;
    }
    VSMCP_ASSIGN_OR_RETURN(auto all, tags(category));
    std::vector<Tag> named;
    for (auto& t : all)
      if (t.name == tag) named.push_back(std::move(t));
    if (named.size() == 1) return std::move(named.front());
    if (named.empty())
      return Status::Error(
          ErrorCode::kNotFound,
          "no tag named " + quoted(tag) +
              (category.empty() ? std::string() : " in category " + quoted(category)),
          ErrorDetails{"", 0, tag});
    std::string where;
    for (const auto& t : named) {
      auto c = categoryById(t.category_id);
      where += where.empty() ? "" : ", ";
      where += c.ok() ? quoted(c->name) : quoted(t.category_id);
    }
    return Status::Error(ErrorCode::kInvalidArgument,
                         std::to_string(named.size()) + " tags are named " + quoted(tag) +
                             " (in categories " + where + "); name the category or use the tag id",
                         ErrorDetails{"", 0, tag});
  }

  Result<std::string> tagId(const std::string& tag, const std::string& category) {
    if (isId(tag) && category.empty()) return tag;  // the server checks it
    VSMCP_ASSIGN_OR_RETURN(Tag t, this->tag(tag, category));
    return t.id;
  }

  Status association(const std::string& tag, const MoRef& object, const std::string& category,
                     const char* action) {
    VSMCP_RETURN_IF_ERROR(checkObject(object));
    VSMCP_ASSIGN_OR_RETURN(std::string id, tagId(tag, category));
    const std::string verb = action;
    if (verb == "attach") {
      // vCenter refuses a missing object; the simulator would record it, so check here.
      auto found = client_.resolve(object.type, Locator::moref(object.value));
      if (!found.ok())
        return found.status().withContext("cannot attach tag " + quoted(tag) + " to " +
                                          object.toString());
    }
    auto r = session_.call(with(
        "POST", std::string(vapi::kAssociationPath) + vapi::idSegment(id), "~action=" + verb,
        vapi::objectIdBody(object), false, "tagging.association." + verb,
        {verb + " tag " + quoted(tag) + (verb == "attach" ? " to " : " from ") + object.toString(),
         id, "no tag with id " + quoted(id), ""}));
    return r.ok() ? Status::Ok() : r.status();
  }

  // The request target (path and query) of an upload URI, if it names this client's server
  // (same scheme, host and port); kProtocol otherwise, so the session token stays here.
  Result<std::string> uploadTarget(const std::string& uri) const {
    const std::string refusal = "; refusing to send the session token there";
    const auto scheme_end = uri.find("://");
    const auto path_start =
        scheme_end == std::string::npos ? std::string::npos : uri.find('/', scheme_end + 3);
    if (path_start == std::string::npos)
      return Status::Protocol("vCenter's upload URI is not an absolute URL with a path" + refusal);
    auto url = parseUrl(uri.substr(0, path_start));  // refuses user info
    if (!url.ok())
      return Status::Protocol("vCenter's upload URI is not usable (" + url.status().message() +
                              ")" + refusal);
    if (url->scheme != server_.scheme || lower(url->host) != lower(server_.host) ||
        std::stoi(url->port) != std::stoi(server_.port))
      return Status::Protocol("vCenter's upload URI names " +
                              printable(url->scheme + "://" + url->hostPort()) +
                              ", not the server this client is connected to (" + server_.scheme +
                              "://" + server_.hostPort() + ")" + refusal);
    std::string target = uri.substr(path_start, uri.find('#', path_start) - path_start);
    if (std::any_of(target.begin(), target.end(),
                    [](char c) { return std::iscntrl(static_cast<unsigned char>(c)) || c == ' '; }))
      return Status::Protocol("vCenter's upload URI has spaces or controls in its path" + refusal);
    return target;
  }

  // Marks an update session failed, best effort (the session expires anyway); returns `why`.
  Status failUpdateSession(const std::string& session, const Status& why) {
    auto r = session_.call(
        with("POST", std::string(vapi::kUpdateSessionPath) + vapi::idSegment(session),
             "~action=fail", Json::object().set("client_error_message", why.message()), false,
             "content.library.item.update-session.fail",
             {"fail update session " + quoted(session), session, "", ""}));
    if (!r.ok())
      log(LogLevel::kDebug, "could not fail the update session: " + r.status().toString());
    return why;
  }

  Client& client_;
  const Url server_;  // the vCenter this client talks to
  RestSession session_;
};

RestClient::RestClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RestClient::~RestClient() = default;

Result<std::unique_ptr<RestClient>> RestClient::create(Client& client) {
  if (!client.isVCenter()) return create(client, nullptr);  // refused below, before any I/O
  VSMCP_ASSIGN_OR_RETURN(auto transport, makeHttpTransport(transportOptions(client.options())));
  return create(client, std::move(transport));
}

Result<std::unique_ptr<RestClient>> RestClient::create(Client& client,
                                                       std::unique_ptr<HttpTransport> transport) {
  const ConnectionOptions& o = client.options();
  VSMCP_ASSIGN_OR_RETURN(Url url, parseUrl(o.url));
  if (!client.isVCenter())
    return Status::Unsupported(url.hostPort() + " is a standalone ESXi host (" +
                               client.about().api_type +
                               "): tags and content libraries need a vCenter Server");
  if (!transport) return Status::InvalidArgument("no transport given");
  RestSession::Config config;
  config.base_path = restBasePath(url.path);
  config.host_port = url.hostPort();
  config.username = o.username;
  config.password = o.password;
  config.on_call = o.on_call;
  return std::unique_ptr<RestClient>(new RestClient(
      std::make_unique<Impl>(client, std::move(url), std::move(config), std::move(transport))));
}

Status RestClient::logout() { return impl_->session_.logout(); }

// --- categories ---

Result<std::vector<TagCategory>> RestClient::listCategories() { return impl_->categories(); }

Result<TagCategory> RestClient::getCategory(const std::string& category) {
  return impl_->category(category);
}

Result<TagCategory> RestClient::createCategory(const CategorySpec& spec) {
  if (spec.name.empty()) return Status::InvalidArgument("a tag category needs a name");
  VSMCP_ASSIGN_OR_RETURN(
      Json value, impl_->session_.call(Impl::with(
                      "POST", std::string(vapi::kCategoryPath), "", vapi::categoryCreateBody(spec),
                      false, "tagging.category.create",
                      {"create tag category " + quoted(spec.name), spec.name, "",
                       "a tag category named " + quoted(spec.name) + " already exists"})));
  VSMCP_ASSIGN_OR_RETURN(std::string id,
                         vapi::decodeId(value, "create tag category " + quoted(spec.name)));
  TagCategory c;
  c.id = std::move(id);
  c.name = spec.name;
  c.description = spec.description;
  c.cardinality = spec.cardinality;
  c.associable_types = spec.associable_types;
  return c;
}

Status RestClient::updateCategory(const std::string& category, const CategoryUpdate& update) {
  if (update.empty())
    return Status::InvalidArgument("nothing to change in tag category " + quoted(category));
  if (update.name && update.name->empty())
    return Status::InvalidArgument("a tag category's name cannot be empty");
  VSMCP_ASSIGN_OR_RETURN(std::string id, impl_->categoryId(category));
  auto r = impl_->session_.call(Impl::with(
      "PATCH", std::string(vapi::kCategoryPath) + vapi::idSegment(id), "",
      vapi::categoryUpdateBody(update), false, "tagging.category.update",
      {"update tag category " + quoted(category), id, "no tag category with id " + quoted(id),
       update.name ? "a tag category named " + quoted(*update.name) + " already exists" : ""}));
  return r.ok() ? Status::Ok() : r.status();
}

Status RestClient::deleteCategory(const std::string& category) {
  VSMCP_ASSIGN_OR_RETURN(
      std::string id, isId(category) ? Result<std::string>(category) : impl_->categoryId(category));
  auto r = impl_->session_.call(Impl::with("DELETE",
                                           std::string(vapi::kCategoryPath) + vapi::idSegment(id),
                                           "", std::nullopt, false, "tagging.category.delete",
                                           {"delete tag category " + quoted(category), id,
                                            "no tag category with id " + quoted(id), ""}));
  return r.ok() ? Status::Ok() : r.status();
}

// --- tags ---

Result<std::vector<Tag>> RestClient::listTags(const std::string& category) {
  return impl_->tags(category);
}

Result<Tag> RestClient::getTag(const std::string& tag, const std::string& category) {
  return impl_->tag(tag, category);
}

Result<Tag> RestClient::createTag(const TagSpec& spec) {
  if (spec.name.empty()) return Status::InvalidArgument("a tag needs a name");
  if (spec.category.empty()) return Status::InvalidArgument("a tag needs a category (id or name)");
  // Resolving an id too: the simulator would create a tag in a category that does not exist.
  VSMCP_ASSIGN_OR_RETURN(TagCategory category, impl_->category(spec.category));
  VSMCP_ASSIGN_OR_RETURN(
      Json value, impl_->session_.call(Impl::with(
                      "POST", std::string(vapi::kTagPath), "",
                      vapi::tagCreateBody(spec, category.id), false, "tagging.tag.create",
                      {"create tag " + quoted(spec.name) + " in category " + quoted(category.name),
                       spec.name, "no tag category with id " + quoted(category.id),
                       "category " + quoted(category.name) + " already has a tag named " +
                           quoted(spec.name)})));
  VSMCP_ASSIGN_OR_RETURN(std::string id, vapi::decodeId(value, "create tag " + quoted(spec.name)));
  Tag t;
  t.id = std::move(id);
  t.name = spec.name;
  t.description = spec.description;
  t.category_id = category.id;
  return t;
}

Status RestClient::updateTag(const std::string& tag, const TagUpdate& update,
                             const std::string& category) {
  if (update.empty()) return Status::InvalidArgument("nothing to change in tag " + quoted(tag));
  if (update.name && update.name->empty())
    return Status::InvalidArgument("a tag's name cannot be empty");
  VSMCP_ASSIGN_OR_RETURN(std::string id, impl_->tagId(tag, category));
  auto r = impl_->session_.call(Impl::with(
      "PATCH", std::string(vapi::kTagPath) + vapi::idSegment(id), "", vapi::tagUpdateBody(update),
      false, "tagging.tag.update",
      {"update tag " + quoted(tag), id, "no tag with id " + quoted(id),
       update.name ? "the category already has a tag named " + quoted(*update.name) : ""}));
  return r.ok() ? Status::Ok() : r.status();
}

Status RestClient::deleteTag(const std::string& tag, const std::string& category) {
  VSMCP_ASSIGN_OR_RETURN(std::string id, impl_->tagId(tag, category));
  auto r = impl_->session_.call(Impl::with(
      "DELETE", std::string(vapi::kTagPath) + vapi::idSegment(id), "", std::nullopt, false,
      "tagging.tag.delete", {"delete tag " + quoted(tag), id, "no tag with id " + quoted(id), ""}));
  return r.ok() ? Status::Ok() : r.status();
}

// --- associations ---

Status RestClient::attachTag(const std::string& tag, const MoRef& object,
                             const std::string& category) {
  return impl_->association(tag, object, category, "attach");
}

Status RestClient::detachTag(const std::string& tag, const MoRef& object,
                             const std::string& category) {
  return impl_->association(tag, object, category, "detach");
}

Result<std::vector<Tag>> RestClient::listAttachedTags(const MoRef& object) {
  VSMCP_RETURN_IF_ERROR(checkObject(object));
  VSMCP_ASSIGN_OR_RETURN(
      Json value, impl_->session_.call(Impl::with(
                      "POST", std::string(vapi::kAssociationPath), "~action=list-attached-tags",
                      vapi::objectIdBody(object), true, "tagging.association.list-attached-tags",
                      {"list the tags of " + object.toString(), object.value, "", ""})));
  VSMCP_ASSIGN_OR_RETURN(auto ids, vapi::decodeIds(value, "the tags of " + object.toString()));
  return impl_->tagsByIds(ids);
}

Result<std::vector<MoRef>> RestClient::listAttachedObjects(const std::string& tag,
                                                           const std::string& category) {
  VSMCP_ASSIGN_OR_RETURN(std::string id, impl_->tagId(tag, category));
  VSMCP_ASSIGN_OR_RETURN(
      Json value,
      impl_->session_.call(Impl::with(
          "POST", std::string(vapi::kAssociationPath) + vapi::idSegment(id),
          "~action=list-attached-objects", Json::object(), true,
          "tagging.association.list-attached-objects",
          {"list the objects tagged " + quoted(tag), id, "no tag with id " + quoted(id), ""})));
  VSMCP_ASSIGN_OR_RETURN(auto refs,
                         vapi::decodeObjectIds(value, "the objects tagged " + quoted(tag)));
  std::sort(refs.begin(), refs.end(), [](const MoRef& a, const MoRef& b) {
    return a.type != b.type ? a.type < b.type : a.value < b.value;
  });
  return refs;
}

Result<std::map<std::string, std::vector<MoRef>>> RestClient::listAttachedObjectsOnTags(
    const std::vector<std::string>& tag_ids) {
  constexpr size_t kBatch = 500;  // keeps each request body small
  auto byTypeThenId = [](const MoRef& a, const MoRef& b) {
    return a.type != b.type ? a.type < b.type : a.value < b.value;
  };
  std::map<std::string, std::vector<MoRef>> out;
  for (const auto& id : tag_ids) out[id];
  for (size_t first = 0; first < tag_ids.size(); first += kBatch) {
    Json ids = Json::array();
    for (size_t i = first; i < std::min(tag_ids.size(), first + kBatch); ++i) ids.push(tag_ids[i]);
    const std::string what = "the objects of " + std::to_string(ids.size()) + " tags";
    VSMCP_ASSIGN_OR_RETURN(
        Json value, impl_->session_.call(Impl::with(
                        "POST", std::string(vapi::kAssociationPath), "~action=list-attached-objects-on-tags",
                        Json::object().set("tag_ids", std::move(ids)), true,
                        "tagging.association.list-attached-objects-on-tags", {"list " + what, "", "", ""})));
    if (value.isNull()) continue;
    if (!value.isArray()) return Status::Protocol(what + ": expected a list, got " + std::string(Json::typeName(value.type())));
    for (const auto& entry : value.items()) {
      const Json* tag = entry.isObject() ? entry.find("tag_id") : nullptr;
      if (!tag || !tag->isString()) return Status::Protocol(what + ": an entry lacks its tag_id");
      const Json* objects = entry.find("object_ids");
      VSMCP_ASSIGN_OR_RETURN(auto refs, vapi::decodeObjectIds(objects ? *objects : Json(), what));
      std::sort(refs.begin(), refs.end(), byTypeThenId);
      out[tag->asString()] = std::move(refs);
    }
  }
  return out;
}

// --- content libraries ---

Result<std::vector<ContentLibrary>> RestClient::listLibraries() {
  VSMCP_ASSIGN_OR_RETURN(Json value, impl_->session_.call(Impl::get(
                                         std::string(vapi::kLibraryPath), "content.library.list",
                                         {"list content libraries", "", "", ""})));
  VSMCP_ASSIGN_OR_RETURN(auto ids, vapi::decodeIds(value, "the list of content libraries"));
  std::vector<ContentLibrary> out;
  for (const auto& id : ids) {
    auto got = impl_->session_.call(Impl::get(
        std::string(vapi::kLibraryPath) + vapi::idSegment(id), "content.library.get",
        {"get content library " + quoted(id), id, "no content library with id " + quoted(id), ""}));
    if (!got.ok() && got.status().code() == ErrorCode::kNotFound) continue;  // deleted meanwhile
    if (!got.ok()) return got.status();
    VSMCP_ASSIGN_OR_RETURN(ContentLibrary l,
                           vapi::decodeLibrary(*got, "content library " + quoted(id)));
    out.push_back(std::move(l));
  }
  sortByName(out);
  return out;
}

Result<std::vector<LibraryItem>> RestClient::listLibraryItems() {
  VSMCP_ASSIGN_OR_RETURN(auto libraries, listLibraries());
  std::vector<LibraryItem> out;
  for (const auto& library : libraries) {
    auto listed = impl_->session_.call(Impl::with(
        "GET", std::string(vapi::kLibraryItemPath), "library_id=" + vapi::encode(library.id),
        std::nullopt, true, "content.library.item.list",
        {"list the items of content library " + quoted(library.name), library.id,
         "no content library with id " + quoted(library.id), ""}));
    if (!listed.ok() && listed.status().code() == ErrorCode::kNotFound) continue;
    if (!listed.ok()) return listed.status();
    VSMCP_ASSIGN_OR_RETURN(
        auto ids, vapi::decodeIds(*listed, "the items of content library " + quoted(library.name)));
    std::vector<LibraryItem> items;
    for (const auto& id : ids) {
      auto got = impl_->session_.call(Impl::get(
          std::string(vapi::kLibraryItemPath) + vapi::idSegment(id), "content.library.item.get",
          {"get library item " + quoted(id), id, "no library item with id " + quoted(id), ""}));
      if (!got.ok() && got.status().code() == ErrorCode::kNotFound) continue;
      if (!got.ok()) return got.status();
      VSMCP_ASSIGN_OR_RETURN(LibraryItem item,
                             vapi::decodeLibraryItem(*got, "library item " + quoted(id)));
      if (item.library_id.empty()) item.library_id = library.id;
      item.library_name = library.name;
      items.push_back(std::move(item));
    }
    sortByName(items);
    for (auto& i : items) out.push_back(std::move(i));
  }
  return out;
}

Result<std::string> RestClient::createLocalLibrary(const std::string& name, const MoRef& datastore,
                                                   const std::string& description) {
  if (name.empty()) return Status::InvalidArgument("a content library needs a name");
  if (datastore.value.empty())
    return Status::InvalidArgument("a content library needs a datastore to store its items on");
  VSMCP_ASSIGN_OR_RETURN(
      Json value,
      impl_->session_.call(Impl::with(
          "POST", std::string(vapi::kLocalLibraryPath), "",
          vapi::localLibraryCreateBody(name, description, datastore), false,
          "content.local-library.create",
          {"create content library " + quoted(name) + " on datastore " + quoted(datastore.value),
           name, "no datastore with id " + quoted(datastore.value),
           "a content library named " + quoted(name) + " already exists"})));
  return vapi::decodeId(value, "create content library " + quoted(name));
}

Status RestClient::deleteLibrary(const std::string& library_id) {
  if (library_id.empty()) return Status::InvalidArgument("no content library given");
  auto r = impl_->session_.call(
      Impl::with("DELETE", std::string(vapi::kLocalLibraryPath) + vapi::idSegment(library_id), "",
                 std::nullopt, false, "content.local-library.delete",
                 {"delete content library " + quoted(library_id), library_id,
                  "no content library with id " + quoted(library_id), ""}));
  return r.ok() ? Status::Ok() : r.status();
}

Result<std::string> RestClient::createLibraryItem(const std::string& library_id,
                                                  const std::string& name, const std::string& type,
                                                  const std::string& description) {
  if (library_id.empty()) return Status::InvalidArgument("a library item needs a library");
  if (name.empty()) return Status::InvalidArgument("a library item needs a name");
  VSMCP_ASSIGN_OR_RETURN(
      Json value,
      impl_->session_.call(Impl::with(
          "POST", std::string(vapi::kLibraryItemPath), "",
          vapi::libraryItemCreateBody(library_id, name, type, description), false,
          "content.library.item.create",
          {"create library item " + quoted(name) + " in content library " + quoted(library_id),
           library_id, "no content library with id " + quoted(library_id),
           "content library " + quoted(library_id) + " already has an item named " +
               quoted(name)})));
  return vapi::decodeId(value, "create library item " + quoted(name));
}

Status RestClient::uploadLibraryItemFile(const std::string& item_id, const std::string& file_name,
                                         const std::string& content) {
  if (item_id.empty()) return Status::InvalidArgument("no library item given");
  if (file_name.empty() || std::any_of(file_name.begin(), file_name.end(), [](char c) {
        return std::iscntrl(static_cast<unsigned char>(c)) || c == '/' || c == '\\';
      }))
    return Status::InvalidArgument(
        "a library item file needs a name without '/', '\\' or control characters");
  const std::string item = "library item " + quoted(item_id);
  const std::string what = "upload of " + quoted(file_name) + " to " + item;
  VSMCP_ASSIGN_OR_RETURN(Json created, impl_->session_.call(Impl::with(
                                           "POST", std::string(vapi::kUpdateSessionPath), "",
                                           vapi::updateSessionCreateBody(item_id), false,
                                           "content.library.item.update-session.create",
                                           {"create an update session for " + item, item_id,
                                            "no library item with id " + quoted(item_id), ""})));
  VSMCP_ASSIGN_OR_RETURN(std::string session,
                         vapi::decodeId(created, "create an update session for " + item));
  const std::string session_path = std::string(vapi::kUpdateSessionPath) + vapi::idSegment(session);
  const vapi::ErrorContext in_session{what, item_id, "the update session for " + item + " is gone",
                                      ""};

  auto added = impl_->session_.call(Impl::with(
      "POST", std::string(vapi::kUpdateSessionFilePath) + vapi::idSegment(session), "~action=add",
      vapi::updateSessionFileAddBody(file_name, static_cast<std::int64_t>(content.size())), false,
      "content.library.item.updatesession.file.add", in_session));
  if (!added.ok()) return impl_->failUpdateSession(session, added.status());
  auto uri = vapi::decodeUploadUri(*added, what);
  if (!uri.ok()) return impl_->failUpdateSession(session, uri.status());
  auto target = impl_->uploadTarget(*uri);
  if (!target.ok()) return impl_->failUpdateSession(session, target.status().withContext(what));

  RestSession::Request put;
  put.method = "PUT";
  put.path = *target;
  put.absolute_path = true;
  put.raw_body = content;
  put.op = "content.library.item.file.upload";
  put.error = in_session;
  auto sent = impl_->session_.call(put);
  if (!sent.ok()) return impl_->failUpdateSession(session, sent.status());

  auto completed =
      impl_->session_.call(Impl::with("POST", session_path, "~action=complete", std::nullopt, false,
                                      "content.library.item.update-session.complete", in_session));
  if (!completed.ok()) return impl_->failUpdateSession(session, completed.status());
  // vCenter may refuse the content once complete; a gone session has finished.
  auto state = impl_->session_.call(
      Impl::get(session_path, "content.library.item.update-session.get", in_session));
  if (!state.ok())
    return state.status().code() == ErrorCode::kNotFound ? Status::Ok() : state.status();
  VSMCP_ASSIGN_OR_RETURN(auto st, vapi::decodeUpdateSession(*state, what));
  if (st.state == "ERROR")
    return Status::Error(ErrorCode::kInternal,
                         what + " failed in vCenter: " +
                             (st.error_message.empty() ? "no reason given" : st.error_message),
                         ErrorDetails{"", 0, item_id});
  return Status::Ok();
}

// --- OVF deployment ---

Result<LibraryItemFilter> RestClient::filterLibraryItem(const std::string& item_id,
                                                        const std::string& resource_pool) {
  if (item_id.empty()) return Status::InvalidArgument("no library item given");
  if (resource_pool.empty())
    return Status::InvalidArgument("reading an OVF needs a target resource pool (resource_pool)");
  const std::string what = "read the OVF of library item " + quoted(item_id);
  VSMCP_ASSIGN_OR_RETURN(
      Json value, impl_->session_.call(Impl::with(
                      "POST", std::string(vapi::kOvfLibraryItemPath) + vapi::idSegment(item_id),
                      "~action=filter", vapi::ovfFilterBody(resource_pool), true,
                      "vcenter.ovf.library-item.filter",
                      {what, item_id, "no library item with id " + quoted(item_id), ""})));
  return vapi::decodeLibraryItemFilter(value, what);
}

Result<LibraryDeployResult> RestClient::deployLibraryItem(const std::string& item_id,
                                                          const LibraryDeploySpec& spec) {
  if (item_id.empty()) return Status::InvalidArgument("no library item given");
  if (spec.name.empty()) return Status::InvalidArgument("a deployment needs a VM name (name)");
  if (spec.resource_pool.empty())
    return Status::InvalidArgument("a deployment needs a resource pool (resource_pool)");
  for (size_t i = 0; i < spec.network_mappings.size(); ++i) {
    const auto& m = spec.network_mappings[i];
    if (m.ovf_network.empty() || m.network.empty())
      return Status::InvalidArgument("network_mappings[" + std::to_string(i) +
                                     "] needs both an OVF network name and a network");
  }
  const std::string what = "deploy library item " + quoted(item_id) + " as " + quoted(spec.name);
  VSMCP_ASSIGN_OR_RETURN(
      Json value,
      impl_->session_.call(Impl::with(
          "POST", std::string(vapi::kOvfLibraryItemPath) + vapi::idSegment(item_id),
          "~action=deploy", vapi::ovfDeployBody(spec), false, "vcenter.ovf.library-item.deploy",
          {what, item_id, "no library item with id " + quoted(item_id), ""})));
  VSMCP_ASSIGN_OR_RETURN(vapi::Deployment d, vapi::decodeDeployment(value, what));
  if (!d.succeeded)
    return Status::Error(ErrorCode::kInternal,
                         "vCenter failed to " + what + ": " +
                             (d.errors.empty() ? std::string("no reason given") : joined(d.errors)),
                         ErrorDetails{"", 0, item_id});
  if (d.resource.value.empty())
    return Status::Protocol("the reply to " + what + " reports success but names no VM");
  LibraryDeployResult out;
  out.vm = std::move(d.resource);
  if (out.vm.type.empty()) out.vm.type = "VirtualMachine";
  out.warnings = std::move(d.warnings);
  out.information = std::move(d.information);
  return out;
}

Result<Json> RestClient::rawCall(const std::string& method, const std::string& path,
                                 const Json& body) {
  if (method != "GET" && method != "POST" && method != "PATCH" && method != "DELETE" &&
      method != "PUT")
    return Status::InvalidArgument("unsupported HTTP method for a REST call: " +
                                   method.substr(0, 16));
  if (path.empty() || path.front() != '/' || std::any_of(path.begin(), path.end(), [](char c) {
        return std::iscntrl(static_cast<unsigned char>(c)) || c == ' ' || c == '#';
      }))
    return Status::InvalidArgument(
        "a REST path must start with '/' and contain no spaces or controls");
  const auto q = path.find('?');
  std::optional<Json> payload;
  if (!body.isNull()) payload = body;
  return impl_->session_.call(Impl::with(
      method, path.substr(0, q), q == std::string::npos ? "" : path.substr(q + 1),
      std::move(payload), method == "GET", "raw", {method + " " + path.substr(0, q), "", "", ""}));
}

}  // namespace vsmcp::vsphere
