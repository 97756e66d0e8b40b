// libFuzzer target: raw bytes -> Boost.Beast request parser -> the real REST router (addAllRoutes
// + dispatch) over a real SQLite store, with the real AuthService, DeskService and
// AttachmentStore, built the way src/main.cpp builds them.
//
// The input is a stream of up to kMaxRequests pipelined HTTP/1.1 requests, each run through
// the route's fast path (if it has one) and dispatch() in turn, as the server runs them, so one
// input can create something and then use it. To get past the
// authentication and the webhook signature, the harness rewrites three placeholders in header
// values after parsing (the parser never sees the real secrets):
//   @ADMIN  -> an API token of an admin       (e.g. "Authorization: Bearer @ADMIN")
//   @AGENT  -> an API token of an agent
//   @SIGN   -> in X-Parley-Signature: "sha256=<HMAC of the body>" with the secret of the inbox
//              named by the path /webhooks/api/{id} (inbox 1, an API inbox, exists at start)
// The tokens are re-created whenever an input deleted or demoted their users.
//
// It must never crash. Checked: every response has a valid status, and a JSON response is
// well-formed JSON. Two findings are reported without stopping (the first few of each are
// printed; PARLEY_FUZZ_STRICT=1 makes them crashes): a 5xx answer (a handler threw or the store
// failed; dispatch's catch-all answers 500), and a JSON response that is not valid UTF-8 (an
// error message echoing raw request bytes, e.g. the 404 for a path with a byte 0xA0).
//
// The store is shared by all inputs (state accumulates, as in a running server); a crash found
// late may need the earlier inputs to reproduce. It lives in $TMPDIR/parley-fuzz-XXXXXX, removed
// at a normal exit; after a crash it stays (scripts/run-fuzzers points TMPDIR at its own scratch
// dir and removes that). PARLEY_FUZZ_VERBOSE=1 prints every request and its answer. Outbound HTTP is impossible by construction:
// every curl proxy variable points at 127.0.0.1:9 (nothing listens), so an attachment URL in a
// webhook fails at once instead of reaching the network.
#include <boost/beast/core/error.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <boost/url.hpp>
#include <atomic>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <map>
#include <optional>
#include <memory>
#include <string>
#include <unistd.h>

#include "app/attachment_store.hpp"
#include "app/auth_service.hpp"
#include "app/clock.hpp"
#include "app/crypto.hpp"
#include "app/desk_service.hpp"
#include "app/passwords.hpp"
#include "bus/in_process_bus.hpp"
#include "channels/api/api_channel.hpp"
#include "http/api.hpp"
#include "http/beast_request.hpp"
#include "http/client_address.hpp"
#include "http/router.hpp"
#include "store/open_store.hpp"

namespace {

using namespace parley;
namespace bhttp = boost::beast::http;

constexpr int kMaxRequests = 8;
constexpr std::size_t kBodyLimit = 1 << 20;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_http_request: %s\n", what);
  std::fflush(stderr);
  __builtin_trap();
}

struct Harness {
  std::filesystem::path dir;
  app::SystemClock clock;
  std::unique_ptr<app::Store> store;
  std::unique_ptr<app::PasswordHasher> hasher;
  std::unique_ptr<app::AuthService> auth;
  std::unique_ptr<bus::InProcessBus> bus;
  std::unique_ptr<app::DeskService> desk;
  std::unique_ptr<app::AttachmentStore> attachments;
  std::unique_ptr<http::ApiDeps> deps;
  http::Router router;
  core::TenantId tenant;
  std::string password_hash;  // computed once: creating users must not cost an argon2 hash each
  std::string admin_token, agent_token;
  int users_created = 0;
  int errors_500 = 0;
  int invalid_utf8 = 0;
  bool strict = false;   // PARLEY_FUZZ_STRICT=1: the findings below are crashes too
  bool verbose = false;  // PARLEY_FUZZ_VERBOSE=1: print every request and its answer (to check seeds)
};

Harness* g = nullptr;  // never destroyed: libFuzzer exits without tearing the store down

void removeDir() {
  if (g != nullptr && !g->dir.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(g->dir, ec);
  }
}

// A new user of `role` with an API token; returns the token (empty on failure).
std::string newPrincipal(core::Role role) {
  core::User user;
  user.tenant_id = g->tenant;
  user.name = "Fuzz";
  user.role = role;
  user.password_hash = g->password_hash;
  user.created_at = g->clock.now();
  core::Status written = core::makeError(core::ErrorCode::Internal, "not tried");
  // An input may have taken the e-mail address already: try a few.
  for (int attempt = 0; attempt < 5 && !written; ++attempt) {
    user.email = "fuzz-" + std::to_string(++g->users_created) + "-" + app::randomHex(4) + "@fuzz.test";
    written = g->store->write([&](app::StoreTx& tx) -> core::Status {
      auto id = tx.createUser(user);
      if (!id) return id.error();
      user.id = *id;
      return {};
    });
  }
  if (!written) return {};
  auto actor = g->auth->actorFor(user);
  if (!actor) return {};
  auto token = g->auth->createApiToken(*actor, "fuzz");
  if (!token) return {};
  return token->secret;
}

