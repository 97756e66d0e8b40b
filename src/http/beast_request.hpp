// The one conversion from a parsed Beast request to the router's plain Request, shared by the
// server and the request fuzzer so both exercise exactly the same path.
#pragma once

#include <boost/beast/http.hpp>
#include <string>

#include "http/router.hpp"

namespace parley::http {

// Decodes path and query (boost::url), lower-cases header names, takes X-Request-Id when it is
// at most 64 characters, otherwise makes a random one.
Request requestFromBeast(const boost::beast::http::request<boost::beast::http::string_body>& req,
                         const std::string& remote_address);

}  // namespace parley::http
