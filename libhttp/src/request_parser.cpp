#include "request_parser.hpp"

#include "text.hpp"

namespace vsmcp::http {

std::string_view RequestParser::first(std::string_view name) const {
  for (const auto& [k, v] : fields_)
    if (iequals(k, name)) return v;
  return {};
}

size_t RequestParser::count(std::string_view name) const {
  size_t n = 0;
  for (const auto& [k, v] : fields_) n += iequals(k, name) ? 1 : 0;
  return n;
}

void RequestParser::on_request_impl(boost::beast::http::verb method, string_view method_str,
                                    string_view target, int version, error_code& ec) {
  verb_ = method;
  method_.assign(method_str.data(), method_str.size());
  target_.assign(target.data(), target.size());
  version_ = version;
  ec = {};
}

void RequestParser::on_response_impl(int, string_view, int, error_code& ec) {
  ec = boost::beast::http::error::bad_version;  // a request parser never sees a status line
}

void RequestParser::on_field_impl(boost::beast::http::field, string_view name_string,
                                  string_view value, error_code& ec) {
  fields_.emplace_back(std::string(name_string.data(), name_string.size()),
                       std::string(value.data(), value.size()));
  ec = {};
}

void RequestParser::on_header_impl(error_code& ec) { ec = {}; }

void RequestParser::on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                                      error_code& ec) {
  // The parser refused a Content-Length over the body limit before this.
  if (content_length) body_.reserve(static_cast<size_t>(*content_length));
  ec = {};
}

std::size_t RequestParser::on_body_impl(string_view body, error_code& ec) {
  body_.append(body.data(), body.size());
  ec = {};
  return body.size();
}

void RequestParser::on_chunk_header_impl(std::uint64_t, string_view, error_code& ec) { ec = {}; }

std::size_t RequestParser::on_chunk_body_impl(std::uint64_t, string_view body, error_code& ec) {
  body_.append(body.data(), body.size());
  ec = {};
  return body.size();
}

void RequestParser::on_finish_impl(error_code& ec) { ec = {}; }

}  // namespace vsmcp::http
