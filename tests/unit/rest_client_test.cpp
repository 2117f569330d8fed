// RestClient over a scripted transport: the session (login, token, renewal, logout), the
// requests it sends, and the decoding of odd replies (null lists, missing or mistyped members,
// HTML, truncated JSON, server errors).
#include "vsphere/rest_client.hpp"

#include <catch2/catch.hpp>
#include <mutex>

#include "fake_http_transport.hpp"
#include "vapi.hpp"
#include "vsphere/client.hpp"

using namespace vsmcp;
using namespace vsmcp::vsphere;
using vsmcp::testing::FakeHttpTransport;
using vsmcp::testing::fixture;
using vsmcp::testing::makeLoggedInFake;
using vsmcp::testing::SharedTransport;

namespace {

const std::string kSession = "POST /rest/com/vmware/cis/session";
const std::string kLogout = "DELETE /rest/com/vmware/cis/session";
const std::string kCategories = "GET /rest/com/vmware/cis/tagging/category";
const std::string kCatId = "urn:vmomi:InventoryServiceCategory:c1:GLOBAL";
const std::string kGetCat = "GET /rest/com/vmware/cis/tagging/category/id:" + kCatId;
const std::string kTags = "GET /rest/com/vmware/cis/tagging/tag";
const std::string kTagId = "urn:vmomi:InventoryServiceTag:t1:GLOBAL";
const std::string kGetTag = "GET /rest/com/vmware/cis/tagging/tag/id:" + kTagId;

ConnectionOptions opts() {
  ConnectionOptions o;
  o.url = "https://vc.test/sdk";
  o.username = "administrator@vsphere.local";
  o.password = "S3cret!pw";
  return o;
}

std::unique_ptr<Client> fakeClient(ConnectionOptions o = opts(),
                                   std::unique_ptr<FakeHttpTransport> soap = makeLoggedInFake()) {
  auto c = Client::connect(o, std::move(soap));
  REQUIRE(c.ok());
  return std::move(c).value();
}

// A client, and a REST client over a shared fake whose login succeeds with token "tok-1".
struct Fixture {
  FakeHttpTransport* soap = nullptr;  // the client's SOAP fake
  std::unique_ptr<Client> client;
  std::shared_ptr<FakeHttpTransport> rest_fake = std::make_shared<FakeHttpTransport>();
  std::unique_ptr<RestClient> rest;

  explicit Fixture(ConnectionOptions o = opts()) {
    auto soap_fake = makeLoggedInFake();
    soap = soap_fake.get();
    client = fakeClient(std::move(o), std::move(soap_fake));
    rest_fake->reply(kSession, 200, R"({"value":"tok-1"})");
    rest_fake->reply(kLogout, 200, "");
    auto r = RestClient::create(*client, std::make_unique<SharedTransport>(rest_fake));
    REQUIRE(r.ok());
    rest = std::move(r).value();
  }
  FakeHttpTransport& fake() { return *rest_fake; }
};

std::string categoryJson(const std::string& extra = "") {
  return R"({"value":{"id":")" + kCatId +
         R"(","name":"env","description":"d","cardinality":"SINGLE",)" +
         R"("associable_types":["VirtualMachine"],"used_by":[])" + extra + "}}";
}

}  // namespace

TEST_CASE("a REST call logs in once with basic auth and sends the session token") {
  Fixture f;
  CHECK(f.fake().requests().empty());  // lazily: nothing before the first call
  f.fake().reply(kCategories, 200, R"({"value":[]})");
  REQUIRE(f.rest->listCategories().ok());
  REQUIRE(f.rest->listCategories().ok());
  auto logins = f.fake().requestsFor(kSession);
  REQUIRE(logins.size() == 1);
  // base64("administrator@vsphere.local:S3cret!pw")
  CHECK(logins[0].header("Authorization") ==
        "Basic YWRtaW5pc3RyYXRvckB2c3BoZXJlLmxvY2FsOlMzY3JldCFwdw==");
  CHECK(logins[0].header("vmware-use-header-authn") == "true");
  auto lists = f.fake().requestsFor(kCategories);
  REQUIRE(lists.size() == 2);
  CHECK(lists[0].header("vmware-api-session-id") == "tok-1");
  CHECK(lists[0].header("Accept") == "application/json");
  CHECK(lists[0].header("Authorization").empty());
  CHECK(lists[0].request.idempotent);
}

TEST_CASE("the REST base path follows the SOAP path of the URL") {
  auto o = opts();
  o.url = "https://vc.test/vc1/sdk";
  Fixture f(o);
  f.fake().reply("GET /vc1/rest/com/vmware/cis/tagging/category", 200, R"({"value":null})");
  f.fake().reply("POST /vc1/rest/com/vmware/cis/session", 200, R"({"value":"tok-9"})");
  auto c = f.rest->listCategories();
  INFO(c.status().toString());
  REQUIRE(c.ok());
  CHECK(c->empty());
}

TEST_CASE("an expired REST session is renewed once, a second 401 is Unauthenticated") {
  Fixture f;
  f.fake().reply(kCategories, 401, "");
  f.fake().reply(kCategories, 200, R"({"value":null})");
  REQUIRE(f.rest->listCategories().ok());
  CHECK(f.fake().count(kSession) == 2);
  CHECK(f.fake().count(kCategories) == 2);

  Fixture g;
  g.fake().reply(kCategories, 401,
                 R"({"type":"com.vmware.vapi.std.errors.unauthenticated","value":{}})");
  auto refused = g.rest->listCategories();
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == ErrorCode::kUnauthenticated);
  CHECK(g.fake().count(kSession) == 2);
  CHECK(g.fake().count(kCategories) == 2);
}

