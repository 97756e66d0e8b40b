// libFuzzer target: the e-mail library (src/mail) on arbitrary bytes. parseMail() must return a
// value or InvalidInput, never crash, hang or leak, and everything it returns must be
// displayable; sanitizeHtml() must only ever produce whitelisted markup, checked by parsing its
// output again with gumbo the way the desk's browser will; buildMail() output must read back.
// Every violation traps, so it shows up as a crash. Seeds: tests/mail/fixtures/*.eml.
#include <gumbo.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/text.hpp"
#include "mail/mime.hpp"

namespace {

namespace mail = parley::mail;
namespace core = parley::core;

void require(bool ok) {
  if (!ok) __builtin_trap();
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return out;
}

bool startsWith(std::string_view s, std::string_view prefix) { return lower(s.substr(0, prefix.size())) == prefix; }

bool allowedElement(const std::string& tag) {
  static constexpr std::string_view kAllowed[] = {
      "html", "head", "body", "p", "br", "div", "span", "b", "strong", "i", "em", "u", "s", "blockquote", "pre",
      "code", "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "td", "th",
      "a", "img", "hr", "font", "center", "sub", "sup", "small", "big"};
  return std::find(std::begin(kAllowed), std::end(kAllowed), tag) != std::end(kAllowed);
}

bool allowedAttribute(const std::string& tag, const std::string& name, std::string_view value) {
  if (tag == "a") {
    if (name == "href") return startsWith(value, "http://") || startsWith(value, "https://") || startsWith(value, "mailto:");
    if (name == "rel") return value == "noopener noreferrer nofollow";
    if (name == "target") return value == "_blank";
    return name == "title";
  }
  if (tag == "img") {
    if (name == "src") return startsWith(value, "cid:");
    if (name == "data-parley-remote-src") return startsWith(value, "http://") || startsWith(value, "https://");
    return name == "alt" || name == "width" || name == "height" || name == "title";
  }
  static constexpr std::string_view kPlain[] = {"colspan", "rowspan", "align", "valign", "width", "border",
                                                "cellpadding", "cellspacing", "color", "face", "size", "start",
                                                "type", "value"};
  return std::find(std::begin(kPlain), std::end(kPlain), name) != std::end(kPlain);
}

// The sanitised HTML as the browser parses it: only whitelisted elements and attributes.
void requireWhitelisted(const GumboNode* node, int depth) {
  require(depth < 4000);
  if (node->type == GUMBO_NODE_COMMENT) require(false);
  if (node->type != GUMBO_NODE_ELEMENT && node->type != GUMBO_NODE_DOCUMENT) return;
  const GumboVector* children = &node->v.document.children;
  if (node->type == GUMBO_NODE_ELEMENT) {
    require(node->v.element.tag_namespace == GUMBO_NAMESPACE_HTML);
    const std::string tag = gumbo_normalized_tagname(node->v.element.tag);
    require(allowedElement(tag));
    const GumboVector& attrs = node->v.element.attributes;
    for (unsigned int i = 0; i < attrs.length; ++i) {
      const auto* a = static_cast<const GumboAttribute*>(attrs.data[i]);
      require(allowedAttribute(tag, a->name, a->value));
    }
    children = &node->v.element.children;
  }
  for (unsigned int i = 0; i < children->length; ++i) requireWhitelisted(static_cast<const GumboNode*>(children->data[i]), depth + 1);
}

void requireSafeHtml(const std::string& html) {
  require(core::isValidUtf8(html));
  GumboOptions options = kGumboDefaultOptions;
  options.max_errors = 0;
  GumboOutput* out = gumbo_parse_with_options(&options, html.data(), html.size());
  requireWhitelisted(out->document, 0);
  gumbo_destroy_output(&options, out);
}

void requireDisplayable(const mail::ParsedMail& m) {
  require(core::isValidUtf8(m.subject) && core::isValidUtf8(m.text) && core::isValidUtf8(m.auto_reason));
  require(core::isValidUtf8(m.message_id));
  for (const auto* list : {&m.to, &m.cc, &m.reply_to}) {
    for (const auto& a : *list) require(core::isValidUtf8(a.name) && !a.address.empty() && a.address == lower(a.address));
  }
  require(core::isValidUtf8(m.from.name) && m.from.address == lower(m.from.address));
  for (const auto& id : m.in_reply_to) require(!id.empty());
  for (const auto& id : m.references) require(!id.empty());
  for (const auto& f : m.files) {
    require(!f.filename.empty() && core::isValidUtf8(f.filename));
    require(f.filename.find('/') == std::string::npos && f.filename.find('\\') == std::string::npos);
    require(f.content_type.find('/') != std::string::npos && f.content_type == lower(f.content_type));
  }
  require(!m.bounce || m.auto_submitted);
  require(m.auto_submitted == !m.auto_reason.empty());
  requireSafeHtml(m.html);
}

bool isBlank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  mail::initMime();
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);

  auto parsed = mail::parseMail(bytes);
  if (parsed) {
    requireDisplayable(*parsed);
  } else {
    require(parsed.error().code == core::ErrorCode::InvalidInput && !parsed.error().message.empty());
  }

  const auto clean = mail::sanitizeHtml(bytes);
  requireSafeHtml(clean.html);
  require(core::isValidUtf8(mail::htmlToText(bytes)));

  auto addresses = mail::parseAddressList(bytes);
  if (addresses) {
    for (const auto& a : *addresses) require(a.address.find('@') != std::string::npos && core::isValidUtf8(a.name));
  } else {
    require(addresses.error().code == core::ErrorCode::InvalidInput);
  }

  // The bytes as an agent's reply: text, a subject and an attachment, read back.
  mail::OutgoingMail out;
  out.from = {"Support", "support@shop.example.com"};
  out.to = {{"Kunde", "kunde@example.com"}};
  const std::size_t newline = bytes.find('\n');
  out.subject = core::toValidUtf8(bytes.substr(0, std::min<std::size_t>(newline, 200)));
  out.message_id = "p.1.1@support.shop.example.com";
  out.text = core::toValidUtf8(bytes);
  out.files = {{"anhang.bin", "application/octet-stream", std::string(bytes)}};
  auto back = mail::parseMail(mail::buildMail(out));
  require(back.ok());
  requireDisplayable(*back);
  require(back->message_id == out.message_id);
  require(back->files.size() == 1 && back->files[0].bytes == bytes);
  if (!isBlank(out.text)) {
    std::string expected;  // what buildMail writes: LF line ends, no NUL
    for (std::size_t i = 0; i < out.text.size(); ++i) {
      if (out.text[i] == '\r') {
        expected.push_back('\n');
        if (i + 1 < out.text.size() && out.text[i + 1] == '\n') ++i;
      } else if (out.text[i] != '\0') {
        expected.push_back(out.text[i]);
      }
    }
    while (!expected.empty() && (expected.back() == '\n' || expected.back() == ' ' || expected.back() == '\t')) expected.pop_back();
    const std::size_t first = expected.find_first_not_of('\n');
    expected = first == std::string::npos ? std::string() : expected.substr(first);
    if (!isBlank(expected)) require(back->text == expected);
  }
  return 0;
}
