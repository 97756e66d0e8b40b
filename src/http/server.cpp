#include "http/server.hpp"

#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>
#include <boost/url.hpp>
#include <charconv>
#include <chrono>
#include <deque>
#include <filesystem>
#include <fstream>
#include <list>
#include <sstream>
#include <thread>

#include "app/crypto.hpp"
#include "channels/webchat/visitor_stream.hpp"
#include "http/beast_request.hpp"
#include "http/json.hpp"
#include "http/widget_api.hpp"
#include "http/api_routing.hpp"

namespace parley::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace websocket = boost::beast::websocket;
using asio::awaitable;
using asio::use_awaitable;
using tcp = asio::ip::tcp;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

namespace {

// One WebSocket client: its identity and a bounded queue of frames to send.
struct WsClient {
  explicit WsClient(websocket::stream<beast::tcp_stream> s, core::Actor a)
      : ws(std::move(s)), actor(std::move(a)), wakeup(ws.get_executor()) {
    wakeup.expires_at(std::chrono::steady_clock::time_point::max());
  }
  websocket::stream<beast::tcp_stream> ws;
  core::Actor actor;
  std::deque<std::shared_ptr<const std::string>> queue;
  asio::steady_timer wakeup;
  bool closing = false;
  // A web-chat visitor (the widget), not a user: gets only notices about its own
  // conversations (channels/webchat/visitor_stream.hpp), never the desk's events.
  std::optional<channels::webchat::StreamScope> visitor;
};

// Visitor streams open at most this many at once (each is a socket and a small queue).
constexpr std::size_t kMaxVisitorStreams = 20'000;
constexpr std::string_view kWidgetPrefix = "/widget/v1/inboxes/";

std::string eventFrame(const app::Event& event);

// An event's WebSocket frame, serialised the first time a client needs it (live or in a
// replay) and then shared: with no desk connected, ingest pays nothing for JSON it would throw
// away. Only touched on the I/O thread.
class LazyFrame {
 public:
  explicit LazyFrame(app::Event event) : event_(std::move(event)) {}
  const std::shared_ptr<const std::string>& get() {
    if (!frame_) frame_ = std::make_shared<const std::string>(eventFrame(event_));
    return frame_;
  }

 private:
  app::Event event_;
  std::shared_ptr<const std::string> frame_;
};

struct StoredEvent {
  std::uint64_t id;
  core::TenantId tenant;
  std::optional<core::InboxId> inbox;
  std::vector<core::TeamId> teams;
  std::shared_ptr<LazyFrame> frame;
  std::optional<channels::webchat::VisitorNotice> visitor_notice;
  core::UserId only_user;         // routing offers: for this agent only
  bool supervisors_only = false;  // queue figures: supervisors and admins
};

bool visibleTo(const core::Actor& actor, const StoredEvent& e) {
  if (actor.tenant_id != e.tenant) return false;
  if (e.only_user.valid() && actor.user_id != e.only_user) return false;
  if (e.supervisors_only && actor.role == core::Role::Agent) return false;
  if (!e.inbox || core::seesAllInboxes(actor)) return true;
  for (auto t : e.teams) {
    if (std::find(actor.team_ids.begin(), actor.team_ids.end(), t) != actor.team_ids.end()) return true;
  }
  return false;
}

std::string eventFrame(const app::Event& event) {
  json::object data = std::visit([](const auto& subject) { return toJson(subject); }, event.subject);
  json::object frame{{"id", std::to_string(event.id)}, {"type", event.type}, {"data", data}};
  return json::serialize(frame);
}

// "/widget/v1/inboxes/12/stream" -> inbox 12.
std::optional<core::InboxId> visitorStreamInbox(std::string_view path) {
  if (path.substr(0, kWidgetPrefix.size()) != kWidgetPrefix) return std::nullopt;
  path.remove_prefix(kWidgetPrefix.size());
  const auto slash = path.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash > 18 || path.substr(slash) != "/stream") return std::nullopt;
  std::int64_t id = 0;
  for (char c : path.substr(0, slash)) {
    if (c < '0' || c > '9') return std::nullopt;
    id = id * 10 + (c - '0');
  }
  if (id <= 0) return std::nullopt;
  return core::InboxId{id};
}

