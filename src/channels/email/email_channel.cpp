#include "channels/email/email_channel.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <ctime>
#include <regex>
#include <sstream>

#include "app/attachment_store.hpp"
#include "app/crypto.hpp"
#include "app/identity.hpp"
#include "channels/common/config_secrets.hpp"
#include "channels/email/mail_transport.hpp"
#include "core/text.hpp"
#include "mail/mime.hpp"

namespace parley::channels::email {

namespace json = boost::json;
using core::ErrorCode;
using core::makeError;
using Outcome = app::DeliveryResult::Outcome;

// Every mail Parley sends has a Message-ID <parley.<message id>.<random>@<domain>>: how a copy of
// one that comes back is told from a customer's mail.
constexpr const char* kOwnMessageIdPrefix = "parley.";

namespace {

constexpr std::size_t kMaxTextBytes = 60'000;    // DeskService takes at most 64 KiB of text
constexpr std::size_t kMaxHtmlBytes = 512 * 1024;  // larger HTML is dropped; the text stays
constexpr std::size_t kMaxFilesPerMail = 20;       // DeskService's limit per message
constexpr std::size_t kMaxReferences = 20;

std::string tokenTag(const core::Inbox& inbox, core::ConversationId id) {
  return app::hmacSha256Hex(inbox.secret, "conversation:" + std::to_string(id.value)).substr(0, 6);
}

// Cuts at most `limit` bytes without splitting a UTF-8 sequence.
std::string truncateUtf8(const std::string& text, std::size_t limit) {
  if (text.size() <= limit) return text;
  return std::string(core::utf8Prefix(text, limit)) + "\n[…]";
}

json::array addressesJson(const std::vector<mail::MailAddress>& list) {
  json::array a;
  for (const auto& m : list) a.push_back(json::object{{"name", core::toValidUtf8(m.name)}, {"address", m.address}});
  return a;
}

std::string payloadString(const json::object& payload, const char* key) {
  auto it = payload.find(key);
  return it != payload.end() && it->value().is_string() ? std::string(it->value().get_string()) : std::string();
}

json::object parsePayload(const std::string& text) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec || !v.is_object()) return {};
  return std::move(v.as_object());
}

bool hasReplyPrefix(const std::string& subject) {
  static const std::regex kPrefix(R"(^\s*(re|aw|antw|sv|vs)\s*:)", std::regex::icase);
  return std::regex_search(subject, kPrefix);
}

std::string dateLine(core::TimestampMs ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
  return buf;
}

bool usableMessageId(const std::string& id) { return !id.empty() && id.rfind("sha256:", 0) != 0; }

std::string escapeHtml(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// The HTML alternative of a reply: the same text, escaped (an agent's "<b>" stays text), line
// breaks kept, the signature set apart and quoted lines ("> ") as a blockquote, as mail
// clients show a reply.
std::string htmlOfReply(const std::string& text) {
  std::string html = "<div style=\"font-family:sans-serif\">";
  std::istringstream lines(text);
  std::string line;
  bool quoting = false, signature = false;
  while (std::getline(lines, line)) {
    const bool quoted = line.rfind(">", 0) == 0;
    if (quoted != quoting) {
      html += quoted ? "<blockquote style=\"margin:0 0 0 .8ex;border-left:1px solid #ccc;padding-left:1ex\">" : "</blockquote>";
      quoting = quoted;
    }
    if (!quoting && !signature && line == "-- ") {
      html += "<div style=\"color:#555\">";
      signature = true;
    }
    std::string_view content = line;
    if (quoted) content.remove_prefix(content.size() > 1 && content[1] == ' ' ? 2 : 1);
    html += escapeHtml(content) + "<br>\n";
  }
  if (quoting) html += "</blockquote>";
  if (signature) html += "</div>";
  return html + "</div>";
}

}  // namespace

core::Result<InboxConfig> inboxConfig(const core::Inbox& inbox, const app::SecretBox* secrets) {
  if (!secrets) return parseInboxConfig(inbox.config_json);
  auto opened = openConfigSecrets(inbox.config_json, *secrets);
  if (!opened) return opened.error();
  return parseInboxConfig(*opened);
}

