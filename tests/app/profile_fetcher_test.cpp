// Naming Messenger / Instagram customers from the profile API, on a real SQLite store with a
// scripted gateway and a manual clock: the name arrives after the message, an agent's name is
// never overwritten, final errors are not retried, temporary ones are.
#include "app/profile_fetcher.hpp"

#include <gtest/gtest.h>

#include "app/desk_service.hpp"
#include "app/store_fixture.hpp"
#include "bus/in_process_bus.hpp"

using namespace parley;

namespace {

class ProfileGateway final : public app::ChannelGateway {
 public:
  std::vector<core::Result<app::CustomerProfile>> script;  // answers in turn, then the name
  std::vector<std::string> asked;
  core::Result<std::string> encode(const app::OutboundContext&) const override { return std::string("x"); }
  app::DeliveryResult deliver(const core::Inbox&, const core::OutboxItem&) override { return {}; }
  bool hasCustomerProfiles() const override { return true; }
  core::Result<app::CustomerProfile> fetchProfile(const core::Inbox&, const std::string& id) override {
    asked.push_back(id);
    if (script.empty()) return app::CustomerProfile{"Jana Müller"};
    auto r = script.front();
    script.erase(script.begin());
    return r;
  }
};

// A channel without a profile API (like the API channel or e-mail).
class PlainGateway final : public app::ChannelGateway {
 public:
  core::Result<std::string> encode(const app::OutboundContext&) const override { return std::string("x"); }
  app::DeliveryResult deliver(const core::Inbox&, const core::OutboxItem&) override { return {}; }
};

class ProfileFetcherTest : public parley::testing::StoreTest {
 protected:
  ProfileFetcherTest() : StoreTest("profile") {}
  void SetUp() override {
    gateway_ = std::make_shared<ProfileGateway>();
    app::ChannelGateways gateways{{core::ChannelKind::Messenger, gateway_},
                                  {core::ChannelKind::Api, std::make_shared<PlainGateway>()}};
    desk_ = std::make_unique<app::DeskService>(*store_, bus_, clock_, gateways);
    fetcher_ = std::make_unique<app::ProfileFetcher>(*store_, bus_, clock_, gateways, app::ProfileFetchPolicy{3, 3, 2000});
    bus_.subscribe([this](const app::Event& e) {
      fetcher_->onEvent(e);
      if (e.type == "contact.updated") updates_.push_back(std::get<core::Contact>(e.subject));
    });
    ASSERT_TRUE(store_->write([&](app::StoreTx& tx) -> core::Status {
      messenger_ = addInbox(tx, "Page", core::ChannelKind::Messenger);
      api_ = addInbox(tx, "API", core::ChannelKind::Api, "http://127.0.0.1:9/");
      return {};
    }));
  }
  void TearDown() override {
    fetcher_.reset();
    desk_.reset();
    StoreTest::TearDown();
  }

  core::ContactId write(core::InboxId inbox, const std::string& psid, const std::string& mid) {
    core::InboundMessage in;
    in.inbox_id = inbox;
    in.external_id = mid;
    in.contact.external_id = psid;
    in.text = "Hallo";
    auto r = desk_->ingest(in);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r ? r->contact_id : core::ContactId{};
  }
  std::string nameOf(core::ContactId id) {
    auto c = app::readOne(*store_, [&](app::StoreTx& tx) { return tx.getContact(tenant_, id); });
    return c ? c->name : "?";
  }