TEST_CASE("a refused REST login never shows the password") {
  for (int status : {401, 403}) {
    auto client = fakeClient();
    auto fake = std::make_shared<FakeHttpTransport>();
    fake->reply(kSession, status, R"({"type":"com.vmware.vapi.std.errors.unauthenticated"})");
    auto rest =
        std::move(RestClient::create(*client, std::make_unique<SharedTransport>(fake))).value();
    auto r = rest->listCategories();
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() ==
          (status == 401 ? ErrorCode::kUnauthenticated : ErrorCode::kPermissionDenied));
    const std::string text = r.status().toString();
    CHECK(text.find("'administrator@vsphere.local'") != std::string::npos);
    CHECK(text.find("S3cret") == std::string::npos);
    CHECK(text.find("YWRtaW5p") == std::string::npos);  // nor its base64
    CHECK(fake->count(kCategories) == 0);
  }
}

TEST_CASE("a server without the REST API is Unsupported") {
  auto client = fakeClient();
  auto fake = std::make_shared<FakeHttpTransport>();
  fake->reply(kSession, 404, "<html><head><title>Not Found</title></head></html>");
  auto rest =
      std::move(RestClient::create(*client, std::make_unique<SharedTransport>(fake))).value();
  auto r = rest->listTags();
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == ErrorCode::kUnsupported);
  CHECK(r.status().message().find("vc.test:443 has no vAPI REST endpoint") != std::string::npos);
  CHECK(fake->count(kTags) == 0);
}

TEST_CASE("a standalone ESXi client gets no REST client") {
  auto soap = std::make_unique<FakeHttpTransport>();
  std::string content = fixture("service_content_vpx.xml");
  const std::string from = "<apiType>VirtualCenter</apiType>";
  content.replace(content.find(from), from.size(), "<apiType>HostAgent</apiType>");
  soap->reply("RetrieveServiceContent", 200, content);
  soap->replyFixture("Login", "login_ok.xml", 200,
                     {{"Set-Cookie", "vmware_soap_session=\"cookie-1\"; Path=/"}});
  soap->replyFixture("Logout", "logout_ok.xml");
  auto client = fakeClient(opts(), std::move(soap));
  auto fake = std::make_shared<FakeHttpTransport>();
  auto rest = RestClient::create(*client, std::make_unique<SharedTransport>(fake));
  REQUIRE_FALSE(rest.ok());
  CHECK(rest.status().code() == ErrorCode::kUnsupported);
  CHECK(rest.status().message() ==
        "vc.test:443 is a standalone ESXi host (HostAgent): tags and content libraries need a "
        "vCenter Server");
  CHECK(fake->requests().empty());
}

TEST_CASE("an empty list may come as null or as no value at all") {
  Fixture f;
  f.fake().reply(kCategories, 200, R"({"value":null})");
  f.fake().reply(kCategories, 200, "{}");
  f.fake().reply(kCategories, 200, "");
  CHECK(f.rest->listCategories()->empty());
  CHECK(f.rest->listCategories()->empty());
  CHECK(f.rest->listCategories()->empty());
}

TEST_CASE("a category decodes its members, and missing optional members are empty") {
  Fixture f;
  f.fake().reply(kGetCat, 200, categoryJson());
  auto c = f.rest->getCategory(kCatId);
  REQUIRE(c.ok());
  CHECK(c->name == "env");
  CHECK(c->cardinality == TagCardinality::kSingle);
  CHECK(c->associable_types == std::vector<std::string>{"VirtualMachine"});

  auto sparse = vapi::decodeCategory(*Json::parse(R"({"id":"urn:x"})"), "category");
  REQUIRE(sparse.ok());
  CHECK(sparse->name.empty());
  CHECK(sparse->description.empty());
  CHECK(sparse->cardinality == TagCardinality::kMultiple);
  CHECK(sparse->associable_types.empty());
  auto nulls = vapi::decodeCategory(
      *Json::parse(R"({"id":"urn:x","name":null,"associable_types":null})"), "category");
  REQUIRE(nulls.ok());
  CHECK(nulls->name.empty());
}

TEST_CASE("a reply missing its id or with a mistyped member is a protocol error naming it") {
  auto no_id = vapi::decodeCategory(*Json::parse(R"({"name":"env"})"), "tag category 'x'");
  REQUIRE_FALSE(no_id.ok());
  CHECK(no_id.status().code() == ErrorCode::kProtocol);
  CHECK(no_id.status().message() == "tag category 'x': the reply has no id");

  auto number = vapi::decodeTag(*Json::parse(R"({"id":"urn:t","name":5})"), "tag 'urn:t'");
  REQUIRE_FALSE(number.ok());
  CHECK(number.status().message() == "tag 'urn:t': member 'name' is integer, expected a string");

  auto types = vapi::decodeCategory(
      *Json::parse(R"({"id":"urn:c","associable_types":"VirtualMachine"})"), "c");
  CHECK(types.status().code() == ErrorCode::kProtocol);
  CHECK(types.status().message().find("'associable_types'") != std::string::npos);

  auto cardinality =
      vapi::decodeCategory(*Json::parse(R"({"id":"urn:c","cardinality":"SOME"})"), "c");
  CHECK(cardinality.status().message() == "c: unknown cardinality 'SOME'");

  CHECK(vapi::decodeIds(*Json::parse(R"({"a":1})"), "ids").status().code() == ErrorCode::kProtocol);
  CHECK(vapi::decodeIds(*Json::parse(R"(["a",2])"), "ids").status().code() == ErrorCode::kProtocol);
  CHECK(vapi::decodeIds(*Json::parse(R"(["a",""])"), "ids").status().code() ==
        ErrorCode::kProtocol);
  CHECK(vapi::decodeId(Json(), "create tag").status().message() ==
        "create tag: expected the new object's id, got null");

  auto objects = vapi::decodeObjectIds(*Json::parse(R"([{"type":"VirtualMachine"}])"), "objects");
  CHECK(objects.status().code() == ErrorCode::kProtocol);
  auto good = vapi::decodeObjectIds(*Json::parse(R"([{"type":"HostSystem","id":"host-1"}])"), "o");
  REQUIRE(good.ok());
  CHECK(*good == std::vector<MoRef>{{"HostSystem", "host-1"}});

  auto item = vapi::decodeLibraryItem(*Json::parse(R"({"id":"i1","name":"n"})"), "item");
  REQUIRE(item.ok());
  CHECK(item->size_bytes == 0);
  CHECK(item->type.empty());
  CHECK(
      vapi::decodeLibraryItem(*Json::parse(R"({"id":"i1","size":"12"})"), "item").status().code() ==
      ErrorCode::kProtocol);
  CHECK(vapi::decodeLibraryItem(*Json::parse(R"({"id":"i1","size":-1})"), "item").status().code() ==
        ErrorCode::kProtocol);
  CHECK(vapi::decodeLibraryItem(*Json::parse(R"({"id":"i1","size":4096})"), "item")->size_bytes ==
        4096);
}

