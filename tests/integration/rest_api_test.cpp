// The vAPI REST side (tag categories, tags, associations, content libraries) and custom
// attributes against the simulator. Each case starts its own simulator; effects are checked
// through a second, independent session where it matters.
#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <mutex>
#include <set>
#include <thread>

#include "fake_http_transport.hpp"  // fixture()
#include "vcsim.hpp"
#include "vsphere/rest_client.hpp"

using namespace vsmcp;
using namespace vsmcp::vsphere;
using vsmcp::testing::fixture;
using vsmcp::testing::Vcsim;

namespace {

std::unique_ptr<RestClient> restOf(Client& client) {
  auto r = RestClient::create(client);
  INFO(r.status().toString());
  REQUIRE(r.ok());
  return std::move(r).value();
}

// Forwards to a real transport, counting requests and recording "METHOD target" (or the SOAP
// method), and optionally rewriting request bodies.
class RecordingTransport final : public HttpTransport {
 public:
  explicit RecordingTransport(std::unique_ptr<HttpTransport> inner,
                              std::function<void(HttpRequest&)> rewrite = nullptr)
      : inner_(std::move(inner)), rewrite_(std::move(rewrite)) {}
  Result<HttpResponse> send(const HttpRequest& r) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      sent_.push_back(r.method + " " + r.target);
    }
    ++count;
    if (!rewrite_) return inner_->send(r);
    HttpRequest copy = r;
    rewrite_(copy);
    return inner_->send(copy);
  }
  std::vector<std::string> sent() const {
    std::lock_guard<std::mutex> lock(mu_);
    return sent_;
  }
  int countOf(const std::string& prefix) const {
    auto s = sent();
    return static_cast<int>(std::count_if(
        s.begin(), s.end(), [&](const std::string& line) { return line.rfind(prefix, 0) == 0; }));
  }
  std::atomic<int> count{0};

 private:
  std::unique_ptr<HttpTransport> inner_;
  std::function<void(HttpRequest&)> rewrite_;
  mutable std::mutex mu_;
  std::vector<std::string> sent_;
};

// Forwards to a shared transport, so a test can inspect it after its owner is gone.
class Forward final : public HttpTransport {
 public:
  explicit Forward(std::shared_ptr<HttpTransport> to) : to_(std::move(to)) {}
  Result<HttpResponse> send(const HttpRequest& r) override { return to_->send(r); }

 private:
  std::shared_ptr<HttpTransport> to_;
};

std::unique_ptr<HttpTransport> realTransport(const Vcsim& sim) {
  auto t = makeHttpTransport(transportOptions(sim.options()));
  REQUIRE(t.ok());
  return std::move(t).value();
}

std::vector<std::string> tagNames(const std::vector<Tag>& tags) {
  std::vector<std::string> out;
  for (const auto& t : tags) out.push_back(t.name);
  return out;
}

MoRef firstVm(Client& client) {
  auto vms = client.listVms({}, VmDetail::kState);
  REQUIRE(vms.ok());
  REQUIRE_FALSE(vms->empty());
  return vms->front().ref;
}

const char* const kMissingCategory =
    "urn:vmomi:InventoryServiceCategory:00000000-0000-0000-0000-000000000000:GLOBAL";
const char* const kMissingTag =
    "urn:vmomi:InventoryServiceTag:00000000-0000-0000-0000-000000000000:GLOBAL";

}  // namespace