  bus::InProcessBus bus_{1};
  std::shared_ptr<ProfileGateway> gateway_;
  std::unique_ptr<app::DeskService> desk_;
  std::unique_ptr<app::ProfileFetcher> fetcher_;
  std::vector<core::Contact> updates_;
  core::InboxId messenger_, api_;
};

TEST_F(ProfileFetcherTest, ANewCustomerIsNamedAfterTheMessageIsStored) {
  const auto contact = write(messenger_, "1254459154682919", "m_1");
  EXPECT_EQ(nameOf(contact), "1254459154682919");  // the webhook's answer does not wait for the name
  EXPECT_TRUE(gateway_->asked.empty());
  EXPECT_EQ(fetcher_->runOnce(), 1);
  EXPECT_EQ(gateway_->asked, std::vector<std::string>{"1254459154682919"});
  EXPECT_EQ(nameOf(contact), "Jana Müller");
  ASSERT_EQ(updates_.size(), 2u);  // the new contact, then its name
  EXPECT_EQ(updates_.back().name, "Jana Müller");
  // Another message in the same conversation asks nothing more.
  write(messenger_, "1254459154682919", "m_2");
  EXPECT_EQ(fetcher_->runOnce(), 0);
  EXPECT_EQ(gateway_->asked.size(), 1u);
}

TEST_F(ProfileFetcherTest, ANameTheAgentSetIsNeverOverwritten) {
  gateway_->script.push_back(core::makeError(core::ErrorCode::Unavailable, "Messenger error 2: try later"));
  const auto contact = write(messenger_, "100", "m_1");
  EXPECT_EQ(fetcher_->runOnce(), 1);  // temporary: tried again after the back-off
  ASSERT_TRUE(store_->write([&](app::StoreTx& tx) -> core::Status {
    auto c = tx.getContact(tenant_, contact);
    c->name = "Frau Müller (Stammkundin)";
    return tx.updateContact(*c);
  }));
  EXPECT_EQ(fetcher_->runOnce(), 0);  // not due yet
  clock_.advance(2000);
  EXPECT_EQ(fetcher_->runOnce(), 1);
  EXPECT_EQ(gateway_->asked.size(), 1u);  // the agent's name: nothing to ask
  EXPECT_EQ(nameOf(contact), "Frau Müller (Stammkundin)");
}

TEST_F(ProfileFetcherTest, TemporaryErrorsAreRetriedWithBackOffAndFinalOnesAreNot) {
  for (int i = 0; i < 2; ++i) gateway_->script.push_back(core::makeError(core::ErrorCode::Unavailable, "HTTP 503"));
  const auto retried = write(messenger_, "200", "m_1");
  fetcher_->runOnce();
  clock_.advance(2000);
  fetcher_->runOnce();
  clock_.advance(3999);
  EXPECT_EQ(fetcher_->runOnce(), 0);  // 2 s, then 4 s
  clock_.advance(1);
  EXPECT_EQ(fetcher_->runOnce(), 1);
  EXPECT_EQ(nameOf(retried), "Jana Müller");
  EXPECT_EQ(gateway_->asked.size(), 3u);

  gateway_->script.push_back(core::makeError(core::ErrorCode::InvalidInput, "Messenger error 230: Requires pages_messaging permission"));
  const auto denied = write(messenger_, "300", "m_2");
  EXPECT_EQ(fetcher_->runOnce(), 1);
  clock_.advance(60'000);
  EXPECT_EQ(fetcher_->runOnce(), 0);
  EXPECT_EQ(nameOf(denied), "300");
  EXPECT_EQ(fetcher_->failed(), 1u);
  // A later conversation of that contact is not asked again in this run.
  EXPECT_FALSE(fetcher_->enqueue(tenant_, messenger_, denied));
}

TEST_F(ProfileFetcherTest, ChannelsWithoutProfilesAndAFullQueueAreSkipped) {
  // The API channel's contacts come with their names; a gateway without profiles is never asked.
  core::InboundMessage in;
  in.inbox_id = api_;
  in.external_id = "a-1";
  in.contact.external_id = "crm-1";
  in.contact.name = "Otto";
  in.text = "Hallo";
  ASSERT_TRUE(desk_->ingest(in).ok());
  EXPECT_EQ(fetcher_->runOnce(), 1);
  EXPECT_TRUE(gateway_->asked.empty());
  // Learnt: the inbox's next new customers are not even queued.
  in.external_id = "a-2";
  in.contact.external_id = "crm-2";
  ASSERT_TRUE(desk_->ingest(in).ok());
  EXPECT_EQ(fetcher_->runOnce(), 0);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(fetcher_->enqueue(tenant_, messenger_, core::ContactId{1000 + i}));
  EXPECT_FALSE(fetcher_->enqueue(tenant_, messenger_, core::ContactId{2000}));  // bounded: queue_limit 3
  EXPECT_EQ(fetcher_->dropped(), 1u);
}

}  // namespace
