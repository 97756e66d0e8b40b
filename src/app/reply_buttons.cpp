#include "app/reply_buttons.hpp"

#include <cctype>
#include <vector>

#include "core/text.hpp"

namespace parley::app {

using core::ErrorCode;
using core::makeError;

namespace {

std::size_t codePoints(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

bool blank(const std::string& s) { return s.find_first_not_of(" \t\r\n") == std::string::npos; }

bool hasControl(const std::string& s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7F) return true;
  }
  return false;
}

// http://, https:// (with a host) or tg:// — lower or upper case scheme, nothing else.
bool linkUrl(const std::string& url) {
  std::string scheme;
  const auto colon = url.find("://");
  if (colon == std::string::npos) return false;
  for (std::size_t i = 0; i < colon; ++i) scheme += static_cast<char>(std::tolower(static_cast<unsigned char>(url[i])));
  const bool web = scheme == "http" || scheme == "https";
  if (!web && scheme != "tg") return false;
  if (url.size() <= colon + 3) return false;
  for (unsigned char c : url) {
    if (c <= 0x20 || c == 0x7F) return false;  // no spaces or control characters in a link
  }
  return true;
}

}  // namespace

core::Status validateReplyButtons(const ReplyButtons& rows) {
  if (rows.size() > kMaxButtonRows) {
    return makeError(ErrorCode::InvalidInput, "buttons: at most " + std::to_string(kMaxButtonRows) + " rows");
  }
  std::size_t count = 0;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const std::string rp = "buttons[" + std::to_string(r) + "]";
    if (rows[r].empty()) return makeError(ErrorCode::InvalidInput, rp + ": a row needs at least one button");
    if (rows[r].size() > kMaxButtonsPerRow) {
      return makeError(ErrorCode::InvalidInput, rp + ": at most " + std::to_string(kMaxButtonsPerRow) + " buttons in a row");
    }
    for (std::size_t b = 0; b < rows[r].size(); ++b) {
      const auto& button = rows[r][b];
      const std::string bp = rp + "[" + std::to_string(b) + "]";
      if (++count > kMaxButtons) return makeError(ErrorCode::InvalidInput, "buttons: at most " + std::to_string(kMaxButtons) + " buttons");
      if (blank(button.text)) return makeError(ErrorCode::InvalidInput, bp + ".text: every button needs a label");
      if (!core::isValidUtf8(button.text) || hasControl(button.text) || codePoints(button.text) > kMaxButtonTextChars) {
        return makeError(ErrorCode::InvalidInput,
                         bp + ".text: a label has at most " + std::to_string(kMaxButtonTextChars) + " characters on one line");
      }
      if (button.callback_data.empty() == button.url.empty()) {
        return makeError(ErrorCode::InvalidInput, bp + ": give exactly one of callback_data (sent back when tapped) and url (a link)");
      }
      if (!button.callback_data.empty()) {
        if (button.callback_data.size() > kMaxCallbackDataBytes || !core::isValidUtf8(button.callback_data)) {
          return makeError(ErrorCode::InvalidInput, bp + ".callback_data: 1-64 bytes (Telegram's limit)");
        }
      } else if (button.url.size() > kMaxButtonUrlBytes || !core::isValidUtf8(button.url) || !linkUrl(button.url)) {
        return makeError(ErrorCode::InvalidInput, bp + ".url: must be an http://, https:// or tg:// link");
      }
    }
  }
  return {};
}

core::Status validateChannelButtons(core::ChannelKind channel, const ReplyButtons& rows, const std::string& text,
                                   bool with_files) {
  if (channel == core::ChannelKind::Telegram) return validateReplyButtons(rows);
  if (channel != core::ChannelKind::WhatsApp) {
    return makeError(ErrorCode::InvalidInput, "buttons: only Telegram and WhatsApp inboxes can send buttons (this conversation is in a " +
                                                  std::string(core::toString(channel)) + " inbox)");
  }
  std::size_t count = 0;
  std::vector<std::string> titles;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    if (rows[r].empty()) return makeError(ErrorCode::InvalidInput, "buttons[" + std::to_string(r) + "]: a row needs at least one button");
    for (std::size_t b = 0; b < rows[r].size(); ++b) {
      const auto& button = rows[r][b];
      const std::string bp = "buttons[" + std::to_string(r) + "][" + std::to_string(b) + "]";
      if (++count > kMaxWhatsAppButtons) {
        return makeError(ErrorCode::InvalidInput, "buttons: WhatsApp shows at most 3 reply buttons under a message");
      }
      if (!button.url.empty()) {
        return makeError(ErrorCode::InvalidInput, bp + ".url: WhatsApp reply buttons send an answer back; links are not possible");
      }
      if (blank(button.text) || !core::isValidUtf8(button.text) || hasControl(button.text) ||
          codePoints(button.text) > kMaxWhatsAppButtonTitleChars) {
        return makeError(ErrorCode::InvalidInput, bp + ".text: a WhatsApp button's label has 1 to 20 characters on one line");
      }
      for (const auto& seen : titles) {
        if (seen == button.text) return makeError(ErrorCode::InvalidInput, bp + ".text: WhatsApp needs a different label on each button");
      }
      titles.push_back(button.text);
      const auto& id = button.callback_data;
      if (blank(id) || !core::isValidUtf8(id) || codePoints(id) > kMaxWhatsAppButtonIdChars || id.front() == ' ' ||
          id.back() == ' ' || hasControl(id)) {
        return makeError(ErrorCode::InvalidInput, bp + ".callback_data: the answer a WhatsApp button sends back has 1 to 256 "
                                                       "characters, without spaces at either end");
      }
    }
  }
  if (blank(text)) return makeError(ErrorCode::InvalidInput, "text: a WhatsApp message with buttons needs text above them");
  if (codePoints(text) > kMaxWhatsAppButtonBodyChars) {
    return makeError(ErrorCode::InvalidInput, "text: a WhatsApp message with buttons has at most 1024 characters");
  }
  if (with_files) return makeError(ErrorCode::InvalidInput, "buttons: WhatsApp sends buttons with text only; send the file on its own");
  return {};
}

std::string replyButtonsPayload(const ReplyButtons& rows) {
  std::string out = "{\"inline_keyboard\":[";
  for (std::size_t r = 0; r < rows.size(); ++r) {
    if (r) out += ',';
    out += '[';
    for (std::size_t b = 0; b < rows[r].size(); ++b) {
      const auto& button = rows[r][b];
      if (b) out += ',';
      out += "{\"text\":";
      out += core::jsonString(button.text);
      if (!button.callback_data.empty()) {
        out += ",\"callback_data\":";
        out += core::jsonString(button.callback_data);
      } else {
        out += ",\"url\":";
        out += core::jsonString(button.url);
      }
      out += '}';
    }
    out += ']';
  }
  out += "]}";
  return out;
}

}  // namespace parley::app