TEST_CASE("tag categories are created, read, listed, updated and deleted") {
  Vcsim sim;
  auto client = sim.connect();
  auto rest = restOf(*client);
  auto other_client = sim.connect();
  auto other = restOf(*other_client);  // a second REST session sees the same categories

  REQUIRE(rest->listCategories()->empty());
  CategorySpec spec;
  spec.name = "environment";
  spec.description = "where a VM runs";
  spec.cardinality = TagCardinality::kSingle;
  spec.associable_types = {"VirtualMachine"};
  auto created = rest->createCategory(spec);
  INFO(created.status().toString());
  REQUIRE(created.ok());
  CHECK(created->id.rfind("urn:vmomi:InventoryServiceCategory:", 0) == 0);

  auto by_id = other->getCategory(created->id);
  REQUIRE(by_id.ok());
  CHECK(by_id->name == "environment");
  CHECK(by_id->description == "where a VM runs");
  CHECK(by_id->cardinality == TagCardinality::kSingle);
  CHECK(by_id->associable_types == std::vector<std::string>{"VirtualMachine"});
  auto by_name = other->getCategory("environment");
  REQUIRE(by_name.ok());
  CHECK(by_name->id == created->id);

  CategorySpec second;
  second.name = "owner";
  second.cardinality = TagCardinality::kMultiple;
  REQUIRE(rest->createCategory(second).ok());
  auto all = other->listCategories();
  REQUIRE(all.ok());
  REQUIRE(all->size() == 2);
  CHECK((*all)[0].name == "environment");  // sorted by name
  CHECK((*all)[1].name == "owner");
  CHECK((*all)[1].cardinality == TagCardinality::kMultiple);
  CHECK((*all)[1].associable_types.empty());

  SECTION("a duplicate name is refused") {
    auto dup = rest->createCategory(spec);
    REQUIRE_FALSE(dup.ok());
    CHECK(dup.status().code() == ErrorCode::kAlreadyExists);
    CHECK(dup.status().message() == "a tag category named 'environment' already exists");
    CHECK(dup.status().details().http_status == 400);
  }

  SECTION("an update changes name and description, and types may only grow") {
    CategoryUpdate update;
    update.name = "env";
    update.description = "deployment environment";
    update.associable_types = std::vector<std::string>{"VirtualMachine", "HostSystem"};
    REQUIRE(rest->updateCategory("environment", update).ok());
    auto after = other->getCategory(created->id);
    REQUIRE(after.ok());
    CHECK(after->name == "env");
    CHECK(after->description == "deployment environment");
    CHECK(after->associable_types == std::vector<std::string>{"VirtualMachine", "HostSystem"});
    CHECK(other->getCategory("environment").status().code() == ErrorCode::kNotFound);

    CategoryUpdate shrink;
    shrink.associable_types = std::vector<std::string>{"HostSystem"};
    auto refused = rest->updateCategory(created->id, shrink);
    CHECK(refused.code() == ErrorCode::kInvalidArgument);
    CHECK(refused.message().find("update tag category") != std::string::npos);
    CHECK(rest->updateCategory("env", CategoryUpdate{}).code() == ErrorCode::kInvalidArgument);
  }

  SECTION("a deleted category is gone, and unknown ones are named in errors") {
    REQUIRE(rest->deleteCategory("environment").ok());
    auto gone = other->getCategory(created->id);
    REQUIRE_FALSE(gone.ok());
    CHECK(gone.status().code() == ErrorCode::kNotFound);
    CHECK(gone.status().message() == "no tag category with id '" + created->id + "'");
    CHECK(gone.status().details().object == created->id);
    CHECK(other->listCategories()->size() == 1);

    auto unknown_name = rest->getCategory("nope");
    CHECK(unknown_name.status().code() == ErrorCode::kNotFound);
    CHECK(unknown_name.status().message() == "no tag category named 'nope'");
    auto del = rest->deleteCategory(kMissingCategory);
    CHECK(del.code() == ErrorCode::kNotFound);
    CHECK(del.message().find(kMissingCategory) != std::string::npos);
    CategoryUpdate update;
    update.description = "x";
    CHECK(rest->updateCategory(kMissingCategory, update).code() == ErrorCode::kNotFound);
    CHECK(rest->createCategory(CategorySpec{}).status().code() == ErrorCode::kInvalidArgument);
  }
}

