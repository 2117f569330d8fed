#include "soap.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <functional>
#include <string>
#include <vector>

#include "fake_http_transport.hpp"

using namespace vsmcp;
using namespace vsmcp::vsphere;
using vsmcp::testing::fixture;

TEST_CASE("XML escaping covers every special character") {
  std::string out;
  REQUIRE(soap::appendEscaped(out, "a<b&\"c'>\n\t"));
  CHECK(out == "a&lt;b&amp;&quot;c&apos;&gt;&#10;&#9;");
  std::string bad;
  CHECK_FALSE(soap::appendEscaped(bad, std::string("x\x01y")));
}

TEST_CASE("an envelope is exactly the vim25 SOAP shape") {
  soap::SoapWriter w("RetrieveServiceContent");
  w.moref("_this", MoRef{"ServiceInstance", "ServiceInstance"});
  auto env = w.finish();
  REQUIRE(env.ok());
  CHECK(*env ==
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><soapenv:Envelope "
        "xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" "
        "xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" "
        "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><soapenv:Body>"
        "<RetrieveServiceContent xmlns=\"urn:vim25\"><_this type=\"ServiceInstance\">"
        "ServiceInstance</_this></RetrieveServiceContent></soapenv:Body></soapenv:Envelope>");
}

TEST_CASE("a hostile VM name round-trips through encoding and decoding") {
  const std::string name = "a<b&\"c' </name><x>";
  soap::SoapWriter w("Rename_Task");
  w.text("newName", name);
  auto env = w.finish();
  REQUIRE(env.ok());
  // Parse our own envelope as a server would and read the value back.
  pugi::xml_document doc;
  REQUIRE(doc.load_string(env->c_str()));
  auto body = soap::child(doc.document_element(), "Body");
  auto method = soap::child(body, "Rename_Task");
  CHECK(soap::childText(method, "newName") == name);
}

TEST_CASE("a control character in a value is refused, naming the field") {
  soap::SoapWriter w("Login");
  w.text("userName", "root").text("password", std::string("p\x02w"));
  auto env = w.finish();
  REQUIRE_FALSE(env.ok());
  CHECK(env.status().code() == ErrorCode::kInvalidArgument);
  CHECK(env.status().message().find("password") != std::string::npos);
  CHECK(env.status().message().find("p\x02w") == std::string::npos);
}

TEST_CASE("SOAP faults become typed errors with the server's message") {
  struct Case {
    const char* file;
    ErrorCode code;
    const char* fault;
  };
  const Case cases[] = {
      {"fault_invalid_login.xml", ErrorCode::kUnauthenticated, "InvalidLogin"},
      {"fault_not_authenticated.xml", ErrorCode::kUnauthenticated, "NotAuthenticated"},
      {"fault_managed_object_not_found.xml", ErrorCode::kNotFound, "ManagedObjectNotFound"},
      {"fault_invalid_power_state.xml", ErrorCode::kInvalidState, "InvalidPowerState"},
      {"fault_invalid_argument.xml", ErrorCode::kInvalidArgument, "InvalidArgument"},
      {"fault_task_in_progress.xml", ErrorCode::kBusy, "TaskInProgress"},
      {"fault_duplicate_name.xml", ErrorCode::kAlreadyExists, "DuplicateName"},
      {"fault_no_permission.xml", ErrorCode::kPermissionDenied, "NoPermission"},
      {"fault_not_supported.xml", ErrorCode::kUnsupported, "NotSupported"},
  };
  for (const auto& c : cases) {
    INFO(c.file);
    auto r = soap::parseSoapReply(fixture(c.file), 500, "Method");
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == c.code);
    CHECK(r.status().details().fault == c.fault);
    CHECK(r.status().details().http_status == 500);
    CHECK_FALSE(r.status().message().empty());
  }
  auto nf = soap::parseSoapReply(fixture("fault_managed_object_not_found.xml"), 500, "M");
  CHECK(nf.status().details().object == "vm-999");
  CHECK(nf.status().message() == "The object has already been deleted or has not been completely created");
}

