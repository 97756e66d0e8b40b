// buildMail(): what an agent's reply looks like on the wire (CRLF, 7-bit, encoded headers,
// threading headers) and that it reads back through parseMail() exactly as it was written.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "mail/mime.hpp"

namespace mail = parley::mail;

namespace {

std::string readFixture(const std::string& name) {
  std::ifstream in(std::filesystem::path(PARLEY_MAIL_FIXTURES_DIR) / name, std::ios::binary);
  EXPECT_TRUE(in) << "missing fixture " << name;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

mail::OutgoingMail reply() {
  mail::OutgoingMail m;
  m.from = {"Shop Support – Köln", "support@shop.example.com"};
  m.to = {{"Jürgen Müller", "juergen.mueller@example.at"}};
  m.cc = {{"Carter, Jo", "jo.carter@example.com"}, {"", "billing@example.com"}};
  m.subject = "Re: Rücksendung – Lieferung beschädigt";
  m.message_id = "p.42.17@support.shop.example.com";
  m.in_reply_to = {"AM0PR07MB4401A1B2C3D4E5F6@AM0PR07MB4401.eurprd07.prod.outlook.com"};
  m.references = {"first@example.at", "p.41.17@support.shop.example.com",
                  "AM0PR07MB4401A1B2C3D4E5F6@AM0PR07MB4401.eurprd07.prod.outlook.com"};
  m.text =
      "Guten Tag Herr Müller,\n\n"
      "das Rücksendeetikett kommt in einer eigenen Mail. Diese Zeile ist absichtlich länger als "
      "sechsundsiebzig Zeichen, damit quoted-printable sie umbrechen muss.\n"
      "Eine Zeile mit = Zeichen und einem Leerzeichen am Ende \n\n"
      "Freundliche Grüße\nIhr Shop-Team";
  m.date_ms = 1710334925000;
  m.extra_headers = {{"X-Parley-Conversation", "17"}, {"Auto-Submitted", "no"}};
  return m;
}

mail::ParsedMail roundTrip(const std::string& wire) {
  auto parsed = mail::parseMail(wire);
  EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.error().message);
  return parsed.ok() ? *parsed : mail::ParsedMail{};
}

bool hasHeaderLine(const std::string& wire, const std::string& line) {
  const std::string head = wire.substr(0, wire.find("\r\n\r\n") + 2);
  return head.rfind(line + "\r\n", 0) == 0 || head.find("\r\n" + line + "\r\n") != std::string::npos;
}

void expectWireFormat(const std::string& wire) {
  ASSERT_FALSE(wire.empty());
  for (std::size_t i = 0; i < wire.size(); ++i) {
    const auto c = static_cast<unsigned char>(wire[i]);
    ASSERT_LT(c, 0x80) << "8-bit byte at " << i;  // every header and body is encoded
    if (c == '\n') {
      ASSERT_TRUE(i > 0 && wire[i - 1] == '\r') << "bare LF at " << i;
    }
    if (c == '\r') {
      ASSERT_TRUE(i + 1 < wire.size() && wire[i + 1] == '\n') << "bare CR at " << i;
    }
  }
  std::size_t start = 0;
  while (start < wire.size()) {
    const std::size_t end = wire.find("\r\n", start);
    const std::size_t len = (end == std::string::npos ? wire.size() : end) - start;
    EXPECT_LE(len, 998u) << "line too long";
    if (end == std::string::npos) break;
    start = end + 2;
  }
}

TEST(BuildMail, PlainTextReplyOnTheWire) {
  const std::string wire = mail::buildMail(reply());
  expectWireFormat(wire);
  EXPECT_TRUE(hasHeaderLine(wire, "MIME-Version: 1.0")) << wire;
  EXPECT_TRUE(hasHeaderLine(wire, "Message-Id: <p.42.17@support.shop.example.com>")) << wire;
  EXPECT_TRUE(hasHeaderLine(wire, "In-Reply-To: <AM0PR07MB4401A1B2C3D4E5F6@AM0PR07MB4401.eurprd07.prod.outlook.com>"))
      << wire;
  EXPECT_NE(wire.find("References: <first@example.at> <p.41.17@support.shop.example.com>"), std::string::npos) << wire;
  EXPECT_TRUE(hasHeaderLine(wire, "Date: Wed, 13 Mar 2024 13:02:05 +0000")) << wire;
  EXPECT_TRUE(hasHeaderLine(wire, "Content-Type: text/plain; charset=utf-8")) << wire;
  EXPECT_TRUE(hasHeaderLine(wire, "Content-Transfer-Encoding: quoted-printable")) << wire;
  EXPECT_TRUE(hasHeaderLine(wire, "X-Parley-Conversation: 17")) << wire;
  EXPECT_TRUE(hasHeaderLine(wire, "Auto-Submitted: no")) << wire;
  EXPECT_NE(wire.find("Subject: Re: =?UTF-8?"), std::string::npos) << wire;
  EXPECT_NE(wire.find("Guten Tag Herr M=C3=BCller,"), std::string::npos) << wire;
  EXPECT_EQ(wire.find("multipart"), std::string::npos);
}

TEST(BuildMail, PlainTextReplyReadsBackTheSame) {
  const auto original = reply();
  const auto m = roundTrip(mail::buildMail(original));
  EXPECT_EQ(m.subject, original.subject);
  EXPECT_EQ(m.from.name, "Shop Support – Köln");
  EXPECT_EQ(m.from.address, "support@shop.example.com");
  ASSERT_EQ(m.to.size(), 1u);
  EXPECT_EQ(m.to[0].name, "Jürgen Müller");
  EXPECT_EQ(m.to[0].address, "juergen.mueller@example.at");
  ASSERT_EQ(m.cc.size(), 2u);
  EXPECT_EQ(m.cc[0].name, "Carter, Jo");
  EXPECT_EQ(m.cc[1].address, "billing@example.com");
  EXPECT_EQ(m.message_id, original.message_id);
  EXPECT_EQ(m.in_reply_to, original.in_reply_to);
  EXPECT_EQ(m.references, original.references);
  EXPECT_EQ(m.date_ms, original.date_ms);
  EXPECT_EQ(m.text, original.text);
  EXPECT_TRUE(m.html.empty());
  EXPECT_TRUE(m.files.empty());
  EXPECT_FALSE(m.auto_submitted);  // "Auto-Submitted: no"
}

TEST(BuildMail, HtmlAlternativeReadsBack) {
  auto original = reply();
  original.html = "<p>Guten Tag Herr <b>Müller</b>,</p><p>Ihr Shop-Team</p>";
  const std::string wire = mail::buildMail(original);
  expectWireFormat(wire);
  EXPECT_NE(wire.find("Content-Type: multipart/alternative"), std::string::npos);
  EXPECT_LT(wire.find("Content-Type: text/plain"), wire.find("Content-Type: text/html"));  // richest last
  const auto m = roundTrip(wire);
  EXPECT_EQ(m.text, original.text);
  EXPECT_EQ(m.html, "<p>Guten Tag Herr <b>Müller</b>,</p><p>Ihr Shop-Team</p>\n");
}

TEST(BuildMail, AttachmentsReadBackByteForByte) {
  auto original = reply();
  original.html = "<p>Anbei</p>";
  std::string all_bytes;
  for (int i = 0; i < 256; ++i) all_bytes.push_back(static_cast<char>(i));
  original.files = {{"Rücksendeetikett März.pdf", "application/pdf", readFixture("invoice.pdf")},
                    {"all-bytes.bin", "Application/Octet-Stream", all_bytes + all_bytes},
                    {"logo.png", "image/png", readFixture("logo.png")},
                    {"", "not a type", "x"}};
  const std::string wire = mail::buildMail(original);
  expectWireFormat(wire);
  EXPECT_NE(wire.find("Content-Type: multipart/mixed"), std::string::npos);
  EXPECT_NE(wire.find("filename*=UTF-8''R%C3%BCcksendeetikett%20M%C3%A4rz.pdf"), std::string::npos) << wire;
  EXPECT_NE(wire.find("Content-Transfer-Encoding: base64"), std::string::npos);

  const auto m = roundTrip(wire);
  EXPECT_EQ(m.text, original.text);
  EXPECT_EQ(m.html, "<p>Anbei</p>\n");
  ASSERT_EQ(m.files.size(), 4u);
  EXPECT_EQ(m.files[0].filename, "Rücksendeetikett März.pdf");
  EXPECT_EQ(m.files[0].content_type, "application/pdf");
  EXPECT_EQ(m.files[0].bytes, readFixture("invoice.pdf"));
  EXPECT_FALSE(m.files[0].is_inline);
  EXPECT_EQ(m.files[1].filename, "all-bytes.bin");
  EXPECT_EQ(m.files[1].content_type, "application/octet-stream");
  EXPECT_EQ(m.files[1].bytes, all_bytes + all_bytes);
  EXPECT_EQ(m.files[2].bytes, readFixture("logo.png"));
  EXPECT_EQ(m.files[3].filename, "attachment-4");
  EXPECT_EQ(m.files[3].content_type, "application/octet-stream");
}

TEST(BuildMail, UserInputCannotAddHeaders) {
  mail::OutgoingMail m;
  m.from = {"Evil\r\nBcc: victim@example.com", "support@shop.example.com"};
  m.to = {{"", "kim@example.com\r\nBcc: victim@example.com"}};
  m.subject = "Hello\r\nBcc: victim@example.com";
  m.message_id = "id@example.com>\r\nBcc: <victim@example.com";
  m.text = "body";
  m.extra_headers = {{"X-Inject", "a\r\nBcc: victim@example.com"},
                     {"Bcc", "victim@example.com"},
                     {"Content-Type", "text/html"},
                     {"Bad Name", "x"},
                     {"Bad:Name", "x"}};
  const std::string wire = mail::buildMail(m);
  expectWireFormat(wire);
  EXPECT_EQ(wire.find("\r\nBcc:"), std::string::npos) << wire;
  EXPECT_EQ(wire.find("Bad"), std::string::npos) << wire;
  EXPECT_EQ(wire.find("text/html"), std::string::npos) << wire;
  const auto parsed = roundTrip(wire);
  EXPECT_EQ(parsed.subject, "Hello  Bcc: victim@example.com");
  EXPECT_EQ(parsed.text, "body");
}

TEST(BuildMail, MissingMessageIdAndDateAreFilledIn) {
  mail::OutgoingMail m;
  m.from = {"", "support@shop.example.com"};
  m.to = {{"", "kim@example.com"}};
  m.subject = "Hi";
  m.text = "x";
  const auto before = std::chrono::system_clock::now();
  const auto parsed = roundTrip(mail::buildMail(m));
  EXPECT_FALSE(parsed.message_id.empty());
  EXPECT_NE(parsed.message_id.find("@shop.example.com"), std::string::npos) << parsed.message_id;
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(before.time_since_epoch()).count();
  EXPECT_NEAR(static_cast<double>(parsed.date_ms), static_cast<double>(now_ms), 120000.0);
}

TEST(BuildMail, LongHeadersAreFolded) {
  auto original = reply();
  original.subject.clear();
  for (int i = 0; i < 40; ++i) original.subject += "Bestellung Nr. " + std::to_string(i) + " – Größe ";
  for (int i = 0; i < 60; ++i) original.references.push_back("ref" + std::to_string(i) + "@thread.example.com");
  const std::string wire = mail::buildMail(original);
  expectWireFormat(wire);
  const auto m = roundTrip(wire);
  EXPECT_EQ(m.subject, std::string(original.subject.substr(0, original.subject.size() - 1)));  // trailing space trimmed
  EXPECT_EQ(m.references, original.references);
}

}  // namespace
