// DeskService::applyCustomerAccountChange on a real SQLite store: a WhatsApp customer who changes
// their number keeps their contact and conversation; a number another contact holds stays there
// and the line names it; a redelivered notice changes nothing; a new security code is a line.
#include <gtest/gtest.h>

#include <algorithm>

#include "app/desk_service.hpp"
#include "app/store_fixture.hpp"
#include "bus/in_process_bus.hpp"

using namespace parley;
using Kind = app::CustomerAccountChange::Kind;

namespace {

class CustomerAccountChangeTest : public parley::testing::StoreTest {
 protected:
  CustomerAccountChangeTest() : StoreTest("account-change") {}
  void SetUp() override {
    bus_.subscribe([this](const app::Event& e) { events_.push_back(e.type); });
    desk_ = std::make_unique<app::DeskService>(*store_, bus_, clock_, app::ChannelGateways{});
    ASSERT_TRUE(store_->write([&](app::StoreTx& tx) -> core::Status {
      inbox_id_ = addInbox(tx, "WhatsApp", core::ChannelKind::WhatsApp);
      auto box = tx.getInbox(tenant_, inbox_id_);
      if (!box) return box.error();
      inbox_ = *box;
      return {};
    }));
  }
  void TearDown() override {
    desk_.reset();
    StoreTest::TearDown();
  }

  // A text from WhatsApp user `wa_id`, as the codec gives it.
  core::IngestResult write(const std::string& wa_id, const std::string& wamid, const std::string& name = "") {
    core::InboundMessage in;
    in.inbox_id = inbox_id_;
    in.external_id = wamid;
    in.contact = {wa_id, name, "+" + wa_id, "", true};
    in.text = "Hallo";
    auto r = desk_->ingest(in);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r ? *r : core::IngestResult{};
  }

  // Meta's example notice: 16505551234 became 12195555358.
  app::CustomerAccountChange numberChange(const std::string& wamid = "wamid.system-1") {
    app::CustomerAccountChange c;
    c.kind = Kind::NumberChanged;
    c.message_id = wamid;
    c.external_id = "16505551234";
    c.old_phone = "+16505551234";
    c.new_external_id = "12195555358";
    c.new_phone = "+12195555358";
    c.text = "User Sheena Nelson changed from 16505551234 to 12195555358";
    c.provider_type = "user_changed_number";
    return c;
  }

  app::CustomerAccountChangeResult apply(const app::CustomerAccountChange& change) {
    auto r = desk_->applyCustomerAccountChange(inbox_, change);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r ? *r : app::CustomerAccountChangeResult{};
  }

  std::vector<std::string> phonesOf(core::ContactId contact) {
    auto ids = app::readOne(*store_, [&](app::StoreTx& tx) { return tx.listIdentities(tenant_, contact); });
    EXPECT_TRUE(ids.ok());
    std::vector<std::string> phones;
    for (const auto& i : ids ? *ids : std::vector<core::ContactIdentity>{}) {
      if (i.kind == core::IdentityKind::Phone) phones.push_back(i.value);
    }
    std::sort(phones.begin(), phones.end());
    return phones;
  }

  std::vector<core::Message> timeline(core::ConversationId id) {
    auto m = app::readOne(*store_, [&](app::StoreTx& tx) { return tx.listMessages(tenant_, id, core::MessageId{}, 100); });
    EXPECT_TRUE(m.ok());
    return m ? *m : std::vector<core::Message>{};
  }

