// parseMail(), parseAddressList() and initMime(): GMime does the MIME work (structure,
// transfer encodings, RFC 2047 words, RFC 2231 parameters, addresses, dates, Message-IDs); this
// file decides what an agent sees: which part is the text, which the HTML, which are files, and
// whether the mail is an automatic one.
#include "mail/mime.hpp"

#include <gmime/gmime.h>

#include <algorithm>
#include <cctype>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "core/text.hpp"
#include "mail/charset.hpp"
#include "mail/gmime_ptr.hpp"

namespace parley::mail {

namespace detail {

ParserOptionsPtr makeParserOptions() {
  ParserOptionsPtr options(g_mime_parser_options_new());
  g_mime_parser_options_set_rfc2047_compliance_mode(options.get(), GMIME_RFC_COMPLIANCE_LOOSE);
  g_mime_parser_options_set_address_compliance_mode(options.get(), GMIME_RFC_COMPLIANCE_LOOSE);
  g_mime_parser_options_set_parameter_compliance_mode(options.get(), GMIME_RFC_COMPLIANCE_LOOSE);
  const char* fallback[] = {"utf-8", "windows-1252", "iso-8859-1", nullptr};
  g_mime_parser_options_set_fallback_charsets(options.get(), fallback);  // copied
  return options;
}

}  // namespace detail

using detail::asciiLower;
using detail::oneLine;
using detail::GObjectPtr;
using detail::trimAscii;

void initMime() {
  static std::once_flag once;
  std::call_once(once, [] { g_mime_init(); });
}

namespace {

// Mails nest a handful of levels; GMime itself stops at 1024. Deeper parts are ignored.
constexpr int kMaxPartDepth = 64;

std::string_view view(const char* s) { return s == nullptr ? std::string_view() : std::string_view(s); }

std::string stripAngles(std::string_view id) {
  id = trimAscii(id);
  if (!id.empty() && id.front() == '<') id.remove_prefix(1);
  if (!id.empty() && id.back() == '>') id.remove_suffix(1);
  return std::string(trimAscii(id));
}

bool iequals(std::string_view a, std::string_view b) { return a.size() == b.size() && asciiLower(a) == asciiLower(b); }

// ---- addresses -------------------------------------------------------------------------------

void collectAddresses(InternetAddressList* list, std::vector<MailAddress>& out, int depth = 0) {
  if (list == nullptr || depth > 2) return;
  const int n = internet_address_list_length(list);
  for (int i = 0; i < n; ++i) {
    InternetAddress* ia = internet_address_list_get_address(list, i);
    if (INTERNET_ADDRESS_IS_GROUP(ia)) {
      collectAddresses(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(ia)), out, depth + 1);
      continue;
    }
    if (!INTERNET_ADDRESS_IS_MAILBOX(ia)) continue;
    MailAddress a;
    a.address = asciiLower(oneLine(view(internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia)))));
    a.name = oneLine(view(internet_address_get_name(ia)));
    if (a.name.size() >= 2 && a.name.front() == '"' && a.name.back() == '"') a.name = a.name.substr(1, a.name.size() - 2);
    if (a.address.empty()) continue;
    out.push_back(std::move(a));
  }
}

// ---- references ------------------------------------------------------------------------------

std::vector<std::string> parseMessageIds(GMimeParserOptions* options, const char* value) {
  std::vector<std::string> ids;
  if (value == nullptr) return ids;
  const detail::ReferencesPtr refs(g_mime_references_parse(options, value));
  if (refs != nullptr) {
    const int n = g_mime_references_length(refs.get());
    for (int i = 0; i < n; ++i) {
      std::string id = stripAngles(oneLine(view(g_mime_references_get_message_id(refs.get(), i))));
      if (!id.empty()) ids.push_back(std::move(id));
    }
  }
  return ids;
}

// ---- parts -----------------------------------------------------------------------------------

