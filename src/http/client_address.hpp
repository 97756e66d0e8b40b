// DESIGN: the client's address behind a reverse proxy. Parley keys its login and web-chat rate
// limits and its request log on the client's address. Behind nginx, Caddy or a load balancer
// every connection comes from the proxy, so without this all customers and agents would share one
// address (one noisy visitor would lock out every login). The operator names the proxies
// (`trusted_proxies`, addresses or CIDR networks); only for a connection from one of them is
// X-Forwarded-For read, from the right: each proxy appends the address it saw, so the rightmost
// entry not itself a trusted proxy is the client. Entries further left are written by the client
// and are never believed. An unparseable entry stops the walk at the last address proved.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace parley::http {

class TrustedProxies {
 public:
  TrustedProxies() = default;

  // A comma- or space-separated list of addresses ("10.0.0.7", "::1") and networks
  // ("10.0.0.0/8", "fd00::/8"); empty: no proxy is trusted. The error names the bad entry.
  static core::Result<TrustedProxies> parse(std::string_view list);

  bool empty() const { return networks_.empty(); }
  bool contains(const boost::asio::ip::address& address) const;

  // The client's address for a connection from `peer` (as the socket reports it) whose request
  // carried these X-Forwarded-For header values (several header lines count as one list).
  std::string clientAddress(const std::string& peer, const std::vector<std::string_view>& forwarded_for) const;

 private:
  struct Network {
    boost::asio::ip::address base;  // already masked to prefix bits
    unsigned prefix = 0;
  };
  std::vector<Network> networks_;
};

}  // namespace parley::http
