// DESIGN: WhatsApp templates through Twilio, the pure half: Twilio's Content API listing ->
// the WhatsApp template model the desk already knows (channels/whatsapp/whatsapp_templates.hpp),
// and a chosen template's values -> the ContentSid / ContentVariables of a Messages API send.
// No I/O here (twilio_template_sync does the HTTP).
//
// Listing (Content API, "ContentAndApprovals" resource; https://www.twilio.com/docs/content/content-api-resources):
//   GET {content_api_base_url}/v1/ContentAndApprovals?PageSize=N, basic auth AccountSid:AuthToken
//   -> {"contents": [{"sid": "HX...", "friendly_name", "language", "variables": {"1": "sample"},
//       "types": {"twilio/text": {"body"}, "twilio/quick-reply": {"body", "actions": [{"title","id"}]},
//       "twilio/call-to-action": {"body", "actions": [{"type": "URL"|"PHONE_NUMBER", "title", "url",
//       "phone"}]}, "twilio/media": {"body", "media": [...]}, "twilio/card": {"title", "subtitle",
//       "actions"}, "whatsapp/card": {"header_text", "body", "footer", "actions"} ...},
//       "approval_requests": {"name", "category", "content_type", "status": "approved" | "pending" |
//       "rejected" | ..., "rejection_reason"}}],
//      "meta": {"next_page_url": "https://content.twilio.com/v1/ContentAndApprovals?...&PageToken=..." | null}}
//   A content whose WhatsApp approval status is "approved" is offered to agents (status APPROVED).
//   The next page is read from meta.next_page_url, only when it is under content_api_base_url
//   (the credentials go nowhere else).
// Variables: {{1}}, {{2}} ... or {{name}} anywhere in the content's texts and links. Twilio takes
//   their values as one flat JSON object, so the model asks for each variable once, as a body
//   parameter (positional ones in numeric order, named ones in order of first appearance); the
//   header and buttons take none.
// Sending (Messages API, "Send a message with Content"): ContentSid=HX... and ContentVariables=
//   '{"1":"Jana","2":"12345"}' instead of Body.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "channels/whatsapp/whatsapp_templates.hpp"
#include "core/result.hpp"

namespace parley::channels::twilio {

inline constexpr const char* kDefaultContentApiBaseUrl = "https://content.twilio.com";
constexpr int kContentPageSize = 100;

struct ContentPage {
  std::vector<whatsapp::MessageTemplate> templates;
  std::string next_page_url;  // empty on the last page
};

// "{base}/v1/ContentAndApprovals?PageSize=N".
std::string contentListUrl(std::string_view content_api_base_url, int page_size = kContentPageSize);
// One page of the listing. InvalidInput for a body that is not the documented shape. Each
// content becomes a template: id = the HX sid, name = friendly_name (else the approval's name),
// status = the WhatsApp approval status upper-cased (UNSUBMITTED without one).
core::Result<ContentPage> parseContentPage(std::string_view body);
// True when `url` is an http(s) URL under `base` ("base/..." or "base?...").
bool isUnderBase(std::string_view url, std::string_view base);

// The ContentVariables of a send: {"name": value, ...} as a JSON text. InvalidInput when the
// counts differ.
core::Result<std::string> contentVariablesJson(const std::vector<std::string>& names, const std::vector<std::string>& values);

}  // namespace parley::channels::twilio
