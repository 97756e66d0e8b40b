// DESIGN: downloads the files of incoming messages after the message is stored, so a provider's
// webhook is answered at once and a slow media server never holds it up. Pending attachment rows
// are the durable queue (Store::dueAttachments): each pass takes the due ones, asks the inbox's
// channel gateway for the bytes, stores the blob (content-addressed, sniffed type) and marks the
// row Stored — or, on a temporary error, tries again with exponential back-off (2 s doubling),
// and after max_attempts or a final error marks it Failed with the reason. Restarts lose nothing.
#pragma once

#include <atomic>

#include "app/attachment_store.hpp"
#include "app/background_loop.hpp"
#include "app/channel_gateway.hpp"
#include "app/clock.hpp"
#include "app/desk_service.hpp"

namespace parley::app {

struct MediaFetchPolicy {
  int max_attempts = 6;
  core::TimestampMs first_backoff_ms = 2000;
  int batch = 8;
  std::chrono::milliseconds idle_poll{500};
};

class MediaFetcher {
 public:
  MediaFetcher(Store& store, DeskService& desk, AttachmentStore& attachments, const Clock& clock,
               ChannelGateways gateways, MediaFetchPolicy policy = {});

  void start() { loop_.start(); }
  void stop() { loop_.stop(); }
  void wake() { loop_.wake(); }
  int runOnce();  // one pass; returns the number of attachments tried

  std::uint64_t fetched() const { return fetched_; }
  std::uint64_t failed() const { return failed_; }

 private:
  void fetchOne(core::Attachment attachment);

  Store& store_;
  DeskService& desk_;
  AttachmentStore& attachments_;
  const Clock& clock_;
  ChannelGateways gateways_;
  MediaFetchPolicy policy_;
  std::atomic<std::uint64_t> fetched_{0}, failed_{0};
  BackgroundLoop loop_;  // last: its thread stops before the members above go
};

}  // namespace parley::app