std::string contentBytes(GMimePart* part) {
  GMimeDataWrapper* content = g_mime_part_get_content(part);
  if (content == nullptr) return {};
  const GObjectPtr<GMimeStream> out(g_mime_stream_mem_new());
  g_mime_data_wrapper_write_to_stream(content, out.get());  // decodes base64 / QP / uuencode
  const GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(out.get()));
  if (bytes == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(bytes->data), bytes->len);
}

std::string serialize(GMimeObject* object) {
  const GObjectPtr<GMimeStream> out(g_mime_stream_mem_new());
  g_mime_object_write_to_stream(object, nullptr, out.get());
  const GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(out.get()));
  if (bytes == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(bytes->data), bytes->len);
}

// "type/subtype", lower-case; application/octet-stream when GMime has nothing usable.
std::string mimeTypeOf(GMimeObject* object) {
  GMimeContentType* ct = g_mime_object_get_content_type(object);
  if (ct == nullptr) return "application/octet-stream";
  const std::string type = asciiLower(oneLine(view(g_mime_content_type_get_media_type(ct))));
  const std::string subtype = asciiLower(oneLine(view(g_mime_content_type_get_media_subtype(ct))));
  if (type.empty() || subtype.empty()) return "application/octet-stream";
  return type + "/" + subtype;
}

// A file name as the desk and a download may use it: no directories, no control characters.
std::string cleanFilename(std::string_view raw) {
  std::string name = oneLine(raw);
  const std::size_t slash = name.find_last_of("/\\");
  if (slash != std::string::npos) name = name.substr(slash + 1);
  std::string out;
  out.reserve(name.size());
  for (char c : name) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) continue;
    out.push_back(c);
  }
  out = std::string(trimAscii(out));
  if (out == "." || out == "..") out.clear();
  if (out.size() > 255) {  // keep the extension, cut on a character boundary
    const std::size_t dot = out.rfind('.');
    std::string ext = dot != std::string::npos && out.size() - dot <= 16 ? out.substr(dot) : "";
    out = std::string(core::utf8Prefix(out, 255 - ext.size())) + ext;
  }
  return out;
}