TEST_CASE("an HTML page instead of SOAP gives a clear protocol error") {
  auto r = soap::parseSoapReply(fixture("html_503.html"), 503, "RetrievePropertiesEx");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == ErrorCode::kProtocol);
  CHECK(r.status().message().find("HTML page") != std::string::npos);
  CHECK(r.status().message().find("503 Service Unavailable") != std::string::npos);
  CHECK(r.status().details().http_status == 503);
}

TEST_CASE("a truncated reply gives a protocol error, not a crash") {
  auto r = soap::parseSoapReply(fixture("truncated.xml"), 200, "RetrievePropertiesEx");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == ErrorCode::kProtocol);
  CHECK(r.status().message().find("malformed XML") != std::string::npos);
  // Every prefix of a valid reply is handled.
  std::string full = fixture("vm_full.xml");
  for (size_t n = 0; n < full.size(); n += 37) {
    auto p = soap::parseSoapReply(full.substr(0, n), 200, "M");
    CHECK_FALSE(p.ok());
  }
}

TEST_CASE("empty, non-SOAP and empty-body replies are refused") {
  CHECK(soap::parseSoapReply("", 200, "M").status().code() == ErrorCode::kProtocol);
  CHECK(soap::parseSoapReply("", 401, "M").status().code() == ErrorCode::kUnauthenticated);
  auto notsoap = soap::parseSoapReply("<?xml version=\"1.0\"?><foo/>", 200, "M");
  CHECK(notsoap.status().message().find("not a SOAP envelope") != std::string::npos);
  auto empty = soap::parseSoapReply(
      "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\">"
      "<soapenv:Body></soapenv:Body></soapenv:Envelope>",
      200, "M");
  CHECK(empty.status().message().find("empty SOAP Body") != std::string::npos);
}

TEST_CASE("polymorphic values are read through xsi:type whatever the prefix") {
  auto r = soap::parseSoapReply(fixture("task_info_error_power_state.xml"), 200, "RetrievePropertiesEx");
  REQUIRE(r.ok());
  auto val = soap::child(soap::child(soap::child(soap::child(r.value()->response, "returnval"), "objects"),
                                     "propSet"),
                         "val");
  CHECK(soap::xsiType(val) == "TaskInfo");
  auto fault = soap::child(soap::child(val, "error"), "fault");
  CHECK(soap::faultType(fault) == "InvalidPowerState");
  auto moref = soap::readMoRef(soap::child(val, "entity"));
  CHECK(moref == MoRef{"VirtualMachine", "vm-63"});
}

TEST_CASE("a fault without a message still gets one that names the fault") {
  auto r = soap::parseSoapReply(fixture("fault_not_authenticated_empty_message.xml"), 500, "QueryEvents");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == ErrorCode::kUnauthenticated);
  CHECK(r.status().message() == "vSphere fault NotAuthenticated");
}

TEST_CASE("a method the server does not implement is Unsupported and the message names the method") {
  auto r = soap::parseSoapReply(fixture("fault_not_implemented_empty_message.xml"), 500, "QueryEvents");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == ErrorCode::kUnsupported);
  CHECK(r.status().message() == "the server does not support QueryEvents (vSphere fault NotImplemented)");
  CHECK(r.status().details().fault == "NotImplemented");
}

// --- RetrieveStream: a PropertyCollector reply read as it arrives ---

