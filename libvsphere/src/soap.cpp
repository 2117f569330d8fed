#include "soap.hpp"

#include <algorithm>
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
    if (c.type() == pugi::node_element && hasLocalName(c.name(), local)) return c;
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

// Text is embedded in its element (parse_embed_pcdata): about half the nodes, which matters
// for a 6,000-VM reply. Line ends and attribute whitespace are left as sent.
constexpr unsigned kParseOptions =
    pugi::parse_cdata | pugi::parse_escapes | pugi::parse_embed_pcdata;

bool isXmlSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

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
  auto parsed = reply->doc.load_buffer_inplace(reply->buffer.data(), reply->buffer.size(),
                                               kParseOptions, pugi::encoding_utf8);
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

// --- RetrieveStream ---
//
// buf_ holds what has arrived and is not consumed yet. Outside a run of objects, markup is
// scanned token by token (depth and the Envelope/Body/*/returnval path) and becomes skeleton;
// inside a run only the last "</objects>" of the buffer is looked for, so the bytes of the
// objects are read once, by pugixml.

RetrieveStream::RetrieveStream(std::string_view method, Visitor visit, std::size_t batch_bytes)
    : method_(method),
      visit_(std::move(visit)),
      batch_bytes_(std::max<std::size_t>(1, batch_bytes)) {}

Status RetrieveStream::feed(std::string_view piece) {
  if (raw_) {
    skeleton_.append(piece);
    base_ += piece.size();
    return Status::Ok();
  }
  buf_.append(piece);
  VSMCP_RETURN_IF_ERROR(advance(false));
  compact();
  return Status::Ok();
}

Result<std::unique_ptr<SoapReply>> RetrieveStream::finish(int http_status) {
  if (!raw_) {
    VSMCP_RETURN_IF_ERROR(advance(true));
    // What is left -- the tail, or an object cut short -- is skeleton, for parseSoapReply to
    // judge (a cut-short reply is malformed there).
    skeleton_.append(buf_, mark_, std::string::npos);
    base_ += buf_.size();
    std::string().swap(buf_);
    mark_ = pos_ = 0;
  }
  auto reply = parseSoapReply(std::move(skeleton_), http_status, method_);
  if (!reply.ok() || !visit_error_.ok()) return reply;
  // Objects the stream did not cut out (it stopped scanning a reply it could not follow) are
  // still in the skeleton: visit them here, so that every object is visited once either way.
  auto rv = child(reply.value()->response, "returnval");
  for (auto node = rv.first_child(); node; node = node.next_sibling()) {
    if (node.type() != pugi::node_element || !hasLocalName(node.name(), "objects")) continue;
    ++visited_;
    Status st = visit_(node);
    if (!st.ok()) {
      visit_error_ = std::move(st);
      break;
    }
  }
  return reply;
}

void RetrieveStream::goRaw() {
  skeleton_.append(buf_, mark_, std::string::npos);
  base_ += buf_.size();
  std::string().swap(buf_);
  mark_ = pos_ = 0;
  in_run_ = false;
  raw_ = true;
}

// Keeps buf_ from growing with consumed bytes; moves the kept tail only when at least as much
// is dropped, so each byte is moved a bounded number of times.
void RetrieveStream::compact() {
  if (raw_) return;
  if (!in_run_) {
    skeleton_.append(buf_, mark_, pos_ - mark_);
    mark_ = pos_;
  }
  const std::size_t drop = mark_;
  if (drop == 0 || drop < buf_.size() - drop) return;
  buf_.erase(0, drop);
  base_ += drop;
  mark_ -= drop;
  pos_ -= drop;
  searched_ = searched_ > drop ? searched_ - drop : 0;
}