std::string extensionFor(std::string_view mime) {
  static constexpr std::pair<std::string_view, std::string_view> kExt[] = {
      {"image/png", ".png"},         {"image/jpeg", ".jpg"},        {"image/jpg", ".jpg"},
      {"image/gif", ".gif"},         {"image/webp", ".webp"},       {"image/bmp", ".bmp"},
      {"image/tiff", ".tif"},        {"image/svg+xml", ".svg"},     {"application/pdf", ".pdf"},
      {"application/zip", ".zip"},   {"text/plain", ".txt"},        {"text/html", ".html"},
      {"text/calendar", ".ics"},     {"text/csv", ".csv"},          {"text/rfc822-headers", ".txt"},
      {"message/delivery-status", ".txt"}, {"message/global-delivery-status", ".txt"},
      {"message/disposition-notification", ".txt"}, {"application/pgp-signature", ".asc"},
      {"application/pkcs7-signature", ".p7s"}, {"application/x-pkcs7-signature", ".p7s"},
      {"application/msword", ".doc"}, {"application/vnd.ms-excel", ".xls"},
      {"application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"},
      {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"},
      {"audio/mpeg", ".mp3"},        {"video/mp4", ".mp4"},         {"application/json", ".json"},
  };
  for (const auto& [type, ext] : kExt) {
    if (type == mime) return std::string(ext);
  }
  return ".bin";
}

bool isMessageType(std::string_view mime) { return mime == "message/rfc822" || mime == "message/global"; }

// The charset of an HTML part that declares none in its Content-Type: a <meta> near the top.
std::string sniffHtmlCharset(std::string_view html) {
  const std::string head = asciiLower(html.substr(0, 2048));
  const std::size_t at = head.find("charset=");
  if (at == std::string::npos) return {};
  std::size_t b = at + 8;
  while (b < head.size() && (head[b] == '"' || head[b] == '\'' || head[b] == ' ')) ++b;
  std::size_t e = b;
  while (e < head.size() && e - b < 40 &&
         ((head[e] >= 'a' && head[e] <= 'z') || (head[e] >= '0' && head[e] <= '9') || head[e] == '-' ||
          head[e] == '_' || head[e] == '.' || head[e] == ':')) {
    ++e;
  }
  return head.substr(b, e - b);
}

std::string normalizeNewlines(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r') {
      out.push_back('\n');
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

// RFC 3676 format=flowed (Thunderbird, Apple Mail): a line ending in a space continues on the
// next line of the same quote depth. Joined here so the desk shows paragraphs, not the
// sender's line wrapping.
std::string unflow(std::string_view text, bool delsp) {
  std::string out;
  std::string paragraph;
  int paragraph_depth = 0;
  bool open = false;
  const auto close = [&] {
    out.append(static_cast<std::size_t>(paragraph_depth), '>');
    if (paragraph_depth > 0 && !paragraph.empty()) out.push_back(' ');
    out += paragraph;
    out.push_back('\n');
    paragraph.clear();
    open = false;
  };
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t eol = std::min(text.find('\n', start), text.size());
    std::string_view line = text.substr(start, eol - start);
    start = eol + 1;
    int depth = 0;
    while (!line.empty() && line.front() == '>') {
      ++depth;
      line.remove_prefix(1);
    }
    if (!line.empty() && line.front() == ' ') line.remove_prefix(1);  // space-stuffing
    const bool flowed = !line.empty() && line.back() == ' ' && line != "-- ";
    if (open && depth != paragraph_depth) close();
    if (!open) {
      paragraph_depth = depth;
      open = true;
    }
    if (flowed && delsp) line.remove_suffix(1);
    paragraph.append(line);
    if (!flowed) close();
  }
  if (open) close();
  return out;
}

// What a (sub)tree of parts contributes, in MIME order.
struct Collected {
  std::vector<std::string> texts;  // text/plain bodies, UTF-8
  std::vector<std::string> htmls;  // text/html bodies, UTF-8, not yet sanitised
  std::vector<MailFile> files;     // file names may still be empty (named at the end)
  bool delivery_status = false;    // a message/delivery-status part (outside attached mails)
};

bool isBlank(std::string_view text) { return trimAscii(text).empty(); }

void append(Collected& into, Collected&& from) {
  for (auto& f : from.files) into.files.push_back(std::move(f));
  into.delivery_status = into.delivery_status || from.delivery_status;
}

void walk(GMimeObject* object, Collected& into, int depth, bool top);

void walkLeaf(GMimePart* part, Collected& into, bool top) {
  GMimeObject* object = GMIME_OBJECT(part);
  const std::string mime = mimeTypeOf(object);
  const std::string disposition = asciiLower(oneLine(view(g_mime_object_get_disposition(object))));
  const std::string filename = cleanFilename(view(g_mime_part_get_filename(part)));
  if (mime == "message/delivery-status" || mime == "message/global-delivery-status") into.delivery_status = true;
  const bool body_type = mime == "text/plain" || mime == "text/html";
  if (body_type && disposition != "attachment" && (filename.empty() || top)) {
    const std::string bytes = contentBytes(part);
    std::string charset(view(g_mime_object_get_content_type_parameter(object, "charset")));
    if (mime == "text/plain") {
      std::string text = normalizeNewlines(detail::toUtf8(bytes, charset));
      if (asciiLower(trimAscii(view(g_mime_object_get_content_type_parameter(object, "format")))) == "flowed") {
        const bool delsp = asciiLower(trimAscii(view(g_mime_object_get_content_type_parameter(object, "delsp")))) == "yes";
        text = unflow(text, delsp);
      }
      into.texts.push_back(std::move(text));
    } else {
      if (trimAscii(charset).empty()) charset = sniffHtmlCharset(bytes);
      into.htmls.push_back(detail::toUtf8(bytes, charset));
    }
    return;
  }
  MailFile file;
  file.filename = filename;
  file.content_type = mime;
  file.content_id = stripAngles(oneLine(view(g_mime_object_get_content_id(object))));
  file.is_inline = disposition == "inline";
  file.bytes = contentBytes(part);
  into.files.push_back(std::move(file));
}

void walkMessagePart(GMimeMessagePart* part, Collected& into) {
  GMimeObject* object = GMIME_OBJECT(part);
  MailFile file;
  std::string_view name = view(g_mime_object_get_content_disposition_parameter(object, "filename"));
  if (name.empty()) name = view(g_mime_object_get_content_type_parameter(object, "name"));
  file.filename = cleanFilename(name);
  file.content_type = mimeTypeOf(object);
  if (!isMessageType(file.content_type)) file.content_type = "message/rfc822";
  file.content_id = stripAngles(oneLine(view(g_mime_object_get_content_id(object))));
  file.is_inline = asciiLower(oneLine(view(g_mime_object_get_disposition(object)))) == "inline";
  if (GMimeMessage* inner = g_mime_message_part_get_message(part); inner != nullptr) {
    file.bytes = serialize(GMIME_OBJECT(inner));
  }
  into.files.push_back(std::move(file));
}

// multipart/alternative: the same content several times. The first one with plain text gives
// the text, the last (richest) one with HTML gives the HTML; files of every branch are kept
// (e.g. the inline images of a multipart/related HTML branch, a text/calendar invitation).
void walkAlternative(GMimeMultipart* multipart, Collected& into, int depth) {
  const int n = g_mime_multipart_get_count(multipart);
  std::vector<Collected> branches(static_cast<std::size_t>(std::max(n, 0)));
  for (int i = 0; i < n; ++i) walk(g_mime_multipart_get_part(multipart, i), branches[static_cast<std::size_t>(i)], depth + 1, false);
  const Collected* text = nullptr;
  const Collected* html = nullptr;
  for (const auto& b : branches) {
    const bool has_text = std::any_of(b.texts.begin(), b.texts.end(), [](const std::string& t) { return !isBlank(t); });
    if (text == nullptr && has_text) text = &b;
    if (!b.htmls.empty()) html = &b;
  }
  if (text != nullptr) into.texts.insert(into.texts.end(), text->texts.begin(), text->texts.end());
  if (html != nullptr) into.htmls.insert(into.htmls.end(), html->htmls.begin(), html->htmls.end());
  for (auto& b : branches) append(into, std::move(b));
}

void walk(GMimeObject* object, Collected& into, int depth, bool top) {
  if (object == nullptr || depth > kMaxPartDepth) return;
  if (GMIME_IS_MESSAGE_PART(object)) {
    walkMessagePart(GMIME_MESSAGE_PART(object), into);
  } else if (GMIME_IS_MULTIPART(object)) {
    GMimeMultipart* multipart = GMIME_MULTIPART(object);
    const std::string mime = mimeTypeOf(object);
    if (mime == "multipart/alternative") {
      walkAlternative(multipart, into, depth);
      return;
    }
    int n = g_mime_multipart_get_count(multipart);
    // multipart/signed: the content only; agents do not verify signatures, and a
    // "signature.asc" on every mail would only be noise.
    if (GMIME_IS_MULTIPART_SIGNED(object) && n > 1) n = 1;
    for (int i = 0; i < n; ++i) walk(g_mime_multipart_get_part(multipart, i), into, depth + 1, false);
  } else if (GMIME_IS_PART(object)) {
    walkLeaf(GMIME_PART(object), into, top);
  }
}

// ---- automatic mail --------------------------------------------------------------------------

std::string headerValue(GMimeObject* object, const char* name) { return oneLine(view(g_mime_object_get_header(object, name))); }

bool hasHeader(GMimeObject* object, const char* name) {
  return g_mime_header_list_contains(g_mime_object_get_header_list(object), name);
}

// The first word of a header like "auto-replied; owner-email=x" or "bulk (comment)", lower-case.
std::string firstToken(std::string_view value) {
  value = trimAscii(value);
  const std::size_t end = value.find_first_of(" \t;(");
  return asciiLower(trimAscii(value.substr(0, end)));
}

bool isDaemon(const MailAddress& from) {
  const std::string local = from.address.substr(0, from.address.find('@'));
  return local == "mailer-daemon" || local == "postmaster" || local == "mail-daemon";
}

void detectAutomatic(GMimeMessage* message, const Collected& parts, ParsedMail& mail) {
  GMimeObject* object = GMIME_OBJECT(message);
  std::string report_type;
  bool report = false;
  if (GMimeObject* body = g_mime_message_get_mime_part(message); body != nullptr && mimeTypeOf(body) == "multipart/report") {
    report = true;
    report_type = asciiLower(oneLine(view(g_mime_object_get_content_type_parameter(body, "report-type"))));
  }
  const auto found = [&](bool bounce, std::string reason) {
    mail.auto_submitted = true;
    mail.bounce = bounce;
    mail.auto_reason = std::move(reason);
  };
  // Bounces first: they are auto-submitted too, and the more specific answer.
  if (report && report_type == "delivery-status") return found(true, "multipart/report; report-type=delivery-status");
  if (parts.delivery_status && isDaemon(mail.from)) return found(true, "delivery-status part from " + mail.from.address);
  if (hasHeader(object, "X-Failed-Recipients")) return found(true, "X-Failed-Recipients");

  // RFC 3834. "no" is the only value that says a person wrote it.
  if (const std::string v = headerValue(object, "Auto-Submitted"); !v.empty() && firstToken(v) != "no") {
    return found(false, "Auto-Submitted: " + v);
  }
  // Exchange's X-Auto-Response-Suppress asks *others* not to auto-reply: not a sign of one.
  for (const char* name : {"X-Autoreply", "X-Autorespond"}) {
    if (hasHeader(object, name)) {
      const std::string v = headerValue(object, name);
      if (firstToken(v) == "no" || firstToken(v) == "false") continue;
      return found(false, std::string(name) + (v.empty() ? "" : ": " + v));
    }
  }
  if (const std::string v = headerValue(object, "Precedence"); !v.empty()) {
    const std::string p = firstToken(v);
    // A Google Group used as the support address forwards each customer's mail with
    // "Precedence: list" (and X-Google-Group-Id / X-Original-Sender): a person wrote it.
    const bool group_forward = hasHeader(object, "X-Google-Group-Id") || hasHeader(object, "X-Original-Sender");
    if (p == "bulk" || p == "junk" || (p == "list" && !group_forward) || p == "auto_reply" || p == "auto-reply") {
      return found(false, "Precedence: " + v);
    }
  }
  if (report) return found(false, "multipart/report; report-type=" + report_type);  // read receipts, abuse reports
  if (stripAngles(headerValue(object, "Return-Path")).empty() && hasHeader(object, "Return-Path")) {
    return found(false, "Return-Path: <>");  // the null sender: only DSNs and auto-replies use it
  }
  if (isDaemon(mail.from) && mail.from.address.rfind("mailer-daemon", 0) == 0) {
    return found(false, "From: " + mail.from.address);
  }
}

// ---- the whole message -----------------------------------------------------------------------

// GMime allocates about 1.4 KB per MIME part and 0.5 KB per header field: 32 MB of "--x\n\n"
// would cost ~9 GB. A mail is cut before the part or header field that passes these limits
// (no real mail comes near them: a mail with 100 attachments has a few hundred of each).
constexpr std::size_t kMaxParts = 10000;
constexpr std::size_t kMaxHeaderFields = 100000;
constexpr std::size_t kMaxBoundaries = 64;

char lowerAscii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// `prefix` is lower-case.
bool startsWithNoCase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (lowerAscii(text[i]) != prefix[i]) return false;
  }
  return true;
}

