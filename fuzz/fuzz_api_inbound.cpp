// libFuzzer target: the API channel's inbound codec, parseInbound(), on arbitrary bytes, plus
// the signature check on the same bytes. It must never crash, and a payload it accepts must keep
// the documented limits (checked below: a violation aborts, so it shows up as a crash).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "channels/api/api_channel.hpp"

#include "fuzz_checks.hpp"

using namespace parley::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace api = parley::channels::api;
  const std::string_view body = textOf(data, size);

  auto parsed = api::parseInbound(body);
  if (parsed) {
    const auto& m = parsed->message;
    require(!m.external_id.empty() && m.external_id.size() <= 256);
    require(m.text.size() <= 65536);
    require(m.contact.external_id.size() <= 256 && m.contact.name.size() <= 200);
    require(m.contact.phone.size() <= 64 && m.contact.email.size() <= 320);
    require(m.reply_to_external_id.size() <= 256);
    require(parsed->attachments.size() <= api::kMaxInboundAttachments);
    for (const auto& a : parsed->attachments) {
      require(!a.filename.empty());
      require(a.url.empty() || a.url.rfind("http://", 0) == 0 || a.url.rfind("https://", 0) == 0);
    }
  } else {
    require(!parsed.error().message.empty());
  }

  // The signature: a header made from the input never verifies by accident, the right one does.
  const std::string secret = "fuzz-secret";
  const std::string_view header = firstLine(body);
  (void)api::verifySignature(secret, body, header);
  require(api::verifySignature(secret, body, api::signatureHeader(secret, body)));
  require(!api::verifySignature("", body, api::signatureHeader("", body)));
  return 0;
}
