// WhatsApp message templates: the Business Management API's listing, what Parley keeps of it,
// an agent's template checked and rendered, the documented send JSON and Meta's template errors
// (fixtures under tests/channels/whatsapp/templates/, README.md there names the pages).
#include "channels/whatsapp/whatsapp_templates.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace wa = parley::channels::whatsapp;
namespace app = parley::app;
namespace core = parley::core;
namespace json = boost::json;
using Outcome = parley::app::DeliveryResult::Outcome;

namespace {

const std::filesystem::path kDir = std::filesystem::path(PARLEY_FIXTURES_DIR) / "whatsapp" / "templates";

std::string readFile(const std::string& name) {
  std::ifstream in(kDir / name, std::ios::binary);
  EXPECT_TRUE(in) << "missing fixture " << name;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::vector<wa::MessageTemplate> listing() {
  std::vector<wa::MessageTemplate> all;
  for (const char* page : {"listing_page1.json", "listing_page2.json"}) {
    auto parsed = wa::parseTemplatePage(readFile(page));
    EXPECT_TRUE(parsed.ok()) << page;
    for (auto& t : parsed->templates) all.push_back(std::move(t));
  }
  return all;
}

const wa::MessageTemplate& byName(const std::vector<wa::MessageTemplate>& all, const std::string& name) {
  for (const auto& t : all) {
    if (t.name == name) return t;
  }
  throw std::runtime_error("no template " + name);
}

}  // namespace

TEST(WhatsAppTemplateListing, PagesCarryTheTemplatesAndTheNextCursor) {
  auto first = wa::parseTemplatePage(readFile("listing_page1.json"));
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->after, "MjQZD");
  ASSERT_EQ(first->templates.size(), 2u);
  const auto& reservation = first->templates[0];
  EXPECT_EQ(reservation.name, "reservation_confirmation");
  EXPECT_EQ(reservation.language, "en_US");
  EXPECT_EQ(reservation.status, "APPROVED");
  EXPECT_EQ(reservation.category, "UTILITY");
  EXPECT_EQ(reservation.parameter_format, "NAMED");
  ASSERT_TRUE(reservation.header.has_value());
  EXPECT_EQ(reservation.header->format, "IMAGE");
  EXPECT_EQ(reservation.header->parameters, std::vector<std::string>{"link"});
  // Named parameters in the order they first appear.
  EXPECT_EQ(reservation.body.parameters, (std::vector<std::string>{"number_of_guests", "day", "date", "time"}));
  EXPECT_EQ(reservation.footer, "Lucky Shrub Eatery: The Luckiest Eatery in Town!");
  ASSERT_EQ(reservation.buttons.size(), 3u);
  EXPECT_TRUE(reservation.buttons[0].parameters.empty());  // a URL without a parameter
  EXPECT_EQ(reservation.buttons[1].phone_number, "+15550051310");

  auto last = wa::parseTemplatePage(readFile("listing_page2.json"));
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->after, "");  // cursors, but no "next": the last page
  EXPECT_EQ(last->templates.at(0).status, "PAUSED");
  EXPECT_EQ(last->templates.at(0).buttons.at(0).parameters.size(), 1u);  // the copy code

  EXPECT_FALSE(wa::parseTemplatePage("{\"data\":").ok());
  EXPECT_FALSE(wa::parseTemplatePage("{\"paging\":{}}").ok());
  EXPECT_FALSE(wa::parseTemplatePage(std::string(100, '[') + std::string(100, ']')).ok());
}

TEST(WhatsAppTemplateListing, UrlAsksForTheFieldsAndEncodesTheCursor) {
  auto url = wa::templatesUrl("https://graph.facebook.com/v23.0/", "102290129340398", "MjQ+/=", 100);
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(*url,
            "https://graph.facebook.com/v23.0/102290129340398/message_templates?fields=id,name,language,status,category,"
            "parameter_format,components&limit=100&after=MjQ%2B%2F%3D");
  EXPECT_FALSE(wa::templatesUrl("https://graph.facebook.com/v23.0", "../me", "", 100).ok());
  EXPECT_FALSE(wa::templatesUrl("file:///etc", "1", "", 100).ok());
}