// A rough pass over the lines as the MIME parser will see them: header blocks (the mail's, each
// part's, each attached message's) and boundary lines of the declared boundaries. It only
// counts; GMime does the parsing.
class StructureBound {
 public:
  std::string_view apply(std::string_view raw) {
    std::size_t pos = 0;
    while (pos < raw.size()) {
      const std::size_t eol = raw.find('\n', pos);
      const std::size_t next = eol == std::string_view::npos ? raw.size() : eol + 1;
      std::string_view line = raw.substr(pos, next - pos);
      while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
      if (in_headers_) {
        if (line.empty()) {
          endField();
          in_headers_ = message_follows_;  // an attached message starts with its own headers
          message_follows_ = false;
        } else if (line.front() == ' ' || line.front() == '\t') {
          if (in_content_type_) content_type_.append(line);
        } else {
          endField();
          if (++fields_ > kMaxHeaderFields) return raw.substr(0, pos);
          if (startsWithNoCase(line, "content-type:")) {
            in_content_type_ = true;
            content_type_ = std::string(line.substr(13));
          }
        }
      } else if (line.size() > 2 && line[0] == '-' && line[1] == '-' && isBoundary(line.substr(2))) {
        if (++parts_ > kMaxParts) return raw.substr(0, pos);
        in_headers_ = true;
      }
      pos = next;
    }
    return raw;
  }