// Shown at / until a web app is configured (static_dir), so a browser pointed at a fresh
// server learns where things are instead of seeing a JSON 404.
constexpr const char* kLandingPage = R"(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Parley</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#1d2330}
code{background:#eef1f6;padding:.1rem .3rem;border-radius:3px}</style></head>
<body><h1>Parley is running</h1>
<p>This server answers the Parley API. Log in with <code>POST /api/v1/auth/login</code> and the
demo admin printed when the server first started.</p>
<ul><li><a href="/api/openapi.json">API description (OpenAPI 3.1)</a></li>
<li><a href="/healthz">/healthz</a>, <a href="/readyz">/readyz</a>, <a href="/metrics">/metrics</a></li></ul>
<p lang="de">Parley läuft. Die API ist unter <code>/api/v1</code> erreichbar; die Beschreibung steht
unter <a href="/api/openapi.json">/api/openapi.json</a>.</p>
</body></html>
)";

std::string contentTypeFor(const std::string& path) {
  auto dot = path.rfind('.');
  const std::string ext = dot == std::string::npos ? "" : path.substr(dot);
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".js") return "text/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".json") return "application/json";
  if (ext == ".ico") return "image/x-icon";
  if (ext == ".webp") return "image/webp";
  if (ext == ".jpg" || ext == ".jpeg") return "image/jpeg";
  if (ext == ".woff2") return "font/woff2";
  if (ext == ".woff") return "font/woff";
  if (ext == ".mp3") return "audio/mpeg";
  if (ext == ".wav") return "audio/wav";
  if (ext == ".txt") return "text/plain; charset=utf-8";
  if (ext == ".map") return "application/json";
  if (ext == ".webmanifest") return "application/manifest+json";
  return "application/octet-stream";
}

// A file of the built web app: Vite names everything under /assets/ by its content hash, so
// those never change and are cached for a year; index.html is revalidated every time so a new
// build is picked up at once. Pages may not be framed by other sites (clickjacking).
Response staticFile(std::string body, const std::string& rel) {
  Response r{200, std::move(body), contentTypeFor(rel), {{"X-Content-Type-Options", "nosniff"}}};
  r.headers.emplace_back("Cache-Control", rel.rfind("/assets/", 0) == 0 ? "public, max-age=31536000, immutable" : "no-cache");
  if (rel.size() >= 5 && rel.substr(rel.size() - 5) == ".html") {
    r.headers.emplace_back("X-Frame-Options", "DENY");
    r.headers.emplace_back("Content-Security-Policy", "frame-ancestors 'none'");
    r.headers.emplace_back("Referrer-Policy", "same-origin");
  }
  return r;
}

}  // namespace

struct Server::Impl {
  Impl(ServerOptions o, Router& r, ApiDeps& d, Metrics& m, std::function<bool()> rd)
      : options(std::move(o)), router(r), deps(d), metrics(m), ready(std::move(rd)), ioc(1),
        workers(static_cast<std::size_t>(options.worker_threads)), acceptor(ioc) {}

  ServerOptions options;
  Router& router;
  ApiDeps& deps;
  Metrics& metrics;
  std::function<bool()> ready;
  asio::io_context ioc;
  asio::thread_pool workers;
  tcp::acceptor acceptor;
  std::atomic<int> in_flight{0};
  // Fast-path requests whose answer is still to come from another thread (the store's); the
  // destructor waits for them, since their answer is posted to ioc.
  std::atomic<int> fast_pending{0};
  std::atomic<bool> draining{false};
  std::atomic<std::size_t> ws_count{0};
  std::size_t visitor_count = 0;  // I/O thread only
  // Only touched on the I/O thread:
  std::list<std::shared_ptr<WsClient>> clients;
  std::deque<StoredEvent> replay;
  std::list<std::weak_ptr<beast::tcp_stream>> streams;

