// The Twilio codec against form bodies written from Twilio's documentation
// (tests/channels/twilio/fixtures/README.md), the documented signature example, and
// adversarial input.
#include "channels/twilio/twilio_codec.hpp"
#include "channels/common/file_link.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "channels/twilio/twilio_gateway.hpp"
#include "core/delivery.hpp"
#include "core/text.hpp"
#include "codec_fixtures.hpp"

namespace tw = parley::channels::twilio;
namespace core = parley::core;
namespace json = boost::json;
using Outcome = parley::app::DeliveryResult::Outcome;

namespace {

std::string readFixture(const std::string& name) { return parley::test::readFixture("twilio", name, ".txt"); }

tw::FormParams form(const std::string& name) {
  return parley::test::parsedOr(tw::parseForm(readFixture(name)), name);
}

core::InboundMessage message(const std::string& name) {
  return parley::test::parsedOr(tw::parseIncomingMessage(form(name)), name);
}

core::InboundStatus status(const std::string& name) {
  auto s = tw::parseStatusCallback(form(name));
  EXPECT_TRUE(s.ok()) << name << ": " << (s.ok() ? "" : s.error().message);
  EXPECT_TRUE(s.ok() && s->has_value()) << name;
  return s.ok() && s->has_value() ? **s : core::InboundStatus{};
}

using parley::test::payloadOf;

}  // namespace

// ---- signatures ----------------------------------------------------------------------------------

