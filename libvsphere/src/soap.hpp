// SOAP encoding and decoding for vim25. Internal: pugixml stays inside libvsphere.
//
// SoapWriter builds one request envelope; every text value and attribute is XML-escaped.
// parseSoapReply turns an HTTP reply into the method's response element or a typed error.
// RetrieveStream reads a PropertyCollector reply as it arrives, a batch of objects at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <pugixml.hpp>
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

// Reads a RetrievePropertiesEx or ContinueRetrievePropertiesEx reply as it arrives (the pieces
// of a 200 body from HttpTransport::sendStreaming), so that no page is ever held whole. The
// <objects> children of <returnval> are cut from the stream in runs of about `batch_bytes`
// (each run ends at the last complete object that has arrived), parsed in place in the receive
// buffer (pugixml, as parseSoapReply parses) and handed to `visit` one by one, then dropped.
// Everything else -- envelope, token, a fault, an HTML page -- is kept and parsed by finish()
// with parseSoapReply, so faults and malformed replies read exactly as from a whole reply.
//
// A run is cut after the last "</objects>" end tag received and must then parse as complete
// objects; vim25 has no other element of that name and sends no comments or CDATA, so the cut
// is exact (were it not, the run would fail to parse: refused as malformed, never misread).
// A reply the stream cannot follow (a DOCTYPE, an endless comment) is kept whole and its
// objects are visited by finish(): every object is visited once either way. After `visit`
// fails, the rest of the reply is read without visiting (so that its token can still be
// cancelled) and visitError() holds the failure. Not thread-safe.
class RetrieveStream {
 public:
  using Visitor = std::function<Status(pugi::xml_node objects)>;
  static constexpr std::size_t kDefaultBatchBytes = 64 * 1024;  // measured: 16 KiB-1 MiB alike
  // An incomplete markup token (comment, tag) outside the objects larger than this makes the
  // stream stop scanning and keep the rest whole for parseSoapReply.
  static constexpr std::size_t kMaxSkeletonToken = 1 << 20;

  RetrieveStream(std::string_view method, Visitor visit,
                 std::size_t batch_bytes = kDefaultBatchBytes);
  RetrieveStream(const RetrieveStream&) = delete;
  RetrieveStream& operator=(const RetrieveStream&) = delete;

  // The next piece of the body. An error (objects that are not well-formed XML) ends the reply.
  Status feed(std::string_view piece);
  // After the last piece: the reply without its objects, as parseSoapReply reads it.
  Result<std::unique_ptr<SoapReply>> finish(int http_status);

  const Status& visitError() const { return visit_error_; }
  std::size_t bytes() const { return base_ + buf_.size(); }  // body bytes received so far
  std::size_t visited() const { return visited_; }           // objects handed to `visit`
  // Bytes of buffer held now (receive buffer and skeleton, by capacity): about a batch.
  std::size_t held() const { return buf_.capacity() + skeleton_.capacity(); }

 private:
  enum class Markup { kIncomplete, kStart, kEmpty, kEnd, kOther, kBad };
  Markup scanMarkup(std::size_t lt, std::size_t& end, std::string_view& name) const;
  Status advance(bool at_end);
  bool scanSkeleton();  // true when a run of objects starts
  bool atObjects(std::size_t& at, bool at_end, bool& undecided) const;
  std::size_t lastObjectEnd(bool at_end);
  Status visitRun(std::size_t end);
  void goRaw();
  void compact();

  std::string method_;
  Visitor visit_;
  std::size_t batch_bytes_;
  std::string buf_;           // received, not yet consumed
  std::size_t base_ = 0;      // offset of buf_[0] in the body
  std::size_t mark_ = 0;      // buf_[mark_, pos_) is skeleton not yet copied out
  std::size_t pos_ = 0;       // where scanning resumes
  std::string skeleton_;      // the reply without its objects
  bool raw_ = false;          // not a reply with objects: keep everything
  int depth_ = 0;             // element depth at pos_ (outside runs)
  bool on_path_[5] = {};      // element at depth d is Envelope/Body/*/returnval so far
  bool in_run_ = false;       // buf_ from mark_ holds objects (complete or arriving)
  std::string end_tag_;       // "</objects", with the first object's own prefix
  std::size_t searched_ = 0;  // buf_ before this was searched for end_tag_ (but its tail)
  pugi::xml_document doc_;    // the current run, parsed
  Status visit_error_;
  std::size_t visited_ = 0;
};

// Error for a vSphere fault: `type` is the fault type (e.g. "InvalidPowerState"), `fault`
// the fault's element (for details such as obj or existingState), `message` the server's text.
Status faultToStatus(std::string_view type, pugi::xml_node fault, std::string message,
                     int http_status);

// Fault type of a fault element: its xsi:type (without prefix), else its local name minus
// "Fault" (as in <InvalidLoginFault>).
std::string faultType(pugi::xml_node fault);

// --- reading helpers (namespace prefixes ignored) ---
std::string_view localName(const char* qname);
// localName(qname) == local, for a `local` without ':', without measuring qname first.
// Inline: with a literal `local` the common case (no prefix) compiles to a few compares.
inline bool hasLocalName(const char* qname, std::string_view local) {
  std::size_t i = 0;
  while (i < local.size() && qname[i] == local[i]) ++i;
  if (i == local.size() && qname[i] == '\0') return true;
  // qname[0, i) matched `local`, so it holds no ':'; the local name starts after the first one.
  const char* p = qname + i;
  while (*p != '\0' && *p != ':') ++p;
  if (*p != ':') return false;
  ++p;
  for (i = 0; i < local.size(); ++i)
    if (p[i] != local[i]) return false;  // stops at p's terminator: `local` holds no NUL
  return p[local.size()] == '\0';
}
pugi::xml_node child(pugi::xml_node node, std::string_view local);
std::string childText(pugi::xml_node node, std::string_view local);
std::string_view xsiType(pugi::xml_node node);  // without prefix, "" if none
MoRef readMoRef(pugi::xml_node node);           // from <x type="T">value</x>
std::int64_t toInt(pugi::xml_node node, std::int64_t fallback = 0);
bool toBool(pugi::xml_node node, bool fallback = false);

}  // namespace vsmcp::vsphere::soap
