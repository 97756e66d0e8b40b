// libFuzzer target: the X codec on arbitrary bytes. parseWebhook() must never crash, hang or
// recurse on nesting, and what it accepts must respect the normalised types' promises (a
// violation traps): ids are digit strings, mentions are public and threaded by id, echoes name
// the customer, never the account. The same bytes go through the signature and CRC code, the
// API v2 answer parser, the media upload answer parser (uploadedMedia) and, as reply text,
// encodeTweet() / encodeDm() / tweetLength().
// Seeds: tests/channels/x/fixtures/*.json (copied to fuzz/corpus/fuzz_x_webhook/).
#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "channels/x/x_codec.hpp"
#include "channels/x/x_media.hpp"
#include "core/text.hpp"

#include "fuzz_checks.hpp"

using namespace parley::fuzz;

namespace {

bool isDigits(const std::string& s) { return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace xc = parley::channels::x;
  namespace core = parley::core;
  const std::string_view body = textOf(data, size);

  auto parsed = xc::parseWebhook(body);
  if (!parsed) {
    requireRefusal(parsed.error());
  } else {
    // No for_user_id (user_event, the reference pages' examples): nothing for any inbox.
    require(isDigits(parsed->for_user_id) ||
            (parsed->for_user_id.empty() && parsed->batch.messages.empty() && parsed->reads.empty() && parsed->batch.ignored > 0));
    for (const auto& m : parsed->batch.messages) {
      require(isDigits(m.external_id) && m.account_id == parsed->for_user_id);
      require(isDigits(m.contact.external_id) && m.contact.phone.empty() && m.contact.email.empty());
      require(!m.echo || m.contact.external_id != parsed->for_user_id);
      require(!m.inbox_id.valid() && m.attachment_ids.empty() && m.sent_at >= 0);
      require(isJsonObject(m.payload_json) && m.media.size() <= 20);
      if (m.is_public) require(m.new_conversation_unless_threaded && m.thread_refs.size() <= 1);
      for (const auto& ref : m.thread_refs) require(isDigits(ref));
      for (const auto& media : m.media) {
        require(media.provider_ref.rfind("https://", 0) == 0 || media.provider_ref.rfind("http://", 0) == 0);
      }
    }
    for (const auto& r : parsed->reads) require(isDigits(r.contact_id) && r.contact_id != parsed->for_user_id);
    require(parsed->batch.ignored >= 0 && parsed->typing >= 0 && parsed->batch.statuses.empty());
  }

  const std::string sig = xc::signature("secret", body);
  require(xc::verifySignature("secret", body, sig));
  require(!xc::verifySignature("secret", body, body));
  (void)xc::crcResponse("secret", body);

  for (bool dm : {true, false}) {
    auto answer = xc::interpretAnswer(dm, 201, body, 0, 0, 0);
    if (answer.outcome == parley::app::DeliveryResult::Outcome::Delivered) require(isDigits(answer.provider_message_id));
    auto error = xc::interpretAnswer(dm, 429, body, 1'700'000'000, 0, 1'700'000'000'000);
    require(error.outcome == parley::app::DeliveryResult::Outcome::RetryLater && error.retry_after_ms >= 1000);
    require(core::isValidUtf8(xc::interpretAnswer(dm, 403, body, 0, 0, 0).error));
  }
  // X's media upload answers (initialize / finalize / STATUS): an id is digits, waits are bounded.
  const auto uploaded = xc::uploadedMedia(body);
  require(core::isValidUtf8(uploaded.error));
  require(uploaded.media_id.empty() ? !uploaded.error.empty() : isDigits(uploaded.media_id));
  require(uploaded.check_after_secs >= 0 && uploaded.expires_after_secs >= 0);
  (void)xc::tweetLength(body);
  if (auto tweet = xc::encodeTweet({std::string(body), "1"})) {
    require(isJsonObject(*tweet) && xc::tweetLength(body) <= xc::kMaxTweetLength);
  }
  if (auto dm = xc::encodeDm({"1", std::string(body)})) require(isJsonObject(*dm));
  return 0;
}