namespace {

// A RetrievePropertiesEx reply of `n` VMs named "vm <i> & co" (escaped on the wire).
std::string replyOf(int n, const std::string& token = "") {
  std::string s =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<soapenv:Envelope "
      "xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" "
      "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><soapenv:Body>"
      "<RetrievePropertiesExResponse xmlns=\"urn:vim25\"><returnval>";
  if (!token.empty()) s += "<token>" + token + "</token>";
  for (int i = 0; i < n; ++i)
    s += "<objects><obj type=\"VirtualMachine\">vm-" + std::to_string(i) +
         "</obj><propSet><name>name</name><val xsi:type=\"xsd:string\">vm " + std::to_string(i) +
         " &amp; co</val></propSet></objects>";
  return s + "</returnval></RetrievePropertiesExResponse></soapenv:Body></soapenv:Envelope>";
}

// What a visitor sees of one object: its reference and each property's name and text.
std::string describe(pugi::xml_node objects) {
  std::string out = soap::readMoRef(soap::child(objects, "obj")).value;
  for (auto ps = objects.first_child(); ps; ps = ps.next_sibling()) {
    if (!soap::hasLocalName(ps.name(), "propSet")) continue;
    out += "|" + soap::childText(ps, "name") + "=" + soap::childText(ps, "val");
  }
  return out;
}

// The objects of a whole reply, as parseSoapReply reads them.
std::vector<std::string> wholeObjects(const std::string& body) {
  auto r = soap::parseSoapReply(body, 200, "RetrievePropertiesEx");
  REQUIRE(r.ok());
  std::vector<std::string> out;
  for (auto o = soap::child(r.value()->response, "returnval").first_child(); o;
       o = o.next_sibling())
    if (soap::hasLocalName(o.name(), "objects")) out.push_back(describe(o));
  return out;
}

struct Streamed {
  std::vector<std::string> objects;
  Result<std::unique_ptr<soap::SoapReply>> reply = Status::Internal("not finished");
  Status fed;
  size_t max_held = 0;
};

// Feeds `body` in pieces of `piece` bytes through a stream cutting runs at `batch` bytes.
Streamed stream(const std::string& body, size_t piece, size_t batch,
                const std::function<Status(size_t)>& visit_hook = nullptr) {
  Streamed s;
  soap::RetrieveStream rs(
      "RetrievePropertiesEx",
      [&](pugi::xml_node o) {
        s.objects.push_back(describe(o));
        return visit_hook ? visit_hook(s.objects.size()) : Status::Ok();
      },
      batch);
  for (size_t at = 0; at < body.size() && s.fed.ok(); at += piece) {
    s.fed = rs.feed(std::string_view(body).substr(at, piece));
    s.max_held = std::max(s.max_held, rs.held());
  }
  if (s.fed.ok()) s.reply = rs.finish(200);
  return s;
}

}  // namespace

TEST_CASE("a local name is matched with or without a prefix, as localName reads it") {
  // Names as pugixml gives them: NUL-terminated text of the document, not literals.
  auto is = [](const std::string& qname, std::string_view local) {
    CHECK(soap::hasLocalName(qname.c_str(), local) == (soap::localName(qname.c_str()) == local));
    return soap::hasLocalName(qname.c_str(), local);
  };
  CHECK(is("propSet", "propSet"));
  CHECK(is("vim25:propSet", "propSet"));
  CHECK_FALSE(is("propSets", "propSet"));
  CHECK_FALSE(is("prop", "propSet"));
  CHECK_FALSE(is("vim25:prop", "propSet"));
  CHECK_FALSE(is("a:b:propSet", "propSet"));  // localName is "b:propSet"
  CHECK_FALSE(is("", "val"));
  CHECK(is(":val", "val"));
}

TEST_CASE("a reply read in pieces of any size visits each object once, in order, as a whole one") {
  for (const std::string& body :
       {replyOf(40, "tok-1"), fixture("vm_brief_page1_token.xml"), fixture("vm_full.xml"),
        fixture("task_info_error_power_state.xml")}) {
    const auto expected = wholeObjects(body);
    REQUIRE_FALSE(expected.empty());
    for (size_t piece : {size_t{1}, size_t{2}, size_t{7}, size_t{100}, size_t{4096}, body.size()}) {
      for (size_t batch : {size_t{1}, size_t{300}, soap::RetrieveStream::kDefaultBatchBytes}) {
        INFO("piece " << piece << ", batch " << batch);
        auto s = stream(body, piece, batch);
        REQUIRE(s.fed.ok());
        REQUIRE(s.reply.ok());
        CHECK(s.objects == expected);
        // The reply that finish() gives holds the rest (the token) and none of the objects.
        auto rv = soap::child(s.reply.value()->response, "returnval");
        CHECK_FALSE(soap::child(rv, "objects"));
        auto whole = soap::parseSoapReply(body, 200, "M");
        CHECK(soap::childText(rv, "token") ==
              soap::childText(soap::child(whole.value()->response, "returnval"), "token"));
      }
    }
  }
  auto s = stream(replyOf(3, "tok-9"), 5, 1);
  CHECK(s.objects[1] == "vm-1|name=vm 1 & co");  // escapes decoded as in a whole reply
  CHECK(soap::childText(soap::child(s.reply.value()->response, "returnval"), "token") == "tok-9");
}