void ensurePrincipal(std::string& token, core::Role role) {
  if (!token.empty()) {
    auto p = g->auth->authenticateToken(token);
    if (p && p->actor.role == role) return;
  }
  token = newPrincipal(role);
  if (token.empty()) fail("cannot create a principal");
}

void init() {
  // No outbound traffic, whatever the input asks for (see the top comment).
  for (const char* var : {"http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"}) {
    setenv(var, "http://127.0.0.1:9", 1);
  }
  unsetenv("no_proxy");
  unsetenv("NO_PROXY");

  g = new Harness;
  const char* tmp = std::getenv("TMPDIR");
  std::string templ = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/parley-fuzz-XXXXXX";
  if (mkdtemp(templ.data()) == nullptr) fail("mkdtemp failed");
  g->dir = templ;
  std::atexit(removeDir);
  g->strict = std::getenv("PARLEY_FUZZ_STRICT") != nullptr;
  g->verbose = std::getenv("PARLEY_FUZZ_VERBOSE") != nullptr;

  auto store = store::openStore("sqlite://" + (g->dir / "parley.db").string());
  if (!store) fail(("cannot open the store: " + store.error().message).c_str());
  g->store = std::move(*store);
  g->hasher = std::make_unique<app::PasswordHasher>(2);
  g->auth = std::make_unique<app::AuthService>(*g->store, *g->hasher, g->clock);
  g->bus = std::make_unique<bus::InProcessBus>(1);
  app::ChannelGateways gateways{{core::ChannelKind::Api, std::make_shared<channels::api::ApiChannelGateway>(1000)}};
  g->desk = std::make_unique<app::DeskService>(*g->store, *g->bus, g->clock, gateways);
  g->attachments = std::make_unique<app::AttachmentStore>(*g->store, g->clock, g->dir / "attachments", 1 << 20);
  g->deps = std::make_unique<http::ApiDeps>(http::ApiDeps{*g->store, *g->auth, *g->desk, *g->attachments, g->clock});
  http::addAllRoutes(g->router, *g->deps);

  auto hash = g->auth->hashPassword("fuzz-password-1");
  if (!hash) fail("cannot hash a password");
  g->password_hash = *hash;
  auto made = g->store->write([&](app::StoreTx& tx) -> core::Status {
    auto tenant = tx.createTenant(core::Tenant{{}, "Fuzz", g->clock.now()});
    if (!tenant) return tenant.error();
    g->tenant = *tenant;
    core::Inbox inbox;
    inbox.tenant_id = g->tenant;
    inbox.name = "Fuzz API";
    inbox.channel = core::ChannelKind::Api;
    inbox.secret = "fuzz-secret";
    inbox.callback_url = "http://127.0.0.1:9/fuzz";
    inbox.created_at = g->clock.now();
    auto id = tx.createInbox(inbox);
    if (!id) return id.error();
    return {};
  });
  if (!made) fail(("cannot create the fuzz tenant: " + made.error().message).c_str());
}

void replaceAll(std::string& s, const std::string& from, const std::string& to) {
  for (auto pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) s.replace(pos, from.size(), to);
}