TEST(WhatsAppTemplateListing, PositionalParametersAreAskedInNumericOrder) {
  EXPECT_EQ(wa::templateParameters("{{2}} then {{1}} and {{2}} again"), (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(wa::templateParameters("{{ name }} {{city}}"), (std::vector<std::string>{"name", "city"}));
  EXPECT_TRUE(wa::templateParameters("no {{}} {{bad-name}} here {{").empty());
}

TEST(WhatsAppTemplateSend, RenderedBodyAndTheDocumentedJson) {
  const auto all = listing();
  app::TemplateReply reply{"order_update", "en_US", {"4711"}, {"Jana", "4711", "Monday"}, {"4711"}};
  auto built = wa::buildTemplate(byName(all, "order_update"), reply);
  ASSERT_TRUE(built.ok()) << built.error().message;
  EXPECT_EQ(built->text, "Hello Jana, your order 4711 ships on Monday.");
  auto body = wa::encodeSend({"16505551234", "", built->content});
  ASSERT_TRUE(body.ok()) << body.error().message;
  EXPECT_EQ(json::parse(*body), json::parse(readFile("send_order_update.json")));

  // The message keeps the template; the outbox later sends exactly the same JSON from it.
  const auto payload = wa::templatePayloadJson(byName(all, "order_update"), reply, built->content);
  auto stored = json::parse(payload);
  EXPECT_EQ(stored.at("template").at("name").as_string(), "order_update");
  EXPECT_EQ(stored.at("template").at("header").as_string(), "Order 4711");
  auto again = wa::templateContentFromPayload(payload);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(*wa::encodeSend({"16505551234", "", *again}), *body);
  EXPECT_EQ(wa::templateContentFromPayload("{}").error().code, core::ErrorCode::NotFound);
}

TEST(WhatsAppTemplateSend, NamedParametersAndAMediaHeader) {
  const auto all = listing();
  app::TemplateReply reply{"reservation_confirmation", "en_US", {"https://cdn.example/table.jpg"},
                           {"4", "Saturday", "August 30th, 2025", "7:30 pm"}, {}};
  auto built = wa::buildTemplate(byName(all, "reservation_confirmation"), reply);
  ASSERT_TRUE(built.ok()) << built.error().message;
  EXPECT_NE(built->text.find("Your reservation for 4 at Lucky Shrub Eatery on Saturday, August 30th, 2025, at 7:30 pm"),
            std::string::npos);
  auto body = json::parse(*wa::encodeSend({"16505551234", "", built->content}));
  const auto& components = body.at("template").at("components").as_array();
  EXPECT_EQ(components.at(0), json::parse(R"({"type":"header","parameters":[{"type":"image","image":{"link":"https://cdn.example/table.jpg"}}]})"));
  EXPECT_EQ(components.at(1).at("parameters").at(0),
            json::parse(R"({"type":"text","parameter_name":"number_of_guests","text":"4"})"));
  EXPECT_EQ(components.size(), 2u);  // no button takes a parameter

  reply.header = {"not a link"};
  auto refused = wa::buildTemplate(byName(all, "reservation_confirmation"), reply);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("http(s) link"), std::string::npos);
}

TEST(WhatsAppTemplateSend, WhatDoesNotFitIsRefusedWithAClearReason) {
  const auto all = listing();
  const auto& order = byName(all, "order_update");
  auto refuse = [&](const wa::MessageTemplate& t, app::TemplateReply reply, const std::string& expected) {
    auto built = wa::buildTemplate(t, reply);
    ASSERT_FALSE(built.ok()) << expected;
    EXPECT_EQ(built.error().code, core::ErrorCode::InvalidInput);
    EXPECT_NE(built.error().message.find(expected), std::string::npos) << built.error().message;
  };
  refuse(order, {"order_update", "en_US", {"4711"}, {"Jana", "4711"}, {"4711"}}, "(en_US) expects 3 body parameters, 2 given");
  refuse(order, {"order_update", "en_US", {}, {"Jana", "4711", "Monday"}, {"4711"}}, "expects 1 header parameter, 0 given");
  refuse(order, {"order_update", "en_US", {"4711"}, {"Jana", "4711", "Monday"}, {}}, "expects 1 button parameter, 0 given");
  refuse(order, {"order_update", "en_US", {"4711"}, {"Jana", " ", "Monday"}, {"4711"}}, "is empty");
  refuse(order, {"order_update", "en_US", {"4711"}, {"Jana\nDoe", "4711", "Monday"}, {"4711"}}, "new lines");
  refuse(byName(all, "summer_coupon"), {"summer_coupon", "de", {}, {"SUMMER25", "25%"}, {"SUMMER25"}}, "is PAUSED, not approved");
}

TEST(WhatsAppTemplateSend, CopyCodeButtonsSendACouponCode) {
  auto t = byName(listing(), "summer_coupon");
  t.status = "APPROVED";
  auto built = wa::buildTemplate(t, {"summer_coupon", "de", {}, {"SUMMER25", "25%"}, {"SUMMER25"}});
  ASSERT_TRUE(built.ok()) << built.error().message;
  auto body = json::parse(*wa::encodeSend({"4915112345678", "", built->content}));
  EXPECT_EQ(body.at("template").at("components").at(1),
            json::parse(R"({"type":"button","sub_type":"copy_code","index":"0","parameters":[{"type":"coupon_code","coupon_code":"SUMMER25"}]})"));
}

TEST(WhatsAppTemplateStore, WhatIsKeptReadsBackTheSame) {
  wa::StoredTemplates stored;
  stored.synced_at = 1'764'547'200'000;
  stored.last_attempt_at = stored.synced_at;
  stored.templates = listing();
  const auto text = wa::serializeStoredTemplates(stored);
  auto back = wa::parseStoredTemplates(text);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->synced_at, stored.synced_at);
  ASSERT_EQ(back->templates.size(), stored.templates.size());
  for (std::size_t i = 0; i < stored.templates.size(); ++i) {
    EXPECT_EQ(wa::templateJson(back->templates[i]), wa::templateJson(stored.templates[i]));
  }
  const auto shown = wa::templateJson(stored.templates[0]);
  EXPECT_EQ(shown.at("body").at("parameter_count").as_uint64(), 4u);
  EXPECT_EQ(shown.at("header").at("format").as_string(), "IMAGE");
  EXPECT_FALSE(wa::parseStoredTemplates("not json").ok());
}

TEST(WhatsAppTemplateErrors, MetasTemplateAndWindowErrorsFailTheMessageWithTheirReason) {
  const std::pair<const char*, const char*> cases[] = {
      {"error_132000.json", "WhatsApp error 132000: (#132000) Number of parameters does not match"},
      {"error_132001.json", "WhatsApp error 132001: (#132001) Template name does not exist"},
      {"error_131047.json", "WhatsApp error 131047: (#131047) Re-engagement message"},
  };
  for (const auto& [file, reason] : cases) {
    SCOPED_TRACE(file);
    auto result = wa::interpretSendAnswer(400, readFile(file));
    EXPECT_EQ(result.outcome, Outcome::Failed);  // never retried: the same send fails again
    EXPECT_EQ(result.error.rfind(reason, 0), 0u) << result.error;
  }
  EXPECT_NE(wa::interpretSendAnswer(404, readFile("error_132001.json")).error.find("does not exist in en_US"), std::string::npos);
}

// Location templates (templates/utility-templates/location-templates): the map's place is
// given at send time as the header's latitude, longitude, name and address.
TEST(WhatsAppTemplateSend, ALocationHeaderSendsThePlace) {
  auto page = wa::parseTemplatePage(R"({"data": [{"id": "9", "name": "pickup_point", "language": "de", "status": "APPROVED",
    "category": "UTILITY", "parameter_format": "NAMED", "components": [{"type": "HEADER", "format": "LOCATION"},
    {"type": "BODY", "text": "Ihr Paket {{order}} liegt hier bereit."}]}]})");
  ASSERT_TRUE(page.ok()) << page.error().message;
  const auto& t = page->templates.at(0);
  ASSERT_TRUE(t.header.has_value());
  EXPECT_EQ(t.header->parameters, (std::vector<std::string>{"latitude", "longitude", "name", "address"}));
  app::TemplateReply reply{"pickup_point", "de", {"52.520008", "13.404954", "Paketshop Mitte", "Alexanderplatz 1, 10178 Berlin"},
                           {"4711"}, {}};
  auto built = wa::buildTemplate(t, reply);
  ASSERT_TRUE(built.ok()) << built.error().message;
  EXPECT_EQ(built->text, "Ihr Paket 4711 liegt hier bereit.");
  auto body = json::parse(*wa::encodeSend({"4915112345678", "", built->content}));
  EXPECT_EQ(body.at("template").at("components").at(0), json::parse(R"({"type":"header","parameters":[{"type":"location",
    "location":{"latitude":"52.520008","longitude":"13.404954","name":"Paketshop Mitte","address":"Alexanderplatz 1, 10178 Berlin"}}]})"));
  // The stored payload sends the same again (what the outbox reads).
  auto again = wa::templateContentFromPayload(wa::templatePayloadJson(t, reply, built->content));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(json::parse(*wa::encodeSend({"4915112345678", "", *again})), body);

  for (auto bad : {std::vector<std::string>{"91", "13.4", "x", "y"}, {"52.5", "181", "x", "y"}, {"north", "13.4", "x", "y"},
                   {"52.5", "13.4", "x"}, {"52.5", "13.4", "Paket\nshop", "y"}}) {
    reply.header = bad;
    EXPECT_FALSE(wa::buildTemplate(t, reply).ok()) << bad.size();
  }
}