 private:
  void endField() {
    if (!in_content_type_) return;
    in_content_type_ = false;
    const std::string ct = asciiLower(content_type_);
    if (ct.find("message/rfc822") != std::string::npos || ct.find("message/global") != std::string::npos ||
        ct.find("message/news") != std::string::npos) {
      message_follows_ = true;
    }
    const std::size_t at = ct.find("boundary");
    if (at == std::string::npos) return;
    std::size_t i = at + 8;
    while (i < ct.size() && (ct[i] == ' ' || ct[i] == '\t')) ++i;
    if (i >= ct.size() || ct[i] != '=' || boundaries_.size() >= kMaxBoundaries) {
      any_dash_line_ = true;  // boundary*= (RFC 2231) or very many: count every "--" line
      return;
    }
    ++i;
    while (i < ct.size() && (ct[i] == ' ' || ct[i] == '\t')) ++i;
    std::string value;
    if (i < ct.size() && ct[i] == '"') {
      const std::size_t end = ct.find('"', i + 1);
      value = ct.substr(i + 1, end == std::string::npos ? std::string::npos : end - i - 1);
    } else {
      const std::size_t end = ct.find_first_of("; \t", i);
      value = ct.substr(i, end == std::string::npos ? std::string::npos : end - i);
    }
    // Compared without case: the boundary is case-sensitive, but counting a few more lines is harmless.
    if (value.empty()) {
      any_dash_line_ = true;
    } else if (std::find(boundaries_.begin(), boundaries_.end(), value) == boundaries_.end()) {
      boundaries_.push_back(std::move(value));
    }
  }

