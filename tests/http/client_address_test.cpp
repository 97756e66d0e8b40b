#include "http/client_address.hpp"

#include <gtest/gtest.h>

namespace parley::http {
namespace {

TrustedProxies proxies(std::string_view list) {
  auto p = TrustedProxies::parse(list);
  EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.error().message);
  return p.ok() ? *p : TrustedProxies{};
}

TEST(TrustedProxies, WithoutProxiesTheConnectionAddressCounts) {
  TrustedProxies none = proxies("");
  EXPECT_TRUE(none.empty());
  EXPECT_EQ(none.clientAddress("127.0.0.1", {"203.0.113.7"}), "127.0.0.1");
}

TEST(TrustedProxies, AConnectionFromAnUntrustedAddressIsNotBelieved) {
  auto p = proxies("10.0.0.0/8");
  EXPECT_EQ(p.clientAddress("198.51.100.9", {"203.0.113.7"}), "198.51.100.9");
}

TEST(TrustedProxies, TheRightmostUntrustedEntryIsTheClient) {
  auto p = proxies("127.0.0.1, 10.0.0.0/8");
  EXPECT_EQ(p.clientAddress("127.0.0.1", {"203.0.113.7"}), "203.0.113.7");
  // The visitor wrote "1.2.3.4" himself; the proxy appended the address it saw.
  EXPECT_EQ(p.clientAddress("127.0.0.1", {"1.2.3.4, 203.0.113.7"}), "203.0.113.7");
  // Two proxies in a row: the load balancer (10.1.2.3) and nginx (127.0.0.1).
  EXPECT_EQ(p.clientAddress("127.0.0.1", {"1.2.3.4, 203.0.113.7, 10.1.2.3"}), "203.0.113.7");
  // Several header lines are one list, in order.
  EXPECT_EQ(p.clientAddress("127.0.0.1", {"1.2.3.4", "203.0.113.7 , 10.1.2.3"}), "203.0.113.7");
}

TEST(TrustedProxies, GarbageStopsTheWalkAtTheLastProvedAddress) {
  auto p = proxies("127.0.0.1");
  EXPECT_EQ(p.clientAddress("127.0.0.1", {"not-an-ip"}), "127.0.0.1");
  EXPECT_EQ(p.clientAddress("127.0.0.1", {""}), "127.0.0.1");
  EXPECT_EQ(p.clientAddress("127.0.0.1", {"203.0.113.7, unknown"}), "127.0.0.1");
  EXPECT_EQ(p.clientAddress("127.0.0.1", {}), "127.0.0.1");
}

TEST(TrustedProxies, PortsAndIpv6AreUnderstood) {
  auto p = proxies("::1 fd00::/8");
  EXPECT_EQ(p.clientAddress("::1", {"203.0.113.7:51234"}), "203.0.113.7");
  EXPECT_EQ(p.clientAddress("::1", {"[2001:db8::5]:443"}), "2001:db8::5");
  EXPECT_EQ(p.clientAddress("fd12::9", {"2001:db8::5"}), "2001:db8::5");
  EXPECT_EQ(p.clientAddress("fe80::1", {"2001:db8::5"}), "fe80::1");
}

TEST(TrustedProxies, AMappedIpv4PeerMatchesItsIpv4Network) {
  auto p = proxies("127.0.0.0/8");
  EXPECT_EQ(p.clientAddress("::ffff:127.0.0.1", {"203.0.113.7"}), "203.0.113.7");
}

TEST(TrustedProxies, BadEntriesAreNamed) {
  for (const char* bad : {"10.0.0.0/33", "proxy.internal", "10.0.0.0/", "10.0.0.0/x", "::1/129", "300.1.1.1"}) {
    auto p = TrustedProxies::parse(bad);
    ASSERT_FALSE(p.ok()) << bad;
    EXPECT_NE(p.error().message.find(std::string("'") + bad + "'"), std::string::npos) << p.error().message;
    EXPECT_NE(p.error().message.find("trusted_proxies"), std::string::npos);
  }
  auto host_bits = proxies("10.1.2.3/8");  // means 10.0.0.0/8
  EXPECT_EQ(host_bits.clientAddress("10.200.0.1", {"203.0.113.7"}), "203.0.113.7");
}

}  // namespace
}  // namespace parley::http