TEST_CASE("an HTML page or truncated JSON instead of a reply is a protocol error") {
  Fixture f;
  // Replies are queued in the order of the calls below (the fake repeats only the last).
  f.fake().reply(kGetCat, 200, fixture("html_503.html"));
  f.fake().reply(kGetCat, 200, R"({"value":{"id":"urn:vmomi:Inv)");
  f.fake().reply(kGetCat, 200, R"(["not","an","object"])");
  auto html = f.rest->getCategory(kCatId);
  REQUIRE_FALSE(html.ok());
  CHECK(html.status().code() == ErrorCode::kProtocol);
  CHECK(html.status().message().find("but got an HTML page") != std::string::npos);
  CHECK(html.status().message().find("get tag category '" + kCatId + "'") != std::string::npos);
  CHECK(html.status().details().http_status == 200);

  auto truncated = f.rest->getCategory(kCatId);
  CHECK(truncated.status().code() == ErrorCode::kProtocol);
  CHECK(truncated.status().message().find("is not JSON") != std::string::npos);

  CHECK(f.rest->getCategory(kCatId).status().code() == ErrorCode::kProtocol);
}

TEST_CASE("server errors map to codes, keeping the server's message but not HTML") {
  Fixture f;
  // Replies are queued in the order of the calls below (the fake repeats only the last).
  f.fake().reply(kGetTag, 500, "Internal Server Error\n");
  f.fake().reply(kGetTag, 500,
                 R"({"type":"com.vmware.vapi.std.errors.internal_server_error","value":)"
                 R"({"messages":[{"id":"x","default_message":"database is down","args":[]}]}})");
  f.fake().reply(kGetTag, 503, fixture("html_503.html"));
  f.fake().reply(kGetTag, 404, "404 page not found\n");
  f.fake().reply(kGetTag, 403, R"({"type":"com.vmware.vapi.std.errors.unauthorized","value":{}})");

  auto plain = f.rest->getTag(kTagId);
  REQUIRE_FALSE(plain.ok());
  CHECK(plain.status().code() == ErrorCode::kUnavailable);
  CHECK(plain.status().message() == "get tag '" + kTagId + "' failed with HTTP 500");
  CHECK(plain.status().details().http_status == 500);

  auto typed = f.rest->getTag(kTagId);
  CHECK(typed.status().code() == ErrorCode::kInternal);
  CHECK(typed.status().message() ==
        "get tag '" + kTagId + "' failed with HTTP 500 (internal server error): database is down");
  CHECK(typed.status().details().fault == "internal_server_error");

  auto page = f.rest->getTag(kTagId);
  CHECK(page.status().code() == ErrorCode::kUnavailable);
  CHECK(page.status().message().find("<") == std::string::npos);
  CHECK(page.status().message().find("HTML page titled") != std::string::npos);

  auto missing = f.rest->getTag(kTagId);
  CHECK(missing.status().code() == ErrorCode::kNotFound);
  CHECK(missing.status().message() == "no tag with id '" + kTagId + "'");
  CHECK(missing.status().details().object == kTagId);

  CHECK(f.rest->getTag(kTagId).status().code() == ErrorCode::kPermissionDenied);

  // The newer /api error form.
  auto newer = vapi::errorFromReply(
      400, R"({"error_type":"ALREADY_EXISTS","messages":[{"default_message":"dup"}]})",
      {"create tag 'x'", "x", "", ""});
  CHECK(newer.code() == ErrorCode::kAlreadyExists);
  CHECK(newer.message() == "create tag 'x' failed with HTTP 400 (already exists): dup");
}

TEST_CASE("a create request carries the whole spec and a duplicate is AlreadyExists") {
  Fixture f;
  f.fake().reply("POST /rest/com/vmware/cis/tagging/category", 200,
                 R"({"value":")" + kCatId + "\"}");
  f.fake().reply("POST /rest/com/vmware/cis/tagging/category", 400,
                 R"({"type":"com.vmware.vapi.std.errors.already_exists","value":{}})");
  CategorySpec spec;
  spec.name = "env";
  spec.cardinality = TagCardinality::kMultiple;
  auto c = f.rest->createCategory(spec);
  REQUIRE(c.ok());
  CHECK(c->id == kCatId);
  auto sent = f.fake().requestsFor("POST /rest/com/vmware/cis/tagging/category");
  REQUIRE(sent.size() == 1);
  CHECK(
      sent[0].request.body ==
      R"({"create_spec":{"name":"env","description":"","cardinality":"MULTIPLE","associable_types":[]}})");
  CHECK(sent[0].header("Content-Type") == "application/json");
  CHECK_FALSE(sent[0].request.idempotent);

  auto dup = f.rest->createCategory(spec);
  CHECK(dup.status().code() == ErrorCode::kAlreadyExists);
  CHECK(dup.status().message() == "a tag category named 'env' already exists");
}

