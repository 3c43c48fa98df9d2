// net::cidr and net::proxy_trust: which addresses a trusted_proxies entry covers.
#include <duet/net/cidr.hpp>
#include <duet/net/proxy_trust.hpp>

#include <gtest/gtest.h>

#include <string>

namespace duet::net {
namespace {

asio::ip::address ip(std::string const& literal) {
    return asio::ip::make_address(literal);
}

bool covers(std::string const& block, std::string const& address) {
    auto const parsed = cidr::parse(block);
    EXPECT_TRUE(parsed.has_value()) << block;
    return parsed && parsed->contains(ip(address));
}

TEST(cidr, Ipv4Blocks) {
    EXPECT_TRUE(covers("127.0.0.1/32", "127.0.0.1"));
    EXPECT_FALSE(covers("127.0.0.1/32", "127.0.0.2"));
    EXPECT_TRUE(covers("10.0.0.0/8", "10.255.1.2"));
    EXPECT_FALSE(covers("10.0.0.0/8", "11.0.0.0"));
    EXPECT_TRUE(covers("192.168.4.0/22", "192.168.7.255"));
    EXPECT_FALSE(covers("192.168.4.0/22", "192.168.8.0"));
    EXPECT_FALSE(covers("192.168.4.0/22", "192.168.3.255"));
    EXPECT_TRUE(covers("0.0.0.0/0", "203.0.113.9"));
    EXPECT_TRUE(covers("198.51.100.7", "198.51.100.7"));  // no prefix: one address
    EXPECT_FALSE(covers("198.51.100.7", "198.51.100.6"));
    EXPECT_TRUE(covers("10.1.2.3/8", "10.9.9.9"));        // host bits below the prefix are ignored
}

TEST(cidr, Ipv6Blocks) {
    EXPECT_TRUE(covers("::1/128", "::1"));
    EXPECT_FALSE(covers("::1/128", "::2"));
    EXPECT_TRUE(covers("2001:db8::/32", "2001:db8:ffff::1"));
    EXPECT_FALSE(covers("2001:db8::/32", "2001:db9::1"));
    EXPECT_TRUE(covers("fd00::/7", "fdff::1"));
    EXPECT_FALSE(covers("fd00::/7", "fe00::1"));
    EXPECT_TRUE(covers("2001:db8::/127", "2001:db8::1"));
    EXPECT_FALSE(covers("2001:db8::/127", "2001:db8::2"));
}

TEST(cidr, FamiliesDoNotMix) {
    EXPECT_FALSE(covers("127.0.0.1/32", "::1"));
    EXPECT_FALSE(covers("::1/128", "127.0.0.1"));
    EXPECT_FALSE(covers("0.0.0.0/0", "2001:db8::1"));
}

TEST(cidr, Ipv4MappedAddressesAreIpv4) {
    // A dual-stack socket reports an IPv4 peer as ::ffff:a.b.c.d.
    EXPECT_TRUE(covers("127.0.0.1/32", "::ffff:127.0.0.1"));
    EXPECT_FALSE(covers("127.0.0.1/32", "::ffff:127.0.0.2"));
    EXPECT_TRUE(covers("10.0.0.0/8", "::ffff:10.1.2.3"));
    // A mapped block is the IPv4 block it maps.
    EXPECT_TRUE(covers("::ffff:10.0.0.0/104", "10.200.0.1"));
    EXPECT_FALSE(covers("::ffff:10.0.0.0/104", "11.0.0.1"));
    EXPECT_TRUE(covers("::ffff:127.0.0.1", "127.0.0.1"));
    // ::/0 covers everything, the mapped form of IPv4 included.
    EXPECT_TRUE(covers("::/0", "192.0.2.1"));
}

TEST(cidr, WhatIsNotABlockIsRefused) {
    for (char const* text : {"", "/", "/8", "localhost", "127.0.0.1/", "127.0.0.1/33", "::1/129", "127.0.0.1/-1",
                             "127.0.0.1/+8", "127.0.0.1/8x", "127.0.0.1/8/8", "127.0.0.256/8", "1.2.3/24",
                             "127.0.0.1 /32", "[::1]/128", "::1/ 128"}) {
        EXPECT_FALSE(cidr::parse(text).has_value()) << "'" << text << "'";
    }
}

TEST(proxy_trust, TrustsAnyListedBlockAndNothingWhenEmpty) {
    proxy_trust const none;
    EXPECT_TRUE(none.empty());
    EXPECT_FALSE(none.trusts(ip("127.0.0.1")));
    proxy_trust const local({"127.0.0.1/32", "::1/128"});
    EXPECT_FALSE(local.empty());
    EXPECT_TRUE(local.trusts(ip("127.0.0.1")));
    EXPECT_TRUE(local.trusts(ip("::1")));
    EXPECT_TRUE(local.trusts(ip("::ffff:127.0.0.1")));
    EXPECT_FALSE(local.trusts(ip("127.0.0.2")));
    EXPECT_FALSE(local.trusts(ip("203.0.113.1")));
}

}  // namespace
}  // namespace duet::net
