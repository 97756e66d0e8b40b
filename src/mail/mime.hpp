// DESIGN: e-mail as bytes <-> values, with GMime. No sockets, no store: the IMAP poller, the
// inbound-mail webhook and the SMTP sender (src/channels/email) call these.
//  - parseMail() takes one raw RFC 5322 message (as fetched by IMAP or posted by an MTA) and
//    returns every part decoded to UTF-8: quoted-printable and base64, any charset (invalid
//    bytes replaced, never an error), RFC 2047 encoded words in headers (adjacent ones joined),
//    RFC 2231 file names. multipart/alternative prefers text/plain; HTML is kept, sanitised.
//    Attachments and inline images come back with their decoded bytes and file names.
//  - Auto-replies and bounces are recognised here (Auto-Submitted, X-Autoreply, Precedence,
//    multipart/report DSNs), so the caller never answers them and never reopens for them.
//  - buildMail() produces the bytes of an outgoing message: text (and optional HTML) parts,
//    attachments, our Message-ID, In-Reply-To/References, folded and encoded headers, CRLF.
// Call initMime() once before the first use (it is idempotent and thread-safe).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/ids.hpp"
#include "core/result.hpp"

namespace parley::mail {

void initMime();

struct MailAddress {
  std::string name;     // display name, decoded UTF-8 (may be empty)
  std::string address;  // addr-spec, lower-cased
};

struct MailFile {
  std::string filename;      // decoded; "attachment-<n>" (with an extension from the type) when the mail names none
  std::string content_type;  // as declared, lower-case "type/subtype"
  std::string content_id;    // without angle brackets; set for inline images referenced by cid:
  bool is_inline = false;    // Content-Disposition inline or referenced from the HTML
  std::string bytes;         // decoded content
};

struct ParsedMail {
  std::string message_id;                // without angle brackets; empty when the mail has none
  std::vector<std::string> in_reply_to;  // Message-IDs without angle brackets
  std::vector<std::string> references;   // in header order, without angle brackets
  MailAddress from;
  std::vector<MailAddress> reply_to;
  std::vector<MailAddress> to;
  std::vector<MailAddress> cc;
  std::vector<std::string> delivered_to;  // Delivered-To / X-Original-To / Envelope-To values, lower-cased
  std::string subject;                    // decoded UTF-8, whitespace between encoded words removed
  core::TimestampMs date_ms = 0;          // Date header; 0 when missing or unparsable
  std::string text;                       // the text body, UTF-8; derived from the HTML (tags stripped) when only HTML exists
  std::string html;                       // sanitised HTML (see sanitizeHtml), empty when the mail has no HTML part
  bool has_remote_images = false;         // the HTML referenced remote images (they were neutralised)
  std::vector<MailFile> files;            // attachments and inline images, in MIME order
  bool auto_submitted = false;            // an auto-reply / out-of-office / list or bulk mail
  bool bounce = false;                    // a delivery status notification (DSN) or other non-delivery report
  std::string auto_reason;                // which header or structure told us (for logs and the activity line)
};

// InvalidInput when the bytes are not a mail at all (no header block, larger than max_bytes).
// Anything a real mail client would still show is parsed, however broken.
core::Result<ParsedMail> parseMail(std::string_view raw, std::size_t max_bytes = 32u << 20);

// Cleans HTML from a mail for display in the desk: only a whitelist of formatting elements
// and attributes survives; scripts, styles, forms, iframes, event handlers, javascript:/data:
// URLs and comments are removed. Remote images (http/https src) are neutralised: the src moves
// to data-parley-remote-src so the desk loads them only when the agent allows. cid: images stay
// as they are (the desk maps them to stored attachments).
struct SanitizedHtml {
  std::string html;
  bool has_remote_images = false;
};
SanitizedHtml sanitizeHtml(std::string_view html);

// Plain text from HTML (block elements become line breaks, entities decoded, no tags).
std::string htmlToText(std::string_view html);

struct OutgoingFile {
  std::string filename;
  std::string content_type;
  std::string bytes;
};

struct OutgoingMail {
  MailAddress from;
  std::vector<MailAddress> to;
  std::vector<MailAddress> cc;
  std::string subject;      // UTF-8; encoded as RFC 2047 words when not ASCII
  std::string message_id;   // without angle brackets, e.g. "p.42.17@support.example.com"
  std::vector<std::string> in_reply_to;  // without angle brackets
  std::vector<std::string> references;   // without angle brackets, oldest first
  std::string text;         // UTF-8 plain text body (quoted-printable encoded on the wire)
  std::string html;         // optional HTML alternative; empty = text/plain only
  std::vector<OutgoingFile> files;
  core::TimestampMs date_ms = 0;
  std::vector<std::pair<std::string, std::string>> extra_headers;  // e.g. {"X-Parley-Conversation", "17"}
};

// The complete RFC 5322 message with CRLF line ends, ready for SMTP DATA.
std::string buildMail(const OutgoingMail& mail);

// "Name <a@b>" / "a@b" lists for the desk and for logs; MailAddress with an empty address
// are skipped. InvalidInput for something that is not an address list.
core::Result<std::vector<MailAddress>> parseAddressList(std::string_view text);

}  // namespace parley::mail