TEST_CASE("tags are created in a category, found by name or id, updated and deleted") {
  Vcsim sim;
  auto client = sim.connect();
  auto rest = restOf(*client);
  auto other_client = sim.connect();
  auto other = restOf(*other_client);

  CategorySpec env;
  env.name = "env";
  auto env_cat = rest->createCategory(env);
  REQUIRE(env_cat.ok());
  CategorySpec team;
  team.name = "team";
  auto team_cat = rest->createCategory(team);
  REQUIRE(team_cat.ok());

  auto prod = rest->createTag({"prod", "production", "env"});  // category by name
  INFO(prod.status().toString());
  REQUIRE(prod.ok());
  CHECK(prod->id.rfind("urn:vmomi:InventoryServiceTag:", 0) == 0);
  CHECK(prod->category_id == env_cat->id);
  REQUIRE(rest->createTag({"dev", "", env_cat->id}).ok());  // category by id
  REQUIRE(rest->createTag({"web", "", "env"}).ok());
  auto team_web = rest->createTag({"web", "the web team", "team"});
  REQUIRE(team_web.ok());

  CHECK(tagNames(*other->listTags("env")) == std::vector<std::string>{"dev", "prod", "web"});
  CHECK(tagNames(*other->listTags(team_cat->id)) == std::vector<std::string>{"web"});
  CHECK(other->listTags()->size() == 4);

  auto got = other->getTag(prod->id);
  REQUIRE(got.ok());
  CHECK(got->name == "prod");
  CHECK(got->description == "production");
  CHECK(got->category_id == env_cat->id);
  CHECK(other->getTag("prod")->id == prod->id);
  CHECK(other->getTag("web", "team")->id == team_web->id);
  CHECK(other->getTag("web", "team")->description == "the web team");

  auto ambiguous = other->getTag("web");
  REQUIRE_FALSE(ambiguous.ok());
  CHECK(ambiguous.status().code() == ErrorCode::kInvalidArgument);
  CHECK(ambiguous.status().message().find("2 tags are named 'web'") != std::string::npos);
  CHECK(ambiguous.status().message().find("'env'") != std::string::npos);
  CHECK(ambiguous.status().message().find("'team'") != std::string::npos);

  auto wrong_category = other->getTag(prod->id, "team");
  CHECK(wrong_category.status().code() == ErrorCode::kNotFound);

  auto dup = rest->createTag({"prod", "", "env"});
  REQUIRE_FALSE(dup.ok());
  CHECK(dup.status().code() == ErrorCode::kAlreadyExists);
  CHECK(dup.status().message() == "category 'env' already has a tag named 'prod'");

  auto no_category = rest->createTag({"x", "", "nope"});
  CHECK(no_category.status().code() == ErrorCode::kNotFound);
  CHECK(no_category.status().message() == "no tag category named 'nope'");
  auto bad_category_id = rest->createTag({"x", "", kMissingCategory});
  CHECK(bad_category_id.status().code() == ErrorCode::kNotFound);
  CHECK(bad_category_id.status().message().find(kMissingCategory) != std::string::npos);
  CHECK(other->listTags()->size() == 4);  // nothing created by the refused calls
  CHECK(rest->listTags("nope").status().code() == ErrorCode::kNotFound);

  TagUpdate rename;
  rename.name = "production";
  rename.description = "live";
  REQUIRE(rest->updateTag("prod", rename, "env").ok());
  auto renamed = other->getTag(prod->id);
  REQUIRE(renamed.ok());
  CHECK(renamed->name == "production");
  CHECK(renamed->description == "live");
  CHECK(other->getTag("prod", "env").status().code() == ErrorCode::kNotFound);

  REQUIRE(rest->deleteTag("production", "env").ok());
  auto gone = other->getTag(prod->id);
  CHECK(gone.status().code() == ErrorCode::kNotFound);
  CHECK(gone.status().message() == "no tag with id '" + prod->id + "'");
  CHECK(rest->deleteTag(kMissingTag).code() == ErrorCode::kNotFound);
  CHECK(rest->updateTag(kMissingTag, rename).code() == ErrorCode::kNotFound);
  CHECK(rest->getTag("").status().code() == ErrorCode::kInvalidArgument);

  // Deleting a category deletes its tags.
  REQUIRE(rest->deleteCategory("env").ok());
  CHECK(tagNames(*other->listTags()) == std::vector<std::string>{"web"});
}