  bus::InProcessBus bus_{1};
  std::vector<std::string> events_;
  std::unique_ptr<app::DeskService> desk_;
  core::InboxId inbox_id_;
  core::Inbox inbox_;
};

TEST_F(CustomerAccountChangeTest, TheNextMessageFromTheNewNumberContinuesTheSameContactAndConversation) {
  const auto before = write("16505551234", "wamid.first", "Sheena Nelson");
  const auto changed = apply(numberChange());
  EXPECT_FALSE(changed.duplicate);
  EXPECT_FALSE(changed.new_contact);
  EXPECT_EQ(changed.contact_id, before.contact_id);
  EXPECT_EQ(changed.conversation_id, before.conversation_id);
  EXPECT_EQ(changed.identities_added, 2);  // the new WhatsApp id and the new number
  EXPECT_FALSE(changed.other_contact_id.valid());

  const auto after = write("12195555358", "wamid.after");
  EXPECT_FALSE(after.new_contact);
  EXPECT_EQ(after.contact_id, before.contact_id);
  EXPECT_EQ(after.conversation_id, before.conversation_id);
  // Both numbers stay with the contact: the old one for the history.
  EXPECT_EQ(phonesOf(before.contact_id), (std::vector<std::string>{"+12195555358", "+16505551234"}));

  const auto lines = timeline(before.conversation_id);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[1].direction, core::MessageDirection::Activity);
  EXPECT_EQ(lines[1].text, "User Sheena Nelson changed from 16505551234 to 12195555358");
  EXPECT_NE(lines[1].payload_json.find(R"("activity":"number_changed")"), std::string::npos) << lines[1].payload_json;
  EXPECT_NE(lines[1].payload_json.find(R"("to":"+12195555358")"), std::string::npos) << lines[1].payload_json;
  EXPECT_NE(std::find(events_.begin(), events_.end(), "contact.updated"), events_.end());
}

TEST_F(CustomerAccountChangeTest, ANumberAnotherContactHoldsStaysThereAndTheLineNamesIt) {
  const auto sheena = write("16505551234", "wamid.a", "Sheena Nelson");
  const auto other = write("12195555358", "wamid.b", "S. N.");
  ASSERT_NE(sheena.contact_id, other.contact_id);

  const auto changed = apply(numberChange());
  EXPECT_EQ(changed.contact_id, sheena.contact_id);
  EXPECT_EQ(changed.other_contact_id, other.contact_id);
  EXPECT_EQ(changed.identities_added, 0);
  EXPECT_EQ(phonesOf(sheena.contact_id), (std::vector<std::string>{"+16505551234"}));
  EXPECT_EQ(phonesOf(other.contact_id), (std::vector<std::string>{"+12195555358"}));

  const auto lines = timeline(sheena.conversation_id);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[1].text.find("already belongs to contact S. N. (#" + std::to_string(other.contact_id.value) + ")"),
            std::string::npos)
      << lines[1].text;
  EXPECT_NE(lines[1].payload_json.find(R"("activity":"number_conflict")"), std::string::npos);
  EXPECT_NE(lines[1].payload_json.find(R"("other":"S. N.")"), std::string::npos);
  // Both contacts are kept: the next message from the new number is still the other contact's.
  EXPECT_EQ(write("12195555358", "wamid.c").contact_id, other.contact_id);
}

TEST_F(CustomerAccountChangeTest, ARedeliveredNoticeChangesNothingTwice) {
  const auto before = write("16505551234", "wamid.first");
  const auto first = apply(numberChange());
  const auto events = events_.size();
  const auto again = apply(numberChange());
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ(again.message_id, first.message_id);
  EXPECT_EQ(events_.size(), events);  // nobody hears of it again
  EXPECT_EQ(timeline(before.conversation_id).size(), 2u);
  EXPECT_EQ(phonesOf(before.contact_id).size(), 2u);
}

TEST_F(CustomerAccountChangeTest, ANewSecurityCodeIsALineOnly) {
  const auto before = write("16505551234", "wamid.first");
  app::CustomerAccountChange c;
  c.kind = Kind::IdentityChanged;
  c.message_id = "wamid.identity";
  c.external_id = "16505551234";
  c.old_phone = "+16505551234";
  const auto changed = apply(c);
  EXPECT_EQ(changed.conversation_id, before.conversation_id);
  EXPECT_EQ(changed.identities_added, 0);
  const auto lines = timeline(before.conversation_id);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1].text, "The customer's WhatsApp security code changed");
  EXPECT_NE(lines[1].payload_json.find(R"("activity":"identity_changed")"), std::string::npos);
  EXPECT_EQ(phonesOf(before.contact_id), (std::vector<std::string>{"+16505551234"}));
}