  // Called on any thread by the bus; the hub's state is only touched on the I/O thread.
  void onEvent(const app::Event& event) {
    StoredEvent stored{event.id, event.tenant_id, event.inbox_id, event.inbox_team_ids, std::make_shared<LazyFrame>(event),
                       channels::webchat::visitorNoticeFor(event)};
    stored.only_user = event.only_user;
    stored.supervisors_only = event.supervisors_only;
    // Typing indicators are news only while they last: never replayed after a reconnect.
    // Queue figures come every few seconds and are whole each time: never replayed either.
    // Routing offers and their withdrawals are one agent's news of the moment: a replayed offer
    // may be gone already; after a reconnect the desk reads GET /api/v1/offers instead.
    const bool replayable = event.type != "conversation.typing" && event.type != "queue.stats" &&
                            event.type != "routing.offer" && event.type != "routing.offer_revoked";
    asio::post(ioc, [this, replayable, stored = std::move(stored)]() mutable {
      if (replayable) {
        replay.push_back(stored);
        while (replay.size() > options.replay_window) replay.pop_front();
      }
      for (auto& c : clients) {
        if (c->visitor) {
          if (stored.visitor_notice && channels::webchat::deliverToVisitor(*c->visitor, *stored.visitor_notice)) {
            enqueue(c, stored.visitor_notice->frame);
          }
        } else if (visibleTo(c->actor, stored)) {
          enqueue(c, stored.frame->get());
        }
      }
    });
  }

  void enqueue(const std::shared_ptr<WsClient>& c, std::shared_ptr<const std::string> frame) {
    if (c->closing) return;
    if (c->queue.size() >= options.ws_queue_limit) {
      // Too slow to keep up: close it; the client reconnects with its last event id and replays.
      c->closing = true;
      c->queue.clear();
    } else {
      c->queue.push_back(std::move(frame));
    }
    c->wakeup.cancel();
  }

  Response handle(const Request& request, std::string& route) {
    if (request.path == "/healthz") {
      route = "/healthz";
      return jsonResponse(200, json::object{{"status", "ok"}});
    }
    if (request.path == "/readyz") {
      route = "/readyz";
      if (draining) return errorResponse(503, "draining", "the server is shutting down");
      if (!ready()) return errorResponse(503, "not_ready", "the database is not reachable");
      return jsonResponse(200, json::object{{"status", "ready"}});
    }
    if (request.path == "/metrics") {
      route = "/metrics";
      return Response{200, metrics.render(), "text/plain; version=0.0.4", {}};
    }
    if (request.path == "/api/v1/stream") {
      // Reached only without a WebSocket upgrade (the upgrade is taken in the session loop).
      route = "/api/v1/stream";
      return errorResponse(426, "upgrade_required",
                           "GET /api/v1/stream is a WebSocket: connect with Upgrade: websocket (docs/API.md, Events)");
    }
    if (request.method == "GET" && visitorStreamInbox(request.path)) {
      // Reached only without a WebSocket upgrade, as above.
      route = "/widget/v1/inboxes/{id}/stream";
      return errorResponse(426, "upgrade_required",
                           "GET /widget/v1/inboxes/{id}/stream is the visitor's WebSocket: connect with Upgrade: websocket "
                           "(docs/channels/WEBCHAT.md)");
    }
    if (request.path == "/api/openapi.json") {
      route = "/api/openapi.json";
      return Response{200, openApiDocument(router), "application/json", {}};
    }
    if (!options.static_dir.empty() && request.method == "GET" && request.path.rfind("/api/", 0) != 0 &&
        request.path.rfind("/webhooks/", 0) != 0 && request.path.rfind("/widget/v1/", 0) != 0) {
      route = "static";
      std::string rel = request.path == "/" ? "/index.html" : request.path;
      if (rel.find("..") != std::string::npos) return errorResponse(404, "not_found", "no such file");
      std::error_code ec;
      // Anything that is not a file (an app route like /conversations/7, a directory) gets the
      // app's index.html: the app routes on the client. A missing file (a name with an
      // extension, anything under /assets/) is a 404, not the page in its place.
      if (!std::filesystem::is_regular_file(options.static_dir + rel, ec)) {
        const std::string last = rel.substr(rel.rfind('/') + 1);
        if (rel.rfind("/assets/", 0) == 0 || last.find('.') != std::string::npos) {
          return errorResponse(404, "not_found", "no such file");
        }
        rel = "/index.html";
      }
      std::ifstream in(options.static_dir + rel, std::ios::binary);
      if (in) {
        std::ostringstream body;
        body << in.rdbuf();
        return staticFile(body.str(), rel);
      }
    }
    if (request.method == "GET" && request.path == "/") {
      route = "/";
      return Response{200, kLandingPage, "text/html; charset=utf-8", {{"X-Content-Type-Options", "nosniff"}}};
    }
    return dispatch(router, deps, request, route);
  }

