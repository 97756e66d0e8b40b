#include "app/reply_buttons.hpp"

#include <cctype>

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