  bool isBoundary(std::string_view rest) const {
    if (any_dash_line_) return true;
    return std::any_of(boundaries_.begin(), boundaries_.end(),
                       [&](const std::string& b) { return startsWithNoCase(rest, b); });
  }

  bool in_headers_ = true;
  bool message_follows_ = false;
  bool in_content_type_ = false;
  bool any_dash_line_ = false;
  std::string content_type_;
  std::vector<std::string> boundaries_;
  std::size_t parts_ = 0;
  std::size_t fields_ = 0;
};

bool startsWithHeaderField(std::string_view raw) {
  std::size_t i = 0;
  while (i < raw.size() && raw[i] != ':') {
    const auto c = static_cast<unsigned char>(raw[i]);
    if (c <= 0x20 || c >= 0x7f) break;
    ++i;
  }
  if (i == 0) return false;
  while (i < raw.size() && (raw[i] == ' ' || raw[i] == '\t')) ++i;
  return i < raw.size() && raw[i] == ':';
}

std::string joinTexts(const std::vector<std::string>& texts) {
  std::string out;
  for (const auto& t : texts) {
    if (isBlank(t)) continue;
    if (!out.empty()) out += "\n";
    std::string_view piece = t;
    while (!piece.empty() && (piece.back() == '\n' || piece.back() == ' ' || piece.back() == '\t')) piece.remove_suffix(1);
    out.append(piece);
  }
  std::size_t start = 0;
  while (start < out.size() && out[start] == '\n') ++start;
  return out.substr(start);
}