// The example of https://www.twilio.com/docs/usage/security#validating-requests.
TEST(TwilioSignature, DocumentedExample) {
  const tw::FormParams params{{"CallSid", "CA1234567890ABCDE"}, {"Caller", "+12349013030"}, {"Digits", "1234"},
                              {"From", "+12349013030"},         {"To", "+18005551212"}};
  const std::string url = "https://mycompany.com/myapp.php?foo=1&bar=2";
  EXPECT_EQ(tw::computeSignature("12345", url, params), "0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
  EXPECT_TRUE(tw::verifySignature("12345", url, params, "0/KCTR6DLpKmkAf8muzZqo1nDgQ="));
  // The order of the parameters in the body does not matter: they are sorted by name.
  tw::FormParams shuffled(params.rbegin(), params.rend());
  EXPECT_TRUE(tw::verifySignature("12345", url, shuffled, "0/KCTR6DLpKmkAf8muzZqo1nDgQ="));
}

// The test vectors of Twilio's helper libraries (twilio-python tests/unit/test_request_validator.py,
// twilio-csharp RequestValidatorTest, twilio-php RequestValidatorTest), which the webhook-security
// page tells integrators to follow: repeated parameters, and URLs with and without a port.
TEST(TwilioSignature, HelperLibraryVectorsForDuplicatesAndPorts) {
  const tw::FormParams params{{"CallSid", "CA1234567890ABCDE"}, {"Caller", "+14158675309"}, {"Digits", "1234"},
                              {"From", "+14158675309"},         {"To", "+18005551212"}};
  const std::string url = "https://mycompany.com/myapp.php?foo=1&bar=2";
  EXPECT_EQ(tw::computeSignature("12345", url, params), "RSOYDt4T1cUTdK1PDd93/VVr8B8=");
  // "Digits" three times, twice with the same value: sorted by value, each pair signed once.
  const tw::FormParams repeated{{"Sid", "CA123"}, {"SidAccount", "AC123"}, {"Digits", "5678"}, {"Digits", "1234"}, {"Digits", "1234"}};
  EXPECT_EQ(tw::computeSignature("12345", url, repeated), "IK+Dwps556ElfBT0I3Rgjkr1wJU=");
  EXPECT_TRUE(tw::verifySignature("12345", url, repeated, "IK+Dwps556ElfBT0I3Rgjkr1wJU="));
  // Twilio signed the URL with the default port added (TestValidateAddsPortHttps / Http) ...
  EXPECT_TRUE(tw::verifySignature("12345", url, params, "kvajT1Ptam85bY51eRf/AJRuM3w="));
  EXPECT_TRUE(tw::verifySignature("12345", "http://mycompany.com/myapp.php?foo=1&bar=2", params, "0ZXoZLH/DfblKGATFgpif+LLRf4="));
  // ... or without the port the URL has (TestValidateRemovesPortHttps), or with it (AddsCustomPort).
  EXPECT_TRUE(tw::verifySignature("12345", "https://mycompany.com:1234/myapp.php?foo=1&bar=2", params, "RSOYDt4T1cUTdK1PDd93/VVr8B8="));
  EXPECT_TRUE(tw::verifySignature("12345", "https://mycompany.com:1234/myapp.php?foo=1&bar=2", params, "CYn1h0gLBdNxDGkKJg6hYohgeD8="));
  EXPECT_TRUE(tw::verifySignature("12345", "http://mycompany.com:1234/myapp.php?foo=1&bar=2", params, "Zmvh+3yNM1Phv2jhDCwEM3q5ebU="));
  // Case and credentials are signed as written (TestValidateDictionaryMixedCase*, CredentialsArePreserved).
  EXPECT_TRUE(tw::verifySignature("12345", "https://MyCompany.com/myapp.php?foo=1&bar=2", params, "g9IN/x4Cft2g517EjYvEvM/W7LU="));
  EXPECT_TRUE(tw::verifySignature("12345", "https://MyCompany.com:1234/myapp.php?foo=1&bar=2", params, "PCqOZm8cnu/L6+u5i5fuEd+Iac4="));
  EXPECT_TRUE(tw::verifySignature("12345", "http://username:password@MyCompany.com/myapp.php?foo=1&bar=2", params,
                                  "PJ08CxXr7KLPjEQCTc8LkUSMwSM="));
  EXPECT_FALSE(tw::verifySignature("12345", "https://MyCompany.com/myapp.php?foo=1&bar=2", params, "RSOYDt4T1cUTdK1PDd93/VVr8B8="));
  // The query string is part of what is signed, in its order.
  EXPECT_FALSE(tw::verifySignature("12345", "https://mycompany.com/myapp.php?bar=2&foo=1", params, "RSOYDt4T1cUTdK1PDd93/VVr8B8="));
  EXPECT_EQ(tw::signedUrlVariants("https://a.example/x").size(), 2u);
  EXPECT_EQ(tw::signedUrlVariants("https://a.example/x")[1], "https://a.example:443/x");
  EXPECT_EQ(tw::signedUrlVariants("https://u:p@a.example:8443/x?y=1")[1], "https://u:p@a.example/x?y=1");
}

TEST(TwilioSignature, AnyChangeBreaksIt) {
  const tw::FormParams params = form("sms_text");
  const std::string url = "https://parley.example.com/webhooks/twilio/sms";
  const std::string good = tw::computeSignature("secret-token", url, params);
  EXPECT_TRUE(tw::verifySignature("secret-token", url, params, good));
  EXPECT_FALSE(tw::verifySignature("other-token", url, params, good));
  EXPECT_FALSE(tw::verifySignature("secret-token", "http://parley.example.com/webhooks/twilio/sms", params, good));
  EXPECT_FALSE(tw::verifySignature("secret-token", url, params, ""));
  EXPECT_FALSE(tw::verifySignature("", url, params, good));
  auto tampered = params;
  tampered.back().second = "+14155550000";
  EXPECT_FALSE(tw::verifySignature("secret-token", url, tampered, good));
  auto added = params;
  added.emplace_back("Extra", "1");  // an added parameter is signed too
  EXPECT_FALSE(tw::verifySignature("secret-token", url, added, good));
  // Parameters are signed decoded: "+" and "%20" are the same space.
  auto a = tw::parseForm("Body=a+b&To=%2B1");
  auto b = tw::parseForm("Body=a%20b&To=%2b1");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(tw::computeSignature("k", url, *a), tw::computeSignature("k", url, *b));
}

// ---- form parsing --------------------------------------------------------------------------------

TEST(TwilioForm, DecodesAndKeepsOrderAndDuplicates) {
  auto p = tw::parseForm("A=1&B=x+y%21&&A=2&Empty=&Flag");
  ASSERT_TRUE(p.ok()) << p.error().message;
  ASSERT_EQ(p->size(), 5u);
  EXPECT_EQ((*p)[1].second, "x y!");
  EXPECT_EQ(*tw::param(*p, "A"), "1");
  EXPECT_EQ(*tw::param(*p, "Empty"), "");
  EXPECT_EQ(*tw::param(*p, "Flag"), "");
  EXPECT_FALSE(tw::param(*p, "Missing").has_value());
  EXPECT_TRUE(tw::parseForm("").ok());
  auto round = tw::parseForm(tw::formEncode({{"Body", "ä & = + %"}, {"To", "whatsapp:+1"}}));
  ASSERT_TRUE(round.ok());
  EXPECT_EQ((*round)[0].second, "ä & = + %");
  EXPECT_EQ((*round)[1].second, "whatsapp:+1");
}

TEST(TwilioForm, MalformedEscapesAndSizes) {
  for (const char* bad : {"Body=%", "Body=%4", "Body=%zz", "Body=%4G&To=1", "=value"}) {
    auto p = tw::parseForm(bad);
    ASSERT_FALSE(p.ok()) << bad;
    EXPECT_EQ(p.error().code, core::ErrorCode::InvalidInput) << bad;
  }
  const std::string huge = "Body=" + std::string(5 * 1024 * 1024, 'a');  // 5 MB
  auto p = tw::parseForm(huge);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code, core::ErrorCode::TooLarge);
  std::string many;
  for (int i = 0; i < 300; ++i) {
    many += 'P';
    many += std::to_string(i);
    many += "=1&";
  }
  EXPECT_FALSE(tw::parseForm(many).ok());
}

