#include "channels/twilio/twilio_template_sync.hpp"

#include "channels/common/http_client.hpp"
#include "channels/twilio/twilio_codec.hpp"
#include "channels/twilio/twilio_content.hpp"
#include "channels/twilio/twilio_gateway.hpp"

namespace parley::channels::twilio {

using Kind = whatsapp::TemplateSyncOutcome::Kind;

namespace {

whatsapp::TemplateSyncOutcome notConfigured(std::string message) {
  whatsapp::TemplateSyncOutcome out;
  out.kind = Kind::NotConfigured;
  out.message = std::move(message);
  return out;
}

}  // namespace

whatsapp::TemplateSyncOutcome syncContentTemplates(app::Store& store, const app::Clock& clock, const app::SecretBox* secrets,
                                                   const core::Inbox& inbox, const whatsapp::TemplateSyncOptions& options) {
  auto config = parseInboxConfig(inbox.config_json, secrets);
  if (!config) return notConfigured("the inbox configuration is invalid: " + config.error().message);
  if (!config->whatsapp()) {
    return notConfigured("message templates are a WhatsApp feature; this Twilio inbox sends SMS (its phone_number has no whatsapp: prefix)");
  }
  const std::string base = config->content_api_base_url;
  return whatsapp::syncTemplateListing(store, clock, inbox, "Twilio", [&](const std::string& next) {
    whatsapp::ListingPage page;
    HttpCall call;
    call.url = next.empty() ? contentListUrl(base, options.page_limit) : next;
    call.headers = {{"Authorization", basicAuth(config->account_sid, config->auth_token)}, {"Accept", "application/json"}};
    call.timeout_ms = options.timeout_ms;
    call.max_response_bytes = whatsapp::kMaxTemplatePageBytes;
    auto answer = performHttp(call);
    if (auto failed = whatsapp::listingFailure(answer, "Twilio's Content API", &classifySendError)) return std::move(*failed);
    if (auto parsed = parseContentPage(answer.body); !parsed) {
      page.failure = Kind::Failed;
      page.error = "Twilio's content listing was unreadable: " + parsed.error().message;
    } else {
      page.templates = std::move(parsed->templates);
      // The next page only from the Content API itself: the credentials go nowhere else.
      if (!parsed->next_page_url.empty() && isUnderBase(parsed->next_page_url, base)) page.next = parsed->next_page_url;
    }
    return page;
  });
}

}  // namespace parley::channels::twilio