// The Content-IDs the sanitised HTML shows as images (src="cid:...").
std::unordered_set<std::string> referencedContentIds(std::string_view html) {
  std::unordered_set<std::string> ids;
  constexpr std::string_view kMarker = "src=\"cid:";
  for (std::size_t at = html.find(kMarker); at != std::string_view::npos; at = html.find(kMarker, at + 1)) {
    const std::size_t b = at + kMarker.size();
    const std::size_t e = html.find('"', b);
    if (e == std::string_view::npos) break;
    std::string id;
    const std::string_view raw = html.substr(b, e - b);
    for (std::size_t i = 0; i < raw.size(); ++i) {  // undo the sanitizer's escaping and URL encoding
      if (raw.compare(i, 5, "&amp;") == 0) {
        id.push_back('&');
        i += 4;
      } else if (raw[i] == '%' && i + 2 < raw.size() && std::isxdigit(static_cast<unsigned char>(raw[i + 1])) &&
                 std::isxdigit(static_cast<unsigned char>(raw[i + 2]))) {
        const auto hex = [](char c) { return c <= '9' ? c - '0' : lowerAscii(c) - 'a' + 10; };
        id.push_back(static_cast<char>(hex(raw[i + 1]) * 16 + hex(raw[i + 2])));
        i += 2;
      } else {
        id.push_back(raw[i]);
      }
    }
    ids.insert(stripAngles(id));
  }
  return ids;
}

}  // namespace

core::Result<ParsedMail> parseMail(std::string_view raw, std::size_t max_bytes) {
  if (raw.size() > max_bytes) {
    return core::makeError(core::ErrorCode::InvalidInput, "mail is larger than " + std::to_string(max_bytes) + " bytes");
  }
  // An mbox "From " separator line in front of the headers is not part of the mail.
  if (raw.substr(0, 5) == "From ") {
    const std::size_t eol = raw.find('\n');
    raw = eol == std::string_view::npos ? std::string_view() : raw.substr(eol + 1);
  }
  if (!startsWithHeaderField(raw)) {
    return core::makeError(core::ErrorCode::InvalidInput, "not a mail: it does not start with a header field");
  }
  raw = StructureBound().apply(raw);
  initMime();
  const detail::ParserOptionsPtr options = detail::makeParserOptions();
  const GObjectPtr<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(raw.data(), raw.size()));
  const GObjectPtr<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
  g_mime_parser_set_format(parser.get(), GMIME_FORMAT_MESSAGE);
  const GObjectPtr<GMimeMessage> message(g_mime_parser_construct_message(parser.get(), options.get()));
  if (message == nullptr) return core::makeError(core::ErrorCode::InvalidInput, "not a mail: no header block");
  GMimeObject* object = GMIME_OBJECT(message.get());

  ParsedMail mail;
  mail.message_id = stripAngles(oneLine(view(g_mime_message_get_message_id(message.get()))));
  mail.in_reply_to = parseMessageIds(options.get(), g_mime_object_get_header(object, "In-Reply-To"));
  mail.references = parseMessageIds(options.get(), g_mime_object_get_header(object, "References"));

  std::vector<MailAddress> from;
  collectAddresses(g_mime_message_get_from(message.get()), from);
  if (from.empty()) collectAddresses(g_mime_message_get_sender(message.get()), from);
  if (!from.empty()) mail.from = std::move(from.front());
  collectAddresses(g_mime_message_get_reply_to(message.get()), mail.reply_to);
  collectAddresses(g_mime_message_get_to(message.get()), mail.to);
  collectAddresses(g_mime_message_get_cc(message.get()), mail.cc);

  GMimeHeaderList* headers = g_mime_object_get_header_list(object);
  const int header_count = g_mime_header_list_get_count(headers);
  for (int i = 0; i < header_count; ++i) {
    GMimeHeader* header = g_mime_header_list_get_header_at(headers, i);
    const std::string_view name = view(g_mime_header_get_name(header));
    if (!iequals(name, "Delivered-To") && !iequals(name, "X-Original-To") && !iequals(name, "Envelope-To")) continue;
    const std::string value = oneLine(view(g_mime_header_get_value(header)));
    std::size_t start = 0;
    while (start <= value.size()) {
      const std::size_t comma = std::min(value.find(',', start), value.size());
      std::string address = asciiLower(stripAngles(std::string_view(value).substr(start, comma - start)));
      if (!address.empty() && std::find(mail.delivered_to.begin(), mail.delivered_to.end(), address) == mail.delivered_to.end()) {
        mail.delivered_to.push_back(std::move(address));
      }
      start = comma + 1;
    }
  }

  mail.subject = oneLine(view(g_mime_message_get_subject(message.get())));
  if (GDateTime* date = g_mime_message_get_date(message.get()); date != nullptr) {
    mail.date_ms = static_cast<core::TimestampMs>(g_date_time_to_unix(date)) * 1000 + g_date_time_get_microsecond(date) / 1000;
  }

  Collected parts;
  walk(g_mime_message_get_mime_part(message.get()), parts, 0, true);

  mail.text = joinTexts(parts.texts);
  if (!parts.htmls.empty()) {
    for (const auto& html : parts.htmls) {
      SanitizedHtml clean = sanitizeHtml(html);
      mail.html += clean.html;
      mail.has_remote_images = mail.has_remote_images || clean.has_remote_images;
    }
    if (isBlank(mail.text)) {
      std::string all;
      for (const auto& html : parts.htmls) all += html;
      mail.text = htmlToText(all);
    }
  }

  const std::unordered_set<std::string> shown = referencedContentIds(mail.html);
  int forwarded = 0;
  for (std::size_t i = 0; i < parts.files.size(); ++i) {
    MailFile& file = parts.files[i];
    if (!file.content_id.empty() && shown.count(file.content_id) > 0) file.is_inline = true;
    if (!file.filename.empty()) continue;
    if (isMessageType(file.content_type)) {
      ++forwarded;
      file.filename = forwarded == 1 ? "forwarded.eml" : "forwarded-" + std::to_string(forwarded) + ".eml";
    } else {
      file.filename = "attachment-" + std::to_string(i + 1) + extensionFor(file.content_type);
    }
  }
  mail.files = std::move(parts.files);

  detectAutomatic(message.get(), parts, mail);
  return mail;
}