TEST_CASE("ids are percent-encoded in paths and queries") {
  Fixture f;
  const std::string odd = "urn:a b/c?d";
  f.fake().reply("GET /rest/com/vmware/cis/tagging/category/id:urn:a%20b%2Fc%3Fd", 200,
                 R"({"value":{"id":"urn:a b/c?d","name":"odd"}})");
  auto c = f.rest->getCategory(odd);
  INFO(c.status().toString());
  REQUIRE(c.ok());
  CHECK(c->name == "odd");
  CHECK(vapi::encode("lib 1&x=y") == "lib%201%26x%3Dy");
}

TEST_CASE("attach checks the object over SOAP first, and associations send the object id") {
  Fixture g;
  const std::string assoc = "/rest/com/vmware/cis/tagging/tag-association";
  const std::string attach = "POST " + assoc + "/id:" + kTagId + "?~action=attach";
  g.fake().reply(attach, 200, "");
  g.soap->replyFixture("RetrievePropertiesEx", "vm_state_page.xml");
  g.soap->replyFixture("RetrievePropertiesEx", "fault_managed_object_not_found.xml", 500);
  REQUIRE(g.rest->attachTag(kTagId, {"VirtualMachine", "vm-7"}).ok());
  CHECK(g.soap->count("RetrievePropertiesEx") == 1);
  REQUIRE(g.fake().count(attach) == 1);
  CHECK(g.fake().requestsFor(attach)[0].request.body ==
        R"({"object_id":{"type":"VirtualMachine","id":"vm-7"}})");
  auto missing = g.rest->attachTag(kTagId, {"VirtualMachine", "vm-404"});
  CHECK(missing.code() == ErrorCode::kNotFound);
  CHECK(missing.message() == "cannot attach tag '" + kTagId +
                                 "' to VirtualMachine:vm-404: no VirtualMachine with id 'vm-404'");
  CHECK(g.fake().count(attach) == 1);  // nothing sent for the missing object

  g.fake().reply("POST " + assoc + "/id:" + kTagId + "?~action=detach", 200, "");
  REQUIRE(g.rest->detachTag(kTagId, {"VirtualMachine", "vm-7"}).ok());
  auto detach = g.fake().requestsFor("POST " + assoc + "/id:" + kTagId + "?~action=detach");
  REQUIRE(detach.size() == 1);
  CHECK(detach[0].request.body == R"({"object_id":{"type":"VirtualMachine","id":"vm-7"}})");

  g.fake().reply("POST " + assoc + "?~action=list-attached-tags", 200,
                 R"({"value":[")" + kTagId + "\"]}");
  g.fake().reply(
      kGetTag, 200,
      R"({"value":{"id":")" + kTagId + R"(","name":"prod","category_id":")" + kCatId + "\"}}");
  auto tags = g.rest->listAttachedTags({"VirtualMachine", "vm-7"});
  REQUIRE(tags.ok());
  REQUIRE(tags->size() == 1);
  CHECK((*tags)[0].name == "prod");
  CHECK((*tags)[0].category_id == kCatId);

  g.fake().reply(
      "POST " + assoc + "/id:" + kTagId + "?~action=list-attached-objects", 200,
      R"({"value":[{"type":"VirtualMachine","id":"vm-9"},{"type":"HostSystem","id":"host-1"}]})");
  auto objects = g.rest->listAttachedObjects(kTagId);
  REQUIRE(objects.ok());
  CHECK(*objects == std::vector<MoRef>{{"HostSystem", "host-1"}, {"VirtualMachine", "vm-9"}});
}

TEST_CASE("the objects of many tags are read in batches of 500, each list sorted") {
  Fixture f;
  const std::string key = "POST /rest/com/vmware/cis/tagging/tag-association?~action=list-attached-objects-on-tags";
  f.fake().reply(key, 200,
                 R"({"value":[{"tag_id":"t-0","object_ids":[{"type":"VirtualMachine","id":"vm-9"},)"
                 R"({"type":"VirtualMachine","id":"vm-10"}]},{"tag_id":"t-1","object_ids":[]}]})");
  f.fake().reply(key, 200, R"({"value":[{"tag_id":"t-700","object_ids":[{"type":"HostSystem","id":"host-1"}]}]})");
  std::vector<std::string> ids;
  for (int i = 0; i < 701; ++i) ids.push_back("t-" + std::to_string(i));
  auto got = f.rest->listAttachedObjectsOnTags(ids);
  INFO(got.status().toString());
  REQUIRE(got.ok());
  CHECK(got->size() == 701);  // every tag asked about has a list, empty if not reported
  CHECK((*got)["t-0"] == std::vector<MoRef>{{"VirtualMachine", "vm-10"}, {"VirtualMachine", "vm-9"}});
  CHECK((*got)["t-1"].empty());
  CHECK((*got)["t-5"].empty());
  CHECK((*got)["t-700"] == std::vector<MoRef>{{"HostSystem", "host-1"}});
  auto sent = f.fake().requestsFor(key);
  REQUIRE(sent.size() == 2);
  CHECK(sent[0].request.body.rfind(R"({"tag_ids":["t-0","t-1",)", 0) == 0);
  CHECK(sent[1].request.body == R"({"tag_ids":["t-500",)" + [] {
    std::string rest;
    for (int i = 501; i < 701; ++i) rest += "\"t-" + std::to_string(i) + "\",";
    rest.pop_back();
    return rest;
  }() + "]}");
  CHECK(f.rest->listAttachedObjectsOnTags({})->empty());
  CHECK(f.fake().requestsFor(key).size() == 2);  // no tags, no request

  Fixture g;  // (a fake repeats its last reply)
  g.fake().reply(key, 200, R"({"value":[{"object_ids":[]}]})");
  auto bad = g.rest->listAttachedObjectsOnTags({"t-0"});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == ErrorCode::kProtocol);
  CHECK(bad.status().message().find("tag_id") != std::string::npos);
}