TEST_CASE("tags are attached to and detached from inventory objects") {
  Vcsim sim;
  auto client = sim.connect();
  auto rest = restOf(*client);
  auto other_client = sim.connect();
  auto other = restOf(*other_client);

  CategorySpec env;
  env.name = "env";
  env.cardinality = TagCardinality::kMultiple;
  REQUIRE(rest->createCategory(env).ok());
  auto prod = rest->createTag({"prod", "", "env"});
  auto pci = rest->createTag({"pci", "", "env"});
  REQUIRE(prod.ok());
  REQUIRE(pci.ok());
  const MoRef vm = firstVm(*client);
  auto hosts = client->listHosts();
  REQUIRE(hosts.ok());
  const MoRef host = hosts->front().ref;

  REQUIRE(rest->attachTag("prod", vm, "env").ok());
  REQUIRE(rest->attachTag(pci->id, vm).ok());
  REQUIRE(rest->attachTag(prod->id, host).ok());

  auto on_vm = other->listAttachedTags(vm);
  REQUIRE(on_vm.ok());
  CHECK(tagNames(*on_vm) == std::vector<std::string>{"pci", "prod"});
  auto tagged = other->listAttachedObjects("prod");
  REQUIRE(tagged.ok());
  REQUIRE(tagged->size() == 2);
  CHECK(std::find(tagged->begin(), tagged->end(), vm) != tagged->end());
  CHECK(std::find(tagged->begin(), tagged->end(), host) != tagged->end());

  REQUIRE(rest->detachTag("prod", vm).ok());
  CHECK(tagNames(*other->listAttachedTags(vm)) == std::vector<std::string>{"pci"});
  CHECK(*other->listAttachedObjects(prod->id) == std::vector<MoRef>{host});
  CHECK(other->listAttachedTags(MoRef{"VirtualMachine", "vm-99999"})->empty());

  SECTION("attaching to a missing object is refused and records nothing") {
    const MoRef ghost{"VirtualMachine", "vm-99999"};
    auto st = rest->attachTag("prod", ghost);
    CHECK(st.code() == ErrorCode::kNotFound);
    CHECK(st.message().find("vm-99999") != std::string::npos);
    CHECK(st.message().find("cannot attach tag 'prod'") != std::string::npos);
    CHECK(other->listAttachedObjects("prod")->size() == 1);
    CHECK(rest->attachTag("prod", MoRef{}).code() == ErrorCode::kInvalidArgument);
  }
  SECTION("unknown tags are named in errors") {
    auto st = rest->attachTag(kMissingTag, vm);
    CHECK(st.code() == ErrorCode::kNotFound);
    CHECK(st.message() == std::string("no tag with id '") + kMissingTag + "'");
    CHECK(rest->attachTag("nope", vm).code() == ErrorCode::kNotFound);
    CHECK(rest->detachTag(kMissingTag, vm).code() == ErrorCode::kNotFound);
    auto objects = rest->listAttachedObjects(kMissingTag);
    CHECK(objects.status().code() == ErrorCode::kNotFound);
    CHECK(objects.status().details().object == kMissingTag);
  }
}

TEST_CASE("the REST session logs in lazily and once, renews itself, and logs out on close") {
  Vcsim sim;
  auto client = sim.connect();
  auto rec = std::make_shared<RecordingTransport>(realTransport(sim));
  auto created = RestClient::create(*client, std::make_unique<Forward>(rec));
  REQUIRE(created.ok());
  auto rest = std::move(created).value();
  CHECK(rec->count.load() == 0);  // nothing is sent before the first call

  // Concurrent first calls share one login.
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&] {
      if (!rest->listCategories().ok()) ++failures;
    });
  for (auto& t : threads) t.join();
  CHECK(failures.load() == 0);
  CHECK(rec->countOf("POST /rest/com/vmware/cis/session") == 1);
  CHECK(rec->countOf("GET /rest/com/vmware/cis/tagging/category") == 8);

  // The server forgets the session (as after a vCenter restart): one re-login, then success.
  REQUIRE(rest->rawCall("DELETE", "/com/vmware/cis/session").ok());
  CategorySpec spec;
  spec.name = "after-expiry";
  REQUIRE(rest->createCategory(spec).ok());
  CHECK(rec->countOf("POST /rest/com/vmware/cis/session") == 2);
  CHECK(rec->countOf("POST /rest/com/vmware/cis/tagging/category") ==
        2);  // refused, then sent again

  rest.reset();
  CHECK(rec->countOf("DELETE /rest/com/vmware/cis/session") == 2);  // the raw one and the close
}