core::Result<std::vector<MailAddress>> parseAddressList(std::string_view text) {
  if (text.find('\0') != std::string_view::npos) {
    return core::makeError(core::ErrorCode::InvalidInput, "address list contains a NUL byte");
  }
  std::vector<MailAddress> out;
  if (trimAscii(text).empty()) return out;
  initMime();
  const detail::ParserOptionsPtr options = detail::makeParserOptions();
  const std::string copy(text);
  const GObjectPtr<InternetAddressList> list(internet_address_list_parse(options.get(), copy.c_str()));
  // Valid: at least one mailbox or group ("undisclosed-recipients:;"), every mailbox with a
  // local part and a domain.
  if (list == nullptr || internet_address_list_length(list.get()) == 0) {
    return core::makeError(core::ErrorCode::InvalidInput, "not an address list: " + oneLine(text.substr(0, 200)));
  }
  collectAddresses(list.get(), out);
  const bool all_valid = std::all_of(out.begin(), out.end(), [](const MailAddress& a) {
    const std::size_t at = a.address.find('@');
    return at != std::string::npos && at > 0 && at + 1 < a.address.size();
  });
  const bool only_groups = out.empty() && [&] {
    for (int i = 0; i < internet_address_list_length(list.get()); ++i) {
      if (!INTERNET_ADDRESS_IS_GROUP(internet_address_list_get_address(list.get(), i))) return false;
    }
    return true;
  }();
  if (!all_valid || (out.empty() && !only_groups)) {
    return core::makeError(core::ErrorCode::InvalidInput, "not an address list: " + oneLine(text.substr(0, 200)));
  }
  return out;
}

}  // namespace parley::mail
