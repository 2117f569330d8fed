#include "soap.hpp"

#include <cctype>
#include <cstdlib>
#include <cstring>

namespace vsmcp::vsphere::soap {

bool appendEscaped(std::string& out, std::string_view value) {
  bool ok = true;
  for (char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      case '\n': out += "&#10;"; break;
      case '\r': out += "&#13;"; break;
      case '\t': out += "&#9;"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          ok = false;
        } else {
          out += ch;
        }
    }
  }
  return ok;
}

SoapWriter::SoapWriter(std::string_view method) : method_(method) {
  body_.reserve(512);
  body_ += '<';
  body_ += method_;
  body_ += " xmlns=\"urn:vim25\">";
}

SoapWriter& SoapWriter::moref(std::string_view tag, const MoRef& ref) {
  body_ += '<';
  body_ += tag;
  body_ += " type=\"";
  if (!appendEscaped(body_, ref.type) && bad_tag_.empty()) bad_tag_ = std::string(tag);
  body_ += "\">";
  if (!appendEscaped(body_, ref.value) && bad_tag_.empty()) bad_tag_ = std::string(tag);
  body_ += "</";
  body_ += tag;
  body_ += '>';
  return *this;
}

SoapWriter& SoapWriter::text(std::string_view tag, std::string_view value) {
  body_ += '<';
  body_ += tag;
  body_ += '>';
  if (!appendEscaped(body_, value) && bad_tag_.empty()) bad_tag_ = std::string(tag);
  body_ += "</";
  body_ += tag;
  body_ += '>';
  return *this;
}

SoapWriter& SoapWriter::boolean(std::string_view tag, bool value) {
  return text(tag, value ? "true" : "false");
}

SoapWriter& SoapWriter::integer(std::string_view tag, std::int64_t value) {
  return text(tag, std::to_string(value));
}

SoapWriter& SoapWriter::open(std::string_view tag, std::string_view xsi_type) {
  body_ += '<';
  body_ += tag;
  if (!xsi_type.empty()) {
    body_ += " xsi:type=\"";
    body_ += xsi_type;
    body_ += '"';
  }
  body_ += '>';
  return *this;
}

SoapWriter& SoapWriter::close(std::string_view tag) {
  body_ += "</";
  body_ += tag;
  body_ += '>';
  return *this;
}

Result<std::string> SoapWriter::finish() {
  if (!bad_tag_.empty())
    return Status::InvalidArgument("value of '" + bad_tag_ + "' in " + method_ +
                                   " contains a control character, which XML cannot carry");
  std::string out;
  out.reserve(body_.size() + 320);
  out +=
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
      "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" "
      "xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" "
      "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><soapenv:Body>";
  out += body_;
  out += "</";
  out += method_;
  out += "></soapenv:Body></soapenv:Envelope>";
  return out;
}

