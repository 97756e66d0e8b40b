// DESIGN: buttons under an agent's reply (POST /api/v1/conversations/{id}/messages, "buttons"):
// rows of buttons, each either sending data back to the bot when tapped (callback_data) or
// opening a link (url). Telegram is the one channel that shows them for now (an inline keyboard,
// https://core.telegram.org/bots/api#inlinekeyboardmarkup); the reply's payload keeps them as
// {"inline_keyboard": [[{"text", "callback_data" | "url"}]]}, which the Telegram gateway sends as
// reply_markup and the desk draws under the bubble.
//
// The rules are Telegram's (InlineKeyboardButton: text; exactly one of callback_data, 1-64 bytes,
// and url, http(s) or tg://), plus bounds of Parley's own where Telegram publishes none: at most
// kMaxButtonsPerRow buttons a row, kMaxButtonRows rows, kMaxButtons in all, labels of at most
// kMaxButtonTextChars characters (Telegram's clients cut longer ones anyway).
#pragma once

#include <string>
#include <vector>

#include "core/result.hpp"

namespace parley::app {

constexpr std::size_t kMaxButtonRows = 10;
constexpr std::size_t kMaxButtonsPerRow = 8;
constexpr std::size_t kMaxButtons = 30;
constexpr std::size_t kMaxButtonTextChars = 64;
constexpr std::size_t kMaxCallbackDataBytes = 64;
constexpr std::size_t kMaxButtonUrlBytes = 2048;

struct ReplyButton {
  std::string text;
  std::string callback_data;  // exactly one of callback_data ...
  std::string url;            // ... and url
};
using ReplyButtons = std::vector<std::vector<ReplyButton>>;

// InvalidInput naming the button ("buttons[1][0].callback_data: ...") when a rule is broken.
[[nodiscard]] core::Status validateReplyButtons(const ReplyButtons& rows);

// {"inline_keyboard":[[{"text":...,"callback_data":...}|{"text":...,"url":...}]]}
std::string replyButtonsPayload(const ReplyButtons& rows);

}  // namespace parley::app
