#include "http/beast_request.hpp"

#include <boost/url.hpp>

#include "app/crypto.hpp"

namespace parley::http {

Request requestFromBeast(const boost::beast::http::request<boost::beast::http::string_body>& req,
                         const std::string& remote_address) {
  Request r;
  r.method = std::string(req.method_string());
  auto target = boost::urls::parse_origin_form(req.target());
  if (target) {
    r.path = std::string(target->path());
    if (target->has_query()) r.raw_query = std::string(target->encoded_query());
    for (auto param : target->params()) r.query[std::string(param.key)] = std::string(param.value);
  } else {
    r.path = std::string(req.target());
  }
  for (const auto& field : req) {
    std::string name(field.name_string());
    for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    r.headers[name] = std::string(field.value());
  }
  r.body = req.body();
  r.remote_address = remote_address;
  r.request_id = r.header("x-request-id");
  if (r.request_id.empty() || r.request_id.size() > 64) r.request_id = app::randomHex(8);
  return r;
}

}  // namespace parley::http