RetrieveStream::Markup RetrieveStream::scanMarkup(std::size_t lt, std::size_t& end,
                                                  std::string_view& name) const {
  const char* b = buf_.data();
  const std::size_t n = buf_.size();
  const std::string_view all(b, n);
  auto through = [&](std::size_t from, std::string_view closer) {
    std::size_t at = all.find(closer, from);
    if (at == std::string_view::npos) return Markup::kIncomplete;
    end = at + closer.size();
    return Markup::kOther;
  };
  if (lt + 1 >= n) return Markup::kIncomplete;
  const char c = b[lt + 1];
  if (c == '?') return through(lt + 2, "?>");
  if (c == '!') {
    static constexpr std::string_view kComment = "<!--", kCdata = "<![CDATA[";
    const std::string_view have = all.substr(lt, kCdata.size());
    if (have.size() >= kComment.size() && have.substr(0, kComment.size()) == kComment)
      return through(lt + kComment.size(), "-->");
    if (have == kCdata) return through(lt + kCdata.size(), "]]>");
    if (kCdata.substr(0, have.size()) == have || kComment.substr(0, have.size()) == have)
      return Markup::kIncomplete;
    return Markup::kBad;  // a DOCTYPE or worse: no place for it in a SOAP reply
  }
  if (c == '/') {
    const void* gt = std::memchr(b + lt + 2, '>', n - lt - 2);
    if (gt == nullptr) return Markup::kIncomplete;
    end = static_cast<std::size_t>(static_cast<const char*>(gt) - b) + 1;
    std::size_t i = lt + 2;
    while (i < end - 1 && !isXmlSpace(b[i])) ++i;
    name = all.substr(lt + 2, i - (lt + 2));
    return Markup::kEnd;
  }
  std::size_t i = lt + 1;
  while (i < n && !isXmlSpace(b[i]) && b[i] != '>' && b[i] != '/') ++i;
  if (i == n) return Markup::kIncomplete;
  name = all.substr(lt + 1, i - (lt + 1));
  char quote = 0;
  for (; i < n; ++i) {
    const char ch = b[i];
    if (quote != 0) {
      if (ch == quote) quote = 0;
    } else if (ch == '"' || ch == '\'') {
      quote = ch;
    } else if (ch == '>') {
      end = i + 1;
      return b[i - 1] == '/' ? Markup::kEmpty : Markup::kStart;
    }
  }
  return Markup::kIncomplete;
}

bool RetrieveStream::scanSkeleton() {
  const char* b = buf_.data();
  while (pos_ < buf_.size()) {
    const void* found = std::memchr(b + pos_, '<', buf_.size() - pos_);
    if (found == nullptr) {
      pos_ = buf_.size();
      return false;
    }
    const std::size_t lt = static_cast<std::size_t>(static_cast<const char*>(found) - b);
    pos_ = lt;
    std::size_t end = 0;
    std::string_view name;
    const Markup m = scanMarkup(lt, end, name);
    switch (m) {
      case Markup::kIncomplete:
        // Each piece rescans an incomplete token from its start: past a size no SOAP envelope
        // part needs, stop scanning and leave the judging to parseSoapReply.
        if (buf_.size() - lt > kMaxSkeletonToken) goRaw();
        return false;
      case Markup::kBad:
        goRaw();
        return false;
      case Markup::kOther:
        break;
      case Markup::kEnd:
        if (depth_ == 0) {  // more closed than opened: malformed, for parseSoapReply to say
          goRaw();
          return false;
        }
        --depth_;
        break;
      case Markup::kStart:
      case Markup::kEmpty: {
        const int d = depth_ + 1;
        const std::size_t colon = name.find(':');
        const std::string_view local =
            colon == std::string_view::npos ? name : name.substr(colon + 1);
        bool path = false;
        switch (d) {
          case 1:
            path = local == "Envelope";
            break;
          case 2:
            path = on_path_[1] && local == "Body";
            break;
          case 3:
            path = on_path_[2];
            break;
          case 4:
            path = on_path_[3] && local == "returnval";
            break;
          default:
            break;
        }
        if (d == 5 && on_path_[4] && local == "objects" && m == Markup::kStart) {
          skeleton_.append(buf_, mark_, lt - mark_);
          mark_ = pos_ = lt;
          end_tag_ = "</" + std::string(name);
          in_run_ = true;
          return true;
        }
        if (d == 1 && !path) {  // not a SOAP envelope: parseSoapReply will say what it is
          goRaw();
          return false;
        }
        if (m == Markup::kStart) {
          depth_ = d;
          if (d < 5) on_path_[d] = path;
        }
        break;
      }
    }
    pos_ = end;
  }
  return false;
}

