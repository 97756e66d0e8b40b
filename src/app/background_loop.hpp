// DESIGN: one background thread that runs a pass function again and again: at once while a
// pass found work, otherwise after an idle poll or when woken. Used by the outbox worker, the
// media fetcher, the routing thread and the attachment sweep, which keep their durable state
// in the store (or the file system), so a stop between passes loses nothing. stop() lets the
// pass in hand finish; a long pass polls stopping() to end early.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace parley::app {

class BackgroundLoop {
 public:
  // `pass` returns how much work it did (0: nothing due, wait). It may poll stopping().
  BackgroundLoop(std::function<int()> pass, std::chrono::milliseconds idle_poll)
      : pass_(std::move(pass)), idle_poll_(idle_poll) {}
  ~BackgroundLoop() { stop(); }
  BackgroundLoop(const BackgroundLoop&) = delete;
  BackgroundLoop& operator=(const BackgroundLoop&) = delete;

  void start() {
    std::lock_guard lock(mutex_);
    if (thread_.joinable()) return;
    stopping_ = false;
    thread_ = std::thread([this] { run(); });
  }
  void stop() {
    requestStop();
    if (thread_.joinable()) thread_.join();
  }
  // stop() in two halves, for stopping several loops at once: each finishes its pass meanwhile.
  void requestStop() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    cv_.notify_all();
  }
  void wake() {
    {
      std::lock_guard lock(mutex_);
      woken_ = true;
    }
    cv_.notify_all();
  }
  bool stopping() {
    std::lock_guard lock(mutex_);
    return stopping_;
  }

 private:
  void run() {
    while (true) {
      const int done = pass_();
      std::unique_lock lock(mutex_);
      if (stopping_) return;
      if (done == 0) cv_.wait_for(lock, idle_poll_, [&] { return stopping_ || woken_; });
      woken_ = false;
      if (stopping_) return;
    }
  }

  std::function<int()> pass_;
  std::chrono::milliseconds idle_poll_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool woken_ = false;
  std::thread thread_;
};

}  // namespace parley::app