TEST_CASE("a wrong REST password is refused as unauthenticated without echoing it") {
  Vcsim sim;
  // The client holds a wrong password; its SOAP transport alone swaps in the right one, so
  // SOAP works and only the REST login (which uses the client's credentials) is wrong.
  auto o = sim.options();
  const std::string wrong = "Wr0ng-Pa55word-x7";
  o.password = wrong;
  auto soap = std::make_unique<RecordingTransport>(realTransport(sim), [&](HttpRequest& r) {
    const std::string needle = "<password>" + wrong + "</password>";
    auto pos = r.body.find(needle);
    if (pos != std::string::npos) r.body.replace(pos, needle.size(), "<password>pass</password>");
  });
  auto client = Client::connect(o, std::move(soap));
  INFO(client.status().toString());
  REQUIRE(client.ok());
  auto rest = restOf(**client);
  auto categories = rest->listCategories();
  REQUIRE_FALSE(categories.ok());
  CHECK(categories.status().code() == ErrorCode::kUnauthenticated);
  CHECK(categories.status().details().http_status == 401);
  const std::string text = categories.status().toString();
  CHECK(text.find("as 'user'") != std::string::npos);
  CHECK(text.find(wrong) == std::string::npos);
  CHECK(text.find("Wr0ng") == std::string::npos);
}

TEST_CASE("on a standalone ESXi host the REST API and custom attributes are unsupported") {
  Vcsim esx({"-esx"});
  auto client = esx.connect();
  auto rest = RestClient::create(*client);
  REQUIRE_FALSE(rest.ok());
  CHECK(rest.status().code() == ErrorCode::kUnsupported);
  CHECK(rest.status().message().find("standalone ESXi host") != std::string::npos);
  const MoRef vm = firstVm(*client);
  CHECK(client->setCustomValue(vm, "owner", "x").code() == ErrorCode::kUnsupported);
  CHECK(client->customValues(vm).status().code() == ErrorCode::kUnsupported);
  CHECK(client->ensureCustomField("owner").status().code() == ErrorCode::kUnsupported);
  CHECK(client->findByCustomValue("owner").status().code() == ErrorCode::kUnsupported);

  // A server without /rest answers the login with 404: also kUnsupported, not "not found".
  Vcsim vc;
  auto vc_client = vc.connect();
  auto to_esx = RestClient::create(*vc_client, realTransport(esx));
  REQUIRE(to_esx.ok());
  auto categories = (*to_esx)->listCategories();
  REQUIRE_FALSE(categories.ok());
  CHECK(categories.status().code() == ErrorCode::kUnsupported);
  CHECK(categories.status().message().find("no vAPI REST endpoint") != std::string::npos);
}

