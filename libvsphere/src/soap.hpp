// SOAP encoding and decoding for vim25. Internal: pugixml stays inside libvsphere.
//
// SoapWriter builds one request envelope; every text value and attribute is XML-escaped.
// parseSoapReply turns an HTTP reply into the method's response element or a typed error.
#pragma once

#include <pugixml.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "vsmcp/result.hpp"
#include "vsphere/types.hpp"

namespace vsmcp::vsphere::soap {

// Appends `value` to `out`, escaping & < > " ' and line breaks/tabs so they survive
// attribute and text normalisation. Other control characters (not allowed in XML 1.0) make
// the function return false.
bool appendEscaped(std::string& out, std::string_view value);

class SoapWriter {
 public:
  explicit SoapWriter(std::string_view method);

  SoapWriter& moref(std::string_view tag, const MoRef& ref);  // <tag type="T">v</tag>
  SoapWriter& text(std::string_view tag, std::string_view value);
  SoapWriter& boolean(std::string_view tag, bool value);
  SoapWriter& integer(std::string_view tag, std::int64_t value);
  // <tag xsi:type="type"> ... ; type may be empty.
  SoapWriter& open(std::string_view tag, std::string_view xsi_type = {});
  SoapWriter& close(std::string_view tag);

  // The whole envelope, or InvalidArgument naming the first element whose value could not be
  // encoded (control characters).
  Result<std::string> finish();

 private:
  std::string method_;
  std::string body_;
  std::string bad_tag_;
};

// A parsed reply. `response` is the <MethodResponse> element inside the SOAP body; the
// document owns the buffer, so nodes stay valid as long as the SoapReply lives.
struct SoapReply {
  std::string buffer;
  pugi::xml_document doc;
  pugi::xml_node response;
};

Result<std::unique_ptr<SoapReply>> parseSoapReply(std::string body, int http_status,
                                                  std::string_view method);

// Error for a vSphere fault: `type` is the fault type (e.g. "InvalidPowerState"), `fault`
// the fault's element (for details such as obj or existingState), `message` the server's text.
Status faultToStatus(std::string_view type, pugi::xml_node fault, std::string message,
                     int http_status);

// Fault type of a fault element: its xsi:type (without prefix), else its local name minus
// "Fault" (as in <InvalidLoginFault>).
std::string faultType(pugi::xml_node fault);

// --- reading helpers (namespace prefixes ignored) ---
std::string_view localName(const char* qname);
pugi::xml_node child(pugi::xml_node node, std::string_view local);
std::string childText(pugi::xml_node node, std::string_view local);
std::string_view xsiType(pugi::xml_node node);  // without prefix, "" if none
MoRef readMoRef(pugi::xml_node node);           // from <x type="T">value</x>
std::int64_t toInt(pugi::xml_node node, std::int64_t fallback = 0);
bool toBool(pugi::xml_node node, bool fallback = false);

}  // namespace vsmcp::vsphere::soap
