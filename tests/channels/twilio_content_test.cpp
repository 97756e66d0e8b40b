// WhatsApp templates through Twilio: the Content API listing (ContentAndApprovals, as Twilio's
// Content API reference shows it) mapped to templates, the ContentSid send and error 63016.
#include "channels/twilio/twilio_content.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "channels/twilio/twilio_codec.hpp"
#include "channels/twilio/twilio_gateway.hpp"
#include "core/customer_window.hpp"

namespace tw = parley::channels::twilio;
namespace core = parley::core;
namespace json = boost::json;

namespace {

constexpr const char* kPage = R"({
  "contents": [
    {"sid": "HXaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "account_sid": "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
     "friendly_name": "flight_replies", "language": "en", "variables": {"1": "Owl Air Customer"},
     "types": {"twilio/quick-reply": {"body": "Hi, {{1}} Thanks for contacting Owl Air Support. How can I help?",
                                      "actions": [{"title": "Check flight status", "id": "flightid1"},
                                                  {"title": "Check gate number", "id": "gateid1"}]},
               "twilio/text": {"body": "Hi, {{1}}. Thanks for contacting Owl Air Support."}},
     "approval_requests": {"name": "flight_replies", "category": "UTILITY", "content_type": "twilio/quick-reply",
                           "status": "approved", "rejection_reason": "", "allow_category_change": true},
     "date_created": "2022-08-29T10:43:20Z", "unknown_field": [1, 2, 3]},
    {"sid": "HXbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "friendly_name": "card", "language": "de",
     "types": {"whatsapp/card": {"header_text": "Termin {{date}}", "body": "Hallo {{name}}", "footer": "Praxis",
                                 "actions": [{"type": "URL", "title": "Ansehen", "url": "https://x.example/{{id}}"},
                                             {"type": "PHONE_NUMBER", "title": "Anrufen", "phone": "+4930123"}]}},
     "approval_requests": {"whatsapp": {"status": "pending", "category": "MARKETING"}}},
    {"sid": "HXcccccccccccccccccccccccccccccccc", "friendly_name": "plain", "language": "en",
     "types": {"twilio/text": {"body": "No variables"}}},
    {"sid": "not a sid!", "friendly_name": "broken"},
    "not an object"
  ],
  "meta": {"page": 0, "page_size": 50, "first_page_url": "https://content.twilio.com/v1/ContentAndApprovals?PageSize=50&Page=0",
           "previous_page_url": null, "url": "https://content.twilio.com/v1/ContentAndApprovals?PageSize=50&Page=0",
           "next_page_url": "https://content.twilio.com/v1/ContentAndApprovals?PageSize=50&Page=1&PageToken=PT1", "key": "contents"}
})";

}  // namespace