TEST_CASE("library items are listed per library with the library's name") {
  Fixture f;
  f.fake().reply("GET /rest/com/vmware/content/library", 200, R"({"value":["lib-1"]})");
  f.fake().reply("GET /rest/com/vmware/content/library/id:lib-1", 200,
                 R"({"value":{"id":"lib-1","name":"images","type":"LOCAL"}})");
  f.fake().reply("GET /rest/com/vmware/content/library/item?library_id=lib-1", 200,
                 R"({"value":["it-2","it-1"]})");
  f.fake().reply("GET /rest/com/vmware/content/library/item/id:it-1", 200,
                 R"({"value":{"id":"it-1","name":"b-ovf","type":"ovf","size":1024,)"
                 R"("creation_time":"2024-05-01T10:00:00.000Z"}})");
  f.fake().reply("GET /rest/com/vmware/content/library/item/id:it-2", 200,
                 R"({"value":{"id":"it-2","name":"a-iso","library_id":"lib-1","type":"iso"}})");
  auto items = f.rest->listLibraryItems();
  INFO(items.status().toString());
  REQUIRE(items.ok());
  REQUIRE(items->size() == 2);
  CHECK((*items)[0].name == "a-iso");
  CHECK((*items)[1].name == "b-ovf");
  CHECK((*items)[1].size_bytes == 1024);
  CHECK((*items)[1].library_id == "lib-1");  // filled in when the item omits it
  CHECK((*items)[1].library_name == "images");
  CHECK((*items)[1].creation_time == "2024-05-01T10:00:00.000Z");
}

TEST_CASE("REST round trips are reported to the call observer under fixed names") {
  std::mutex mu;
  std::vector<std::string> names;
  std::vector<bool> ok;
  auto o = opts();
  o.on_call = [&](std::string_view method, std::chrono::microseconds, const Status& outcome) {
    std::lock_guard<std::mutex> lock(mu);
    names.emplace_back(method);
    ok.push_back(outcome.ok());
  };
  {
    Fixture f(o);
    f.fake().reply(kGetCat, 404, "");
    CHECK(f.rest->getCategory(kCatId).status().code() == ErrorCode::kNotFound);
  }
  std::lock_guard<std::mutex> lock(mu);
  std::vector<std::string> rest_names;
  std::vector<bool> rest_ok;
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i].rfind("rest:", 0) != 0) continue;
    rest_names.push_back(names[i]);
    rest_ok.push_back(ok[i]);
  }
  CHECK(rest_names == std::vector<std::string>{"rest:cis.session.create",
                                               "rest:tagging.category.get",
                                               "rest:cis.session.delete"});
  CHECK(rest_ok == std::vector<bool>{true, false, true});
}

TEST_CASE("the REST client logs out with its token when destroyed") {
  Fixture f;
  f.fake().reply(kTags, 200, R"({"value":[]})");
  REQUIRE(f.rest->listTags().ok());
  CHECK(f.fake().count(kLogout) == 0);
  f.rest.reset();
  auto logout = f.fake().requestsFor(kLogout);
  REQUIRE(logout.size() == 1);
  CHECK(logout[0].header("vmware-api-session-id") == "tok-1");

  Fixture never_used;  // no session, no logout
  never_used.rest.reset();
  CHECK(never_used.fake().requests().empty());
}

TEST_CASE("base64 follows RFC 4648") {
  CHECK(vapi::base64("") == "");
  CHECK(vapi::base64("f") == "Zg==");
  CHECK(vapi::base64("fo") == "Zm8=");
  CHECK(vapi::base64("foo") == "Zm9v");
  CHECK(vapi::base64("foob") == "Zm9vYg==");
  CHECK(vapi::base64("fooba") == "Zm9vYmE=");
  CHECK(vapi::base64("foobar") == "Zm9vYmFy");
  CHECK(vapi::base64("\xff\xfe") == "//4=");
}

// --- content library: libraries, items, uploads and OVF deployment ---

namespace {

const std::string kItem = "it-1";
const std::string kOvfItem = "/rest/com/vmware/vcenter/ovf/library-item/id:" + kItem;
const std::string kDeploy = "POST " + kOvfItem + "?~action=deploy";
const std::string kFilter = "POST " + kOvfItem + "?~action=filter";
const std::string kCreateSession = "POST /rest/com/vmware/content/library/item/update-session";
const std::string kSessionPath = "/rest/com/vmware/content/library/item/update-session/id:sess-1";
const std::string kAddFile =
    "POST /rest/com/vmware/content/library/item/updatesession/file/id:sess-1?~action=add";
const std::string kComplete = "POST " + kSessionPath + "?~action=complete";
const std::string kFail = "POST " + kSessionPath + "?~action=fail";
const std::string kGetSession = "GET " + kSessionPath;

LibraryDeploySpec fullSpec() {
  LibraryDeploySpec spec;
  spec.name = "web-01";
  spec.resource_pool = "resgroup-8";
  spec.folder = "group-v3";
  spec.host = "host-21";
  spec.datastore = "datastore-11";
  spec.annotation = "from the catalog";
  spec.network_mappings = {{"VM Network", "network-7"}, {"Backend", "dvportgroup-9"}};
  return spec;
}

std::string addFileReply(const std::string& uri) {
  return R"({"value":{"name":"tiny.ovf","source_type":"PUSH","status":"WAITING_FOR_TRANSFER",)"
         R"("upload_endpoint":{"uri":")" +
         uri + R"("}}})";
}

// A fixture whose update session "sess-1" is created, gets a file added at `uri`, and reads
// `session` (the session's value) once completed.
void scriptUpload(Fixture& f, const std::string& uri,
                  const std::string& session = R"({"id":"sess-1","state":"DONE"})") {
  f.fake().reply(kCreateSession, 200, R"({"value":"sess-1"})");
  f.fake().reply(kAddFile, 200, addFileReply(uri));
  f.fake().reply(kComplete, 200, "");
  f.fake().reply(kFail, 200, "");
  f.fake().reply(kGetSession, 200, R"({"value":)" + session + "}");
}

