#include "http/router.hpp"

#include <cctype>
#include <cstdio>
#include <cstring>
#include <set>
#include <stdexcept>

#include "core/text.hpp"

#include <boost/json.hpp>

namespace parley::http {

namespace {
std::vector<std::string> split(const std::string& path) {
  std::vector<std::string> out;
  std::size_t start = 1;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    out.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}
}  // namespace

core::Result<std::int64_t> Context::idParam(const std::string& name) const {
  auto it = path_params.find(name);
  const std::string text = it == path_params.end() ? std::string() : it->second;
  std::int64_t value = 0;
  if (text.empty() || text.size() > 18) return core::makeError(core::ErrorCode::NotFound, name + ": not a valid id");
  for (char c : text) {
    if (c < '0' || c > '9') return core::makeError(core::ErrorCode::NotFound, name + ": not a valid id");
    value = value * 10 + (c - '0');
  }
  if (value <= 0) return core::makeError(core::ErrorCode::NotFound, name + ": not a valid id");
  return value;
}

void Router::add(std::string method, std::string pattern, Auth auth, std::string summary, Handler handler) {
  Route route{std::move(method), std::move(pattern), auth, std::move(summary), std::move(handler), {}, {}, {}};
  route.segments = split(route.pattern);
  auto parts = route.segments;
  route.tag = parts.size() >= 3 && parts[0] == "api" ? parts[2] : parts.empty() ? "" : parts[0];
  routes_.push_back(std::move(route));
}

void Router::setFastPath(FastHandler fast) {
  if (routes_.empty() || routes_.back().auth != Auth::None) {
    throw std::logic_error("a fast path needs a route without user authentication");
  }
  routes_.back().fast = std::move(fast);
}

namespace {

// Whether `route`'s pattern matches the path's segments; its parameters go to `found`.
bool matchesPath(const Route& route, const std::vector<std::string>& parts, std::map<std::string, std::string>& found) {
  if (route.segments.size() != parts.size()) return false;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const auto& seg = route.segments[i];
    if (seg.size() > 2 && seg.front() == '{' && seg.back() == '}') {
      if (parts[i].empty()) return false;
      found[seg.substr(1, seg.size() - 2)] = parts[i];
    } else if (seg != parts[i]) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string Router::allowedMethods(const std::string& path) const {
  std::set<std::string> methods;
  if (path.empty() || path[0] != '/') return {};
  const auto parts = split(path);
  for (const auto& route : routes_) {
    std::map<std::string, std::string> found;
    if (!matchesPath(route, parts, found)) continue;
    methods.insert(route.method);
    if (route.method == "GET") methods.insert("HEAD");
  }
  std::string out;
  for (const auto& m : methods) out += (out.empty() ? "" : ", ") + m;
  return out;
}

const Route* Router::match(const std::string& method, const std::string& path,
                           std::map<std::string, std::string>& params, bool& method_mismatch) const {
  method_mismatch = false;
  if (path.empty() || path[0] != '/') return nullptr;
  const auto parts = split(path);
  for (const auto& route : routes_) {
    std::map<std::string, std::string> found;
    if (!matchesPath(route, parts, found)) continue;
    if (route.method != method && !(method == "HEAD" && route.method == "GET")) {
      method_mismatch = true;
      continue;
    }
    params = std::move(found);
    return &route;
  }
  return nullptr;
}

int statusFor(core::ErrorCode code) {
  switch (code) {
    case core::ErrorCode::InvalidInput: return 400;
    case core::ErrorCode::Unauthorized: return 401;
    case core::ErrorCode::Forbidden: return 403;
    case core::ErrorCode::NotFound: return 404;
    case core::ErrorCode::Conflict: return 409;
    case core::ErrorCode::TooLarge: return 413;
    case core::ErrorCode::Unsupported: return 415;
    case core::ErrorCode::RateLimited: return 429;
    case core::ErrorCode::Unavailable: return 503;
    case core::ErrorCode::Internal: return 500;
  }
  return 500;
}

std::string attachmentDisposition(const std::string& filename) {
  std::string fallback, encoded;
  for (unsigned char c : filename) {
    fallback += (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') ? static_cast<char>(c) : '_';
    if (std::isalnum(c) || std::strchr("!#$&+-.^_`|~", c)) {
      encoded += static_cast<char>(c);
    } else {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", c);
      encoded += hex;
    }
  }
  if (fallback.empty()) fallback = encoded = "attachment";
  return "attachment; filename=\"" + fallback + "\"; filename*=UTF-8''" + encoded;
}

Response errorResponse(int status, const std::string& code, const std::string& message) {
  // Messages may quote what the client sent (a path, a field): keep the answer valid UTF-8.
  boost::json::object error{{"code", code}, {"message", core::toValidUtf8(message)}};
  return Response{status, boost::json::serialize(boost::json::object{{"error", error}}), "application/json", {}};
}

Response errorResponse(const core::Error& error) {
  return errorResponse(statusFor(error.code), core::errorCodeName(error.code), error.message);
}

}  // namespace parley::http
