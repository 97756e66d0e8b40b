// The outbox's rate per inbox: each provider's documented default and the inbox's own
// max_messages_per_second, validated (channels/common/send_rate.hpp).
#include "channels/common/send_rate.hpp"

#include <gtest/gtest.h>

using namespace parley;

namespace {

TEST(SendRate, ProviderDefaultsAndTheInboxSetting) {
  using channels::defaultSendRate;
  EXPECT_EQ(defaultSendRate(core::ChannelKind::WhatsApp).per_second, 80);
  EXPECT_EQ(defaultSendRate(core::ChannelKind::Telegram).per_second, 30);
  EXPECT_EQ(defaultSendRate(core::ChannelKind::Twilio).per_second, 1);
  EXPECT_EQ(defaultSendRate(core::ChannelKind::Messenger).per_second, 10);
  EXPECT_EQ(defaultSendRate(core::ChannelKind::Instagram).per_second, 10);
  EXPECT_NEAR(defaultSendRate(core::ChannelKind::X).per_second, 0.2222, 0.001);
  EXPECT_EQ(defaultSendRate(core::ChannelKind::Api).per_second, 0);
  EXPECT_EQ(defaultSendRate(core::ChannelKind::Email).per_second, 0);

  core::Inbox twilio;
  twilio.channel = core::ChannelKind::Twilio;
  twilio.config_json = R"({"account_sid":"AC1","max_messages_per_second":3})";
  EXPECT_EQ(channels::inboxSendRate(twilio).per_second, 3) << "a toll-free number sends 3 segments/s";
  EXPECT_EQ(channels::inboxSendRate(twilio).burst, 3);
  twilio.config_json = R"({"max_messages_per_second":0.5})";
  EXPECT_EQ(channels::inboxSendRate(twilio).per_second, 0.5);
  EXPECT_EQ(channels::inboxSendRate(twilio).burst, 1);
  twilio.config_json = "{}";
  EXPECT_EQ(channels::inboxSendRate(twilio).per_second, 1);

  for (const char* bad : {R"({"max_messages_per_second":0})", R"({"max_messages_per_second":-1})",
                          R"({"max_messages_per_second":"fast"})", R"({"max_messages_per_second":10001})",
                          R"({"max_messages_per_second":true})"}) {
    auto r = channels::configuredSendRate(bad);
    if (r.ok()) {
      ADD_FAILURE() << bad << " was accepted";
    } else {
      EXPECT_EQ(r.error().code, core::ErrorCode::InvalidInput) << bad;
      EXPECT_NE(r.error().message.find("max_messages_per_second"), std::string::npos) << r.error().message;
    }
  }
  EXPECT_FALSE(channels::configuredSendRate(R"({"max_messages_per_second":null})")->has_value());
  EXPECT_EQ(channels::configuredSendRate(R"({"max_messages_per_second":10000})")->value(), 10000);
}

}  // namespace