// ---- inbound messages ----------------------------------------------------------------------------

TEST(TwilioInbound, SmsText) {
  const auto m = message("sms_text");
  EXPECT_EQ(m.external_id, "SM1f0e8ae6ade43cb3c0ce4525424e404f");
  EXPECT_EQ(m.account_id, "+15017122661");
  EXPECT_EQ(m.kind, core::MessageKind::Text);
  EXPECT_EQ(m.text, "Hello! Is my order #42 shipped? Grüße 👋");
  EXPECT_EQ(m.contact.phone, "+14155552671");
  EXPECT_EQ(m.contact.external_id, "+14155552671");
  EXPECT_TRUE(m.contact.verified);
  EXPECT_TRUE(m.media.empty());
  EXPECT_EQ(payloadOf(m).at("channel").as_string(), "sms");
}

TEST(TwilioInbound, MmsWithTwoMedia) {
  const auto m = message("mms_two_media");
  EXPECT_EQ(m.kind, core::MessageKind::Image);
  EXPECT_EQ(m.text, "Two photos of the damage");
  ASSERT_EQ(m.media.size(), 2u);
  EXPECT_NE(m.media[0].provider_ref.find("/Media/ME1111"), std::string::npos);
  EXPECT_EQ(m.media[0].mime_type, "image/jpeg");
  EXPECT_EQ(m.media[0].filename, "media-0.jpg");
  EXPECT_EQ(m.media[1].mime_type, "image/png");
  EXPECT_EQ(m.media[1].filename, "media-1.png");
  EXPECT_EQ(payloadOf(m).at("channel").as_string(), "mms");
}

TEST(TwilioInbound, WhatsAppNamesTheContactAndStripsThePrefix) {
  const auto m = message("whatsapp_text");
  EXPECT_EQ(m.account_id, "whatsapp:+14155238886");
  EXPECT_EQ(m.contact.phone, "+14155552671");
  EXPECT_EQ(m.contact.external_id, "+14155552671");
  EXPECT_EQ(m.contact.name, "Ada Lovelace");
  EXPECT_EQ(m.text, "Hi from WhatsApp");
  const auto p = payloadOf(m);
  EXPECT_EQ(p.at("channel").as_string(), "whatsapp");
  EXPECT_EQ(p.at("wa_id").as_string(), "14155552671");
}

