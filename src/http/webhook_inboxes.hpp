// What the provider webhooks (WhatsApp, Messenger / Instagram, Twilio, X, the API channel) share:
// the inboxes of a channel with their parsed configurations, which the signature check and the
// choice of inbox need; the JSON content type; and, for Meta's two webhooks, the hub.challenge
// handshake, the X-Hub-Signature-256 check against the inboxes' app secrets and the receipts of a
// batch.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "app/store.hpp"
#include "core/inbound.hpp"
#include "http/api.hpp"

namespace parley::http {

template <class Config>
struct InboxWithConfig {
  core::Inbox inbox;
  Config config;
};

// The configurations parsed by the last inboxesWithConfig call of a channel. Parsing decrypts
// the inbox's secrets (SecretBox) and reads its JSON: ~50 k instructions per inbox on every
// webhook request, for every inbox of the channel (callgrind, WhatsApp benchmark load). A parse
// depends only on the stored text (and the process's one master key), and every update of an
// inbox writes new text (secrets are sealed with a fresh nonce), so a parse is reused while the
// inbox's config_json is byte for byte the one parsed. Holds only the inboxes of the latest
// list: a deleted inbox leaves it at the next call.
template <class Config>
class ParsedConfigs {
 public:
  static ParsedConfigs& of(core::ChannelKind channel) {
    static std::mutex mutex;
    static std::map<core::ChannelKind, ParsedConfigs> all;
    std::lock_guard lock(mutex);
    return all[channel];
  }
  std::optional<Config> find(core::InboxId inbox, const std::string& config_json) {
    std::lock_guard lock(mutex_);
    auto it = parsed_.find(inbox.value);
    if (it == parsed_.end() || it->second.first != config_json) return std::nullopt;
    return it->second.second;
  }
  void replaceAll(std::map<std::int64_t, std::pair<std::string, Config>> parsed,
                  std::shared_ptr<const std::vector<InboxWithConfig<Config>>> latest) {
    std::lock_guard lock(mutex_);
    parsed_ = std::move(parsed);
    latest_ = std::move(latest);
  }
  // The inboxes as the last inboxesWithConfig call read them (nullptr before the first), for a
  // route's fast path (router.hpp), which may not read the store. It checks a request against
  // these; its write then proves the inbox it picked unchanged (config_json byte for byte the
  // same, see sameConfigAs) or leaves the request to the ordinary handler.
  std::shared_ptr<const std::vector<InboxWithConfig<Config>>> latest() {
    std::lock_guard lock(mutex_);
    return latest_;
  }

