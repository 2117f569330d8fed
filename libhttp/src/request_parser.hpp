// RequestParser: Beast's HTTP/1.1 request parser (framing, chunked bodies, header and body
// limits) storing into our own types: the fields keep their exact arrival order (Beast's
// fields container groups repeated names), and the body goes to a std::string.
// Not thread-safe: one per request, used on its connection's strand.
#pragma once

#include <boost/beast/http/basic_parser.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vsmcp::http {

class RequestParser final : public boost::beast::http::basic_parser<true> {
 public:
  using Fields = std::vector<std::pair<std::string, std::string>>;

  RequestParser() = default;

  boost::beast::http::verb verb() const { return verb_; }
  const std::string& method() const { return method_; }
  const std::string& target() const { return target_; }
  int version() const { return version_; }  // 11 = HTTP/1.1
  const Fields& fields() const { return fields_; }
  Fields& fields() { return fields_; }
  std::string& body() { return body_; }

  // The first value of a field (case-insensitive name); "" when absent.
  std::string_view first(std::string_view name) const;
  size_t count(std::string_view name) const;

 private:
  using string_view = boost::beast::string_view;
  using error_code = boost::beast::error_code;

  void on_request_impl(boost::beast::http::verb method, string_view method_str, string_view target,
                       int version, error_code& ec) override;
  void on_response_impl(int code, string_view reason, int version, error_code& ec) override;
  void on_field_impl(boost::beast::http::field name, string_view name_string, string_view value,
                     error_code& ec) override;
  void on_header_impl(error_code& ec) override;
  void on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                         error_code& ec) override;
  std::size_t on_body_impl(string_view body, error_code& ec) override;
  void on_chunk_header_impl(std::uint64_t size, string_view extensions, error_code& ec) override;
  std::size_t on_chunk_body_impl(std::uint64_t remain, string_view body, error_code& ec) override;
  void on_finish_impl(error_code& ec) override;

  boost::beast::http::verb verb_ = boost::beast::http::verb::unknown;
  std::string method_;
  std::string target_;
  int version_ = 11;
  Fields fields_;
  std::string body_;
};

}  // namespace vsmcp::http