TEST(TwilioInbound, ButtonReplyIsInteractive) {
  const auto m = message("whatsapp_button");
  EXPECT_EQ(m.kind, core::MessageKind::Interactive);
  EXPECT_EQ(m.text, "Yes, reschedule");
  EXPECT_EQ(payloadOf(m).at("payload").as_string(), "RESCHEDULE_YES");
  EXPECT_EQ(payloadOf(m).at("interactive_type").as_string(), "button");
}

TEST(TwilioInbound, Location) {
  const auto m = message("whatsapp_location");
  EXPECT_EQ(m.kind, core::MessageKind::Location);
  ASSERT_TRUE(m.latitude && m.longitude);
  EXPECT_DOUBLE_EQ(*m.latitude, 37.7879277);
  EXPECT_DOUBLE_EQ(*m.longitude, -122.4074173);
  EXPECT_EQ(m.location_name, "Twilio HQ, 101 Spear St, San Francisco");
}

TEST(TwilioInbound, RepliedToAndReferral) {
  EXPECT_EQ(message("whatsapp_reply").reply_to_external_id, "SMbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb1");
  const auto m = message("whatsapp_referral");
  const auto referral = payloadOf(m).at("referral").as_object();
  EXPECT_EQ(referral.at("source_id").as_string(), "120200000000000");
  EXPECT_EQ(referral.at("headline").as_string(), "20% off");
  EXPECT_TRUE(m.media.empty());  // the ad's media is not the customer's file
}

TEST(TwilioInbound, LongDisplayFieldsAreCutNotRefused) {
  // Twilio documents no maximum for a profile name, a place or an ad's text: a long one (an ad in
  // CJK, an address with emoji) is cut on a character boundary, and the message is kept.
  std::string ad;
  for (int i = 0; i < 2000; ++i) ad += "\xE6\x97\xA5";  // 日, 3 bytes each: 6000 bytes
  std::string place(1500, 'A');
  auto p = tw::parseForm("MessageSid=SM1&From=whatsapp%3A%2B14155552671&To=whatsapp%3A%2B15017122661&Body=hi"
                         "&ProfileName=" + std::string(300, 'N') + "&Latitude=52.5&Longitude=13.4&Label=" + place +
                         "&ReferralBody=" + ad);
  ASSERT_TRUE(p.ok());
  auto m = tw::parseIncomingMessage(*p);
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->contact.name, std::string(256, 'N'));
  EXPECT_EQ(m->location_name, std::string(1024, 'A'));
  const std::string body(payloadOf(*m).at("referral").at("body").as_string());
  EXPECT_EQ(body.size(), 4095u);  // 1365 whole characters, none split
  EXPECT_TRUE(parley::core::isValidUtf8(body));
}

TEST(TwilioInbound, OldSidNamesAndUnknownParameters) {
  auto p = tw::parseForm("SmsSid=SM1&From=%2B14155552671&To=%2B15017122661&Body=hi&SomethingNew=%FF%FE");
  ASSERT_TRUE(p.ok());
  auto m = tw::parseIncomingMessage(*p);
  ASSERT_TRUE(m.ok()) << m.error().message;  // invalid UTF-8 in an unknown parameter is ignored
  EXPECT_EQ(m->external_id, "SM1");
}

