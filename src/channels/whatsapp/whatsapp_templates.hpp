// DESIGN: WhatsApp message templates, the pure half: the Business Management API's template
// listing -> typed templates, what Parley keeps of them per inbox, and an agent's template reply
// checked against its template and rendered. No I/O here (whatsapp_template_sync does the HTTP).
//
// Listing (WhatsApp Business Management API, "Template management" -> "Get templates",
// reference whatsapp-business-account/message-template-api):
//   GET {api_base_url}/{whatsapp-business-account-id}/message_templates
//       ?fields=id,name,language,status,category,parameter_format,components&limit=N[&after=CURSOR]
//   -> {"data": [{"id","name","language","status","category","parameter_format":
//       "POSITIONAL"|"NAMED","components": [{"type":"HEADER","format":"TEXT"|"IMAGE"|"VIDEO"|
//       "DOCUMENT"|"LOCATION","text"}, {"type":"BODY","text"}, {"type":"FOOTER","text"},
//       {"type":"BUTTONS","buttons":[{"type":"QUICK_REPLY"|"URL"|"PHONE_NUMBER"|"COPY_CODE"|"OTP",
//       "text","url","phone_number"}]}]}], "paging": {"cursors": {"before","after"}, "next"}}
//   Parameters are {{1}}, {{2}} ... (positional) or {{first_name}} (named) in the texts and in a
//   URL button's url. The next page is asked for with the cursor "after", never by following
//   "paging.next" (the access token goes only to api_base_url); no "next" means the last page.
//
// Sending (Cloud API "Sending template messages"): see TemplateContent in whatsapp_codec.hpp.
// Parameters per part, as Parley asks the agent for them:
//   header: a TEXT header's parameter (at most one), the link of an IMAGE/VIDEO/DOCUMENT header,
//           or a LOCATION header's latitude, longitude, name and address (location templates);
//   body:   one value per distinct {{n}} / {{name}}, positional ones in numeric order, named ones
//           in order of first appearance;
//   buttons: one value per button that takes one, in button order: a URL button whose url has a
//           parameter (sub_type "url"), COPY_CODE (the coupon code) and OTP (the one-time code,
//           sent as sub_type "url", as Meta documents for authentication templates);
//   quick_replies (optional): the payload each QUICK_REPLY button returns when tapped, in their
//           order ("" or missing: none), sent as sub_type "quick_reply" with a "payload" parameter.
#pragma once

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/channel_gateway.hpp"
#include "channels/whatsapp/whatsapp_codec.hpp"
#include "core/result.hpp"

namespace parley::channels::whatsapp {

// The channel_state key (per inbox) under which the synced templates are kept.
inline constexpr const char* kTemplatesStateKey = "whatsapp.templates";
// Bounds on one sync: pages asked for, templates kept, bytes of one page.
constexpr std::size_t kMaxTemplatePages = 50;
constexpr std::size_t kMaxTemplates = 5000;
constexpr std::size_t kMaxTemplatePageBytes = 4 * 1024 * 1024;

struct TemplatePart {
  std::string format;  // header only: TEXT, IMAGE, VIDEO, DOCUMENT, LOCATION
  std::string text;
  std::vector<std::string> parameters;  // "1", "2" ... or the names, in the order values are asked
};

struct TemplateButton {
  std::string type;  // QUICK_REPLY, URL, PHONE_NUMBER, COPY_CODE, OTP, ...
  std::string text;
  std::string url;
  std::string phone_number;
  std::vector<std::string> parameters;  // at most one
};

struct MessageTemplate {
  std::string id;
  std::string name;
  std::string language;
  std::string status;    // APPROVED, PENDING, REJECTED, PAUSED, DISABLED ...
  std::string category;  // MARKETING, UTILITY, AUTHENTICATION
  std::string parameter_format = "POSITIONAL";
  std::optional<TemplatePart> header;
  TemplatePart body;
  std::string footer;
  std::vector<TemplateButton> buttons;
};

struct TemplatePage {
  std::vector<MessageTemplate> templates;
  std::string after;  // the cursor of the next page; empty on the last page
};

// A listing page's body as a JSON object (nesting bounded); InvalidInput "<what>: not JSON ..."
// otherwise. Shared with Twilio's Content API listing (channels/twilio/twilio_content.hpp).
core::Result<boost::json::object> parseListingObject(std::string_view body, std::string_view what);
// One page of the listing. InvalidInput for a body that is not the documented shape.
core::Result<TemplatePage> parseTemplatePage(std::string_view body);
// The listing URL for a page (after = "" for the first). InvalidInput for a malformed WABA id.
core::Result<std::string> templatesUrl(std::string_view api_base_url, std::string_view business_account_id,
                                       std::string_view after, int limit);

// The distinct parameters of a text in the order their values are asked for (see above).
std::vector<std::string> templateParameters(std::string_view text);

// What Parley keeps per inbox (channel_state kTemplatesStateKey), and the GET route's shape.
struct StoredTemplates {
  core::TimestampMs synced_at = 0;        // the last successful sync
  core::TimestampMs last_attempt_at = 0;  // the last sync, successful or not
  std::string last_error;                 // why the last sync failed; empty after a success
  std::vector<MessageTemplate> templates;
};
std::string serializeStoredTemplates(const StoredTemplates& stored);
core::Result<StoredTemplates> parseStoredTemplates(std::string_view text);
// A template as the API shows it: name, language, status, category, parameter_format, header
// {format, text, parameters, parameter_count}, body {...}, footer, buttons [...].
boost::json::object templateJson(const MessageTemplate& t);

// An agent's reply checked against its template (InvalidInput naming what does not fit) and
// rendered: the body with the values filled in, and what the send needs.
struct BuiltTemplate {
  std::string text;
  TemplateContent content;
};
core::Result<BuiltTemplate> buildTemplate(const MessageTemplate& t, const app::TemplateReply& reply);
// The rendered reply as the message's payload_json: {"template": {"name","language","category",
// "parameters": {"header","body","buttons"}}, "send": {...}}; templateContentFromPayload reads
// the send back (NotFound when the payload has no template).
std::string templatePayloadJson(const MessageTemplate& t, const app::TemplateReply& reply, const TemplateContent& content);
core::Result<TemplateContent> templateContentFromPayload(std::string_view payload_json);

}  // namespace parley::channels::whatsapp