TEST(WhatsAppTemplateSend, QuickReplyPayloadsGoWithTheirButtonsAndSurviveTheOutbox) {
  const auto all = listing();
  const auto& order = byName(all, "reservation_confirmation");  // URL, PHONE_NUMBER, QUICK_REPLY buttons
  app::TemplateReply reply{"reservation_confirmation", "en_US", {"https://cdn.example/table.jpg"},
                           {"4", "Saturday", "August 30th, 2025", "7:30 pm"}, {}};
  std::size_t quick = 0;
  for (const auto& b : order.buttons) quick += b.type == "QUICK_REPLY";
  ASSERT_GE(quick, 1u) << "the fixture has a quick-reply button";
  reply.quick_replies = {"thanks:4711"};
  auto built = wa::buildTemplate(order, reply);
  ASSERT_TRUE(built.ok()) << built.error().message;
  auto body = json::parse(*wa::encodeSend({"4915112345678", "", built->content}));
  bool found = false;
  for (const auto& c : body.at("template").at("components").as_array()) {
    if (c.as_object().at("type") == "button" && c.as_object().at("sub_type") == "quick_reply") {
      EXPECT_EQ(c.at("parameters"), json::parse(R"([{"type":"payload","payload":"thanks:4711"}])"));
      EXPECT_EQ(c.at("index"), "2");
      found = true;
    }
  }
  EXPECT_TRUE(found);
  // What the outbox keeps sends the same again, also a payload stored before buttons kept their values.
  auto again = wa::templateContentFromPayload(wa::templatePayloadJson(order, reply, built->content));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(json::parse(*wa::encodeSend({"4915112345678", "", *again})), body);
  auto old_payload = json::parse(R"({"template":{"name":"order_update","language":"en_US","parameters":{"header":["4711"],
    "body":["Jana","4711","Monday"],"buttons":["4711"]}},"send":{"header_format":"TEXT","buttons":[{"sub_type":"url","index":0}]}})");
  auto old_content = wa::templateContentFromPayload(json::serialize(old_payload));
  ASSERT_TRUE(old_content.ok());
  ASSERT_EQ(old_content->buttons.size(), 1u);
  EXPECT_EQ(old_content->buttons[0].value, "4711");

  reply.quick_replies = std::vector<std::string>(quick + 1, "x");
  EXPECT_FALSE(wa::buildTemplate(order, reply).ok());
  reply.quick_replies = {std::string(257, 'x')};
  EXPECT_FALSE(wa::buildTemplate(order, reply).ok());
}
