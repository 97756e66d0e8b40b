// buildMail(): an outgoing message put together with GMime, which folds and encodes the
// headers (RFC 2047 words, RFC 2231 parameters) and the bodies (quoted-printable, base64).
// Everything that comes from a user (names, subject, file names, extra headers) is reduced to
// one line first, so no value can add a header of its own.
#include <gmime/gmime.h>

#include <string>
#include <string_view>

#include "core/text.hpp"
#include "mail/charset.hpp"
#include "mail/gmime_ptr.hpp"
#include "mail/mime.hpp"

namespace parley::mail {

namespace {

using detail::asciiLower;
using detail::oneLine;
using detail::GObjectPtr;
using detail::trimAscii;

// An addr-spec: no spaces, controls, brackets or separators that would change the list.
std::string cleanAddress(std::string_view address) {
  std::string out;
  for (char c : core::toValidUtf8(address)) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == '<' || c == '>' || c == ',' || c == ';' ||
        c == '"') {
      continue;
    }
    out.push_back(c);
  }
  return out;
}

std::string cleanMessageId(std::string_view id) {
  std::string out;
  for (char c : core::toValidUtf8(id)) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == '<' || c == '>') continue;
    out.push_back(c);
  }
  return out;
}

std::string idList(const std::vector<std::string>& ids) {
  std::string out;
  for (const auto& id : ids) {
    const std::string clean = cleanMessageId(id);
    if (clean.empty()) continue;
    if (!out.empty()) out += " ";
    out += "<" + clean + ">";
  }
  return out;
}

void addMailbox(GMimeMessage* message, GMimeAddressType type, const MailAddress& address) {
  const std::string addr = cleanAddress(address.address);
  if (addr.empty()) return;
  const std::string name = oneLine(address.name);
  const GObjectPtr<InternetAddress> mailbox(internet_address_mailbox_new(name.empty() ? nullptr : name.c_str(), addr.c_str()));
  internet_address_set_charset(mailbox.get(), "utf-8");  // else GMime picks latin1 when it fits
  internet_address_list_add(g_mime_message_get_addresses(message, type), mailbox.get());
}

// UTF-8 text with LF line ends: the writer turns them into CRLF.
std::string bodyText(std::string_view text) {
  const std::string valid = core::toValidUtf8(text);
  std::string out;
  out.reserve(valid.size() + 1);
  for (std::size_t i = 0; i < valid.size(); ++i) {
    if (valid[i] == '\r') {
      out.push_back('\n');
      if (i + 1 < valid.size() && valid[i + 1] == '\n') ++i;
    } else if (valid[i] != '\0') {
      out.push_back(valid[i]);
    }
  }
  if (out.empty() || out.back() != '\n') out.push_back('\n');
  return out;
}

void setContent(GMimePart* part, std::string_view bytes, GMimeContentEncoding encoding) {
  const GObjectPtr<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(bytes.data(), bytes.size()));
  const GObjectPtr<GMimeDataWrapper> content(g_mime_data_wrapper_new_with_stream(stream.get(), GMIME_CONTENT_ENCODING_DEFAULT));
  g_mime_part_set_content(part, content.get());
  g_mime_part_set_content_encoding(part, encoding);
}

GObjectPtr<GMimeObject> textPart(const char* subtype, std::string_view text) {
  GObjectPtr<GMimeObject> part(GMIME_OBJECT(g_mime_text_part_new_with_subtype(subtype)));
  setContent(GMIME_PART(part.get()), bodyText(text), GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
  g_mime_text_part_set_charset(GMIME_TEXT_PART(part.get()), "utf-8");
  return part;
}

bool isToken(std::string_view s) {
  if (s.empty() || s.size() > 127) return false;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) return false;
    if (std::string_view("()<>@,;:\\\"/[]?=").find(c) != std::string_view::npos) return false;
  }
  return true;
}

GObjectPtr<GMimeObject> attachmentPart(const OutgoingFile& file, std::size_t index) {
  std::string type = "application";
  std::string subtype = "octet-stream";
  const std::string declared = asciiLower(trimAscii(file.content_type.substr(0, file.content_type.find(';'))));
  if (const std::size_t slash = declared.find('/'); slash != std::string::npos) {
    const std::string t = declared.substr(0, slash);
    const std::string s = declared.substr(slash + 1);
    if (isToken(t) && isToken(s)) {
      type = t;
      subtype = s;
    }
  }
  GObjectPtr<GMimeObject> part(GMIME_OBJECT(g_mime_part_new_with_type(type.c_str(), subtype.c_str())));
  g_mime_object_set_disposition(part.get(), GMIME_DISPOSITION_ATTACHMENT);
  std::string name = oneLine(file.filename);
  for (char& c : name) {
    if (c == '/' || c == '\\') c = '_';
  }
  if (name.empty()) name = "attachment-" + std::to_string(index + 1);
  // Content-Disposition filename (RFC 2231 when not ASCII, see the format options) and the
  // Content-Type name that older clients read; that one as RFC 2047 words, as Thunderbird does.
  g_mime_part_set_filename(GMIME_PART(part.get()), name.c_str());
  if (GMimeContentDisposition* cd = g_mime_object_get_content_disposition(part.get()); cd != nullptr) {
    if (GMimeParam* p = g_mime_param_list_get_parameter(g_mime_content_disposition_get_parameters(cd), "filename")) {
      g_mime_param_set_charset(p, "utf-8");
    }
  }
  if (GMimeContentType* ct = g_mime_object_get_content_type(part.get()); ct != nullptr) {
    if (GMimeParam* p = g_mime_param_list_get_parameter(g_mime_content_type_get_parameters(ct), "name")) {
      g_mime_param_set_charset(p, "utf-8");
      g_mime_param_set_encoding_method(p, GMIME_PARAM_ENCODING_METHOD_RFC2047);
    }
  }
  setContent(GMIME_PART(part.get()), file.bytes, GMIME_CONTENT_ENCODING_BASE64);
  return part;
}