std::string conversationToken(const core::Inbox& inbox, core::ConversationId conversation) {
  return "[#" + std::to_string(conversation.value) + "-" + tokenTag(inbox, conversation) + "]";
}

core::ConversationId findConversationToken(const core::Inbox& inbox, const std::string& text) {
  // "[#17-3f9a1c]" in a subject, or "+c17-3f9a1c@" in a plus address.
  static const std::regex kToken(R"((?:\[#|\+c)(\d{1,18})-([0-9a-f]{6})(?:\]|@))", std::regex::icase);
  for (auto it = std::sregex_iterator(text.begin(), text.end(), kToken); it != std::sregex_iterator(); ++it) {
    core::ConversationId id{std::stoll((*it)[1].str())};
    std::string tag = (*it)[2].str();
    std::transform(tag.begin(), tag.end(), tag.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (id.valid() && app::constantTimeEqual(tag, tokenTag(inbox, id))) return id;
  }
  return {};
}

// --- outbound --------------------------------------------------------------------------------

core::Status EmailGateway::validateConfig(const std::string& config_json) const {
  auto parsed = parseInboxConfig(config_json);
  if (!parsed) return parsed.error();
  return {};
}

core::Result<std::string> EmailGateway::encode(const app::OutboundContext& context) const {
  auto config = parseInboxConfig(context.inbox.config_json);  // no secret is needed here
  if (!config) return makeError(ErrorCode::InvalidInput, "the inbox's e-mail configuration is invalid: " + config.error().message);
  static const std::vector<core::Message> kNone;
  const auto& history = context.history ? *context.history : kNone;

  // Whom to answer: the customer's latest mail (its Reply-To, else its From). An out-of-office
  // or a bounce threaded into the conversation is not the customer's: the reply answers (and
  // quotes, and threads under) the latest mail a person wrote; only when there is none, the
  // latest automatic one.
  const core::Message* last_mail = nullptr;
  json::object last_payload;
  for (const bool human_only : {true, false}) {
    for (auto it = history.rbegin(); it != history.rend() && !last_mail; ++it) {
      if (it->direction != core::MessageDirection::Incoming) continue;
      auto payload = parsePayload(it->payload_json);
      if (!payload.contains("from") || (human_only && payload.contains("automated"))) continue;
      last_mail = &*it;
      last_payload = std::move(payload);
    }
  }
  std::string to_address, to_name;
  if (last_mail) {
    auto pick = [&](const char* key) {
      auto it = last_payload.find(key);
      if (it == last_payload.end()) return;
      const json::value* entry = &it->value();
      if (entry->is_array()) {
        if (entry->as_array().empty()) return;
        entry = &entry->as_array()[0];
      }
      if (!entry->is_object()) return;
      const auto& o = entry->as_object();
      std::string address = payloadString(o, "address");
      if (address.empty() || address == config->address || !to_address.empty()) return;
      to_address = address;
      to_name = payloadString(o, "name");
    };
    pick("reply_to");
    pick("from");
  }
  if (to_address.empty()) {
    for (const auto& identity : context.identities) {
      if (identity.kind == core::IdentityKind::Email && identity.value != config->address) {
        to_address = identity.value;
        to_name = context.contact.name;
        break;
      }
    }
  }
  if (to_address.empty()) return makeError(ErrorCode::InvalidInput, "this contact has no e-mail address to answer to");

  // Subject: the thread's, with "Re:" and the conversation token.
  std::string subject = last_mail ? payloadString(last_payload, "subject") : std::string();
  if (subject.empty()) {
    for (const auto& m : history) {
      subject = payloadString(parsePayload(m.payload_json), "subject");
      if (!subject.empty()) break;
    }
  }
  const bool german = context.agent ? context.agent->language == core::Language::De : true;
  if (subject.empty()) subject = german ? "Ihre Anfrage" : "Your request";
  if (!hasReplyPrefix(subject)) subject = "Re: " + subject;
  if (!findConversationToken(context.inbox, subject).valid()) {
    subject += " " + conversationToken(context.inbox, context.conversation.id);
  }

  json::array in_reply_to, references;
  std::vector<std::string> refs;
  if (last_mail) {
    if (auto it = last_payload.find("references"); it != last_payload.end() && it->value().is_array()) {
      for (const auto& r : it->value().as_array()) {
        if (r.is_string()) refs.emplace_back(r.get_string());
      }
    }
    if (usableMessageId(last_mail->external_id)) {
      in_reply_to.push_back(json::string(last_mail->external_id));
      refs.push_back(last_mail->external_id);
    }
  }
  // Our own earlier replies and the rest of the thread, so every client threads the answer.
  for (const auto& m : history) {
    if (usableMessageId(m.external_id) && std::find(refs.begin(), refs.end(), m.external_id) == refs.end() &&
        (m.direction == core::MessageDirection::Outgoing || m.direction == core::MessageDirection::Incoming)) {
      refs.push_back(m.external_id);
    }
  }
  if (refs.size() > kMaxReferences) refs.erase(refs.begin() + 1, refs.end() - (kMaxReferences - 1));  // keep the root
  for (auto& r : refs) references.push_back(json::string(r));

  std::string text = context.message.text;
  const std::string& signature =
      german ? (config->signature_de.empty() ? config->signature_en : config->signature_de)
             : (config->signature_en.empty() ? config->signature_de : config->signature_en);
  if (!signature.empty()) text += "\n\n-- \n" + signature;
  if (config->quote_history && last_mail) {
    std::string who = to_name.empty() ? to_address : to_name;
    // When the customer wrote it (its Date header), not when Parley stored it.
    const auto* date = last_payload.if_contains("date_ms");
    const core::TimestampMs written = date && date->is_int64() && date->get_int64() > 0 ? date->get_int64() : last_mail->created_at;
    text += "\n\n" + (german ? "Am " + dateLine(written) + " schrieb " + who + ":"
                             : "On " + dateLine(written) + ", " + who + " wrote:");
    std::istringstream lines(last_mail->text);
    std::string line;
    while (std::getline(lines, line)) text += "\n> " + line;
  }

  json::array files;
  for (const auto& a : context.attachments) {
    if (a.state != core::AttachmentState::Stored) return makeError(ErrorCode::InvalidInput, "attachment " + std::to_string(a.id.value) + " is not stored yet");
    files.push_back(json::object{{"sha256", a.sha256}, {"filename", a.filename}, {"content_type", a.content_type}});
  }
  const std::string message_id = kOwnMessageIdPrefix + std::to_string(context.message.id.value) + "." + app::randomHex(6) + "@" +
                                 domainOf(config->address);
  json::object envelope{{"to", to_address},         {"to_name", core::toValidUtf8(to_name)},
                        {"subject", core::toValidUtf8(subject)}, {"message_id", message_id},
                        {"in_reply_to", in_reply_to}, {"references", references},
                        {"text", text},             {"files", files},
                        {"conversation_id", context.conversation.id.value}};
  return json::serialize(envelope);
}

app::DeliveryResult EmailGateway::deliver(const core::Inbox& inbox, const core::OutboxItem& item) {
  auto config = inboxConfig(inbox, secrets_.get());
  if (!config) return {Outcome::Failed, "the inbox's e-mail configuration is invalid: " + config.error().message, 0, {}};
  auto envelope = parsePayload(item.payload);
  if (envelope.empty()) return {Outcome::Failed, "unreadable outbox payload", 0, {}};
  mail::initMime();
  mail::OutgoingMail out;
  out.from = {config->display_name.empty() ? inbox.name : config->display_name, config->address};
  out.to = {{payloadString(envelope, "to_name"), payloadString(envelope, "to")}};
  out.subject = payloadString(envelope, "subject");
  out.message_id = payloadString(envelope, "message_id");
  out.text = payloadString(envelope, "text");
  out.date_ms = item.created_at;
  auto strings = [&](const char* key) {
    std::vector<std::string> v;
    if (auto it = envelope.find(key); it != envelope.end() && it->value().is_array()) {
      for (const auto& s : it->value().as_array()) {
        if (s.is_string()) v.emplace_back(s.get_string());
      }
    }
    return v;
  };
  out.in_reply_to = strings("in_reply_to");
  out.references = strings("references");
  if (auto it = envelope.find("conversation_id"); it != envelope.end() && it->value().is_int64()) {
    out.extra_headers.push_back({"X-Parley-Conversation", std::to_string(it->value().get_int64())});
  }
  if (auto it = envelope.find("files"); it != envelope.end() && it->value().is_array()) {
    for (const auto& f : it->value().as_array()) {
      if (!f.is_object()) continue;
      const auto& o = f.as_object();
      const std::string sha = payloadString(o, "sha256");
      if (sha.size() < 2) return {Outcome::Failed, "an attachment of the reply is unreadable", 0, {}};
      auto bytes = app::readBlob(attachments_root_, sha);
      if (!bytes) return {Outcome::Failed, "the attachment " + payloadString(o, "filename") + " is missing on disk", 0, {}};
      out.files.push_back({payloadString(o, "filename"), payloadString(o, "content_type"), std::move(*bytes)});
    }
  }
  out.html = htmlOfReply(out.text);
  const std::string message = mail::buildMail(out);
  auto sent = sendSmtp(*config, {payloadString(envelope, "to")}, message, timeout_ms_);
  switch (sent.kind) {
    case SmtpOutcome::Kind::Sent:
      return {Outcome::Delivered, {}, 0, out.message_id};
    case SmtpOutcome::Kind::Temporary:
      return {Outcome::RetryLater, sent.error, 0, {}};
    case SmtpOutcome::Kind::Permanent:
      break;
  }
  return {Outcome::Failed, sent.error, 0, {}};
}

// --- inbound ---------------------------------------------------------------------------------

std::size_t EmailReceiver::maxMailBytes() const {
  // A mail carries its files base64-encoded (4/3 larger), plus text and headers.
  return static_cast<std::size_t>(attachments_.maxBytes()) * 2 + (1u << 20);
}

core::Result<ReceiveResult> EmailReceiver::receive(const core::Inbox& inbox, const InboxConfig& config, std::string_view raw) {
  mail::initMime();
  auto parsed = mail::parseMail(raw, maxMailBytes());
  if (!parsed) return parsed.error();
  const mail::ParsedMail& m = *parsed;
  ReceiveResult result;
  if (m.from.address.empty()) return makeError(ErrorCode::InvalidInput, "the mail names no sender (From)");
  const mail::MailAddress* customer = &m.from;
  const bool from_inbox = m.from.address == config.address;
  const auto is_form_sender = [&config](const std::string& address) {
    return std::find(config.form_senders.begin(), config.form_senders.end(), address) != config.form_senders.end();
  };
  // A web form or shop system that writes in the customer's name (From: its own or even the
  // inbox's address, Reply-To: the customer): the customer is the Reply-To. Parley's own replies
  // (Message-ID parley.<id>...) never count as such, whatever their headers.
  const bool sent_by_parley = m.message_id.rfind(kOwnMessageIdPrefix, 0) == 0;
  if ((from_inbox || is_form_sender(m.from.address)) && !sent_by_parley) {
    for (const auto& r : m.reply_to) {
      if (!r.address.empty() && r.address != config.address && !is_form_sender(r.address)) {
        customer = &r;
        break;
      }
    }
  }
  if (customer == &m.from && from_inbox) {
    // Our own mail (a copy of a reply, a loop through a forwarder): never a customer's.
    result.kind = ReceiveResult::Kind::Ignored;
    result.reason = "sent from the inbox's own address";
    return result;
  }

  core::InboundMessage in;
  in.inbox_id = inbox.id;
  in.account_id = config.address;
  in.external_id = m.message_id.empty() ? "sha256:" + app::sha256Hex(raw) : m.message_id.substr(0, 900);
  if (app::normalizeEmail(customer->address)) {
    in.contact.email = customer->address;
  } else {
    in.contact.external_id = customer->address;  // not a plain address: kept as this inbox's own id
  }
  in.contact.name = core::toValidUtf8(customer->name);
  // As verified as a From: an address in a mail header proves no more than the sender's word in
  // either case, and the agent's answer goes to that address, so only its owner reads it.
  in.contact.verified = true;
  in.sent_at = m.date_ms;

  std::string text = core::toValidUtf8(m.text);
  const auto blank = text.find_first_not_of(" \t\r\n") == std::string::npos;
  if (blank) text.clear();
  in.text = truncateUtf8(text, kMaxTextBytes);

  json::object payload{{"subject", core::toValidUtf8(m.subject)},
                       {"from", json::object{{"name", core::toValidUtf8(m.from.name)}, {"address", m.from.address}}},
                       {"to", addressesJson(m.to)},
                       {"cc", addressesJson(m.cc)},
                       {"reply_to", addressesJson(m.reply_to)}};
  if (customer != &m.from) payload["customer_from_reply_to"] = true;
  if (!m.html.empty()) {
    if (m.html.size() <= kMaxHtmlBytes) {
      payload["html"] = core::toValidUtf8(m.html);
      payload["has_remote_images"] = m.has_remote_images;
    } else {
      payload["html_dropped"] = "the HTML part was larger than 512 KiB; the text is shown";
    }
  }
  json::array refs;
  for (const auto& r : m.references) refs.push_back(json::string(core::toValidUtf8(r)));
  payload["references"] = refs;
  if (m.date_ms > 0) payload["date_ms"] = m.date_ms;
  if (text.size() > kMaxTextBytes) payload["text_truncated"] = true;
  if (m.auto_submitted || m.bounce) {
    payload["automated"] = m.bounce ? "bounce" : "auto-reply";
    payload["automated_reason"] = core::toValidUtf8(m.auto_reason);
  }

  json::array skipped;
  for (const auto& file : m.files) {
    if (file.bytes.empty()) continue;
    const std::string name = core::toValidUtf8(file.filename);
    if (in.saved_files.size() >= kMaxFilesPerMail) {
      skipped.push_back(json::object{{"filename", name}, {"reason", "more than 20 files in one mail"}});
      continue;
    }
    if (file.bytes.size() > static_cast<std::size_t>(attachments_.maxBytes())) {
      skipped.push_back(json::object{{"filename", name}, {"reason", "larger than attachment_max_bytes"}});
      continue;
    }
    auto saved = attachments_.saveBlob(inbox.tenant_id, file.bytes, name);
    if (!saved) {
      if (saved.error().code == ErrorCode::Unavailable) return saved.error();
      skipped.push_back(json::object{{"filename", name}, {"reason", saved.error().message}});
      continue;
    }
    in.saved_files.push_back(std::move(*saved));
  }
  // cid: references of the HTML, by file name, so the desk can show inline images.
  json::object inline_files;
  for (const auto& file : m.files) {
    if (!file.content_id.empty()) inline_files[core::toValidUtf8(file.content_id)] = core::toValidUtf8(file.filename);
  }
  if (!inline_files.empty()) payload["inline"] = inline_files;
  if (!skipped.empty()) payload["skipped_files"] = skipped;
  if (in.text.empty() && in.saved_files.empty()) in.text = m.subject.empty() ? "(empty e-mail)" : core::toValidUtf8(m.subject);
  in.payload_json = json::serialize(payload);

  // Threading: In-Reply-To first, then References from the newest.
  for (const auto& r : m.in_reply_to) in.thread_refs.push_back(r);
  for (auto it = m.references.rbegin(); it != m.references.rend(); ++it) in.thread_refs.push_back(*it);
  in.thread_conversation_id = findConversationToken(inbox, m.subject);
  if (!in.thread_conversation_id.valid()) {
    for (const auto* list : {&m.to, &m.cc}) {
      for (const auto& a : *list) {
        if (!in.thread_conversation_id.valid()) in.thread_conversation_id = findConversationToken(inbox, a.address);
      }
    }
    for (const auto& a : m.delivered_to) {
      if (!in.thread_conversation_id.valid()) in.thread_conversation_id = findConversationToken(inbox, a);
    }
  }
  in.new_conversation_unless_threaded = true;
  in.automated = m.auto_submitted || m.bounce;
  in.automated_label = m.bounce ? "bounce" : "auto-reply";

  auto ingested = desk_.ingest(in);
  if (!ingested) return ingested.error();
  result.ingest = *ingested;
  result.kind = ingested->duplicate ? ReceiveResult::Kind::Duplicate : ReceiveResult::Kind::Stored;
  return result;
}

}  // namespace parley::channels::email
