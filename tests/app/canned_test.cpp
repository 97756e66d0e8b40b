#include "app/canned.hpp"

#include <gtest/gtest.h>

using namespace parley;

TEST(CannedResponses, FillsContactAndAgentVariables) {
  core::Contact contact;
  contact.name = "Jana Müller";
  core::User agent;
  agent.name = "Tom Berger";
  auto text = app::renderCanned("Hallo {{contact.first_name}}, hier ist {{agent.name}}.", {&contact, &agent});
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "Hallo Jana, hier ist Tom Berger.");
}

TEST(CannedResponses, NothingIsHtmlEscapedBecauseMessagesArePlainText) {
  core::Contact contact;
  contact.name = "Ben & Jerry's <Shop>";
  auto text = app::renderCanned("{{contact.name}}", {&contact});
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "Ben & Jerry's <Shop>");
}

TEST(CannedResponses, MissingVariablesRenderEmptyAndBrokenTemplatesAreRefused) {
  auto text = app::renderCanned("Hallo {{contact.first_name}}!", {});
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "Hallo !");
  EXPECT_FALSE(app::validateCannedTemplate("{{#contact}}unclosed").ok());
  EXPECT_TRUE(app::validateCannedTemplate("ok {{agent.name}}").ok());
}