  // The route's fast path (router.hpp, FastHandler) on this I/O thread: its answer, or nullopt
  // when the route has none, declines, or hands the request back (the worker pool then runs
  // the ordinary handler).
  awaitable<std::optional<Response>> tryFastPath(const Request& request, std::string& route_name) {
    std::map<std::string, std::string> params;
    bool method_mismatch = false;
    const Route* route = router.match(request.method, request.path, params, method_mismatch);
    if (route == nullptr || !route->fast) co_return std::nullopt;
    Context ctx{request, std::move(params), std::nullopt};
    auto answer = co_await asio::async_initiate<const asio::use_awaitable_t<>&, void(std::optional<Response>)>(
        [&](auto handler) {
          // Answered exactly once, whatever the fast path does: by its respond call, or with
          // nullopt (the handler runs) when the last copy of respond goes without having been
          // called (a declined request, a job dropped, a callback that threw), so no request is
          // left hanging. The coroutine resumes on ioc.
          struct Waiter {
            Waiter(Impl* i, decltype(handler) h) : impl(i), resume(std::move(h)) {}
            Waiter(const Waiter&) = delete;
            Waiter& operator=(const Waiter&) = delete;
            ~Waiter() { answer(std::nullopt); }
            void answer(std::optional<Response> r) {
              if (answered.exchange(true)) return;
              asio::post(impl->ioc, [h = std::move(resume), r = std::move(r)]() mutable { std::move(h)(std::move(r)); });
              --impl->fast_pending;
            }
            Impl* impl;
            decltype(handler) resume;
            std::atomic<bool> answered{false};
          };
          ++fast_pending;
          auto waiter = std::make_shared<Waiter>(this, std::move(handler));
          auto respond = [waiter](std::optional<Response> r) { waiter->answer(std::move(r)); };
          waiter.reset();  // respond's copies own it now
          bool taken = false;
          try {
            taken = route->fast(ctx, respond);
          } catch (const std::exception& e) {
            logJson("error", "fast path threw; the handler runs instead", {{"request_id", request.request_id}, {"what", e.what()}});
          }
          if (!taken) respond(std::nullopt);
        },
        use_awaitable);
    if (answer) route_name = route->pattern;
    co_return answer;
  }

