// HttpTransport over cpprestsdk's http_client: the transport the design card first named,
// kept behind the same interface so bench/vm_list.sh can measure it side by side with the
// default Boost.Beast transport (see docs/architecture.md for the figures and the choice).
//
// Limits: no thumbprint pinning (cpprestsdk overrides a context verify callback per stream
// and skips it entirely when validation is off), so a pin is refused, never ignored.
#include <cpprest/http_client.h>

#include <mutex>

#include "url.hpp"
#include "vsmcp/log.hpp"
#include "vsphere/cpprest_transport.hpp"

namespace vsmcp::vsphere {
namespace {

namespace http = web::http;

class CpprestTransport final : public HttpTransport {
 public:
  CpprestTransport(const TransportOptions& options, const Url& url)
      : client_(makeClient(options, url)), host_port_(url.hostPort()) {}

  Result<HttpResponse> send(const HttpRequest& request) override {
    try {
      http::http_request req(request.method);
      req.set_request_uri(request.target);
      std::string content_type = "application/octet-stream";
      for (const auto& [k, v] : request.headers) {
        if (k == "Content-Type") {
          content_type = v;
        } else {
          req.headers().add(k, v);
        }
      }
      req.set_body(request.body, content_type);
      http::http_response resp = client_.request(req).get();
      HttpResponse out;
      out.status = resp.status_code();
      for (const auto& [k, v] : resp.headers()) out.headers.emplace_back(k, v);
      out.body = resp.extract_utf8string(true).get();
      return out;
    } catch (const http::http_exception& e) {
      return Status::Unavailable("request to " + host_port_ + " failed: " + e.what());
    } catch (const std::exception& e) {
      return Status::Unavailable("request to " + host_port_ + " failed: " + e.what());
    }
  }

 private:
  static http::client::http_client makeClient(const TransportOptions& options, const Url& url) {
    http::client::http_client_config cfg;
    cfg.set_timeout(std::chrono::duration_cast<std::chrono::microseconds>(options.request_timeout));
    cfg.set_validate_certificates(!options.insecure);
    std::string ca = options.ca_bundle;
    if (!ca.empty()) {
      cfg.set_ssl_context_callback([ca](boost::asio::ssl::context& ctx) {
        boost::system::error_code ec;
        ctx.load_verify_file(ca, ec);
      });
    }
    return http::client::http_client(url.scheme + "://" + url.hostPort(), cfg);
  }

  http::client::http_client client_;  // thread-safe per cpprestsdk
  std::string host_port_;
};

}  // namespace

Result<std::unique_ptr<HttpTransport>> makeCpprestTransport(const TransportOptions& options) {
  VSMCP_ASSIGN_OR_RETURN(Url url, parseUrl(options.url));
  if (!options.thumbprint.empty())
    return Status::InvalidArgument(
        "the cpprestsdk transport cannot pin a certificate thumbprint; use the default transport");
  if (!options.ca_bundle.empty()) {
    std::FILE* f = std::fopen(options.ca_bundle.c_str(), "r");
    if (!f) return Status::InvalidArgument("cannot read CA bundle '" + options.ca_bundle + "'");
    std::fclose(f);
  }
  if (options.insecure)
    log(LogLevel::kWarning, "TLS certificate verification is OFF for " + url.hostPort() + " (insecure)");
  try {
    return std::unique_ptr<HttpTransport>(new CpprestTransport(options, url));
  } catch (const std::exception& e) {
    return Status::InvalidArgument(std::string("cpprestsdk refused the URL: ") + e.what());
  }
}

}  // namespace vsmcp::vsphere