// Headers buildMail writes itself; an extra header with one of these names is ignored.
bool isReserved(std::string_view name) {
  static constexpr std::string_view kReserved[] = {
      "from", "to", "cc", "bcc", "subject", "date", "message-id", "in-reply-to", "references", "mime-version",
      "content-type", "content-transfer-encoding", "content-disposition", "content-id", "sender"};
  const std::string lower = asciiLower(name);
  for (std::string_view r : kReserved) {
    if (lower == r) return true;
  }
  return false;
}

bool isHeaderName(std::string_view name) {
  if (name.empty() || name.size() > 76) return false;
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == ':') return false;
  }
  return true;
}

}  // namespace

std::string buildMail(const OutgoingMail& mail) {
  initMime();
  const GObjectPtr<GMimeMessage> message(g_mime_message_new(TRUE));
  GMimeObject* object = GMIME_OBJECT(message.get());

  addMailbox(message.get(), GMIME_ADDRESS_TYPE_FROM, mail.from);
  for (const auto& a : mail.to) addMailbox(message.get(), GMIME_ADDRESS_TYPE_TO, a);
  for (const auto& a : mail.cc) addMailbox(message.get(), GMIME_ADDRESS_TYPE_CC, a);
  g_mime_message_set_subject(message.get(), oneLine(mail.subject).c_str(), "utf-8");

  detail::DateTimePtr date;
  if (mail.date_ms > 0) date.reset(g_date_time_new_from_unix_utc(mail.date_ms / 1000));
  if (date == nullptr) date.reset(g_date_time_new_now_utc());
  g_mime_message_set_date(message.get(), date.get());

  std::string id = cleanMessageId(mail.message_id);
  if (id.empty()) {
    const std::string from = cleanAddress(mail.from.address);
    const std::size_t at = from.rfind('@');
    const std::string domain = at != std::string::npos && at + 1 < from.size() ? from.substr(at + 1) : "parley.invalid";
    const detail::GCharPtr generated(g_mime_utils_generate_message_id(domain.c_str()));
    id = cleanMessageId(generated.get());
  }
  g_mime_message_set_message_id(message.get(), id.c_str());
  if (const std::string v = idList(mail.in_reply_to); !v.empty()) g_mime_object_set_header(object, "In-Reply-To", v.c_str(), nullptr);
  if (const std::string v = idList(mail.references); !v.empty()) g_mime_object_set_header(object, "References", v.c_str(), nullptr);
  g_mime_object_set_header(object, "MIME-Version", "1.0", nullptr);
  for (const auto& [name, value] : mail.extra_headers) {
    if (!isHeaderName(name) || isReserved(name)) continue;
    g_mime_object_append_header(object, name.c_str(), oneLine(value).c_str(), "utf-8");
  }

  GObjectPtr<GMimeObject> body = textPart("plain", mail.text);
  if (!mail.html.empty()) {
    GObjectPtr<GMimeObject> alternative(GMIME_OBJECT(g_mime_multipart_new_with_subtype("alternative")));
    g_mime_multipart_add(GMIME_MULTIPART(alternative.get()), body.get());
    const GObjectPtr<GMimeObject> html = textPart("html", mail.html);
    g_mime_multipart_add(GMIME_MULTIPART(alternative.get()), html.get());
    body = std::move(alternative);
  }
  if (!mail.files.empty()) {
    GObjectPtr<GMimeObject> mixed(GMIME_OBJECT(g_mime_multipart_new_with_subtype("mixed")));
    g_mime_multipart_add(GMIME_MULTIPART(mixed.get()), body.get());
    for (std::size_t i = 0; i < mail.files.size(); ++i) {
      const GObjectPtr<GMimeObject> file = attachmentPart(mail.files[i], i);
      g_mime_multipart_add(GMIME_MULTIPART(mixed.get()), file.get());
    }
    body = std::move(mixed);
  }
  g_mime_message_set_mime_part(message.get(), body.get());

  const detail::FormatOptionsPtr format(g_mime_format_options_new());
  g_mime_format_options_set_newline_format(format.get(), GMIME_NEWLINE_FORMAT_DOS);
  g_mime_format_options_set_param_encoding_method(format.get(), GMIME_PARAM_ENCODING_METHOD_RFC2231);
  const GObjectPtr<GMimeStream> out(g_mime_stream_mem_new());
  g_mime_object_write_to_stream(object, format.get(), out.get());
  const GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(out.get()));
  return bytes == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(bytes->data), bytes->len);
}

}  // namespace parley::mail
