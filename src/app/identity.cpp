#include "app/identity.hpp"

#include <phonenumbers/phonenumberutil.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <functional>
#include <mutex>
#include <unordered_map>

namespace parley::app {

using core::ErrorCode;
using core::makeError;

namespace {

core::Result<std::string> parsePhone(std::string_view raw, std::string_view default_region) {
  std::string text(raw);
  // Channel prefixes such as Twilio's "whatsapp:+49..." or "tel:+49...".
  if (auto colon = text.find(':'); colon != std::string::npos) text = text.substr(colon + 1);
  // International "00" prefix written without the plus.
  auto first = text.find_first_not_of(" \t");
  if (first != std::string::npos && text.compare(first, 2, "00") == 0) text = text.substr(first + 2).insert(0, 1, '+');
  // WhatsApp's wa_id is the full number without '+': digits only and long enough.
  if (!text.empty() && std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); }) &&
      text.size() >= 10 && text[0] != '0') {
    text.insert(0, 1, '+');
  }
  using i18n::phonenumbers::PhoneNumber;
  using i18n::phonenumbers::PhoneNumberUtil;
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  PhoneNumber number;
  if (util.Parse(text, std::string(default_region), &number) != PhoneNumberUtil::NO_PARSING_ERROR) {
    return makeError(ErrorCode::InvalidInput, "not a phone number: " + std::string(raw));
  }
  std::string e164;
  util.Format(number, PhoneNumberUtil::E164, &e164);
  // Valid per the metadata, or at least possible and of a real length ("+" and 7+ digits):
  // the metadata lags behind newly allocated ranges, and short codes are never customers.
  if (!util.IsValidNumber(number) && (!util.IsPossibleNumber(number) || e164.size() < 8)) {
    return makeError(ErrorCode::InvalidInput, "not a possible phone number: " + std::string(raw));
  }
  return e164;
}

}  // namespace

core::Result<std::string> normalizePhone(std::string_view raw, std::string_view default_region) {
  // libphonenumber parses with ICU regular expressions (tens of microseconds), and the same
  // customers write again and again: a memo of recent answers, good or bad, shared by every
  // thread (a per-thread memo missed almost always with 32 request workers). Sharded so that
  // threads rarely meet on one lock; each shard is bounded and cleared when full rather than
  // tracking recency (cheap, and refills in a moment).
  struct Shard {
    std::mutex mutex;
    std::unordered_map<std::string, core::Result<std::string>> answers;
  };
  constexpr std::size_t kShards = 16;
  constexpr std::size_t kShardLimit = 1024;
  static std::array<Shard, kShards> memo;
  std::string key;
  key.reserve(default_region.size() + 1 + raw.size());
  key.append(default_region).append(1, '|').append(raw);
  Shard& shard = memo[std::hash<std::string>{}(key) % kShards];
  {
    std::lock_guard lock(shard.mutex);
    if (auto hit = shard.answers.find(key); hit != shard.answers.end()) return hit->second;
  }
  auto result = parsePhone(raw, default_region);  // outside the lock: the slow part
  std::lock_guard lock(shard.mutex);
  if (shard.answers.size() >= kShardLimit) shard.answers.clear();
  shard.answers.emplace(std::move(key), result);
  return result;
}

core::Result<std::string> normalizeEmail(std::string_view raw) {
  auto begin = raw.find_first_not_of(" \t\r\n");
  auto end = raw.find_last_not_of(" \t\r\n");
  if (begin == std::string_view::npos) return makeError(ErrorCode::InvalidInput, "empty e-mail address");
  std::string email(raw.substr(begin, end - begin + 1));
  std::transform(email.begin(), email.end(), email.begin(), [](unsigned char c) { return std::tolower(c); });
  auto at = email.find('@');
  if (at == std::string::npos || at == 0 || at + 1 >= email.size() || email.find('@', at + 1) != std::string::npos ||
      email.find_first_of(" \t<>,;") != std::string::npos) {
    return makeError(ErrorCode::InvalidInput, "not an e-mail address: " + std::string(raw));
  }
  return email;
}

std::string contactSearchTerm(std::string_view query, std::string_view default_region) {
  constexpr std::string_view kSeparators = " -()/.";
  int digits = 0;
  for (std::size_t i = 0; i < query.size(); ++i) {
    const char c = query[i];
    if (c >= '0' && c <= '9') {
      ++digits;
    } else if (kSeparators.find(c) != std::string_view::npos) {
      continue;
    } else if (!(c == '+' && i == 0)) {
      return std::string(query);  // a name, an address, an id
    }
  }
  // Only a number as people write one: national (0...), international (+..., 00...) or with
  // the area code in brackets. Digits alone ("1719999") and ids like a Telegram group's
  // "-1002000000009" stay a search for exactly what was typed.
  const bool written_as_number = query.starts_with('0') || query.starts_with('+') || query.starts_with('(');
  if (digits < 6 || !written_as_number) return std::string(query);
  if (auto phone = normalizePhone(query, default_region)) return *phone;
  std::string compact;  // a part of a number: searched without its separators
  for (char c : query) {
    if (kSeparators.find(c) == std::string_view::npos) compact += c;
  }
  return compact;
}

}  // namespace parley::app