TEST_CASE("content library items are listed with their library, type and time") {
  Vcsim sim;
  auto client = sim.connect();
  auto rest = restOf(*client);
  CHECK(rest->listLibraryItems()->empty());
  auto datastores = client->listDatastores();
  REQUIRE(datastores.ok());
  REQUIRE_FALSE(datastores->empty());

  const MoRef ds_ref = datastores->front().ref;
  auto makeLibrary = [&](const std::string& name) {
    auto id = rest->createLocalLibrary(name, ds_ref, name + " images");
    INFO(id.status().toString());
    REQUIRE(id.ok());
    CHECK_FALSE(id->empty());
    return *id;
  };
  auto makeItem = [&](const std::string& library, const std::string& name,
                      const std::string& type) {
    auto id = rest->createLibraryItem(library, name, type, "about " + name);
    INFO(id.status().toString());
    REQUIRE(id.ok());
    CHECK_FALSE(id->empty());
    return *id;
  };
  const std::string os = makeLibrary("os-images");
  const std::string apps = makeLibrary("apps");
  const std::string ubuntu = makeItem(os, "ubuntu-22.04", "ovf");
  makeItem(os, "alpine.iso", "iso");
  makeItem(apps, "web-template", "vm-template");

  auto libraries = rest->listLibraries();
  REQUIRE(libraries.ok());
  REQUIRE(libraries->size() == 2);
  CHECK((*libraries)[0].name == "apps");
  CHECK((*libraries)[1].id == os);
  CHECK((*libraries)[1].type == "LOCAL");
  CHECK((*libraries)[1].description == "os-images images");
  CHECK_FALSE((*libraries)[1].creation_time.empty());

  auto items = rest->listLibraryItems();
  INFO(items.status().toString());
  REQUIRE(items.ok());
  REQUIRE(items->size() == 3);
  // Sorted by library name, then item name.
  CHECK((*items)[0].name == "web-template");
  CHECK((*items)[0].library_name == "apps");
  CHECK((*items)[0].type == "vm-template");
  CHECK((*items)[1].name == "alpine.iso");
  CHECK((*items)[1].type == "iso");
  const LibraryItem& u = (*items)[2];
  CHECK(u.id == ubuntu);
  CHECK(u.name == "ubuntu-22.04");
  CHECK(u.description == "about ubuntu-22.04");
  CHECK(u.type == "ovf");
  CHECK(u.library_id == os);
  CHECK(u.library_name == "os-images");
  CHECK(u.size_bytes == 0);             // no file uploaded
  CHECK(u.creation_time.size() >= 20);  // "2024-05-01T10:00:00.123Z"
  CHECK(u.creation_time.find('T') == 10);

  auto dup = rest->createLibraryItem(os, "ubuntu-22.04", "ovf");
  CHECK(dup.status().code() == ErrorCode::kAlreadyExists);
  CHECK(dup.status().message() ==
        "content library '" + os + "' already has an item named 'ubuntu-22.04'");
  auto no_library = rest->createLibraryItem("nope", "x", "ovf");
  CHECK(no_library.status().code() == ErrorCode::kNotFound);
  CHECK(no_library.status().message() == "no content library with id 'nope'");
  CHECK(rest->rawCall("GET", "/com/vmware/content/library/id:nope").status().code() ==
        ErrorCode::kNotFound);
  CHECK(rest->rawCall("BREW", "/x").status().code() == ErrorCode::kInvalidArgument);

  // Deleting a library removes it and its items.
  REQUIRE(rest->deleteLibrary(apps).ok());
  auto left = rest->listLibraryItems();
  REQUIRE(left.ok());
  CHECK(left->size() == 2);
  CHECK(rest->listLibraries()->size() == 1);
  auto again = rest->deleteLibrary(apps);
  CHECK(again.code() == ErrorCode::kNotFound);
  CHECK(again.message() == "no content library with id '" + apps + "'");
}