  bhttp::response<bhttp::string_body> toBeast(const Response& resp, unsigned version, bool keep_alive,
                                              const std::string& request_id) {
    bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(resp.status), version};
    res.set(bhttp::field::server, "parley");
    res.set(bhttp::field::content_type, resp.content_type);
    res.set("X-Request-Id", request_id);
    for (const auto& [k, v] : resp.headers) res.insert(k, v);
    res.keep_alive(keep_alive);
    res.body() = resp.body;
    res.prepare_payload();
    return res;
  }

  awaitable<void> webSocket(beast::tcp_stream stream, bhttp::request<bhttp::string_body> req, Request request) {
    // Authenticate on the worker pool: the store may block.
    std::string token = request.param("token").value_or("");
    if (token.empty()) {
      auto auth = request.header("authorization");
      if (auth.rfind("Bearer ", 0) == 0) token = auth.substr(7);
    }
    if (token.empty()) {
      auto cookies = request.header("cookie");
      auto pos = cookies.find(std::string(kSessionCookie) + "=");
      if (pos != std::string::npos) {
        auto start = pos + std::strlen(kSessionCookie) + 1;
        token = cookies.substr(start, cookies.find(';', start) - start);
      }
    }
    using AuthResult = std::shared_ptr<core::Result<app::Principal>>;
    auto authenticated = co_await asio::co_spawn(
        workers,
        // Captures by reference only: GCC 12 destroys non-trivial temporaries inside a
        // co_await expression twice, so the lambda must be trivially destructible.
        [this, &token]() -> awaitable<AuthResult> {
          co_return std::make_shared<core::Result<app::Principal>>(deps.auth.authenticateToken(token));
        },
        use_awaitable);
    auto& principal = *authenticated;
    if (!principal) {
      auto res = toBeast(errorResponse(principal.error()), req.version(), false, request.request_id);
      co_await bhttp::async_write(stream, res, kTuple);
      co_return;
    }
    std::uint64_t last_event_id = 0;
    if (auto l = request.param("last_event_id"); l && !l->empty()) {
      // Refused rather than read as 0: a client that sent a broken id would silently get no replay.
      auto [end, parse_error] = std::from_chars(l->data(), l->data() + l->size(), last_event_id);
      if (parse_error != std::errc() || end != l->data() + l->size()) {
        auto res = toBeast(errorResponse(400, "invalid_input", "last_event_id: the id of the last event received"),
                           req.version(), false, request.request_id);
        co_await bhttp::async_write(stream, res, kTuple);
        co_return;
      }
    }
    stream.expires_never();
    websocket::stream<beast::tcp_stream> ws(std::move(stream));
    ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws.read_message_max(64 * 1024);
    auto [ec] = co_await ws.async_accept(req, kTuple);
    if (ec) co_return;
    auto client = std::make_shared<WsClient>(std::move(ws), principal->actor);
    clients.push_back(client);
    ++ws_count;
    // Replay what this client missed, then live events follow in order.
    if (last_event_id > 0) {
      // The oldest event this process can replay: its first, or the first still in the window.
      const std::uint64_t oldest = replay.empty() ? options.first_event_id : replay.front().id;
      if (oldest > last_event_id + 1) {
        enqueue(client, std::make_shared<const std::string>(
                            R"({"type":"replay.incomplete","data":{"message":"some events are too old to replay; reload"}})"));
      }
      for (const auto& e : replay) {
        if (e.id > last_event_id && visibleTo(client->actor, e)) enqueue(client, e.frame->get());
      }
    }
    enqueue(client, std::make_shared<const std::string>(
                        json::serialize(json::object{{"type", "hello"}, {"data", json::object{{"user_id", client->actor.user_id.value}}}})));
    asio::co_spawn(ioc, wsReader(client), asio::detached);
    co_await wsWriter(client);
    clients.remove(client);
    --ws_count;
  }

  // A web-chat visitor's stream: /widget/v1/inboxes/{id}/stream?token=<visitor token>, from an
  // allowed origin. Checked on the worker pool (the store may block); no replay (the widget
  // fetches what it missed through the widget API).
  awaitable<void> visitorWebSocket(beast::tcp_stream stream, bhttp::request<bhttp::string_body> req, Request request,
                                   core::InboxId inbox) {
    const std::string token = request.param("token").value_or("");
    const std::string origin = request.header("origin");
    using ScopeResult = std::shared_ptr<core::Result<channels::webchat::StreamScope>>;
    auto scoped = co_await asio::co_spawn(
        workers,
        // By reference only (GCC 12, see webSocket above).
        [this, &inbox, &origin, &token]() -> awaitable<ScopeResult> {
          if (!deps.webchat) {
            co_return std::make_shared<core::Result<channels::webchat::StreamScope>>(
                core::makeError(core::ErrorCode::Unavailable, "the web chat is not set up on this server"));
          }
          co_return std::make_shared<core::Result<channels::webchat::StreamScope>>(deps.webchat->streamScope(inbox, origin, token));
        },
        use_awaitable);
    auto& scope = *scoped;
    if (!scope || visitor_count >= kMaxVisitorStreams) {
      auto answer = scope ? errorResponse(503, "unavailable", "too many chat streams; the widget falls back to polling")
                          : errorResponse(scope.error());
      auto res = toBeast(answer, req.version(), false, request.request_id);
      co_await bhttp::async_write(stream, res, kTuple);
      co_return;
    }
    stream.expires_never();
    websocket::stream<beast::tcp_stream> ws(std::move(stream));
    ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws.read_message_max(4 * 1024);
    auto [ec] = co_await ws.async_accept(req, kTuple);
    if (ec) co_return;
    auto client = std::make_shared<WsClient>(std::move(ws), core::Actor{});
    client->visitor = std::move(*scope);
    const bool subscribed = client->visitor->contact.valid();
    clients.push_back(client);
    ++ws_count;
    ++visitor_count;
    // "subscribed": false until the visitor wrote once; the widget reconnects after that.
    enqueue(client, std::make_shared<const std::string>(
                        json::serialize(json::object{{"type", "hello"}, {"data", json::object{{"subscribed", subscribed}}}})));
    asio::co_spawn(ioc, wsReader(client), asio::detached);
    co_await wsWriter(client);
    clients.remove(client);
    --ws_count;
    --visitor_count;
  }

  awaitable<void> wsReader(std::shared_ptr<WsClient> client) {
    beast::flat_buffer buffer;
    while (true) {
      auto [ec, n] = co_await client->ws.async_read(buffer, kTuple);
      if (ec) break;
      buffer.consume(n);  // the stream is one-way; client frames are only keep-alives
    }
    client->closing = true;
    client->wakeup.cancel();
  }

  awaitable<void> wsWriter(std::shared_ptr<WsClient> client) {
    while (!client->closing || !client->queue.empty()) {
      if (client->queue.empty()) {
        auto [ec] = co_await client->wakeup.async_wait(kTuple);
        (void)ec;
        client->wakeup.expires_at(std::chrono::steady_clock::time_point::max());
        continue;
      }
      auto frame = client->queue.front();
      client->queue.pop_front();
      client->ws.text(true);
      auto [ec, n] = co_await client->ws.async_write(asio::buffer(*frame), kTuple);
      if (ec) {
        client->closing = true;
        break;
      }
    }
    if (client->ws.is_open()) {
      co_await client->ws.async_close(websocket::close_code::going_away, kTuple);
    }
  }

  awaitable<void> session(tcp::socket socket) {
    std::string remote;
    boost::system::error_code addr_ec;
    auto endpoint = socket.remote_endpoint(addr_ec);
    if (!addr_ec) remote = endpoint.address().to_string();
    auto stream = std::make_shared<beast::tcp_stream>(std::move(socket));
    streams.push_back(stream);
    beast::flat_buffer buffer;
    while (!draining) {
      stream->expires_after(std::chrono::seconds(options.idle_timeout_s));
      bhttp::request_parser<bhttp::string_body> parser;
      parser.body_limit(options.body_limit);
      parser.header_limit(16 * 1024);
      auto [ec, n] = co_await bhttp::async_read(*stream, buffer, parser, kTuple);
      if (ec == bhttp::error::body_limit) {
        auto res = toBeast(errorResponse(413, "too_large", "the body is larger than " + std::to_string(options.body_limit) + " bytes"),
                           11, false, app::randomHex(8));
        co_await bhttp::async_write(*stream, res, kTuple);
        break;
      }
      if (ec == bhttp::error::header_limit || ec == bhttp::error::bad_target || ec == bhttp::error::bad_method ||
          ec == bhttp::error::bad_field || ec == bhttp::error::bad_value || ec == bhttp::error::bad_version) {
        auto res = toBeast(errorResponse(400, "bad_request", "malformed HTTP request: " + ec.message()), 11, false, app::randomHex(8));
        co_await bhttp::async_write(*stream, res, kTuple);
        break;
      }
      if (ec) break;
      auto req = parser.release();
      Request request = requestFromBeast(req, remote);
      if (!options.trusted_proxies.empty()) {
        std::vector<std::string_view> forwarded_for;
        for (auto [it, end] = req.equal_range("X-Forwarded-For"); it != end; ++it) forwarded_for.push_back(it->value());
        request.remote_address = options.trusted_proxies.clientAddress(remote, forwarded_for);
      }
      if (websocket::is_upgrade(req)) {
        if (auto inbox = visitorStreamInbox(request.path)) {
          co_await visitorWebSocket(std::move(*stream), std::move(req), std::move(request), *inbox);
          co_return;
        }
        if (request.path != "/api/v1/stream") {
          auto res = toBeast(errorResponse(404, "not_found", "WebSockets are served at /api/v1/stream"), req.version(), false,
                             request.request_id);
          co_await bhttp::async_write(*stream, res, kTuple);
          break;
        }
        co_await webSocket(std::move(*stream), std::move(req), std::move(request));
        co_return;
      }
      const auto started = std::chrono::steady_clock::now();
      ++in_flight;
      std::string route;
      std::optional<Response> fast;
      if (request.method == "POST" && request.path.rfind("/webhooks/", 0) == 0) fast = co_await tryFastPath(request, route);
      // (co_await in plain statements: GCC 12 destroys the temporaries of a co_await inside ?:
      // twice.)
      Response response;
      if (fast) {
        response = std::move(*fast);
      } else {
        response = co_await asio::co_spawn(
            workers,
            [this, &request, &route]() -> awaitable<Response> {
              try {
                co_return handle(request, route);
              } catch (const std::exception& e) {
                logJson("error", "unhandled exception", {{"request_id", request.request_id}, {"what", e.what()}});
                co_return errorResponse(500, "internal", "internal error; request id " + request.request_id);
              }
            },
            use_awaitable);
      }
      --in_flight;
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      metrics.observeRequest(request.method, route, response.status, seconds);
      if (response.status >= 500 || options.log_requests) {
        logJson(response.status >= 500 ? "error" : "info", "request",
                {{"request_id", request.request_id}, {"method", request.method}, {"route", route},
                 {"status", std::to_string(response.status)}, {"ms", std::to_string(seconds * 1000)},
                 {"remote", request.remote_address}});
      }
      const bool keep_alive = req.keep_alive() && !draining;
      auto res = toBeast(response, req.version(), keep_alive, request.request_id);
      if (request.method == "HEAD") res.body().clear();
      auto [wec, wn] = co_await bhttp::async_write(*stream, res, kTuple);
      if (wec || !keep_alive) break;
    }
    boost::system::error_code ignored;
    stream->socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  awaitable<void> accept() {
    while (acceptor.is_open()) {
      auto [ec, socket] = co_await acceptor.async_accept(kTuple);
      if (ec) {
        if (ec == asio::error::operation_aborted) break;
        continue;
      }
      streams.remove_if([](const auto& weak) { return weak.expired(); });
      asio::co_spawn(ioc, session(std::move(socket)), asio::detached);
    }
  }
};

