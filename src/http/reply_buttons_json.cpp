#include "http/reply_buttons_json.hpp"

#include <boost/json.hpp>

namespace parley::http {

namespace json = boost::json;
using core::ErrorCode;
using core::makeError;

core::Result<app::ReplyButtons> optReplyButtons(const json::object& body) {
  app::ReplyButtons rows;
  const auto* value = body.if_contains("buttons");
  if (!value || value->is_null()) return rows;
  const auto rowsError = [] { return makeError(ErrorCode::InvalidInput, "buttons: must be an array of rows, each an array of buttons"); };
  if (!value->is_array()) return rowsError();
  // Bounded before anything is copied; the exact limits are checked with the rules.
  if (value->get_array().size() > app::kMaxButtonRows) {
    return makeError(ErrorCode::InvalidInput, "buttons: at most " + std::to_string(app::kMaxButtonRows) + " rows");
  }
  for (std::size_t r = 0; r < value->get_array().size(); ++r) {
    const auto& row = value->get_array()[r];
    if (!row.is_array()) return rowsError();
    if (row.get_array().size() > app::kMaxButtonsPerRow) {
      return makeError(ErrorCode::InvalidInput, "buttons[" + std::to_string(r) + "]: at most " +
                                                    std::to_string(app::kMaxButtonsPerRow) + " buttons in a row");
    }
    std::vector<app::ReplyButton> buttons;
    for (std::size_t b = 0; b < row.get_array().size(); ++b) {
      const std::string bp = "buttons[" + std::to_string(r) + "][" + std::to_string(b) + "]";
      const auto& item = row.get_array()[b];
      if (!item.is_object()) return makeError(ErrorCode::InvalidInput, bp + ": must be an object {text, callback_data | url}");
      app::ReplyButton button;
      for (const auto& field : item.get_object()) {
        std::string* target = field.key() == "text"            ? &button.text
                              : field.key() == "callback_data" ? &button.callback_data
                              : field.key() == "url"           ? &button.url
                                                               : nullptr;
        if (!target) return makeError(ErrorCode::InvalidInput, bp + "." + std::string(field.key()) + ": unknown field");
        if (field.value().is_null()) continue;
        if (!field.value().is_string()) return makeError(ErrorCode::InvalidInput, bp + "." + std::string(field.key()) + ": must be a string");
        if (field.value().get_string().size() > app::kMaxButtonUrlBytes) {
          return makeError(ErrorCode::InvalidInput, bp + "." + std::string(field.key()) + ": too long");
        }
        *target = std::string(field.value().get_string());
      }
      buttons.push_back(std::move(button));
    }
    rows.push_back(std::move(buttons));
  }
  return rows;
}

}  // namespace parley::http