int countMethod(const FakeHttpTransport& fake, const std::string& method) {
  int n = 0;
  for (const auto& r : fake.requests()) n += r.request.method == method;
  return n;
}

}  // namespace

TEST_CASE("a deployment sends the whole spec and returns the new VM") {
  Fixture f;
  f.fake().reply(
      kDeploy, 200,
      R"({"value":{"succeeded":true,"resource_id":{"type":"VirtualMachine","id":"vm-42"},)"
      R"("error":{"errors":[],"warnings":[{"category":"VALIDATION","issues":[],)"
      R"("message":{"id":"w1","default_message":"EULA accepted","args":[]}}],)"
      R"("information":[{"messages":[{"default_message":"imported"}]}]}}})");
  auto r = f.rest->deployLibraryItem(kItem, fullSpec());
  INFO(r.status().toString());
  REQUIRE(r.ok());
  CHECK(r->vm == MoRef{"VirtualMachine", "vm-42"});
  CHECK(r->warnings == std::vector<std::string>{"EULA accepted"});
  CHECK(r->information == std::vector<std::string>{"imported"});
  auto sent = f.fake().requestsFor(kDeploy);
  REQUIRE(sent.size() == 1);
  CHECK(
      sent[0].request.body ==
      R"({"deployment_spec":{"name":"web-01","accept_all_EULA":true,)"
      R"("annotation":"from the catalog","default_datastore_id":"datastore-11",)"
      R"("network_mappings":[{"key":"VM Network","value":"network-7"},)"
      R"({"key":"Backend","value":"dvportgroup-9"}]},)"
      R"("target":{"resource_pool_id":"resgroup-8","folder_id":"group-v3","host_id":"host-21"}})");
  CHECK(sent[0].header("Content-Type") == "application/json");
  CHECK(sent[0].header("vmware-api-session-id") == "tok-1");
  CHECK_FALSE(sent[0].request.idempotent);  // never retried by the transport

  // Optional members left empty are not sent; ids are encoded like everywhere else.
  LibraryDeploySpec minimal;
  minimal.name = "db 01";
  minimal.resource_pool = "resgroup-8";
  const std::string odd = "POST /rest/com/vmware/vcenter/ovf/library-item/id:a%2Fb?~action=deploy";
  f.fake().reply(odd, 200, R"({"value":{"succeeded":true,"resource_id":{"id":"vm-43"}}})");
  auto m = f.rest->deployLibraryItem("a/b", minimal);
  REQUIRE(m.ok());
  CHECK(m->vm == MoRef{"VirtualMachine", "vm-43"});  // the type defaults to VirtualMachine
  REQUIRE(f.fake().count(odd) == 1);
  CHECK(f.fake().requestsFor(odd)[0].request.body ==
        R"({"deployment_spec":{"name":"db 01","accept_all_EULA":true},)"
        R"("target":{"resource_pool_id":"resgroup-8"}})");
}

TEST_CASE("a deployment vCenter failed names the item and carries vCenter's messages") {
  Fixture f;
  // As govmomi's simulator and vCenter answer: HTTP 200, succeeded false (or absent).
  f.fake().reply(kDeploy, 200,
                 R"({"value":{"succeeded":false,"error":{"errors":[{"category":"SERVER",)"
                 R"("error":{"@class":"com.vmware.vapi.std.errors.error","messages":)"
                 R"([{"id":"x","default_message":"ServerFaultCode: EOF","args":[]}]}},)"
                 R"({"category":"INPUT","issues":[{"category":"VALUE_ILLEGAL","file":"d.ovf",)"
                 R"("message":{"default_message":"line 3: bad\nvalue"}}]}]}}})");
  f.fake().reply(kDeploy, 200, R"({"value":{"error":{"errors":[]}}})");
  f.fake().reply(kDeploy, 200, R"({"value":{"succeeded":true}})");
  f.fake().reply(kDeploy, 200, R"({"value":{"succeeded":"yes"}})");

  auto failed = f.rest->deployLibraryItem(kItem, fullSpec());
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.status().code() == ErrorCode::kInternal);
  CHECK(failed.status().message() ==
        "vCenter failed to deploy library item 'it-1' as 'web-01': ServerFaultCode: EOF; "
        "line 3: bad value");
  CHECK(failed.status().details().object == kItem);

  auto silent = f.rest->deployLibraryItem(kItem, fullSpec());
  CHECK(silent.status().code() == ErrorCode::kInternal);
  CHECK(silent.status().message() ==
        "vCenter failed to deploy library item 'it-1' as 'web-01': no reason given");

  auto no_vm = f.rest->deployLibraryItem(kItem, fullSpec());
  CHECK(no_vm.status().code() == ErrorCode::kProtocol);
  CHECK(no_vm.status().message().find("names no VM") != std::string::npos);

  auto mistyped = f.rest->deployLibraryItem(kItem, fullSpec());
  CHECK(mistyped.status().code() == ErrorCode::kProtocol);
  CHECK(mistyped.status().message().find("'succeeded'") != std::string::npos);
}