TEST_F(CustomerAccountChangeTest, AnUnknownCustomerGetsAContactWithBothNumbersAndAResolvedConversation) {
  const auto changed = apply(numberChange());
  EXPECT_TRUE(changed.new_contact);
  EXPECT_EQ(phonesOf(changed.contact_id), (std::vector<std::string>{"+12195555358", "+16505551234"}));
  auto conversation = app::readOne(*store_, [&](app::StoreTx& tx) { return tx.getConversation(tenant_, changed.conversation_id); });
  ASSERT_TRUE(conversation.ok());
  EXPECT_EQ(conversation->status, core::ConversationStatus::Resolved);  // nothing to answer
  // The customer's first message opens the conversation anew, under the same contact.
  const auto first = write("12195555358", "wamid.hello");
  EXPECT_EQ(first.contact_id, changed.contact_id);
}

TEST_F(CustomerAccountChangeTest, ANoticeWithoutItsIdsIsRefusedAndStoresNothing) {
  auto c = numberChange();
  c.new_external_id.clear();
  auto r = desk_->applyCustomerAccountChange(inbox_, c);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, core::ErrorCode::InvalidInput);
  c = numberChange();
  c.message_id.clear();
  EXPECT_FALSE(desk_->applyCustomerAccountChange(inbox_, c).ok());
  EXPECT_TRUE(events_.empty());
}

}  // namespace

// A customer's doing that is no message (Telegram: they blocked the bot): a line in their
// conversation, which stays as it was; nothing for someone without one; once per notice.
TEST_F(CustomerAccountChangeTest, ANoticeIsALineInTheCustomersConversationAndCreatesNothing) {
  app::CustomerNotice blocked{"my_chat_member:10027", "16505551234", "bot_blocked", "The customer blocked the bot", 1735691200000};
  auto nobody = desk_->noteCustomerActivity(inbox_, blocked);
  ASSERT_FALSE(nobody.ok());
  EXPECT_EQ(nobody.error().code, core::ErrorCode::NotFound);
  auto contacts = app::readOne(*store_, [&](app::StoreTx& tx) { return tx.listContacts({.tenant_id = tenant_}); });
  ASSERT_TRUE(contacts.ok());
  EXPECT_TRUE(contacts->empty());

  const auto wrote = write("16505551234", "wamid.first", "Sheena Nelson");
  const auto wrote_at = clock_.now();
  clock_.advance(60'000);
  events_.clear();
  const auto noted = desk_->noteCustomerActivity(inbox_, blocked);
  ASSERT_TRUE(noted.ok()) << noted.error().message;
  EXPECT_FALSE(noted->duplicate);
  EXPECT_EQ(noted->conversation_id, wrote.conversation_id);
  const auto lines = timeline(wrote.conversation_id);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1].direction, core::MessageDirection::Activity);
  EXPECT_EQ(lines[1].text, "The customer blocked the bot");
  EXPECT_NE(lines[1].payload_json.find(R"("activity":"bot_blocked")"), std::string::npos) << lines[1].payload_json;
  EXPECT_EQ(events_, (std::vector<std::string>{"message.created"}));

  const auto again = desk_->noteCustomerActivity(inbox_, blocked);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(again->message_id, noted->message_id);
  EXPECT_EQ(timeline(wrote.conversation_id).size(), 2u);
  auto conversation = app::readOne(*store_, [&](app::StoreTx& tx) { return tx.getConversation(tenant_, wrote.conversation_id); });
  ASSERT_TRUE(conversation.ok());
  EXPECT_EQ(conversation->last_incoming_at, wrote_at);  // a notice is no message: the window stays
  EXPECT_EQ(conversation->status, core::ConversationStatus::Open);
}