TEST(TwilioContent, ListingBecomesTemplates) {
  auto page = tw::parseContentPage(kPage);
  ASSERT_TRUE(page.ok()) << page.error().message;
  ASSERT_EQ(page->templates.size(), 3u);  // the malformed sid and the non-object are left out
  EXPECT_EQ(page->next_page_url, "https://content.twilio.com/v1/ContentAndApprovals?PageSize=50&Page=1&PageToken=PT1");

  const auto& quick = page->templates[0];
  EXPECT_EQ(quick.id, "HXaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
  EXPECT_EQ(quick.name, "flight_replies");
  EXPECT_EQ(quick.status, "APPROVED");
  EXPECT_EQ(quick.category, "UTILITY");
  // The approved type is what WhatsApp shows, not the text fallback.
  EXPECT_EQ(quick.body.text, "Hi, {{1}} Thanks for contacting Owl Air Support. How can I help?");
  EXPECT_EQ(quick.body.parameters, std::vector<std::string>{"1"});
  ASSERT_EQ(quick.buttons.size(), 2u);
  EXPECT_EQ(quick.buttons[0].type, "QUICK_REPLY");
  EXPECT_EQ(quick.buttons[0].text, "Check flight status");

  const auto& card = page->templates[1];
  EXPECT_EQ(card.status, "PENDING");
  ASSERT_TRUE(card.header.has_value());
  EXPECT_EQ(card.header->text, "Termin {{date}}");
  EXPECT_TRUE(card.header->parameters.empty());  // every variable is asked once, with the body
  EXPECT_EQ(card.body.parameters, (std::vector<std::string>{"date", "name", "id"}));
  EXPECT_EQ(card.parameter_format, "NAMED");
  EXPECT_EQ(card.footer, "Praxis");
  ASSERT_EQ(card.buttons.size(), 2u);
  EXPECT_EQ(card.buttons[0].url, "https://x.example/{{id}}");
  EXPECT_EQ(card.buttons[1].phone_number, "+4930123");

  EXPECT_EQ(page->templates[2].status, "UNSUBMITTED");

  // Last page, and bodies that are not the documented shape.
  auto last = tw::parseContentPage(R"({"contents": [], "meta": {"next_page_url": null}})");
  ASSERT_TRUE(last.ok());
  EXPECT_TRUE(last->next_page_url.empty());
  EXPECT_FALSE(tw::parseContentPage("{").ok());
  EXPECT_FALSE(tw::parseContentPage("[]").ok());
  EXPECT_FALSE(tw::parseContentPage(R"({"meta": {}})").ok());
  EXPECT_FALSE(tw::parseContentPage(std::string(10'000, '[') + std::string(10'000, ']')).ok());
}

TEST(TwilioContent, UrlsAndPagingStayOnTheContentApi) {
  EXPECT_EQ(tw::contentListUrl("https://content.twilio.com/", 100), "https://content.twilio.com/v1/ContentAndApprovals?PageSize=100");
  EXPECT_TRUE(tw::isUnderBase("https://content.twilio.com/v1/ContentAndApprovals?Page=1", "https://content.twilio.com"));
  EXPECT_FALSE(tw::isUnderBase("https://content.twilio.com.evil.example/v1/x", "https://content.twilio.com"));
  EXPECT_FALSE(tw::isUnderBase("https://evil.example/v1/x", "https://content.twilio.com"));
  EXPECT_FALSE(tw::isUnderBase("https://content.twilio.com", "https://content.twilio.com"));
}

TEST(TwilioContent, SendsContentSidAndVariables) {
  auto variables = tw::contentVariablesJson({"1", "name"}, {"Jana", "a \"quoted\" value"});
  ASSERT_TRUE(variables.ok());
  EXPECT_EQ(json::parse(*variables), json::parse(R"({"1": "Jana", "name": "a \"quoted\" value"})"));
  EXPECT_FALSE(tw::contentVariablesJson({"1"}, {}).ok());

  tw::SendRequest r;
  r.to = "whatsapp:+4915112345678";
  r.from = "whatsapp:+14155238886";
  r.content_sid = "HXaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
  r.content_variables = *variables;
  auto body = tw::encodeSend(r);
  ASSERT_TRUE(body.ok()) << body.error().message;
  auto form = tw::parseForm(*body);
  ASSERT_TRUE(form.ok());
  EXPECT_EQ(tw::param(*form, "ContentSid").value_or(""), "HXaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
  EXPECT_EQ(tw::param(*form, "ContentVariables").value_or(""), *variables);
  EXPECT_FALSE(tw::param(*form, "Body").has_value());
  r.body = "and text";
  EXPECT_FALSE(tw::encodeSend(r).ok());  // ContentSid replaces Body
  r.body.clear();
  r.content_sid = "HX../../x";
  EXPECT_FALSE(tw::encodeSend(r).ok());
}

TEST(TwilioContent, Error63016SaysWhatToDo) {
  auto text = tw::describeError("63016", "Failed to send freeform message because you are outside the allowed window.");
  EXPECT_NE(text.find("63016"), std::string::npos);
  EXPECT_NE(text.find("24-hour"), std::string::npos);
  EXPECT_NE(text.find("template"), std::string::npos);
  auto failed = tw::classifySendError(400, R"({"code": 63016, "message": "outside the allowed window", "status": 400})");
  EXPECT_EQ(failed.outcome, parley::app::DeliveryResult::Outcome::Failed);
  EXPECT_NE(failed.error.find("24-hour"), std::string::npos);
}

TEST(TwilioContent, WhatsAppSendersHaveTheWindowSmsDoesNot) {
  tw::TwilioGateway gateway;
  core::Inbox whatsapp;
  whatsapp.channel = core::ChannelKind::Twilio;
  whatsapp.config_json = R"({"phone_number":"whatsapp:+14155238886"})";
  core::Inbox sms = whatsapp;
  sms.config_json = R"({"phone_number":"+14155238886"})";
  EXPECT_TRUE(gateway.freeFormNeedsCustomerWindow(whatsapp));
  EXPECT_FALSE(gateway.freeFormNeedsCustomerWindow(sms));

  const std::string base = R"({"account_sid":"AC1","auth_token":"t","phone_number":"whatsapp:+14155238886","public_base_url":"https://p.example")";
  auto config = tw::parseInboxConfig(base + "}");
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->content_api_base_url, "https://content.twilio.com");
  config = tw::parseInboxConfig(base + R"(,"content_api_base_url":"http://127.0.0.1:9/"})");
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->content_api_base_url, "http://127.0.0.1:9");
  EXPECT_FALSE(tw::parseInboxConfig(base + R"(,"content_api_base_url":"ftp://x"})").ok());
}