TEST_CASE("an OVF uploaded to a content library is read and deployed as a VM") {
  Vcsim sim;
  auto client = sim.connect();
  auto rest = restOf(*client);
  auto ds = client->resolve("Datastore", Locator::path("/DC0/datastore/LocalDS_0"));
  REQUIRE(ds.ok());
  auto pool = client->resolve("ResourcePool", Locator::path("/DC0/host/DC0_C0/Resources"));
  INFO(pool.status().toString());
  REQUIRE(pool.ok());
  auto folder = client->resolve("Folder", Locator::path("/DC0/vm"));
  REQUIRE(folder.ok());
  auto network = client->resolve("Network", Locator::path("/DC0/network/VM Network"));
  REQUIRE(network.ok());

  auto library = rest->createLocalLibrary("catalog", *ds);
  REQUIRE(library.ok());
  auto item = rest->createLibraryItem(*library, "tiny", "ovf");
  REQUIRE(item.ok());
  const std::string ovf = fixture("tiny.ovf");
  Status uploaded = rest->uploadLibraryItemFile(*item, "tiny.ovf", ovf);
  INFO(uploaded.toString());
  REQUIRE(uploaded.ok());
  // The file arrived whole.
  auto files =
      rest->rawCall("GET", "/com/vmware/content/library/item/file?library_item_id=" + *item);
  REQUIRE(files.ok());
  REQUIRE(files->size() == 1);
  const Json& file = files->items()[0];
  CHECK(file.find("name")->asString() == "tiny.ovf");
  CHECK(file.find("size")->asInt() == static_cast<std::int64_t>(ovf.size()));

  // govmomi 0.24.2's filter returns the item's name only (no networks, annotation or EULAs).
  auto filter = rest->filterLibraryItem(*item, pool->value);
  INFO(filter.status().toString());
  REQUIRE(filter.ok());
  CHECK(filter->name == "tiny");
  CHECK(filter->networks.empty());
  CHECK(filter->annotation.empty());
  CHECK(filter->eulas.empty());

  LibraryDeploySpec spec;
  spec.name = "svc-web-01";
  spec.resource_pool = pool->value;
  spec.folder = folder->value;
  spec.datastore = ds->value;
  spec.annotation = "from the catalog";
  spec.network_mappings = {{"VM Network", network->value}};
  auto deployed = rest->deployLibraryItem(*item, spec);
  INFO(deployed.status().toString());
  REQUIRE(deployed.ok());
  CHECK(deployed->vm.type == "VirtualMachine");
  CHECK(deployed->warnings.empty());

  auto other = sim.connect();  // seen from another session, over SOAP
  auto vm = other->getVm(Locator::moref(deployed->vm.value));
  INFO(vm.status().toString());
  REQUIRE(vm.ok());
  CHECK(vm->name == "svc-web-01");
  CHECK(vm->folder_path == "/DC0/vm");
  CHECK(vm->resource_pool == *pool);
  CHECK(vm->num_cpu == 1);
  CHECK(vm->memory_mb == 64);
  CHECK(vm->guest_id == "otherLinux64Guest");
  CHECK(vm->datastores == std::vector<std::string>{"LocalDS_0"});
  auto by_name = other->resolve("VirtualMachine", Locator::name("svc-web-01"));
  REQUIRE(by_name.ok());
  CHECK(*by_name == deployed->vm);

  SECTION("a descriptor that is not OVF fails with the server's reason") {
    auto garbage = rest->createLibraryItem(*library, "garbage", "ovf");
    REQUIRE(garbage.ok());
    REQUIRE(rest->uploadLibraryItemFile(*garbage, "garbage.ovf", "not xml").ok());
    spec.name = "svc-garbage";
    auto failed = rest->deployLibraryItem(*garbage, spec);
    REQUIRE_FALSE(failed.ok());
    CHECK(failed.status().code() == ErrorCode::kInternal);
    // The simulator reports the SOAP fault of its OvfManager.CreateImportSpec.
    CHECK(failed.status().message() == "vCenter failed to deploy library item '" + *garbage +
                                           "' as 'svc-garbage': ServerFaultCode: EOF");
    CHECK(failed.status().details().object == *garbage);
    CHECK(other->resolve("VirtualMachine", Locator::name("svc-garbage")).status().code() ==
          ErrorCode::kNotFound);
  }
  SECTION("unknown items and incomplete specs are refused") {
    const std::string missing = "00000000-0000-0000-0000-000000000000";
    auto none = rest->deployLibraryItem(missing, spec);
    CHECK(none.status().code() == ErrorCode::kNotFound);
    CHECK(none.status().message() == "no library item with id '" + missing + "'");
    CHECK(rest->filterLibraryItem(missing, pool->value).status().code() == ErrorCode::kNotFound);
    auto upload = rest->uploadLibraryItemFile(missing, "x.ovf", ovf);
    CHECK(upload.code() == ErrorCode::kNotFound);
    CHECK(upload.message() == "no library item with id '" + missing + "'");

    LibraryDeploySpec no_pool = spec;
    no_pool.resource_pool.clear();
    auto refused = rest->deployLibraryItem(*item, no_pool);
    CHECK(refused.status().code() == ErrorCode::kInvalidArgument);
    CHECK(refused.status().message().find("resource_pool") != std::string::npos);
  }
}

