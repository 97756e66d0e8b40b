#include "http/client_address.hpp"

#include <boost/asio/ip/network_v4.hpp>
#include <boost/asio/ip/network_v6.hpp>

namespace parley::http {

namespace ip = boost::asio::ip;

namespace {

// ::ffff:10.0.0.1 (a v4 peer on a dual-stack socket) is the same host as 10.0.0.1.
ip::address unmapped(const ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) return ip::make_address_v4(ip::v4_mapped, a.to_v6());
  return a;
}

std::optional<ip::address> parseAddress(std::string_view text) {
  boost::system::error_code ec;
  auto a = ip::make_address(text, ec);
  if (ec) return std::nullopt;
  return unmapped(a);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// X-Forwarded-For entries may carry a port ("203.0.113.7:51234", "[2001:db8::1]:443") when a
// proxy writes them so; the address is what counts.
std::optional<ip::address> forwardedAddress(std::string_view entry) {
  entry = trim(entry);
  if (auto a = parseAddress(entry)) return a;
  if (!entry.empty() && entry.front() == '[') {
    auto close = entry.find(']');
    if (close != std::string_view::npos) return parseAddress(entry.substr(1, close - 1));
    return std::nullopt;
  }
  auto colon = entry.find(':');
  if (colon != std::string_view::npos && entry.find(':', colon + 1) == std::string_view::npos) {
    auto a = parseAddress(entry.substr(0, colon));
    if (a && a->is_v4()) return a;
  }
  return std::nullopt;
}

}  // namespace

core::Result<TrustedProxies> TrustedProxies::parse(std::string_view list) {
  TrustedProxies proxies;
  std::size_t pos = 0;
  while (pos < list.size()) {
    auto end = list.find_first_of(", \t", pos);
    if (end == std::string_view::npos) end = list.size();
    const std::string_view entry = list.substr(pos, end - pos);
    pos = end + 1;
    if (entry.empty()) continue;
    const auto bad = [&](const std::string& why) {
      return core::makeError(core::ErrorCode::InvalidInput,
                             "trusted_proxies: '" + std::string(entry.substr(0, 100)) + "' " + why);
    };
    const auto slash = entry.find('/');
    auto address = parseAddress(entry.substr(0, slash));
    if (!address) return bad("is not an IP address or network (examples: 10.0.0.7, 10.0.0.0/8, ::1, fd00::/8)");
    const unsigned max_prefix = address->is_v4() ? 32 : 128;
    unsigned prefix = max_prefix;
    if (slash != std::string_view::npos) {
      const std::string_view digits = entry.substr(slash + 1);
      if (digits.empty() || digits.size() > 3 || digits.find_first_not_of("0123456789") != std::string_view::npos) {
        return bad("has no prefix length after the /");
      }
      prefix = static_cast<unsigned>(std::stoul(std::string(digits)));
      if (prefix > max_prefix) return bad("has a prefix longer than " + std::to_string(max_prefix) + " bits");
      // 10.1.2.3/8 is almost always a typo for 10.0.0.0/8, but it means the same network.
    }
    Network network;
    network.prefix = prefix;
    network.base = address->is_v4() ? ip::address(ip::make_network_v4(address->to_v4(), prefix).network())
                                    : ip::address(ip::make_network_v6(address->to_v6(), prefix).network());
    proxies.networks_.push_back(network);
  }
  return proxies;
}

bool TrustedProxies::contains(const ip::address& raw) const {
  const ip::address a = unmapped(raw);
  for (const auto& n : networks_) {
    if (n.base.is_v4() != a.is_v4()) continue;
    const bool inside = a.is_v4() ? ip::make_network_v4(a.to_v4(), n.prefix).network() == n.base.to_v4()
                                  : ip::make_network_v6(a.to_v6(), n.prefix).network() == n.base.to_v6();
    if (inside) return true;
  }
  return false;
}

std::string TrustedProxies::clientAddress(const std::string& peer,
                                          const std::vector<std::string_view>& forwarded_for) const {
  if (networks_.empty() || forwarded_for.empty()) return peer;
  auto peer_address = parseAddress(peer);
  if (!peer_address || !contains(*peer_address)) return peer;
  // All header lines as one list, walked from the right (the entry the nearest proxy wrote).
  std::vector<std::string_view> entries;
  for (auto value : forwarded_for) {
    std::size_t pos = 0;
    while (pos <= value.size()) {
      auto end = value.find(',', pos);
      if (end == std::string_view::npos) end = value.size();
      entries.push_back(value.substr(pos, end - pos));
      pos = end + 1;
    }
  }
  ip::address client = *peer_address;
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
    auto hop = forwardedAddress(*it);
    if (!hop) break;
    client = *hop;
    if (!contains(client)) break;
  }
  return client.to_string();
}

}  // namespace parley::http