 private:
  std::mutex mutex_;
  std::map<std::int64_t, std::pair<std::string, Config>> parsed_;  // inbox id -> (config_json, parse)
  std::shared_ptr<const std::vector<InboxWithConfig<Config>>> latest_;
};

// The largest body a webhook fast path (router.hpp) checks and parses on the I/O thread: one
// message with the longest text the desk takes (64 KB) and its envelope. A larger body goes to
// the ordinary handler on a worker, so no request holds the I/O thread for long.
inline constexpr std::size_t kFastPathMaxBody = 96 * 1024;

// For DeskService::ingestAsync: accepts the inbox only while it is `remembered`'s inbox with the
// very same stored configuration (every update writes new text: secrets get a fresh nonce).
inline std::function<bool(const core::Inbox&)> sameConfigAs(const core::Inbox& remembered) {
  return [id = remembered.id, channel = remembered.channel, config_json = remembered.config_json](const core::Inbox& now) {
    return now.id == id && now.channel == channel && now.config_json == config_json;
  };
}

// Every inbox of `channel` whose configuration `parse(config_json)` accepts, in the store's
// order; one whose configuration does not parse is left out (it cannot have signed anything).
// `parse` must depend on nothing but config_json for a given channel (see ParsedConfigs).
template <class Config, class Parse>
core::Result<std::vector<InboxWithConfig<Config>>> inboxesWithConfig(app::Store& store, core::ChannelKind channel, Parse parse) {
  auto inboxes = app::readOne(store, [&](app::StoreTx& tx) { return tx.listInboxesByChannel(channel); });
  if (!inboxes) return inboxes.error();
  auto& cache = ParsedConfigs<Config>::of(channel);
  std::map<std::int64_t, std::pair<std::string, Config>> parsed;
  std::vector<InboxWithConfig<Config>> out;
  for (auto& inbox : *inboxes) {
    std::optional<Config> config = cache.find(inbox.id, inbox.config_json);
    if (!config) {
      auto fresh = parse(inbox.config_json);
      if (!fresh) continue;
      config = std::move(*fresh);
    }
    parsed.emplace(inbox.id.value, std::make_pair(inbox.config_json, *config));
    out.push_back({std::move(inbox), std::move(*config)});
  }
  cache.replaceAll(std::move(parsed), std::make_shared<const std::vector<InboxWithConfig<Config>>>(out));
  return out;
}

// GET of a Meta webhook: hub.challenge echoed when hub.verify_token matches an inbox's
// (`verify(mode, inbox's verify_token, token)`), else 403 naming `name` ("WhatsApp").
template <class Config, class Verify>
Response answerHubChallenge(const Request& request, const std::vector<InboxWithConfig<Config>>& inboxes, Verify verify,
                            const std::string& name) {
  const auto mode = request.param("hub.mode").value_or("");
  const auto token = request.param("hub.verify_token").value_or("");
  const auto challenge = request.param("hub.challenge").value_or("");
  for (const auto& configured : inboxes) {
    if (verify(mode, configured.config.verify_token, token)) return Response{200, challenge, "text/plain; charset=utf-8", {}};
  }
  return errorResponse(403, "forbidden", "hub.verify_token does not match any " + name + " inbox");
}

// POST of a Meta webhook, on the raw bytes: the app secret whose X-Hub-Signature-256 matches
// (`verify(app_secret, body, signature)`), or nullptr. It then picks the inboxes of the payload.
template <class Config, class Verify>
const std::string* signingAppSecret(const Request& request, const std::vector<InboxWithConfig<Config>>& inboxes, Verify verify) {
  const std::string signature = request.header("x-hub-signature-256");
  for (const auto& configured : inboxes) {
    if (verify(configured.config.app_secret, request.body, signature)) return &configured.config.app_secret;
  }
  return nullptr;
}

// 415 unless the body is sent as application/json.
inline std::optional<Response> unlessJsonBody(const Request& request) {
  const std::string type = request.header("content-type");
  if (type.substr(0, type.find(';')) == "application/json") return std::nullopt;
  return errorResponse(415, "unsupported_media_type", "send the body as Content-Type: application/json");
}

// desk.ingest; when what it refused is the sender's number (one libphonenumber does not accept:
// a range newer than its metadata, a test number), once more without the phone identity, so the
// message is kept under the sender's channel id rather than refused.
inline core::Result<core::IngestResult> ingestKeepingTheMessage(ApiDeps& deps, const core::InboundMessage& message) {
  auto result = deps.desk.ingest(message);
  if (!result && result.error().code == core::ErrorCode::InvalidInput && !message.contact.phone.empty()) {
    core::InboundMessage without_phone = message;
    without_phone.contact.phone.clear();
    result = deps.desk.ingest(without_phone);
  }
  return result;
}

// One inbound message into the desk, counted in `stored` or `duplicates`. One that Parley refuses
// (InvalidInput, e.g. text over the size limit; TooLarge) is counted in `ignored`, so that the
// provider does not redeliver the whole batch for it; a store failure is the answer, so that the
// provider retries later. `media` becomes true when a new message has files to fetch.
inline std::optional<Response> ingestOrSkip(ApiDeps& deps, const core::InboundMessage& message, int& stored, int& duplicates,
                                            int& ignored, bool& media) {
  auto result = ingestKeepingTheMessage(deps, message);
  if (!result) {
    if (result.error().code == core::ErrorCode::InvalidInput || result.error().code == core::ErrorCode::TooLarge) {
      ++ignored;
      return std::nullopt;
    }
    return errorResponse(result.error());
  }
  result->duplicate ? ++duplicates : ++stored;
  media = media || (!message.media.empty() && !result->duplicate);
  return std::nullopt;
}

// A batch's delivery receipts, each to the inbox `inboxFor(account_id)` names: counted in
// `applied`, or in `ignored` when no inbox is set up for the account or this server did not send
// the message; any other failure (the store's) is the answer, so the provider retries.
template <class InboxFor>
std::optional<Response> applyReceipts(ApiDeps& deps, const std::vector<core::InboundStatus>& receipts, InboxFor inboxFor,
                                      int& applied, int& ignored) {
  // A receipt that overtook its send's answer may wait for it; all of the webhook's together at
  // most this long (DeskService::applyProviderStatus), so the provider's delivery is answered soon.
  int wait_budget_ms = app::kEarlyReceiptWaitMs;
  for (const auto& status : receipts) {
    const core::Inbox* inbox = inboxFor(status.account_id);
    auto result = inbox ? deps.desk.applyProviderStatus(*inbox, status, &wait_budget_ms)
                        : core::Status(core::makeError(core::ErrorCode::NotFound, "no inbox"));
    if (result) {
      ++applied;
    } else if (result.error().code == core::ErrorCode::NotFound) {
      ++ignored;  // a receipt for a message this server did not send
    } else {
      return errorResponse(result.error());
    }
  }
  return std::nullopt;
}

}  // namespace parley::http