TEST_CASE("every split of a reply into two pieces gives the same objects") {
  const std::string body = fixture("vm_brief_page1_token.xml");
  const auto expected = wholeObjects(body);
  for (size_t cut = 0; cut <= body.size(); ++cut) {
    INFO("cut at " << cut);
    std::vector<std::string> got;
    soap::RetrieveStream rs(
        "M",
        [&](pugi::xml_node o) {
          got.push_back(describe(o));
          return Status::Ok();
        },
        1);
    REQUIRE(rs.feed(std::string_view(body).substr(0, cut)).ok());
    REQUIRE(rs.feed(std::string_view(body).substr(cut)).ok());
    REQUIRE(rs.finish(200).ok());
    CHECK(got == expected);
  }
}

TEST_CASE("prefixed names, comments and an empty result stream as they parse whole") {
  const std::string prefixed =
      "<?xml version=\"1.0\"?><!-- before --><S:Envelope "
      "xmlns:S=\"http://schemas.xmlsoap.org/soap/envelope/\">"
      "<S:Body><v:RetrievePropertiesExResponse xmlns:v=\"urn:vim25\"><v:returnval>"
      "<v:objects><v:obj type=\"VirtualMachine\">vm-1</v:obj></v:objects> <!-- between -->\n"
      "<v:objects><v:obj type='VirtualMachine' note='a > "
      "b'>vm-2</v:obj><v:propSet><v:name>name</v:name>"
      "<v:val><![CDATA[x < y]]></v:val></v:propSet></v:objects >"
      "</v:returnval></v:RetrievePropertiesExResponse></S:Body></S:Envelope>";
  const auto expected = wholeObjects(prefixed);
  REQUIRE(expected.size() == 2);
  for (size_t piece : {size_t{1}, size_t{3}, prefixed.size()}) {
    auto s = stream(prefixed, piece, 1);
    REQUIRE(s.reply.ok());
    CHECK(s.objects == expected);
  }
  auto empty = stream(fixture("empty_retrieve.xml"), 3, 1);
  REQUIRE(empty.reply.ok());
  CHECK(empty.objects.empty());
}

TEST_CASE(
    "objects larger than a batch, and replies the stream cannot follow, are still visited once") {
  std::string body = replyOf(6, "tok-big");
  const std::string huge(300 * 1024, 'h');
  body.replace(body.find("vm 2 &amp; co"), 13, huge);  // one object of 300 KB
  auto expected = wholeObjects(body);
  auto s = stream(body, 1000, 1024);
  REQUIRE(s.reply.ok());
  CHECK(s.objects == expected);
  // A DOCTYPE, or a comment too long to follow, before the envelope: the stream stops cutting
  // and finish() visits the objects from the whole reply.
  for (const std::string& prefix :
       {std::string("<!DOCTYPE soap>"),
        "<!--" + std::string(soap::RetrieveStream::kMaxSkeletonToken + 10, '-') + "->"}) {
    const std::string odd = prefix + replyOf(4, "tok-odd");
    auto o = stream(odd, 4096, 1);
    REQUIRE(o.reply.ok());
    CHECK(o.objects == wholeObjects(odd));
    CHECK(soap::childText(soap::child(o.reply.value()->response, "returnval"), "token") ==
          "tok-odd");
  }
}