TEST_CASE("a deployment without name or pool is refused before anything is sent") {
  Fixture f;
  LibraryDeploySpec spec = fullSpec();
  spec.name.clear();
  auto no_name = f.rest->deployLibraryItem(kItem, spec);
  CHECK(no_name.status().code() == ErrorCode::kInvalidArgument);
  CHECK(no_name.status().message() == "a deployment needs a VM name (name)");

  spec = fullSpec();
  spec.resource_pool.clear();
  auto no_pool = f.rest->deployLibraryItem(kItem, spec);
  CHECK(no_pool.status().code() == ErrorCode::kInvalidArgument);
  CHECK(no_pool.status().message() == "a deployment needs a resource pool (resource_pool)");

  spec = fullSpec();
  spec.network_mappings[1].network.clear();
  auto half_mapping = f.rest->deployLibraryItem(kItem, spec);
  CHECK(half_mapping.status().code() == ErrorCode::kInvalidArgument);
  CHECK(half_mapping.status().message().find("network_mappings[1]") != std::string::npos);

  CHECK(f.rest->deployLibraryItem("", fullSpec()).status().code() == ErrorCode::kInvalidArgument);
  CHECK(f.rest->filterLibraryItem(kItem, "").status().code() == ErrorCode::kInvalidArgument);
  CHECK(f.fake().requests().empty());  // not even a login
}

TEST_CASE("filtering an OVF item sends the target pool and decodes what it declares") {
  Fixture f;
  f.fake().reply(kFilter, 200,
                 R"({"value":{"name":"tiny","annotation":"a small VM","EULAs":["be nice"],)"
                 R"("networks":["VM Network","Backend"],"storage_groups":["gold"],)"
                 R"("additional_params":[]}})");
  f.fake().reply(kFilter, 200, R"({"value":{"name":"tiny"}})");  // govmomi 0.24.2's simulator
  f.fake().reply(kFilter, 200, R"({"value":{"Annotation":"old","Networks":["N1"]}})");
  f.fake().reply(kFilter, 200, R"({"value":{"networks":"VM Network"}})");

  auto full = f.rest->filterLibraryItem(kItem, "resgroup-8");
  INFO(full.status().toString());
  REQUIRE(full.ok());
  CHECK(full->name == "tiny");
  CHECK(full->annotation == "a small VM");
  CHECK(full->eulas == std::vector<std::string>{"be nice"});
  CHECK(full->networks == std::vector<std::string>{"VM Network", "Backend"});
  CHECK(full->storage_groups == std::vector<std::string>{"gold"});
  auto sent = f.fake().requestsFor(kFilter);
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].request.body == R"({"target":{"resource_pool_id":"resgroup-8"}})");

  auto name_only = f.rest->filterLibraryItem(kItem, "resgroup-8");
  REQUIRE(name_only.ok());
  CHECK(name_only->name == "tiny");
  CHECK(name_only->networks.empty());
  CHECK(name_only->eulas.empty());

  auto capitalised = f.rest->filterLibraryItem(kItem, "resgroup-8");
  REQUIRE(capitalised.ok());
  CHECK(capitalised->annotation == "old");
  CHECK(capitalised->networks == std::vector<std::string>{"N1"});

  auto mistyped = f.rest->filterLibraryItem(kItem, "resgroup-8");
  CHECK(mistyped.status().code() == ErrorCode::kProtocol);
  CHECK(mistyped.status().message().find("'networks'") != std::string::npos);
}

TEST_CASE("filter and deploy of an unknown library item are NotFound naming it") {
  Fixture f;
  f.fake().reply(kFilter, 404, "404 page not found\n");
  f.fake().reply(kDeploy, 404,
                 R"({"type":"com.vmware.vapi.std.errors.not_found","value":{"messages":[]}})");
  auto filter = f.rest->filterLibraryItem(kItem, "resgroup-8");
  CHECK(filter.status().code() == ErrorCode::kNotFound);
  CHECK(filter.status().message() == "no library item with id 'it-1'");
  auto deploy = f.rest->deployLibraryItem(kItem, fullSpec());
  CHECK(deploy.status().code() == ErrorCode::kNotFound);
  CHECK(deploy.status().message() == "no library item with id 'it-1'");
  CHECK(deploy.status().details().object == kItem);
}

TEST_CASE("an upload runs the update session and PUTs the bytes to the same server") {
  Fixture f;
  // Host case and an explicit default port do not matter; the query is kept.
  const std::string put = "PUT /cls/data/f-1/tiny.ovf?x=1";
  scriptUpload(f, "https://VC.test:443/cls/data/f-1/tiny.ovf?x=1");
  f.fake().reply(put, 200, "");
  const std::string content = std::string("<Envelope>\0\xff</Envelope>", 23);
  Status st = f.rest->uploadLibraryItemFile(kItem, "tiny.ovf", content);
  INFO(st.toString());
  REQUIRE(st.ok());

  std::vector<std::string> order;
  for (const auto& r : f.fake().requests()) order.push_back(r.method);
  CHECK(order ==
        std::vector<std::string>{kSession, kCreateSession, kAddFile, put, kComplete, kGetSession});
  CHECK(f.fake().requestsFor(kCreateSession)[0].request.body ==
        R"({"create_spec":{"library_item_id":"it-1"}})");
  CHECK(f.fake().requestsFor(kAddFile)[0].request.body ==
        R"({"file_spec":{"name":"tiny.ovf","source_type":"PUSH","size":23}})");
  auto sent = f.fake().requestsFor(put);
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].request.body == content);
  CHECK(sent[0].header("Content-Type") == "application/octet-stream");
  CHECK(sent[0].header("vmware-api-session-id") == "tok-1");
  CHECK_FALSE(sent[0].request.idempotent);
  CHECK(f.fake().count(kFail) == 0);
}