std::string signatureFor(const http::Request& r) {
  constexpr std::string_view prefix = "/webhooks/api/";
  if (r.path.rfind(prefix, 0) != 0) return "@SIGN";
  std::int64_t id = 0;
  for (char c : r.path.substr(prefix.size())) {
    if (!std::isdigit(static_cast<unsigned char>(c)) || id > 1'000'000'000) return "@SIGN";
    id = id * 10 + (c - '0');
  }
  std::string secret;
  (void)g->store->read([&](app::StoreTx& tx) -> core::Status {
    auto inbox = tx.getInboxAnyTenant(core::InboxId{id});
    if (inbox) secret = inbox->secret;
    return {};
  });
  return secret.empty() ? "@SIGN" : channels::api::signatureHeader(secret, r.body);
}

void substitute(http::Request& r) {
  for (auto& [name, value] : r.headers) {
    if (value.find('@') == std::string::npos) continue;
    replaceAll(value, "@ADMIN", g->admin_token);
    replaceAll(value, "@AGENT", g->agent_token);
    if (name == "x-parley-signature" && value == "@SIGN") value = signatureFor(r);
  }
}

// A finding that is not a crash: printed the first few times; a crash with PARLEY_FUZZ_STRICT=1.
void finding(int& count, const http::Request& request, const http::Response& response, const std::string& route,
             const char* what) {
  if (++count <= 5) {
    std::fprintf(stderr, "fuzz_http_request: %s: %s %s (route %s) -> %d: %s\n", what, request.method.c_str(),
                 request.path.c_str(), route.c_str(), response.status, response.body.substr(0, 300).c_str());
  }
  if (g->strict) fail(what);
}

// The route's fast path first, as the server tries it (http/server.cpp, tryFastPath): its answer,
// or nullopt when it declines or hands the request back (a respond dropped uncalled counts as
// handing back, as in the server).
std::optional<http::Response> fastPath(const http::Request& request) {
  std::map<std::string, std::string> params;
  bool method_mismatch = false;
  const http::Route* route = g->router.match(request.method, request.path, params, method_mismatch);
  if (route == nullptr || !route->fast) return std::nullopt;
  struct Waiter {
    std::promise<std::optional<http::Response>> promise;
    std::atomic<bool> answered{false};
    void answer(std::optional<http::Response> r) {
      if (!answered.exchange(true)) promise.set_value(std::move(r));
    }
    ~Waiter() { answer(std::nullopt); }
  };
  auto waiter = std::make_shared<Waiter>();
  auto future = waiter->promise.get_future();
  {
    http::Respond respond = [waiter](std::optional<http::Response> r) { waiter->answer(std::move(r)); };
    waiter.reset();
    http::Context ctx{request, std::move(params), std::nullopt};
    if (!route->fast(ctx, respond)) respond(std::nullopt);
  }
  return future.get();
}

void run(const http::Request& request) {
  std::string route;
  std::optional<http::Response> fast = fastPath(request);
  http::Response response = fast ? std::move(*fast) : http::dispatch(g->router, *g->deps, request, route);
  if (response.status < 100 || response.status > 599) fail("response status out of range");
  if (g->verbose) {
    std::fprintf(stderr, "%s %s -> %d %s\n", request.method.c_str(), request.path.c_str(), response.status,
                 response.body.substr(0, 160).c_str());
  }
  if (response.content_type.rfind("application/json", 0) == 0 && !response.body.empty()) {
    // Structure first (must always hold), then UTF-8 (RFC 8259 8.1).
    boost::system::error_code ec;
    boost::json::parse_options lenient;
    lenient.allow_invalid_utf8 = true;
    (void)boost::json::parse(response.body, ec, {}, lenient);
    if (ec) {
      std::fprintf(stderr, "fuzz_http_request: %s %s -> %d, body is not JSON (%s): %s\n", request.method.c_str(),
                   request.path.c_str(), response.status, ec.message().c_str(), response.body.substr(0, 300).c_str());
      fail("a JSON response is not valid JSON");
    }
    (void)boost::json::parse(response.body, ec);
    if (ec) finding(g->invalid_utf8, request, response, route, "JSON response is not UTF-8");
  }
  if (response.status >= 500) finding(g->errors_500, request, response, route, "5xx answer");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  init();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ensurePrincipal(g->admin_token, core::Role::Admin);
  ensurePrincipal(g->agent_token, core::Role::Agent);

  const char* p = reinterpret_cast<const char*>(data);
  std::size_t left = size;
  for (int i = 0; i < kMaxRequests && left > 0; ++i) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.body_limit(kBodyLimit);
    parser.header_limit(16 * 1024);
    parser.eager(true);
    boost::beast::error_code ec;
    std::size_t used = 0;
    while (!parser.is_done() && used < left) {
      const std::size_t n = parser.put(boost::asio::buffer(p + used, left - used), ec);
      used += n;
      if (ec || n == 0) break;
    }
    if (ec == bhttp::error::need_more || (!ec && !parser.is_done())) {
      ec = {};
      parser.put_eof(ec);  // the input ended: a request without a length is complete now
    }
    if (ec || !parser.is_done()) break;  // malformed: the server answers 400 and closes
    p += used;
    left -= used;
    auto req = parser.release();
    http::Request request = http::requestFromBeast(req, "127.0.0.1");
    {  // As the server does behind a proxy: the client's address from X-Forwarded-For.
      static const http::TrustedProxies proxies = *http::TrustedProxies::parse("127.0.0.0/8, ::1, 10.0.0.0/8, fd00::/8");
      std::vector<std::string_view> forwarded_for;
      for (auto [it, end] = req.equal_range("X-Forwarded-For"); it != end; ++it) forwarded_for.push_back(it->value());
      request.remote_address = proxies.clientAddress("127.0.0.1", forwarded_for);
      if (request.remote_address.empty()) fail("an empty client address from X-Forwarded-For");
    }
    substitute(request);
    run(request);
    if (!req.keep_alive()) break;
  }
  return 0;
}
