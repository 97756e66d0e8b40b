// Standard base64 (RFC 4648, with padding), as providers want it in signatures (Twilio's
// X-Twilio-Signature, X's CRC answer) and in HTTP Basic credentials. Pure.
#pragma once

#include <string>
#include <string_view>

namespace parley::channels {

std::string base64(std::string_view bytes);

}  // namespace parley::channels
