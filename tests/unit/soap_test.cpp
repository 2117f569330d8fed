#include <catch2/catch.hpp>

#include "fake_http_transport.hpp"
#include "soap.hpp"

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
