// RestClient: tag categories, tags, tag associations and content libraries over the vAPI
// REST endpoints. Each operation builds its request (vapi.hpp bodies), sends it through the
// RestSession and decodes the typed reply.
#include "vsphere/rest_client.hpp"

#include <algorithm>
#include <cctype>

#include "rest_session.hpp"
#include "url.hpp"
#include "vapi.hpp"

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
  Impl(Client& client, RestSession::Config config, std::unique_ptr<HttpTransport> transport)
      : client_(client), session_(std::move(config), std::move(transport)) {}

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

  Client& client_;
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
  return std::unique_ptr<RestClient>(
      new RestClient(std::make_unique<Impl>(client, std::move(config), std::move(transport))));
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