TEST(TwilioInbound, MissingOrMalformedFieldsAreInvalid) {
  const char* bad[] = {
      "From=%2B14155552671&To=%2B15017122661&Body=no+sid",
      "MessageSid=SM1&To=%2B15017122661&Body=no+from",
      "MessageSid=SM1&From=%2B14155552671&Body=no+to",
      "MessageSid=SM%2F..%2F1&From=%2B14155552671&To=%2B1&Body=x",
      "MessageSid=SM1&From=%2B14155552671&To=%2B1&Body=%C3%28",          // invalid UTF-8 in Body
      "MessageSid=SM1&From=%2B14155552671&To=%2B1&NumMedia=abc",
      "MessageSid=SM1&From=%2B14155552671&To=%2B1&NumMedia=11",
      "MessageSid=SM1&From=%2B14155552671&To=%2B1&NumMedia=1&MediaUrl0=file%3A%2F%2F%2Fetc%2Fpasswd",
      "MessageSid=SM1&From=%2B14155552671&To=%2B1&NumMedia=1",          // MediaUrl0 missing
      "MessageSid=SM1&From=whatsapp%3A&To=%2B1&Body=x",
      "MessageSid=SM1&From=whatsapp%3Awhatsapp%3A%2B14155552671&To=%2B1&Body=x",  // found by the fuzzer
      "MessageSid=SM1&From=%2B1&To=%2B1&Latitude=91&Longitude=0",
      "MessageSid=SM1&From=%2B1&To=%2B1&Latitude=nan&Longitude=0",
  };
  for (const char* body : bad) {
    auto p = tw::parseForm(body);
    ASSERT_TRUE(p.ok()) << body;
    auto m = tw::parseIncomingMessage(*p);
    ASSERT_FALSE(m.ok()) << "accepted: " << body;
    EXPECT_EQ(m.error().code, core::ErrorCode::InvalidInput);
  }
}

TEST(TwilioInbound, DuplicateDeliveryKeepsTheSid) {
  EXPECT_EQ(message("sms_text").external_id, message("sms_text").external_id);
}

TEST(TwilioInbound, EmptyMessageIsUnsupportedNotDropped) {
  auto p = tw::parseForm("MessageSid=SM1&From=%2B14155552671&To=%2B1&Body=&NumMedia=0&MessageType=sticker");
  ASSERT_TRUE(p.ok());
  auto m = tw::parseIncomingMessage(*p);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->kind, core::MessageKind::Unsupported);
}

// Further kinds of the webhook-request page: a long SMS through a Messaging Service (reassembled,
// NumSegments=2), a WhatsApp photo without a caption, a WhatsApp interactive (button) reply that
// quotes the business's message, with ChannelMetadata as real deliveries carry it.
TEST(TwilioInbound, MessagingServiceImageAndInteractiveReply) {
  {
    const auto m = message("sms_messaging_service");
    EXPECT_EQ(m.kind, core::MessageKind::Text);
    EXPECT_EQ(m.external_id, "SM9c5c5f6b2d7a4e1f8a3b2c1d0e9f8a7b");
    EXPECT_EQ(m.account_id, "+15017122661");
    EXPECT_EQ(m.contact.phone, "+16035550123");
    EXPECT_EQ(m.text.size(), 201u);  // one message, not one per segment
  }
  {
    const auto m = message("whatsapp_image");
    EXPECT_EQ(m.kind, core::MessageKind::Image);
    EXPECT_TRUE(m.text.empty());
    ASSERT_EQ(m.media.size(), 1u);
    EXPECT_EQ(m.media[0].mime_type, "image/jpeg");
    EXPECT_EQ(m.media[0].filename, "media-0.jpg");
    EXPECT_EQ(m.contact.phone, "+14155552671");
    EXPECT_EQ(payloadOf(m).at("channel").as_string(), "whatsapp");
  }
  {
    const auto m = message("whatsapp_interactive_reply");
    EXPECT_EQ(m.kind, core::MessageKind::Interactive);
    EXPECT_EQ(m.text, "Confirm");
    EXPECT_EQ(m.reply_to_external_id, "MM5cc44eecf7dab0d48d4529d0fa4af44d");
    EXPECT_EQ(payloadOf(m).at("payload").as_string(), "{verifyEmail:ada@example.com}");
  }
}

// ---- status callbacks ----------------------------------------------------------------------------

TEST(TwilioStatus, WhatsAppAndMessagingServiceCallbacks) {
  const auto read = status("status_whatsapp_read");
  EXPECT_EQ(read.status, core::DeliveryStatus::Read);
  EXPECT_EQ(read.account_id, "whatsapp:+14155238886");
  EXPECT_EQ(status("status_sent_messaging_service").status, core::DeliveryStatus::Sent);
}

