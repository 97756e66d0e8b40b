// DESIGN: HTTP routing as plain data and plain functions (the Beast examples' handle_request
// habit): a Request goes in, a Response comes out, no sockets involved, so handlers are tested
// without a server. Routes carry their auth requirement and a summary; the OpenAPI document is
// generated from this same table, so it cannot drift from the real routes.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "app/auth_service.hpp"
#include "core/result.hpp"

namespace parley::http {

struct Request {
  std::string method;  // "GET", "POST" ...
  std::string path;    // decoded path, no query
  std::map<std::string, std::string> query;
  std::string raw_query;  // the query string as received (still encoded, no '?'): what a provider signed
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string remote_address;
  std::string request_id;

  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
  std::optional<std::string> param(const std::string& name) const {
    auto it = query.find(name);
    if (it == query.end()) return std::nullopt;
    return it->second;
  }
};

struct Response {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
};

enum class Auth { None, User };

struct Context {
  const Request& request;
  std::map<std::string, std::string> path_params;
  std::optional<app::Principal> principal;  // set for Auth::User routes

  const core::Actor& actor() const { return principal->actor; }
  // A positive integer path parameter; InvalidInput otherwise.
  core::Result<std::int64_t> idParam(const std::string& name) const;
};

using Handler = std::function<Response(Context&)>;

// A route's optional fast path, tried on the I/O thread before its handler (which runs on the
// worker pool). It must not block: no store read, no file or network I/O; it may write only
// through Store::writeAsync. It either declines — returns false having done nothing, and the
// handler runs as usual — or returns true and then calls `respond` once, on any thread: with the
// answer, or with nullopt to hand the request to the handler after all (when nothing was stored,
// or when what was stored is something the handler recognises as a redelivery). A respond whose
// every copy is dropped uncalled counts as nullopt. Keep it cheap: decline large bodies. Used by the webhooks that providers call at high rates: they answer
// from the store's commit without holding a worker thread per request.
using Respond = std::function<void(std::optional<Response>)>;
using FastHandler = std::function<bool(Context&, Respond)>;

struct Route {
  std::string method;
  std::string pattern;  // "/api/v1/conversations/{id}/messages"
  Auth auth = Auth::User;
  std::string summary;
  Handler handler;
  FastHandler fast;  // optional
  std::string tag;
  std::vector<std::string> segments;
};

class Router {
 public:
  void add(std::string method, std::string pattern, Auth auth, std::string summary, Handler handler);
  // Gives the route added last a fast path (see FastHandler); only for Auth::None routes.
  void setFastPath(FastHandler fast);
  // The route for this method and path, with its parameters; nullptr when none matches.
  // `method_mismatch` is set when the path exists with another method (405).
  const Route* match(const std::string& method, const std::string& path, std::map<std::string, std::string>& params,
                     bool& method_mismatch) const;
  const std::vector<Route>& routes() const { return routes_; }
  // The methods some route takes on this path ("GET, HEAD, PATCH"), for a 405's Allow header.
  std::string allowedMethods(const std::string& path) const;

 private:
  std::vector<Route> routes_;
};

// {"error": {"code", "message"}} with the status that fits the code.
Response errorResponse(const core::Error& error);
Response errorResponse(int status, const std::string& code, const std::string& message);
int statusFor(core::ErrorCode code);
// Content-Disposition for a download (RFC 6266): "attachment" with an ASCII fallback name and
// the exact UTF-8 name percent-encoded, so no file name can inject a header or a path.
std::string attachmentDisposition(const std::string& filename);

}  // namespace parley::http