std::string_view localName(const char* qname) {
  std::string_view name(qname);
  auto colon = name.find(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

pugi::xml_node child(pugi::xml_node node, std::string_view local) {
  for (auto c = node.first_child(); c; c = c.next_sibling())
    if (c.type() == pugi::node_element && localName(c.name()) == local) return c;
  return {};
}

std::string childText(pugi::xml_node node, std::string_view local) {
  return child(node, local).text().as_string();
}

std::string_view xsiType(pugi::xml_node node) {
  for (auto a = node.first_attribute(); a; a = a.next_attribute()) {
    if (localName(a.name()) == "type" && std::strchr(a.name(), ':') != nullptr)
      return localName(a.value());
  }
  return {};
}

MoRef readMoRef(pugi::xml_node node) {
  MoRef ref;
  if (!node) return ref;
  ref.type = node.attribute("type").as_string();
  ref.value = node.text().as_string();
  return ref;
}

std::int64_t toInt(pugi::xml_node node, std::int64_t fallback) {
  if (!node) return fallback;
  const char* s = node.text().as_string();
  char* end = nullptr;
  long long v = std::strtoll(s, &end, 10);
  if (end == s) return fallback;
  return v;
}

bool toBool(pugi::xml_node node, bool fallback) {
  if (!node) return fallback;
  std::string_view s = node.text().as_string();
  if (s == "true" || s == "1") return true;
  if (s == "false" || s == "0") return false;
  return fallback;
}

std::string faultType(pugi::xml_node fault) {
  std::string_view t = xsiType(fault);
  if (!t.empty()) return std::string(t);
  std::string name(localName(fault.name()));
  if (name.size() > 5 && name.compare(name.size() - 5, 5, "Fault") == 0)
    name.resize(name.size() - 5);
  return name;
}

namespace {

struct FaultClass {
  const char* type;
  ErrorCode code;
};

// vim25 fault types we classify; anything else is kInternal with the fault named.
constexpr FaultClass kFaults[] = {
    {"InvalidLogin", ErrorCode::kUnauthenticated},
    {"NotAuthenticated", ErrorCode::kUnauthenticated},
    {"InvalidLocale", ErrorCode::kInvalidArgument},
    {"ManagedObjectNotFound", ErrorCode::kNotFound},
    {"NotFound", ErrorCode::kNotFound},
    {"FileNotFound", ErrorCode::kNotFound},
    {"InvalidPowerState", ErrorCode::kInvalidState},
    {"InvalidState", ErrorCode::kInvalidState},
    {"InvalidHostState", ErrorCode::kInvalidState},
    {"InvalidDatastoreState", ErrorCode::kInvalidState},
    {"InvalidSnapshotFormat", ErrorCode::kInvalidState},
    {"SnapshotFault", ErrorCode::kInvalidState},
    {"ToolsUnavailable", ErrorCode::kInvalidState},
    {"HostNotConnected", ErrorCode::kUnavailable},
    {"HostCommunication", ErrorCode::kUnavailable},
    {"InvalidArgument", ErrorCode::kInvalidArgument},
    {"InvalidRequest", ErrorCode::kInvalidArgument},
    {"InvalidName", ErrorCode::kInvalidArgument},
    {"InvalidProperty", ErrorCode::kInvalidArgument},
    {"InvalidType", ErrorCode::kInvalidArgument},
    {"InvalidDeviceSpec", ErrorCode::kInvalidArgument},
    {"InvalidVmConfig", ErrorCode::kInvalidArgument},
    {"InvalidCollectorVersion", ErrorCode::kInvalidArgument},
    {"TaskInProgress", ErrorCode::kBusy},
    {"ConcurrentAccess", ErrorCode::kBusy},
    {"ResourceInUse", ErrorCode::kBusy},
    {"DuplicateName", ErrorCode::kAlreadyExists},
    {"AlreadyExists", ErrorCode::kAlreadyExists},
    {"FileAlreadyExists", ErrorCode::kAlreadyExists},
    {"NoPermission", ErrorCode::kPermissionDenied},
    {"SecurityError", ErrorCode::kPermissionDenied},
    {"RestrictedVersion", ErrorCode::kPermissionDenied},
    {"NotSupported", ErrorCode::kUnsupported},
    {"NotImplemented", ErrorCode::kUnsupported},
    {"MethodNotFound", ErrorCode::kUnsupported},
    {"MethodDisabled", ErrorCode::kUnsupported},
    {"RequestCanceled", ErrorCode::kCancelled},
    {"Timedout", ErrorCode::kTimeout},
    {"InsufficientResourcesFault", ErrorCode::kInvalidState},
    {"NotEnoughLicenses", ErrorCode::kInvalidState},
};

}  // namespace

Status faultToStatus(std::string_view type, pugi::xml_node fault, std::string message,
                     int http_status) {
  ErrorCode code = ErrorCode::kInternal;
  for (const auto& f : kFaults) {
    if (type == f.type) {
      code = f.code;
      break;
    }
  }
  ErrorDetails details;
  details.fault = std::string(type);
  details.http_status = http_status;
  if (auto obj = child(fault, "obj")) details.object = obj.text().as_string();
  if (message.empty()) {
    message = "vSphere fault " + std::string(type);
    if (type == "InvalidPowerState") {
      auto existing = childText(fault, "existingState");
      auto requested = childText(fault, "requestedState");
      // vCenter puts the state the operation needs in requestedState, the simulator the state
      // it would reach: say what is known without claiming which.
      if (!existing.empty()) message += ": the VM is " + existing + ", which does not allow this operation";
      if (!requested.empty() && requested != existing) message += " (requested state: " + requested + ")";
    } else if (type == "InvalidArgument") {
      auto prop = childText(fault, "invalidProperty");
      if (!prop.empty()) message += ": invalid property '" + prop + "'";
    } else if (type == "DuplicateName") {
      auto name = childText(fault, "name");
      if (!name.empty()) message += ": the name '" + name + "' is already in use";
    } else if (type == "NoPermission") {
      auto priv = childText(fault, "privilegeId");
      if (!priv.empty()) message += ": missing privilege " + priv;
    } else if (!details.object.empty()) {
      message += " for " + details.object;
    }
  }
  return Status::Error(code, std::move(message), std::move(details));
}

namespace {

std::string htmlTitle(std::string_view body) {
  std::string lower(body.substr(0, 4096));
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto start = lower.find("<title>");
  if (start == std::string::npos) return "";
  start += 7;
  auto end = lower.find("</title>", start);
  if (end == std::string::npos) return "";
  std::string title(body.substr(start, end - start));
  if (title.size() > 120) title.resize(120);
  return title;
}

bool looksLikeHtml(std::string_view body) {
  std::string head(body.substr(0, 512));
  for (auto& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return head.find("<html") != std::string::npos || head.find("<!doctype html") != std::string::npos;
}

Status protocolError(std::string message, int http_status) {
  return Status::Error(ErrorCode::kProtocol, std::move(message), ErrorDetails{"", http_status, ""});
}

}  // namespace

Result<std::unique_ptr<SoapReply>> parseSoapReply(std::string body, int http_status,
                                                  std::string_view method) {
  const std::string what = "reply to " + std::string(method) + " (HTTP " +
                           std::to_string(http_status) + ")";
  if (body.empty()) {
    if (http_status == 401 || http_status == 403)
      return Status::Error(ErrorCode::kUnauthenticated, "server refused " + std::string(method) +
                                                            " with HTTP " + std::to_string(http_status),
                           ErrorDetails{"", http_status, ""});
    return protocolError("empty " + what, http_status);
  }
  if (looksLikeHtml(body)) {
    std::string title = htmlTitle(body);
    return protocolError("expected a SOAP " + what + " but got an HTML page" +
                             (title.empty() ? std::string() : " titled '" + title + "'") +
                             "; is the URL the vSphere /sdk endpoint?",
                         http_status);
  }
  auto reply = std::make_unique<SoapReply>();
  reply->buffer = std::move(body);
  // Text is embedded in its element (parse_embed_pcdata): about half the nodes, which matters
  // for a 6,000-VM reply. Line ends and attribute whitespace are left as sent.
  auto parsed = reply->doc.load_buffer_inplace(
      reply->buffer.data(), reply->buffer.size(),
      pugi::parse_cdata | pugi::parse_escapes | pugi::parse_embed_pcdata, pugi::encoding_utf8);
  if (!parsed) {
    return protocolError("malformed XML in " + what + " at byte " +
                             std::to_string(parsed.offset) + ": " + parsed.description() +
                             (parsed.status == pugi::status_end_element_mismatch ||
                                      parsed.status == pugi::status_bad_end_element ||
                                      parsed.offset + 1 >= static_cast<ptrdiff_t>(reply->buffer.size())
                                  ? " (reply truncated?)"
                                  : ""),
                         http_status);
  }
  auto envelope = reply->doc.document_element();
  if (localName(envelope.name()) != "Envelope")
    return protocolError("the " + what + " is XML but not a SOAP envelope (root <" +
                             std::string(envelope.name()) + ">)",
                         http_status);
  auto soap_body = child(envelope, "Body");
  if (!soap_body) return protocolError("the " + what + " has no SOAP Body", http_status);
  if (auto fault = child(soap_body, "Fault")) {
    std::string message = childText(fault, "faultstring");
    pugi::xml_node detail_fault;
    if (auto detail = child(fault, "detail")) {
      for (auto c = detail.first_child(); c; c = c.next_sibling())
        if (c.type() == pugi::node_element) {
          detail_fault = c;
          break;
        }
    }
    std::string type = detail_fault ? faultType(detail_fault) : std::string();
    if (type.empty()) {
      type = childText(fault, "faultcode");
      if (auto colon = type.find(':'); colon != std::string::npos) type = type.substr(colon + 1);
    }
    // A server without the method (the simulator's EventManager on ESXi, an older vCenter) often
    // says no more than the fault's name: name the call it refused.
    if (message.empty() && (type == "NotImplemented" || type == "MethodNotFound" || type == "NotSupported"))
      message = "the server does not support " + std::string(method) + " (vSphere fault " + type + ")";
    return faultToStatus(type, detail_fault, std::move(message), http_status);
  }
  pugi::xml_node response;
  for (auto c = soap_body.first_child(); c; c = c.next_sibling())
    if (c.type() == pugi::node_element) {
      response = c;
      break;
    }
  if (!response) return protocolError("the " + what + " has an empty SOAP Body", http_status);
  if (http_status >= 400)
    return Status::Error(ErrorCode::kUnavailable,
                         "server answered " + std::string(method) + " with HTTP " +
                             std::to_string(http_status),
                         ErrorDetails{"", http_status, ""});
  reply->response = response;
  return reply;
}

}  // namespace vsmcp::vsphere::soap
