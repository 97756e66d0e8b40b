// DESIGN: the HTTP/WebSocket server (Boost.Beast, C++20 coroutines). One I/O thread runs all
// sockets; every handler that may block (store, password hashing, outbound HTTP) runs on a
// worker pool and its response is written back by the I/O thread. A webhook route may have a
// fast path (router.hpp, FastHandler) tried first on the I/O thread: it never blocks, writes
// through Store::writeAsync and answers from the store's commit. Every connection has a
// header and body limit (413 beyond), an idle timeout, and every WebSocket client a bounded
// send queue: a client too slow to keep up is closed and replays on reconnect.
// stop() drains: stops accepting, lets in-flight requests finish (bounded), closes sockets.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "app/auth_service.hpp"
#include "app/events.hpp"
#include "http/api.hpp"
#include "http/client_address.hpp"
#include "http/metrics.hpp"
#include "http/router.hpp"

namespace parley::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;  // 0 picks a free port
  std::size_t body_limit = 32 * 1024 * 1024;
  int worker_threads = 32;
  int idle_timeout_s = 60;
  std::size_t ws_queue_limit = 1024;
  std::size_t replay_window = 10'000;
  // The id the event bus gives its first event in this process (0: unknown). A client that
  // reconnects after a restart with an older last_event_id missed events this process never
  // had: it is told so (replay.incomplete) even before the first event of this process.
  std::uint64_t first_event_id = 0;
  std::string static_dir;  // served at / when set (the web app)
  bool log_requests = true;
  // Reverse proxies whose X-Forwarded-For names the client (see client_address.hpp).
  TrustedProxies trusted_proxies;
};

class Server {
 public:
  Server(ServerOptions options, Router& router, ApiDeps& deps, Metrics& metrics, app::EventBus& bus,
         std::function<bool()> ready);
  ~Server();

  // Binds; returns the bound port. Throws std::runtime_error when the address is taken.
  std::uint16_t listen();
  // Runs until stop(); blocks the calling thread.
  void run();
  // Thread-safe; returns at once. run() returns when the drain is done.
  void stop();
  // After run() returned: waits for handlers still running on the worker pool (a drain that hit
  // its deadline), so nothing uses the store once the caller closes it.
  void waitForWorkers();
  std::size_t webSocketClients() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace parley::http