TEST_CASE("custom values round trip and are seen by a second client") {
  Vcsim sim;
  auto client = sim.connect();
  auto other = sim.connect();
  const MoRef vm = firstVm(*client);

  auto key = client->ensureCustomField("deployment", "VirtualMachine");
  INFO(key.status().toString());
  REQUIRE(key.ok());
  auto again = other->ensureCustomField("deployment", "VirtualMachine");
  REQUIRE(again.ok());
  CHECK(*again == *key);

  REQUIRE(client->setCustomValue(vm, "deployment", "dep-42").ok());
  REQUIRE(client->setCustomValue(vm, "owner", "alice").ok());  // defines "owner" on the way
  auto values = other->customValues(vm);
  REQUIRE(values.ok());
  CHECK(*values ==
        std::map<std::string, std::string>{{"deployment", "dep-42"}, {"owner", "alice"}});

  REQUIRE(client->setCustomValue(vm, "owner", "bob").ok());  // replaces
  CHECK(other->customValues(vm)->at("owner") == "bob");

  // Another VM has none; a host gets a field of its own type.
  auto vms = client->listVms({}, VmDetail::kState);
  REQUIRE(vms->size() >= 2);
  CHECK(other->customValues((*vms)[1].ref)->empty());
  auto hosts = client->listHosts();
  REQUIRE(hosts.ok());
  const MoRef host = hosts->front().ref;
  REQUIRE(client->setCustomValue(host, "rack", "r12").ok());
  CHECK(*other->customValues(host) == std::map<std::string, std::string>{{"rack", "r12"}});

  const MoRef ghost{"VirtualMachine", "vm-99999"};
  auto missing = client->setCustomValue(ghost, "owner", "x");
  CHECK(missing.code() == ErrorCode::kNotFound);
  CHECK(missing.message() == "no VirtualMachine with id 'vm-99999'");
  CHECK(client->customValues(ghost).status().code() == ErrorCode::kNotFound);
  CHECK(client->setCustomValue(vm, "", "x").code() == ErrorCode::kInvalidArgument);
  CHECK(client->setCustomValue(MoRef{}, "owner", "x").code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("VMs with a custom value are found among 120 in a constant number of round trips") {
  Vcsim sim({"-vm", "60"});  // 60 VMs in the cluster's pool and 60 on the standalone host
  auto o = sim.options();
  auto counting = std::make_unique<RecordingTransport>(realTransport(sim));
  auto* counter = counting.get();
  auto connected = Client::connect(o, std::move(counting));
  REQUIRE(connected.ok());
  auto client = std::move(connected).value();
  auto vms = client->listVms({}, VmDetail::kState);
  REQUIRE(vms.ok());
  REQUIRE(vms->size() == 120);

  std::map<std::string, std::string> expected;
  for (size_t i = 0; i < vms->size(); i += 3) {
    const MoRef& ref = (*vms)[i].ref;
    const std::string value = "dep-" + std::to_string(i);
    REQUIRE(client->setCustomValue(ref, "deployment", value).ok());
    expected[ref.value] = value;
  }
  // An empty value does not count; a template does.
  REQUIRE(client->setCustomValue((*vms)[1].ref, "deployment", "").ok());
  REQUIRE(client->powerOff((*vms)[3].ref).ok());
  REQUIRE(client->markAsTemplate((*vms)[3].ref).ok());
  VmFilter templates;
  templates.is_template = true;
  REQUIRE(client->listVms(templates, VmDetail::kState)->size() == 1);

  const int before = counter->count.load();
  auto found = client->findByCustomValue("deployment");
  const int round_trips = counter->count.load() - before;
  INFO(found.status().toString());
  REQUIRE(found.ok());
  CHECK(found->size() == 40);
  std::map<std::string, std::string> got;
  for (const auto& [ref, value] : *found) {
    CHECK(ref.type == "VirtualMachine");
    got[ref.value] = value;
  }
  CHECK(got == expected);
  CHECK(got.count((*vms)[3].ref.value) == 1);  // the template
  CHECK(std::is_sorted(found->begin(), found->end(),
                       [](const auto& a, const auto& b) { return a.first.value < b.first.value; }));
  // The field definitions, then one view (create, retrieve, destroy), whatever the VM count.
  CHECK(round_trips == 4);

  const int before_unknown = counter->count.load();
  auto none = client->findByCustomValue("no-such-field");
  REQUIRE(none.ok());
  CHECK(none->empty());
  CHECK(counter->count.load() - before_unknown == 1);
}
