// parseMail() against raw mails as real clients send them (tests/mail/fixtures/*.eml:
// Thunderbird, Outlook, Gmail, Apple Mail, Postfix DSNs, ...) and against broken input. What is
// asserted is what an agent sees in the desk: who wrote, the decoded text, the file names and
// bytes, the thread a reply belongs to, and whether the mail is an automatic one.
#include "mail/mime.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/text.hpp"

namespace mail = parley::mail;
namespace core = parley::core;

namespace {

const std::filesystem::path kFixtures(PARLEY_MAIL_FIXTURES_DIR);

std::string readFile(const std::string& name) {
  std::ifstream in(kFixtures / name, std::ios::binary);
  EXPECT_TRUE(in) << "missing fixture " << name;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

mail::ParsedMail parse(const std::string& raw) {
  auto parsed = mail::parseMail(raw);
  EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.error().message);
  return parsed.ok() ? *parsed : mail::ParsedMail{};
}

mail::ParsedMail parseFixture(const std::string& name) { return parse(readFile(name)); }

std::string toCrlf(const std::string& lf) {
  std::string out;
  for (char c : lf) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

std::string toLf(std::string text) {
  text.erase(std::remove(text.begin(), text.end(), '\r'), text.end());
  return text;
}

// Every string the desk shows must be valid UTF-8, whatever the mail contained.
void expectDisplayable(const mail::ParsedMail& m) {
  EXPECT_TRUE(core::isValidUtf8(m.subject));
  EXPECT_TRUE(core::isValidUtf8(m.text));
  EXPECT_TRUE(core::isValidUtf8(m.html));
  EXPECT_TRUE(core::isValidUtf8(m.from.name));
  EXPECT_TRUE(core::isValidUtf8(m.from.address));
  EXPECT_TRUE(core::isValidUtf8(m.auto_reason));
  for (const auto& a : m.to) EXPECT_TRUE(core::isValidUtf8(a.name) && core::isValidUtf8(a.address));
  for (const auto& f : m.files) {
    EXPECT_TRUE(core::isValidUtf8(f.filename)) << f.filename;
    EXPECT_FALSE(f.filename.empty());
    EXPECT_EQ(f.filename.find('/'), std::string::npos);
  }
}

const std::vector<std::string> kAllFixtures = {
    "alternative.eml",  "bogus_charset.eml",   "bounce_dsn.eml",       "de_qp_latin1.eml",
    "de_qp_utf8.eml",   "encoded_words.eml",   "forwarded_rfc822.eml", "html_only_xss.eml",
    "invalid_utf8.eml", "no_message_id.eml",   "out_of_office.eml",    "pdf_attachment.eml",
    "related_cid.eml",  "reply.eml",           "rfc2231_filename.eml", "undeclared_latin1.eml"};

// ---- decoding -----------------------------------------------------------------------------

TEST(ParseMail, GermanQuotedPrintableInLatin1) {
  const auto m = parseFixture("de_qp_latin1.eml");
  EXPECT_EQ(m.subject, "Stornierung meiner Bestellung über Größe 42");
  EXPECT_EQ(m.from.name, "Anna Schmidt");
  EXPECT_EQ(m.from.address, "anna.schmidt@example.de");
  ASSERT_EQ(m.to.size(), 1u);
  EXPECT_EQ(m.to[0].name, "Kundenservice");
  EXPECT_EQ(m.to[0].address, "support@shop.example.com");
  EXPECT_EQ(m.delivered_to, std::vector<std::string>{"support@shop.example.com"});
  EXPECT_EQ(m.message_id, "5c1e8f2a-3b7d-4e0f-9a61-2d4f7c8b9e10@example.de");
  EXPECT_EQ(m.date_ms, 1710231342000);  // 2024-03-12 08:15:42 UTC
  // format=flowed: the soft line break after "passt " is joined again.
  EXPECT_EQ(m.text,
            "Sehr geehrte Damen und Herren,\n\n"
            "ich möchte meine Bestellung Nr. 2024-117 stornieren, die Größe passt leider nicht. "
            "Die Schuhe sind zu groß.\n\n"
            "Mit freundlichen Grüßen\nAnna Schmidt");
  EXPECT_TRUE(m.html.empty());
  EXPECT_TRUE(m.files.empty());
  EXPECT_FALSE(m.auto_submitted);
  EXPECT_FALSE(m.bounce);
}

TEST(ParseMail, GermanQuotedPrintableInUtf8) {
  const auto m = parseFixture("de_qp_utf8.eml");
  EXPECT_EQ(m.subject, "Rücksendung – Lieferung beschädigt");
  EXPECT_EQ(m.from.name, "Jürgen Müller");
  EXPECT_EQ(m.from.address, "juergen.mueller@example.at");
  EXPECT_NE(m.text.find("der Karton war aufgerissen und die Vase ist zerbrochen."), std::string::npos) << m.text;
  EXPECT_NE(m.text.find("Grüße aus Österreich\nJürgen Müller"), std::string::npos) << m.text;
  EXPECT_EQ(m.text.find('='), std::string::npos) << "quoted-printable left in: " << m.text;
  EXPECT_EQ(m.text.find('\r'), std::string::npos);
}

TEST(ParseMail, PdfAttachmentDecodesToTheSameBytes) {
  const auto m = parseFixture("pdf_attachment.eml");
  EXPECT_EQ(m.subject, "Rechnung 2024-117");
  EXPECT_NE(m.text.find("Der Betrag wurde doppelt abgebucht."), std::string::npos);
  ASSERT_EQ(m.files.size(), 1u);
  EXPECT_EQ(m.files[0].filename, "Rechnung-2024-117.pdf");
  EXPECT_EQ(m.files[0].content_type, "application/pdf");
  EXPECT_FALSE(m.files[0].is_inline);
  EXPECT_EQ(m.files[0].bytes, readFile("invoice.pdf"));
  EXPECT_EQ(m.files[0].bytes.substr(0, 8), "%PDF-1.4");
}

TEST(ParseMail, AlternativePrefersTextAndKeepsSanitisedHtml) {
  const auto m = parseFixture("alternative.eml");
  EXPECT_EQ(m.text,
            "Hi,\n\nmy order #2024-118 has not arrived yet. Tracking says \"delivered\".\n\nThanks,\nSam");
  EXPECT_NE(m.html.find("my order <b>#2024-118</b> has not arrived yet."), std::string::npos) << m.html;
  EXPECT_EQ(m.html.find("dir="), std::string::npos);
  EXPECT_FALSE(m.has_remote_images);
  EXPECT_TRUE(m.files.empty());
  EXPECT_EQ(m.date_ms, 1710514800000);  // 08:00 -0700
}

TEST(ParseMail, HtmlOnlyMailIsSanitisedAndGivesText) {
  const auto m = parseFixture("html_only_xss.eml");
  for (const char* bad : {"<script", "document.cookie", "onerror", "onload", "onclick", "javascript:", "<iframe",
                          "<form", "password", "<style", "bg.gif", "class=", "style=", "<title"}) {
    EXPECT_EQ(m.html.find(bad), std::string::npos) << bad << " in " << m.html;
  }
  EXPECT_TRUE(m.has_remote_images);
  EXPECT_NE(m.html.find("<img data-parley-remote-src=\"https://tracker.example.net/open.gif?id=42\""), std::string::npos)
      << m.html;
  EXPECT_NE(m.html.find("<a href=\"https://shop.example.com/help\" rel=\"noopener noreferrer nofollow\" "
                        "target=\"_blank\">visit help</a>"),
            std::string::npos)
      << m.html;
  EXPECT_NE(m.html.find("<p>Grüße &amp; Dank</p>"), std::string::npos) << m.html;
  // The link that pointed at javascript: is now its plain text.
  EXPECT_NE(m.html.find("Please verify your account or"), std::string::npos) << m.html;
  EXPECT_EQ(m.text, "Hello!\n\nPlease verify your account or visit help.\n\nGrüße & Dank");
}

TEST(ParseMail, ReplyCarriesItsThread) {
  const auto m = parseFixture("reply.eml");
  EXPECT_EQ(m.message_id, "CAJ9x=QmReply2@mail.gmail.com");
  EXPECT_EQ(m.in_reply_to, std::vector<std::string>{"p.42.17@support.shop.example.com"});
  EXPECT_EQ(m.references, (std::vector<std::string>{"CAJ9x=Qm3pZx+4tK7@mail.gmail.com",
                                                    "p.41.17@support.shop.example.com",
                                                    "p.42.17@support.shop.example.com"}));
  ASSERT_EQ(m.cc.size(), 2u);
  EXPECT_EQ(m.cc[0].name, "Carter, Jo");
  EXPECT_EQ(m.cc[0].address, "jo.carter@example.com");
  EXPECT_EQ(m.cc[1].address, "billing@example.com");
  ASSERT_EQ(m.reply_to.size(), 1u);
  EXPECT_EQ(m.reply_to[0].address, "sam@example.com");
  // X-Original-To and Delivered-To name the same address once.
  EXPECT_EQ(m.delivered_to, std::vector<std::string>{"support+17@shop.example.com"});
  EXPECT_NE(m.text.find("> Hi Sam, we have asked the carrier."), std::string::npos);
}

TEST(ParseMail, AdjacentEncodedWordsAreJoined) {
  const auto m = parseFixture("encoded_words.eml");
  EXPECT_EQ(m.subject, "Grüße aus Köln");
  EXPECT_EQ(m.from.name, "Jürgen Weiß");
  EXPECT_EQ(m.from.address, "j.weiss@example.de");
  ASSERT_EQ(m.to.size(), 1u);
  EXPECT_EQ(m.to[0].name, "Kölner Kundendienst");
  EXPECT_EQ(m.text, "Schöne Grüße aus Köln!");
}

TEST(ParseMail, InvalidUtf8BytesBecomeReplacementCharacters) {
  const auto m = parseFixture("invalid_utf8.eml");
  EXPECT_EQ(m.text, "Preis: 10\xEF\xBF\xBD\xEF\xBF\xBD EUR, Größe M");
  expectDisplayable(m);
}

TEST(ParseMail, UnknownCharsetIsReadAsWindows1252) {
  const auto m = parseFixture("bogus_charset.eml");
  EXPECT_EQ(m.text, "Grüße, die Lieferung kostet 5 € zu viel.");
}

TEST(ParseMail, UndeclaredEightBitIsReadAsWindows1252) {
  const auto m = parseFixture("undeclared_latin1.eml");
  EXPECT_EQ(m.subject, "Grüße und Preis 5 €");  // raw 8-bit header bytes
  EXPECT_EQ(m.text, "Grüße, der Preis ist 5 €.");
  EXPECT_EQ(m.from.name, "Jörg");
}

TEST(ParseMail, UnknownCharsetWithUtf8BytesStaysUtf8) {
  const auto m = parse(
      "From: a@example.com\nSubject: x\nContent-Type: text/plain; charset=x-unknown-thing\n"
      "Content-Transfer-Encoding: 8bit\n\nGrüße aus Köln\n");
  EXPECT_EQ(m.text, "Grüße aus Köln");
}

TEST(ParseMail, OtherCharsetsAreConverted) {
  // KOI8-R and Shift_JIS bodies, an ISO-2022-JP subject.
  const auto m = parse(
      "From: a@example.com\nSubject: =?ISO-2022-JP?B?GyRCRnxLXDhsGyhC?=\n"
      "Content-Type: text/plain; charset=koi8-r\nContent-Transfer-Encoding: 8bit\n\n\xf0\xd2\xc9\xd7\xc5\xd4\n");
  EXPECT_EQ(m.subject, "日本語");
  EXPECT_EQ(m.text, "Привет");
}

TEST(ParseMail, OutOfOfficeIsAutoSubmitted) {
  const auto m = parseFixture("out_of_office.eml");
  EXPECT_TRUE(m.auto_submitted);
  EXPECT_FALSE(m.bounce);
  EXPECT_EQ(m.auto_reason, "Auto-Submitted: auto-replied");
  EXPECT_EQ(m.in_reply_to, std::vector<std::string>{"p.50.17@support.shop.example.com"});
  EXPECT_NE(m.text.find("Sono fuori ufficio fino al 2 aprile."), std::string::npos);
}

TEST(ParseMail, DeliveryStatusNotificationIsABounce) {
  const auto m = parseFixture("bounce_dsn.eml");
  EXPECT_TRUE(m.bounce);
  EXPECT_TRUE(m.auto_submitted);
  EXPECT_EQ(m.auto_reason, "multipart/report; report-type=delivery-status");
  EXPECT_EQ(m.from.address, "mailer-daemon@mx.shop.example.com");
  EXPECT_NE(m.text.find("550 5.1.1 User unknown"), std::string::npos);
  ASSERT_EQ(m.files.size(), 2u);
  EXPECT_EQ(m.files[0].content_type, "message/delivery-status");
  EXPECT_NE(m.files[0].bytes.find("Final-Recipient: rfc822; nobody@example.invalid"), std::string::npos);
  EXPECT_EQ(m.files[1].content_type, "text/rfc822-headers");
  EXPECT_NE(m.files[1].bytes.find("Message-ID: <p.60.18@support.shop.example.com>"), std::string::npos);
  EXPECT_EQ(m.files[0].filename, "attachment-1.txt");
}

TEST(ParseMail, InlineImageOfMultipartRelated) {
  const auto m = parseFixture("related_cid.eml");
  ASSERT_EQ(m.files.size(), 1u);
  const auto& image = m.files[0];
  EXPECT_EQ(image.filename, "image001.png");
  EXPECT_EQ(image.content_type, "image/png");
  EXPECT_EQ(image.content_id, "image001.png@01DA7D1E.5F2B3C40");
  EXPECT_TRUE(image.is_inline);
  EXPECT_EQ(image.bytes, readFile("logo.png"));
  EXPECT_NE(m.html.find("<img src=\"cid:image001.png@01DA7D1E.5F2B3C40\" width=\"2\" height=\"2\">"), std::string::npos)
      << m.html;
  EXPECT_EQ(m.html.find("MsoNormal"), std::string::npos);
  EXPECT_EQ(m.html.find("o:p"), std::string::npos);
  EXPECT_FALSE(m.has_remote_images);
  EXPECT_EQ(m.text, "Hello, this is what I see:\n\n[cid:image001.png@01DA7D1E.5F2B3C40]\n\nTom");
}

TEST(ParseMail, Rfc2231FileNames) {
  const auto m = parseFixture("rfc2231_filename.eml");
  EXPECT_EQ(m.from.name, "Björn");
  EXPECT_EQ(m.text, "Zwei Dateien anbei.");
  ASSERT_EQ(m.files.size(), 2u);
  EXPECT_EQ(m.files[0].filename, "Rechnung März 2024.pdf");
  EXPECT_EQ(m.files[0].bytes, readFile("invoice.pdf"));
  EXPECT_EQ(m.files[1].filename, "Übersicht der Bestellungen – 2024.txt");  // continuations
  EXPECT_EQ(m.files[1].content_type, "text/plain");
  EXPECT_EQ(m.files[1].bytes, "Bestellung 2024-117: storniert\nBestellung 2024-118: geliefert");
}

TEST(ParseMail, MailWithoutMessageId) {
  const auto m = parseFixture("no_message_id.eml");
  EXPECT_TRUE(m.message_id.empty());
  EXPECT_TRUE(m.in_reply_to.empty());
  EXPECT_EQ(m.date_ms, 1711350000000);  // "25 Mar 2024 07:00:00 GMT", no day of week
  EXPECT_EQ(m.text, "System OK.");
  EXPECT_EQ(m.from.address, "robot@legacy.example.com");
}

TEST(ParseMail, ForwardedMailIsKeptAsEmlFile) {
  const auto m = parseFixture("forwarded_rfc822.eml");
  EXPECT_EQ(m.text, "Siehe unten, das Paket ist nie angekommen.");
  ASSERT_EQ(m.files.size(), 1u);
  EXPECT_EQ(m.files[0].filename, "forwarded.eml");
  EXPECT_EQ(m.files[0].content_type, "message/rfc822");
  // The attached mail is a mail again, with its own text.
  const auto inner = parse(m.files[0].bytes);
  EXPECT_EQ(inner.subject, "Versandbestaetigung 2024-119");
  EXPECT_EQ(inner.message_id, "ship-2024-119@shop.example.com");
  EXPECT_EQ(inner.text, "Ihr Paket wurde versandt.");
  // Its headers are not the outer mail's.
  EXPECT_EQ(m.message_id, "fwd-1@example.com");
}

TEST(ParseMail, EveryFixtureReadsTheSameWithCrlfAndLf) {
  for (const auto& name : kAllFixtures) {
    SCOPED_TRACE(name);
    const std::string raw = readFile(name);
    const auto lf = parse(toLf(raw));
    const auto crlf = parse(toCrlf(toLf(raw)));
    expectDisplayable(lf);
    EXPECT_FALSE(lf.subject.empty());
    EXPECT_FALSE(lf.text.empty());
    EXPECT_EQ(lf.subject, crlf.subject);
    EXPECT_EQ(lf.text, crlf.text);
    EXPECT_EQ(lf.html, crlf.html);
    EXPECT_EQ(lf.from.address, crlf.from.address);
    EXPECT_EQ(lf.message_id, crlf.message_id);
    EXPECT_EQ(lf.auto_submitted, crlf.auto_submitted);
    EXPECT_EQ(lf.bounce, crlf.bounce);
    ASSERT_EQ(lf.files.size(), crlf.files.size());
    for (std::size_t i = 0; i < lf.files.size(); ++i) {
      EXPECT_EQ(lf.files[i].filename, crlf.files[i].filename);
      if (lf.files[i].content_type == "application/pdf" || lf.files[i].content_type == "image/png") {
        EXPECT_EQ(lf.files[i].bytes, crlf.files[i].bytes);  // base64: line ends do not matter
      }
    }
  }
}

// ---- structure ----------------------------------------------------------------------------

TEST(ParseMail, AlternativeWithOnlyBlankTextTakesTextFromHtml) {
  const auto m = parse(
      "From: a@example.com\nSubject: s\nContent-Type: multipart/alternative; boundary=x\n\n"
      "--x\nContent-Type: text/plain\n\n \n"
      "--x\nContent-Type: text/html; charset=utf-8\n\n<p>Erste Zeile</p><p>Zweite&nbsp;Zeile</p>\n--x--\n");
  EXPECT_EQ(m.text, "Erste Zeile\n\nZweite Zeile");
  EXPECT_EQ(m.html, "<p>Erste Zeile</p><p>Zweite\xC2\xA0Zeile</p>");
}

TEST(ParseMail, HtmlCharsetFromMetaTag) {
  const auto m = parse(
      "From: a@example.com\nSubject: s\nContent-Type: text/html\nContent-Transfer-Encoding: 8bit\n\n"
      "<html><head><meta charset=\"iso-8859-15\"></head><body>Preis: 5 \xa4</body></html>\n");
  EXPECT_EQ(m.text, "Preis: 5 €");
}

TEST(ParseMail, UnnamedFilesGetANameFromTheirType) {
  const auto m = parse(
      "From: a@example.com\nSubject: s\nContent-Type: multipart/mixed; boundary=x\n\n"
      "--x\nContent-Type: text/plain\n\nsee pictures\n"
      "--x\nContent-Type: image/jpeg\nContent-Transfer-Encoding: base64\n\n/9j/4AAQ\n"
      "--x\nContent-Type: application/octet-stream\nContent-Disposition: attachment; filename=\"../../etc/passwd\"\n\nroot\n"
      "--x\nContent-Type: application/x-unknown\nContent-Disposition: attachment\n\n?\n"
      "--x--\n");
  ASSERT_EQ(m.files.size(), 3u);
  EXPECT_EQ(m.files[0].filename, "attachment-1.jpg");
  EXPECT_EQ(m.files[0].bytes, std::string("\xff\xd8\xff\xe0\x00\x10", 6));
  EXPECT_EQ(m.files[1].filename, "passwd");  // never a path
  EXPECT_EQ(m.files[2].filename, "attachment-3.bin");
}

TEST(ParseMail, TextPartsAroundAnInlineImageAreJoined) {
  // Apple Mail puts an image between two text parts of multipart/mixed.
  const auto m = parse(
      "From: a@example.com\nSubject: s\nContent-Type: multipart/mixed; boundary=x\n\n"
      "--x\nContent-Type: text/plain; charset=us-ascii\n\nBefore the image.\n"
      "--x\nContent-Type: image/png; name=shot.png\nContent-Disposition: inline; filename=shot.png\n"
      "Content-Transfer-Encoding: base64\n\niVBORw0KGgo=\n"
      "--x\nContent-Type: text/plain; charset=us-ascii\n\nAfter the image.\n--x--\n");
  EXPECT_EQ(m.text, "Before the image.\nAfter the image.");
  ASSERT_EQ(m.files.size(), 1u);
  EXPECT_EQ(m.files[0].filename, "shot.png");
  EXPECT_TRUE(m.files[0].is_inline);
}

TEST(ParseMail, SignedMailShowsItsContent) {
  const auto m = parse(
      "From: a@example.com\nSubject: s\nContent-Type: multipart/signed; micalg=pgp-sha256;\n"
      " protocol=\"application/pgp-signature\"; boundary=x\n\n"
      "--x\nContent-Type: text/plain; charset=utf-8\n\nSigned text.\n"
      "--x\nContent-Type: application/pgp-signature; name=signature.asc\n\n"
      "-----BEGIN PGP SIGNATURE-----\nabc\n-----END PGP SIGNATURE-----\n--x--\n");
  EXPECT_EQ(m.text, "Signed text.");
  EXPECT_TRUE(m.files.empty());
}

TEST(ParseMail, MboxFromLineIsSkipped) {
  const auto m = parse("From sam@example.com Mon Mar 18 09:30:00 2024\nFrom: sam@example.com\nSubject: hi\n\nbody\n");
  EXPECT_EQ(m.subject, "hi");
  EXPECT_EQ(m.text, "body");
}

TEST(ParseMail, BareMessageIdsWithoutBrackets) {
  const auto m = parse(
      "From: a@example.com\nMessage-ID: <  abc@example.com >\nIn-Reply-To: Your message of Monday <x1@example.com>\n"
      "References: <r1@example.com><r2@example.com>\n\nbody\n");
  EXPECT_EQ(m.message_id, "abc@example.com");
  EXPECT_EQ(m.in_reply_to, std::vector<std::string>{"x1@example.com"});
  EXPECT_EQ(m.references, (std::vector<std::string>{"r1@example.com", "r2@example.com"}));
}

// ---- automatic mail -----------------------------------------------------------------------

struct AutoCase {
  const char* name;
  std::string raw;
  bool auto_submitted;
  bool bounce;
  const char* reason;
};

std::string simpleMail(const std::string& extra_headers, const std::string& from = "Kim <kim@example.com>") {
  return "From: " + from + "\nTo: support@shop.example.com\nSubject: Hello\n" + extra_headers + "\nHello there.\n";
}

TEST(ParseMail, AutomaticMailIsRecognised) {
  const std::string report_body =
      "--r\nContent-Type: text/plain\n\nYour message was read.\n"
      "--r\nContent-Type: message/disposition-notification\n\nDisposition: manual-action/MDN-sent-manually; displayed\n"
      "--r--\n";
  const std::vector<AutoCase> cases = {
      {"person", simpleMail(""), false, false, ""},
      // Exchange's request not to auto-reply to *this* mail is set on ordinary mail.
      {"suppress request", simpleMail("X-Auto-Response-Suppress: All\n"), false, false, ""},
      {"suppress OOF", simpleMail("X-Auto-Response-Suppress: DR, OOF, AutoReply\n"), false, false, ""},
      {"list id alone", simpleMail("List-Id: Customers <customers.lists.example.com>\n"), false, false, ""},
      {"auto-submitted no", simpleMail("Auto-Submitted: no\n"), false, false, ""},
      {"auto-generated", simpleMail("Auto-Submitted: auto-generated (newsletter)\n"), true, false,
       "Auto-Submitted: auto-generated (newsletter)"},
      {"auto-replied with params", simpleMail("Auto-Submitted: Auto-Replied; owner-email=\"x@example.com\"\n"), true,
       false, "Auto-Submitted: Auto-Replied; owner-email=\"x@example.com\""},
      {"x-autoreply", simpleMail("X-Autoreply: yes\n"), true, false, "X-Autoreply: yes"},
      {"x-autorespond", simpleMail("X-Autorespond: Out of office\n"), true, false, "X-Autorespond: Out of office"},
      {"precedence bulk", simpleMail("Precedence: bulk\n"), true, false, "Precedence: bulk"},
      {"precedence junk", simpleMail("Precedence: junk\n"), true, false, "Precedence: junk"},
      {"precedence list", simpleMail("Precedence: list\nList-Id: <l.example.com>\n"), true, false, "Precedence: list"},
      {"precedence auto_reply", simpleMail("Precedence: auto_reply\n"), true, false, "Precedence: auto_reply"},
      {"precedence first-class", simpleMail("Precedence: first-class\n"), false, false, ""},
      // A customer's mail to a Google Group that is the support address (Google Workspace).
      {"google group forward", simpleMail("Precedence: list\nMailing-list: list support@acme.example; contact support+owners@acme.example\n"
                                          "List-ID: <support.acme.example>\nX-Original-Sender: kunde@example.de\nX-Google-Group-Id: 123456789\n"),
       false, false, ""},
      {"null return path", simpleMail("Return-Path: <>\n"), true, false, "Return-Path: <>"},
      {"mailer-daemon without report", simpleMail("", "MAILER-DAEMON@mx.example.com"), true, false,
       "From: mailer-daemon@mx.example.com"},
      {"exim failed recipients", simpleMail("X-Failed-Recipients: nobody@example.invalid\n"), true, true,
       "X-Failed-Recipients"},
      {"read receipt",
       "From: kim@example.com\nSubject: Read: Hello\nContent-Type: multipart/report; "
       "report-type=disposition-notification; boundary=r\n\n" + report_body,
       true, false, "multipart/report; report-type=disposition-notification"},
      {"delivery-status part from postmaster",
       "From: postmaster@example.com\nSubject: Delivery failure\nContent-Type: multipart/mixed; boundary=r\n\n"
       "--r\nContent-Type: text/plain\n\nfailed\n--r\nContent-Type: message/delivery-status\n\nStatus: 5.0.0\n--r--\n",
       true, true, "delivery-status part from postmaster@example.com"},
      {"delivery-status part from a person",
       "From: kim@example.com\nSubject: look\nContent-Type: multipart/mixed; boundary=r\n\n"
       "--r\nContent-Type: text/plain\n\nwhat is this?\n--r\nContent-Type: message/delivery-status\n\nStatus: 5.0.0\n"
       "--r--\n",
       false, false, ""},
      // A customer forwarding a bounce as an attachment is still a customer writing.
      {"forwarded bounce",
       "From: kim@example.com\nSubject: Fwd: bounce\nContent-Type: multipart/mixed; boundary=o\n\n"
       "--o\nContent-Type: text/plain\n\nYour mail bounced, see below\n--o\nContent-Type: message/rfc822\n\n"
       "From: MAILER-DAEMON@mx.example.com\nAuto-Submitted: auto-replied\nContent-Type: multipart/report; "
       "report-type=delivery-status; boundary=i\n\n--i\nContent-Type: message/delivery-status\n\nStatus: 5.1.1\n"
       "--i--\n\n--o--\n",
       false, false, ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto m = parse(c.raw);
    EXPECT_EQ(m.auto_submitted, c.auto_submitted);
    EXPECT_EQ(m.bounce, c.bounce);
    EXPECT_EQ(m.auto_reason, c.reason);
  }
}

// ---- bad input ----------------------------------------------------------------------------

TEST(ParseMail, NotAMailIsInvalidInput) {
  for (const std::string& raw : {std::string(), std::string("hello world"), std::string("\n\nbody only\n"),
                                std::string(": no name\n\nx"), std::string("\x89PNG\r\n\x1a\n\0\0", 10),
                                std::string("<html><body>hi</body></html>")}) {
    const auto parsed = mail::parseMail(raw);
    ASSERT_FALSE(parsed.ok()) << raw;
    EXPECT_EQ(parsed.error().code, core::ErrorCode::InvalidInput);
    EXPECT_FALSE(parsed.error().message.empty());
  }
}

TEST(ParseMail, LargerThanTheLimitIsInvalidInput) {
  const std::string raw = readFile("pdf_attachment.eml");
  const auto parsed = mail::parseMail(raw, raw.size() - 1);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().code, core::ErrorCode::InvalidInput);
  EXPECT_TRUE(mail::parseMail(raw, raw.size()).ok());
}

TEST(ParseMail, BrokenButReadableMailsStillParse) {
  // Header only; no closing boundary; base64 with garbage; an unknown transfer encoding;
  // a multipart without a boundary; a NUL byte in the body.
  const auto header_only = parse("Subject: only a header\r\n");
  EXPECT_EQ(header_only.subject, "only a header");
  EXPECT_TRUE(header_only.text.empty());

  const auto unterminated = parse(
      "From: a@example.com\nContent-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: text/plain\n\n"
      "never closed\n");
  EXPECT_EQ(unterminated.text, "never closed");

  const auto garbage = parse(
      "From: a@example.com\nContent-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: text/plain\n"
      "Content-Transfer-Encoding: base64\n\nSGFs!!bG8g*V2Vs dA==\n--x\nContent-Type: application/pdf\n"
      "Content-Transfer-Encoding: x-strange\n\nraw\n--x--\n");
  EXPECT_EQ(garbage.text, "Hallo Welt");
  ASSERT_EQ(garbage.files.size(), 1u);
  EXPECT_EQ(garbage.files[0].bytes, "raw");

  const auto no_boundary = parse("From: a@example.com\nContent-Type: multipart/mixed\n\njust text\n");
  expectDisplayable(no_boundary);

  const auto nul = parse(std::string("From: a@example.com\nSubject: nul\n\nbefore\0after\n", 46));
  EXPECT_TRUE(core::isValidUtf8(nul.text));
  EXPECT_NE(nul.text.find("before"), std::string::npos);
}

TEST(ParseMail, DeeplyNestedMultipartsDoNotCrash) {
  std::string raw = "From: a@example.com\nSubject: deep\nContent-Type: multipart/mixed; boundary=b0\n\n";
  const int depth = 3000;
  for (int i = 0; i < depth; ++i) {
    raw += "--b" + std::to_string(i) + "\nContent-Type: multipart/mixed; boundary=b" + std::to_string(i + 1) + "\n\n";
  }
  raw += "--b" + std::to_string(depth) + "\nContent-Type: text/plain\n\ndeep text\n";
  const auto parsed = mail::parseMail(raw);
  ASSERT_TRUE(parsed.ok());
  expectDisplayable(*parsed);
}

// A few bytes per part or header field cost GMime a kilobyte each: such mails are cut at a
// limit no real mail reaches, and still read.
TEST(ParseMail, MassesOfPartsOrHeadersAreBounded) {
  std::string parts = "From: a@example.com\nSubject: parts\nContent-Type: multipart/mixed; boundary=\"x\"\n\n";
  parts += "--x\nContent-Type: text/plain\n\nfirst part\n";
  for (int i = 0; i < 200000; ++i) parts += "--x\n\n";
  parts += "--x--\n";
  const auto start = std::chrono::steady_clock::now();
  const auto many_parts = parse(parts);
  EXPECT_EQ(many_parts.text, "first part");

  std::string headers = "From: a@example.com\nSubject: headers\n";
  for (int i = 0; i < 300000; ++i) headers += "X: y\n";
  headers += "\nbody\n";
  const auto many_headers = parse(headers);
  EXPECT_EQ(many_headers.subject, "headers");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
}

// Mutated fixtures (bytes flipped, inserted, cut): a value or InvalidInput, never a crash, and
// whatever comes back is displayable.
TEST(ParseMail, MutatedFixturesNeverCrash) {
  std::mt19937 rng(20240312);
  for (const auto& name : kAllFixtures) {
    const std::string original = readFile(name);
    for (int round = 0; round < 150; ++round) {
      std::string raw = original;
      const int edits = 1 + static_cast<int>(rng() % 8);
      for (int e = 0; e < edits && !raw.empty(); ++e) {
        const std::size_t at = rng() % raw.size();
        switch (rng() % 4) {
          case 0: raw[at] = static_cast<char>(rng() % 256); break;
          case 1: raw.insert(at, 1, "=?<>\"\r\n:;-\xff"[rng() % 11]); break;
          case 2: raw.erase(at, 1 + rng() % 16); break;
          default: raw.resize(at); break;
        }
      }
      const auto parsed = mail::parseMail(raw);
      if (parsed.ok()) {
        expectDisplayable(*parsed);
      } else {
        EXPECT_EQ(parsed.error().code, core::ErrorCode::InvalidInput);
      }
    }
  }
}

// parseMail runs on a worker pool: the same mails parsed on several threads at once give the
// same result as on one.
TEST(ParseMail, ParsesConcurrently) {
  std::vector<std::string> raws;
  std::vector<std::string> expected;
  for (const auto& name : kAllFixtures) {
    raws.push_back(readFile(name));
    const auto m = parse(raws.back());
    expected.push_back(m.subject + "|" + m.text + "|" + m.html + "|" + std::to_string(m.files.size()));
  }
  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 10; ++round) {
        for (std::size_t i = 0; i < raws.size(); ++i) {
          const auto parsed = mail::parseMail(raws[i]);
          const std::string got = parsed.ok() ? parsed->subject + "|" + parsed->text + "|" + parsed->html + "|" +
                                                    std::to_string(parsed->files.size())
                                              : "error";
          if (got != expected[i]) ++mismatches[static_cast<std::size_t>(t)];
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(mismatches, std::vector<int>(4, 0));
}

// ---- addresses ----------------------------------------------------------------------------

TEST(ParseAddressList, NamesAndAddresses) {
  const auto list = mail::parseAddressList("\"Jürgen Müller\" <J.Mueller@Example.AT>, b@example.com");
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "Jürgen Müller");
  EXPECT_EQ((*list)[0].address, "j.mueller@example.at");
  EXPECT_EQ((*list)[1].name, "");
  EXPECT_EQ((*list)[1].address, "b@example.com");
}

TEST(ParseAddressList, EncodedNamesGroupsAndEmpty) {
  const auto encoded = mail::parseAddressList("=?UTF-8?Q?J=C3=BCrgen?= <j@example.at>");
  ASSERT_TRUE(encoded.ok());
  ASSERT_EQ(encoded->size(), 1u);
  EXPECT_EQ((*encoded)[0].name, "Jürgen");

  const auto group = mail::parseAddressList("Team: a@example.com, B@Example.com;");
  ASSERT_TRUE(group.ok());
  ASSERT_EQ(group->size(), 2u);
  EXPECT_EQ((*group)[1].address, "b@example.com");

  const auto undisclosed = mail::parseAddressList("undisclosed-recipients:;");
  ASSERT_TRUE(undisclosed.ok());
  EXPECT_TRUE(undisclosed->empty());

  const auto empty = mail::parseAddressList("  ");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST(ParseAddressList, NotAnAddressListIsInvalidInput) {
  for (const std::string& text : {std::string("not an address"), std::string("foo@"), std::string("a@b.com, garbage"),
                                 std::string("@example.com"), std::string("a@b\0c", 5)}) {
    const auto list = mail::parseAddressList(text);
    ASSERT_FALSE(list.ok()) << text;
    EXPECT_EQ(list.error().code, core::ErrorCode::InvalidInput);
  }
}

}  // namespace