TEST(TwilioWebhook, EveryFixtureParses) {
  std::size_t count = 0;
  for (const auto& file : std::filesystem::directory_iterator(parley::test::fixturesOf("twilio"))) {
    if (file.path().extension() != ".txt") continue;
    const std::string name = file.path().stem().string();
    SCOPED_TRACE(name);
    const auto params = form(name);
    if (name.rfind("status_", 0) == 0) {
      status(name);
    } else {
      const auto m = message(name);
      EXPECT_FALSE(m.external_id.empty());
      EXPECT_FALSE(m.contact.external_id.empty());
      EXPECT_FALSE(m.account_id.empty());
    }
    ++count;
  }
  EXPECT_GE(count, 20u);
}

TEST(TwilioStatus, EveryDocumentedState) {
  EXPECT_EQ(status("status_queued").status, core::DeliveryStatus::Pending);
  EXPECT_EQ(status("status_sending").status, core::DeliveryStatus::Pending);
  EXPECT_EQ(status("status_sent").status, core::DeliveryStatus::Sent);
  EXPECT_EQ(status("status_delivered").status, core::DeliveryStatus::Delivered);
  EXPECT_EQ(status("status_delivered_rawdlr").status, core::DeliveryStatus::Delivered);
  EXPECT_EQ(status("status_read").status, core::DeliveryStatus::Read);
  const auto s = status("status_sent");
  EXPECT_EQ(s.provider_message_id, "SM7d1e2f3a4b5c6d7e8f9a0b1c2d3e4f50");
  EXPECT_EQ(s.account_id, "+15017122661");
  EXPECT_TRUE(s.error.empty());
}

TEST(TwilioStatus, FailuresCarryTwiliosCode) {
  // WhatsApp's 63016 (ChannelStatusMessage, no ErrorMessage) says what the agent can do instead.
  for (const auto& [name, error] : std::vector<std::pair<std::string, std::string>>{
           {"status_undelivered_30003", "Twilio error 30003: Unreachable destination handset"},
           {"status_failed_30008", "Twilio error 30008: Unknown error"},
           {"status_whatsapp_failed_63016",
            "Twilio error 63016: outside the WhatsApp 24-hour customer-service window: the customer last wrote more "
            "than 24 hours ago, so WhatsApp takes only an approved template"}}) {
    SCOPED_TRACE(name);
    const auto failed = status(name);
    EXPECT_EQ(failed.status, core::DeliveryStatus::Failed);
    EXPECT_EQ(failed.error, error);
  }
}

TEST(TwilioStatus, OutOfOrderNeverRegresses) {
  // Receipts as Twilio may deliver them: read before delivered, sent last.
  core::DeliveryStatus stored = core::DeliveryStatus::Sent;
  for (const char* name : {"status_read", "status_delivered", "status_sent", "status_queued"}) {
    stored = core::mergeDeliveryStatus(stored, status(name).status);
  }
  EXPECT_EQ(stored, core::DeliveryStatus::Read);
}

TEST(TwilioStatus, IrrelevantAndMalformed) {
  auto p = tw::parseForm("MessageSid=SM1&MessageStatus=received&From=%2B1");
  ASSERT_TRUE(p.ok());
  auto s = tw::parseStatusCallback(*p);
  ASSERT_TRUE(s.ok());
  EXPECT_FALSE(s->has_value());
  for (const char* body : {"MessageStatus=sent", "MessageSid=SM1", "MessageSid=SM%201&MessageStatus=sent"}) {
    auto q = tw::parseForm(body);
    ASSERT_TRUE(q.ok());
    EXPECT_FALSE(tw::parseStatusCallback(*q).ok()) << body;
  }
}

// ---- outbound ------------------------------------------------------------------------------------

