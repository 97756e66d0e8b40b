// DESIGN: contact identities are normalised before they are stored or looked up, so the same
// person writing from the same number or address on two channels is one contact:
// phone numbers become E.164 (libphonenumber), e-mail addresses lower-case.
#pragma once

#include <string>
#include <string_view>

#include "core/result.hpp"

namespace parley::app {

// "+49 (030) 1234-567", "0049301234567" or "whatsapp:+49301234567" -> "+49301234567".
// Numbers without a country code are read in `default_region` (ISO 3166, e.g. "DE").
core::Result<std::string> normalizePhone(std::string_view raw, std::string_view default_region = "DE");

// Trims and lower-cases; requires one '@' with text on both sides.
core::Result<std::string> normalizeEmail(std::string_view raw);

// A contact search as an agent types it: a phone number written with spaces, dashes, brackets
// or a national 0 ("0171 999 99 99", "+49 (171) 9999999") becomes its stored E.164 form, so
// it finds the contact; every other query (a name, part of a number, an id) is kept as it is.
std::string contactSearchTerm(std::string_view query, std::string_view default_region = "DE");

}  // namespace parley::app
