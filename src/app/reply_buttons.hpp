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
//
// WhatsApp Cloud API inboxes send the same buttons as an interactive reply-buttons message
// (type "interactive", interactive.type "button";
// https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/interactive-reply-buttons-messages):
// 1 to 3 reply buttons in all (the rows are read in order), each with callback_data as its id
// (at most 256 characters, no leading or trailing space) and its text as the title (at most 20
// characters, unique within the message); no links; the reply's text is the required body (at
// most 1024 characters) and no file goes with it. The customer's tap comes back as an
// interactive button reply whose title the timeline shows.
#pragma once

#include <string>
#include <vector>

#include "core/domain.hpp"
#include "core/result.hpp"

namespace parley::app {

constexpr std::size_t kMaxButtonRows = 10;
constexpr std::size_t kMaxButtonsPerRow = 8;
constexpr std::size_t kMaxButtons = 30;
constexpr std::size_t kMaxButtonTextChars = 64;
constexpr std::size_t kMaxCallbackDataBytes = 64;
constexpr std::size_t kMaxButtonUrlBytes = 2048;
constexpr std::size_t kMaxWhatsAppButtons = 3;
constexpr std::size_t kMaxWhatsAppButtonTitleChars = 20;
constexpr std::size_t kMaxWhatsAppButtonIdChars = 256;
constexpr std::size_t kMaxWhatsAppButtonBodyChars = 1024;

struct ReplyButton {
  std::string text;
  std::string callback_data;  // exactly one of callback_data ...
  std::string url;            // ... and url
};
using ReplyButtons = std::vector<std::vector<ReplyButton>>;

// InvalidInput naming the button ("buttons[1][0].callback_data: ...") when a rule is broken.
[[nodiscard]] core::Status validateReplyButtons(const ReplyButtons& rows);

// The rules of the channel the reply goes to: Telegram's (validateReplyButtons), WhatsApp's
// (above; `text` is the reply's text, `with_files` whether files go with it); InvalidInput for
// every other channel, which shows no buttons.
[[nodiscard]] core::Status validateChannelButtons(core::ChannelKind channel, const ReplyButtons& rows, const std::string& text,
                                                  bool with_files);

// {"inline_keyboard":[[{"text":...,"callback_data":...}|{"text":...,"url":...}]]}
std::string replyButtonsPayload(const ReplyButtons& rows);

}  // namespace parley::app