TEST(TwilioSend, FormBodyAndLimits) {
  tw::SendRequest r;
  r.to = "whatsapp:+14155552671";
  r.from = "whatsapp:+14155238886";
  r.body = "Hello & welcome";
  r.media_urls = {"https://parley.example.com/webhooks/twilio/media/t1"};
  r.status_callback = "https://parley.example.com/webhooks/twilio/status?inbox=3";
  auto body = tw::encodeSend(r);
  ASSERT_TRUE(body.ok());
  auto back = tw::parseForm(*body);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*tw::param(*back, "To"), "whatsapp:+14155552671");
  EXPECT_EQ(*tw::param(*back, "From"), "whatsapp:+14155238886");
  EXPECT_EQ(*tw::param(*back, "Body"), "Hello & welcome");
  EXPECT_EQ(*tw::param(*back, "MediaUrl"), r.media_urls[0]);
  EXPECT_EQ(*tw::param(*back, "StatusCallback"), r.status_callback);

  tw::SendRequest empty{"+1", "+2", "", {}, ""};
  EXPECT_FALSE(tw::encodeSend(empty).ok());
  tw::SendRequest longer{"+1", "+2", std::string(1601, 'a'), {}, ""};
  EXPECT_FALSE(tw::encodeSend(longer).ok());
  std::string umlauts;
  for (int i = 0; i < 1600; ++i) umlauts += "ä";  // 1600 characters, 3200 bytes
  tw::SendRequest ok{"+1", "+2", umlauts, {}, ""};
  EXPECT_TRUE(tw::encodeSend(ok).ok());
  EXPECT_EQ(*tw::messagesUrl("https://api.twilio.com/", "AC123"), "https://api.twilio.com/2010-04-01/Accounts/AC123/Messages.json");
  EXPECT_FALSE(tw::messagesUrl("https://api.twilio.com", "AC/../x").ok());
  EXPECT_EQ(tw::basicAuth("AC123", "tok"), "Basic QUMxMjM6dG9r");
}

// Messages.json takes "From or MessagingServiceSid"
// (https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource).
TEST(TwilioSend, ThroughAMessagingServiceInsteadOfFrom) {
  tw::SendRequest r{"+14155552671", "+15017122661", "Hallo", {}, ""};
  r.messaging_service_sid = "MG9752274e9e519418a7406176694466fa";
  auto body = tw::encodeSend(r);
  ASSERT_TRUE(body.ok()) << body.error().message;
  auto back = tw::parseForm(*body);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*tw::param(*back, "MessagingServiceSid"), "MG9752274e9e519418a7406176694466fa");
  EXPECT_FALSE(tw::param(*back, "From"));  // the service picks the sender
  EXPECT_EQ(*tw::param(*back, "To"), "+14155552671");
  r.messaging_service_sid = "MGnothex";
  EXPECT_FALSE(tw::encodeSend(r).ok());
  auto c = tw::parseInboxConfig(
      R"({"account_sid":"AC1","auth_token":"t","phone_number":"+15017122661","public_base_url":"https://p.example.com","messaging_service_sid":"MG9752274e9e519418a7406176694466fa"})");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->messaging_service_sid, "MG9752274e9e519418a7406176694466fa");
}