TEST_CASE("a streamed fault, HTML page or empty body reads as from a whole reply") {
  for (const char* file :
       {"fault_not_authenticated.xml", "fault_invalid_argument.xml", "html_503.html"}) {
    INFO(file);
    const std::string body = fixture(file);
    auto whole = soap::parseSoapReply(body, 200, "RetrievePropertiesEx");
    REQUIRE_FALSE(whole.ok());
    auto s = stream(body, 11, 1);
    REQUIRE(s.fed.ok());
    REQUIRE_FALSE(s.reply.ok());
    CHECK(s.reply.status().code() == whole.status().code());
    CHECK(s.reply.status().message() == whole.status().message());
    CHECK(s.reply.status().details().fault == whole.status().details().fault);
    CHECK(s.objects.empty());
  }
  soap::RetrieveStream none("M", [](pugi::xml_node) { return Status::Ok(); });
  auto r = none.finish(200);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("empty reply") != std::string::npos);
}

TEST_CASE("a streamed reply cut off or malformed inside its objects is a protocol error") {
  const std::string body = replyOf(5);
  const size_t third = body.find("<objects><obj type=\"VirtualMachine\">vm-2<");
  REQUIRE(third != std::string::npos);
  // Cut inside the third object: the first two may have been visited, the reply is refused.
  auto cut = stream(body.substr(0, third + 30), 4, 1);
  REQUIRE(cut.fed.ok());
  REQUIRE_FALSE(cut.reply.ok());
  CHECK(cut.reply.status().code() == ErrorCode::kProtocol);
  CHECK(cut.reply.status().message().find("malformed XML") != std::string::npos);
  CHECK(cut.objects.size() <= 2);
  // A mismatched end tag inside the third object: refused, naming a byte of that object.
  std::string bad = body;
  bad.replace(bad.find("</name>", third), 7, "</nam>");
  auto broken = stream(bad, 64, 1);
  REQUIRE_FALSE(broken.fed.ok());
  CHECK(broken.fed.code() == ErrorCode::kProtocol);
  const std::string& msg = broken.fed.message();
  CHECK(msg.find("malformed XML in reply to RetrievePropertiesEx") != std::string::npos);
  auto at = msg.find("at byte ");
  REQUIRE(at != std::string::npos);
  const size_t offset = std::stoul(msg.substr(at + 8));
  CHECK(offset >= third);
  CHECK(offset < bad.find("</objects>", third) + 10);
  // An element that is not an object among the objects is refused, not skipped.
  std::string stray = body;
  stray.insert(third, "<token>lost</token>");
  auto strayed = stream(stray, stray.size(), soap::RetrieveStream::kDefaultBatchBytes);
  REQUIRE(strayed.fed.ok());  // one piece, under a batch: the run is cut by finish()
  REQUIRE_FALSE(strayed.reply.ok());
  CHECK(strayed.reply.status().message().find("unexpected <token>") != std::string::npos);
}

TEST_CASE("after a visitor error the reply is read to its token without more visits") {
  const std::string body = replyOf(30, "tok-7");
  soap::RetrieveStream rs(
      "RetrievePropertiesEx",
      [&](pugi::xml_node o) {
        return describe(o).rfind("vm-2|", 0) == 0 ? Status::Error(ErrorCode::kCancelled, "enough")
                                                  : Status::Ok();
      },
      1);
  for (size_t at = 0; at < body.size(); at += 50)
    REQUIRE(rs.feed(std::string_view(body).substr(at, 50)).ok());
  auto reply = rs.finish(200);
  REQUIRE(reply.ok());
  CHECK(rs.visited() == 3);
  CHECK(rs.visitError().code() == ErrorCode::kCancelled);
  CHECK(soap::childText(soap::child(reply.value()->response, "returnval"), "token") == "tok-7");
}

TEST_CASE("a long reply is held a batch at a time, not whole") {
  const std::string body = replyOf(20000);  // about 2.4 MB
  REQUIRE(body.size() > 2'000'000);
  const size_t batch = 16 * 1024, piece = 4096;
  auto s = stream(body, piece, batch);
  REQUIRE(s.reply.ok());
  CHECK(s.objects.size() == 20000);
  CHECK(s.objects.back() == "vm-19999|name=vm 19999 & co");
  INFO("held at most " << s.max_held << " bytes");
  CHECK(s.max_held < 4 * (batch + piece));
}