// Whether buf_ at `at` (after whitespace) starts another object of the run. `undecided` when
// too few bytes have arrived to tell.
bool RetrieveStream::atObjects(std::size_t& at, bool at_end, bool& undecided) const {
  undecided = false;
  while (at < buf_.size() && isXmlSpace(buf_[at])) ++at;
  const std::string_view start = std::string_view(end_tag_).substr(2);  // "objects"
  const std::string_view have = std::string_view(buf_).substr(at, start.size() + 2);
  if (have.size() < start.size() + 2) {
    // "<objects" and one more byte are needed; a prefix of them may still become one.
    const std::string_view want = std::string_view(buf_).substr(at);
    undecided = !at_end && (want.empty() ||
                            (want[0] == '<' && start.substr(0, want.size() - 1) == want.substr(1)));
    return false;
  }
  const char after = have.back();
  return have[0] == '<' && have.substr(1, start.size()) == start &&
         (isXmlSpace(after) || after == '>' || after == '/');
}

// One past the '>' of the last "</objects>" in buf_ after mark_, or npos. Bytes an earlier
// search went through (but the last few, where an end tag may have been cut) are not searched
// again, so an object larger than a batch is not rescanned with every piece; at the end of the
// reply everything is searched.
std::size_t RetrieveStream::lastObjectEnd(bool at_end) {
  const char* b = buf_.data();
  const std::size_t n = buf_.size();
  constexpr std::size_t kOverlap = 64;  // an end tag and a little whitespace
  std::size_t lo = mark_;
  if (!at_end && searched_ > lo + kOverlap) lo = searched_ - kOverlap;
  searched_ = n;
  std::size_t hi = n;
  while (hi > lo) {
    const void* found = memrchr(b + lo, '<', hi - lo);
    if (found == nullptr) return std::string::npos;
    const std::size_t at = static_cast<std::size_t>(static_cast<const char*>(found) - b);
    if (n - at >= end_tag_.size() && std::memcmp(b + at, end_tag_.data(), end_tag_.size()) == 0) {
      std::size_t k = at + end_tag_.size();
      while (k < n && isXmlSpace(b[k])) ++k;
      if (k < n && b[k] == '>') return k + 1;
    }
    hi = at;
  }
  return std::string::npos;
}

Status RetrieveStream::visitRun(std::size_t end) {
  const std::size_t from = mark_;
  mark_ = pos_ = end;
  if (!visit_error_.ok()) return Status::Ok();  // draining after the visitor failed
  auto parsed = doc_.load_buffer_inplace(buf_.data() + from, end - from,
                                         kParseOptions | pugi::parse_fragment, pugi::encoding_utf8);
  if (!parsed)
    return protocolError(
        "malformed XML in reply to " + method_ + " (HTTP 200) at byte " +
            std::to_string(base_ + from + static_cast<std::size_t>(parsed.offset)) + ": " +
            parsed.description(),
        200);
  Status st;
  for (auto node = doc_.first_child(); node; node = node.next_sibling()) {
    if (node.type() != pugi::node_element) continue;
    if (!hasLocalName(node.name(), "objects")) {
      st = protocolError("unexpected <" + std::string(node.name()) +
                             "> among the objects of the reply to " + method_ + " (HTTP 200)",
                         200);
      break;
    }
    ++visited_;
    Status visited = visit_(node);
    if (!visited.ok()) {
      visit_error_ = std::move(visited);
      break;
    }
  }
  doc_.reset();
  return st;
}

Status RetrieveStream::advance(bool at_end) {
  while (!raw_) {
    if (!in_run_) {
      if (!scanSkeleton()) return Status::Ok();
      continue;
    }
    // In a run: mark_ is where the next object (or the end of the run) starts.
    bool undecided = false;
    std::size_t at = mark_;
    if (!atObjects(at, at_end, undecided)) {
      if (undecided) return Status::Ok();
      in_run_ = false;  // the run is over: back to scanning, from mark_
      pos_ = mark_;
      continue;
    }
    if (!at_end && buf_.size() - mark_ < batch_bytes_) return Status::Ok();
    const std::size_t end = lastObjectEnd(at_end);
    if (end == std::string::npos) return Status::Ok();  // no object complete yet
    VSMCP_RETURN_IF_ERROR(visitRun(end));
  }
  return Status::Ok();
}

}  // namespace vsmcp::vsphere::soap