TEST_CASE("an upload URI on another server is refused and the session failed") {
  const std::vector<std::string> foreign = {
      "https://evil.test/cls/data/f-1/tiny.ovf",     // another host
      "http://vc.test/cls/data/f-1/tiny.ovf",        // another scheme
      "https://vc.test:8443/cls/data/f-1/tiny.ovf",  // another port
      "https://tok@vc.test/cls/data/f-1/tiny.ovf",   // user info
      "/cls/data/f-1/tiny.ovf",                      // not absolute
      "https://vc.test",                             // no path
  };
  for (const auto& uri : foreign) {
    Fixture f;
    scriptUpload(f, uri);
    Status st = f.rest->uploadLibraryItemFile(kItem, "tiny.ovf", "data");
    INFO(uri + " -> " + st.toString());
    REQUIRE_FALSE(st.ok());
    CHECK(st.code() == ErrorCode::kProtocol);
    CHECK(st.message().rfind("upload of 'tiny.ovf' to library item 'it-1': vCenter's upload URI",
                             0) == 0);
    CHECK(st.message().find("refusing to send the session token there") != std::string::npos);
    CHECK(st.message().find("tok-1") == std::string::npos);
    CHECK(countMethod(f.fake(), "PUT") == 0);
    auto failed = f.fake().requestsFor(kFail);
    REQUIRE(failed.size() == 1);
    CHECK(failed[0].request.body.find("client_error_message") != std::string::npos);
    CHECK(failed[0].request.body.find("tok-1") == std::string::npos);
    CHECK(f.fake().count(kComplete) == 0);
  }
  Fixture f;
  scriptUpload(f, "https://evil.test:443/cls/data/f-1/tiny.ovf");
  CHECK(f.rest->uploadLibraryItemFile(kItem, "tiny.ovf", "data").message() ==
        "upload of 'tiny.ovf' to library item 'it-1': vCenter's upload URI names "
        "https://evil.test:443, not the server this client is connected to "
        "(https://vc.test:443); refusing to send the session token there");
}

TEST_CASE("a failed upload step fails the session and no message shows the token") {
  Fixture f;
  const std::string put = "PUT /cls/data/f-1/tiny.ovf";
  scriptUpload(f, "https://vc.test/cls/data/f-1/tiny.ovf");
  // A server that echoes the request's session header in its error.
  f.fake().reply(put, 500,
                 R"({"type":"com.vmware.vapi.std.errors.internal_server_error","value":)"
                 R"({"messages":[{"default_message":"disk full for session tok-1"}]}})");
  Status st = f.rest->uploadLibraryItemFile(kItem, "tiny.ovf", "data");
  REQUIRE_FALSE(st.ok());
  CHECK(st.code() == ErrorCode::kInternal);
  CHECK(st.message() ==
        "upload of 'tiny.ovf' to library item 'it-1' failed with HTTP 500 (internal server "
        "error): disk full for session (session token)");
  REQUIRE(f.fake().count(kFail) == 1);
  CHECK(f.fake().requestsFor(kFail)[0].request.body.find("tok-1") == std::string::npos);
  CHECK(f.fake().count(kComplete) == 0);

  // The session ends in ERROR after complete: vCenter's reason comes back.
  Fixture g;
  scriptUpload(g, "https://vc.test/cls/data/f-1/tiny.ovf",
               R"({"id":"sess-1","state":"ERROR","error_message":)"
               R"({"id":"e","default_message":"the OVF descriptor is invalid","args":[]}})");
  g.fake().reply(put, 200, "");
  Status err = g.rest->uploadLibraryItemFile(kItem, "tiny.ovf", "data");
  CHECK(err.code() == ErrorCode::kInternal);
  CHECK(err.message() ==
        "upload of 'tiny.ovf' to library item 'it-1' failed in vCenter: the OVF descriptor is "
        "invalid");

  // No session for an unknown item: nothing to fail.
  Fixture h;
  h.fake().reply(kCreateSession, 404, "404 page not found\n");
  Status missing = h.rest->uploadLibraryItemFile(kItem, "tiny.ovf", "data");
  CHECK(missing.code() == ErrorCode::kNotFound);
  CHECK(missing.message() == "no library item with id 'it-1'");
  CHECK(h.fake().count(kFail) == 0);
  CHECK(h.rest->uploadLibraryItemFile(kItem, "../x.ovf", "data").code() ==
        ErrorCode::kInvalidArgument);
  CHECK(h.rest->uploadLibraryItemFile(kItem, "", "data").code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("libraries and items are created with their specs and deleted by id") {
  Fixture f;
  f.fake().reply("POST /rest/com/vmware/content/local-library", 200, R"({"value":"lib-1"})");
  f.fake().reply("POST /rest/com/vmware/content/library/item", 200, R"({"value":"it-9"})");
  f.fake().reply("DELETE /rest/com/vmware/content/local-library/id:lib-1", 200, "");
  f.fake().reply("DELETE /rest/com/vmware/content/local-library/id:lib-1", 404, "");

  auto lib = f.rest->createLocalLibrary("catalog", {"Datastore", "datastore-11"});
  REQUIRE(lib.ok());
  CHECK(*lib == "lib-1");
  CHECK(f.fake().requestsFor("POST /rest/com/vmware/content/local-library")[0].request.body ==
        R"({"create_spec":{"name":"catalog","description":"","type":"LOCAL",)"
        R"("storage_backings":[{"type":"DATASTORE","datastore_id":"datastore-11"}]}})");

  auto item = f.rest->createLibraryItem("lib-1", "tiny", "ovf", "a tiny VM");
  REQUIRE(item.ok());
  CHECK(*item == "it-9");
  CHECK(f.fake().requestsFor("POST /rest/com/vmware/content/library/item")[0].request.body ==
        R"({"create_spec":{"library_id":"lib-1","name":"tiny","description":"a tiny VM",)"
        R"("type":"ovf"}})");

  REQUIRE(f.rest->deleteLibrary("lib-1").ok());
  auto gone = f.rest->deleteLibrary("lib-1");
  CHECK(gone.code() == ErrorCode::kNotFound);
  CHECK(gone.message() == "no content library with id 'lib-1'");
  CHECK(f.rest->createLocalLibrary("", {"Datastore", "d"}).status().code() ==
        ErrorCode::kInvalidArgument);
  CHECK(f.rest->createLocalLibrary("x", MoRef{}).status().code() == ErrorCode::kInvalidArgument);
  CHECK(f.rest->createLibraryItem("lib-1", "", "ovf").status().code() ==
        ErrorCode::kInvalidArgument);
}
