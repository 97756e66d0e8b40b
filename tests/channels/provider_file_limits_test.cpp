// The documented size limits Parley checks when a reply with files is posted, so the agent
// hears at once which file is too large and what the provider takes (400, nothing stored),
// instead of a failed delivery later: Messenger's 25 MB (send-messages/saving-assets), Twilio's
// 5 MB of media per MMS and 16 MB per WhatsApp message (messaging/guides/accepted-mime-types).
// Telegram's 50 MB is in telegram_codec_test.cpp, WhatsApp's table in whatsapp_media_test.cpp.
#include <gtest/gtest.h>

#include <string>

#include "channels/messenger/messenger_gateway.hpp"
#include "channels/twilio/twilio_gateway.hpp"
#include "outbound_reply.hpp"

namespace core = parley::core;
namespace ms = parley::channels::messenger;
namespace tw = parley::channels::twilio;
using parley::test::OutboundReply;
using parley::test::storedFile;

namespace {

constexpr std::int64_t kMb = 1024 * 1024;

std::string refusal(const core::Result<std::string>& encoded) {
  EXPECT_FALSE(encoded.ok());
  if (encoded.ok()) return "";
  EXPECT_EQ(encoded.error().code, core::ErrorCode::InvalidInput);
  return encoded.error().message;
}

}  // namespace

TEST(ProviderFileLimits, MessengerTakesFilesOfUpTo25Mb) {
  ms::MessengerGateway gateway(ms::Product::Messenger, "/nonexistent");
  OutboundReply reply(core::ChannelKind::Messenger, R"({"page_id":"1"})", "24000000000000001");
  reply.attachments = {storedFile("video.mp4", "video/mp4", 25 * kMb)};
  EXPECT_TRUE(reply.encodeWith(gateway).ok());
  reply.attachments = {storedFile("video.mp4", "video/mp4", 26 * kMb)};
  EXPECT_EQ(refusal(reply.encodeWith(gateway)),
            "\"video.mp4\" (video/mp4, 26.0 MB) is too large for Messenger: it takes files of up to 25 MB");
}

TEST(ProviderFileLimits, TwilioTakes5MbOfMediaPerMmsAnd16MbPerWhatsAppMessage) {
  tw::TwilioGateway gateway;
  const std::string sms_config =
      R"({"account_sid":"AC1","auth_token":"t","phone_number":"+14155238886","public_base_url":"https://p.example"})";
  OutboundReply mms(core::ChannelKind::Twilio, sms_config, "+14155550100");
  mms.attachments = {storedFile("a.jpg", "image/jpeg", 2 * kMb), storedFile("b.jpg", "image/jpeg", 3 * kMb)};
  EXPECT_TRUE(mms.encodeWith(gateway).ok());
  mms.attachments = {storedFile("flyer.png", "image/png", 6 * kMb)};
  EXPECT_EQ(refusal(mms.encodeWith(gateway)),
            "\"flyer.png\" (image/png, 6.0 MB) is too large for MMS through Twilio: it takes up to 5 MB of media per message");
  mms.attachments = {storedFile("a.jpg", "image/jpeg", 3 * kMb), storedFile("b.jpg", "image/jpeg", 3 * kMb)};
  const auto together = refusal(mms.encodeWith(gateway));
  EXPECT_NE(together.find("the 2 files together (6.0 MB) are too large for MMS through Twilio"), std::string::npos)
      << together;

  OutboundReply whatsapp(core::ChannelKind::Twilio,
                 R"({"account_sid":"AC1","auth_token":"t","phone_number":"whatsapp:+14155238886","public_base_url":"https://p.example"})",
                 "+14155550100");
  whatsapp.attachments = {storedFile("clip.mp4", "video/mp4", 16 * kMb)};
  EXPECT_TRUE(whatsapp.encodeWith(gateway).ok());
  whatsapp.attachments = {storedFile("clip.mp4", "video/mp4", 17 * kMb)};
  EXPECT_NE(refusal(whatsapp.encodeWith(gateway)).find("too large for WhatsApp through Twilio: it takes up to 16 MB"),
            std::string::npos);
}