TEST(TwilioSend, AnswersAndErrors) {
  auto ok = tw::interpretSendAnswer(201, R"({"sid":"SM123","status":"queued"})");
  EXPECT_EQ(ok.outcome, Outcome::Delivered);
  EXPECT_EQ(ok.provider_message_id, "SM123");
  EXPECT_EQ(tw::interpretSendAnswer(201, "{}").outcome, Outcome::Failed);

  auto invalid = tw::interpretSendAnswer(
      400, R"({"code":21211,"message":"The 'To' number +1500555 is not a valid phone number.","more_info":"https://www.twilio.com/docs/errors/21211","status":400})");
  EXPECT_EQ(invalid.outcome, Outcome::Failed);
  EXPECT_EQ(invalid.error, "Twilio error 21211: The 'To' number +1500555 is not a valid phone number.");

  // https://www.twilio.com/docs/api/errors/21610: the recipient replied STOP; sending again fails the same way.
  auto unsubscribed = tw::interpretSendAnswer(
      400, R"({"code":21610,"message":"Attempt to send to unsubscribed recipient","more_info":"https://www.twilio.com/docs/errors/21610","status":400})");
  EXPECT_EQ(unsubscribed.outcome, Outcome::Failed);
  EXPECT_EQ(unsubscribed.error, "Twilio error 21610: Attempt to send to unsubscribed recipient");

  auto limited = tw::interpretSendAnswer(429, R"({"code":20429,"message":"Too Many Requests","status":429})", 7);
  EXPECT_EQ(limited.outcome, Outcome::RetryLater);
  EXPECT_EQ(limited.retry_after_ms, 7000);
  EXPECT_EQ(tw::interpretSendAnswer(503, "<html>").outcome, Outcome::RetryLater);
  auto auth = tw::interpretSendAnswer(401, R"({"code":20003,"message":"Authenticate","status":401})");
  EXPECT_EQ(auth.outcome, Outcome::Failed);
  EXPECT_EQ(auth.error, "Twilio error 20003: Authenticate");
  EXPECT_EQ(tw::interpretSendAnswer(404, "not json").error, "Twilio error: HTTP 404");
}

// ---- signed media links --------------------------------------------------------------------------

TEST(TwilioMedia, SignedLinksExpireAndNameTheirInbox) {
  const std::string token = parley::channels::fileLinkToken("key", 3, 17, 1000);
  auto claims = parley::channels::readFileLinkToken(token);
  ASSERT_TRUE(claims.ok());
  EXPECT_EQ(claims->inbox_id, 3);
  EXPECT_EQ(claims->attachment_id, 17);
  EXPECT_TRUE(parley::channels::verifyFileLinkToken("key", token, 999));
  EXPECT_FALSE(parley::channels::verifyFileLinkToken("key", token, 1000));  // expired
  EXPECT_FALSE(parley::channels::verifyFileLinkToken("other", token, 999));
  EXPECT_FALSE(parley::channels::verifyFileLinkToken("key", parley::channels::fileLinkToken("key", 3, 18, 1000).substr(0, 8) + token.substr(8), 999));
  for (const char* bad : {"", "1.2.3", "1.2.3.abc", "a.2.3." , "1.2.3.4.5", "-1.2.3.0000000000000000000000000000000000000000000000000000000000000000"}) {
    EXPECT_FALSE(parley::channels::readFileLinkToken(bad).ok()) << bad;
  }
}

// ---- config --------------------------------------------------------------------------------------

TEST(TwilioConfig, RequiredKeysAndFormats) {
  auto c = tw::parseInboxConfig(
      R"({"account_sid":"AC1","auth_token":"t","phone_number":"whatsapp:+14155238886","public_base_url":"https://p.example.com/"})");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_TRUE(c->whatsapp());
  EXPECT_EQ(c->public_base_url, "https://p.example.com");
  EXPECT_EQ(c->api_base_url, "https://api.twilio.com");
  for (const char* bad : {R"({"auth_token":"t","phone_number":"+1415","public_base_url":"https://p"})",
                          R"({"account_sid":"AC1","phone_number":"+1415","public_base_url":"https://p"})",
                          R"({"account_sid":"AC1","auth_token":"t","phone_number":"4155","public_base_url":"https://p"})",
                          R"({"account_sid":"AC1","auth_token":"t","phone_number":"+1415"})",
                          R"({"account_sid":"AC1","auth_token":"t","phone_number":"+1415","public_base_url":"ftp://p"})",
                          R"({"account_sid":"AC/1","auth_token":"t","phone_number":"+1415","public_base_url":"https://p"})",
                          R"({"account_sid":"AC1","auth_token":"t","phone_number":"+1415","public_base_url":"https://p","messaging_service_sid":"MG1"})",
                          "[]"}) {
    EXPECT_FALSE(tw::parseInboxConfig(bad).ok()) << bad;
  }
}