Server::Server(ServerOptions options, Router& router, ApiDeps& deps, Metrics& metrics, app::EventBus& bus,
               std::function<bool()> ready)
    : impl_(std::make_unique<Impl>(std::move(options), router, deps, metrics, std::move(ready))) {
  bus.subscribe([impl = impl_.get()](const app::Event& e) { impl->onEvent(e); });
}

Server::~Server() {
  impl_->workers.join();
  // Answers of fast-path requests still on their way (a drain cut short) are posted to ioc:
  // they come (the store answers every job it accepted) before ioc goes.
  while (impl_->fast_pending > 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

std::uint16_t Server::listen() {
  auto address = asio::ip::make_address(impl_->options.host);
  tcp::endpoint endpoint{address, impl_->options.port};
  impl_->acceptor.open(endpoint.protocol());
  impl_->acceptor.set_option(asio::socket_base::reuse_address(true));
  boost::system::error_code ec;
  impl_->acceptor.bind(endpoint, ec);
  if (ec) throw std::runtime_error("cannot listen on " + impl_->options.host + ":" + std::to_string(impl_->options.port) + ": " + ec.message());
  impl_->acceptor.listen(asio::socket_base::max_listen_connections);
  return impl_->acceptor.local_endpoint().port();
}

void Server::run() {
  // SIGTERM/SIGINT start the drain on the I/O thread (asio turns the signal into an event, so
  // nothing unsafe runs inside a signal handler).
  asio::signal_set signals(impl_->ioc, SIGINT, SIGTERM);
  signals.async_wait([this](const boost::system::error_code& ec, int) {
    if (!ec) stop();
  });
  asio::co_spawn(impl_->ioc, impl_->accept(), asio::detached);
  impl_->ioc.run();
}

void Server::stop() {
  Impl* impl = impl_.get();
  asio::post(impl->ioc, [impl] {
    if (impl->draining.exchange(true)) return;
    boost::system::error_code ec;
    impl->acceptor.close(ec);
    // Let in-flight requests finish (at most 10 s), then close every socket.
    auto timer = std::make_shared<asio::steady_timer>(impl->ioc);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    auto poll = std::make_shared<std::function<void()>>();
    *poll = [impl, timer, deadline, poll] {
      if (impl->in_flight > 0 && std::chrono::steady_clock::now() < deadline) {
        timer->expires_after(std::chrono::milliseconds(20));
        timer->async_wait([poll](auto) { (*poll)(); });
        return;
      }
      for (auto& c : impl->clients) {
        c->closing = true;
        c->wakeup.cancel();
      }
      for (auto& weak : impl->streams) {
        if (auto s = weak.lock()) s->cancel();
      }
      // Give WebSocket closes a moment, then stop the loop.
      timer->expires_after(std::chrono::milliseconds(200));
      timer->async_wait([impl, poll](auto) {
        *poll = nullptr;
        impl->ioc.stop();
      });
    };
    (*poll)();
  });
}

void Server::waitForWorkers() { impl_->workers.join(); }

std::size_t Server::webSocketClients() const { return impl_->ws_count; }

}  // namespace parley::http
