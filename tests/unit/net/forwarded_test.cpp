// net::resolve_client and its parsers: which address a request is from, behind proxies.
// The walk is right to left from the TCP peer; only trusted hops are passed over.
#include <duet/net/forwarded.hpp>

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace duet::net {
namespace {

asio::ip::address address_of(std::string const& literal) {
    return asio::ip::make_address(literal);
}

using lines = std::vector<std::string_view>;

/// The client for a request from `peer` whose headers are `xff` and `forwarded`, with
/// 127.0.0.1 and 10.0.0.0/8 trusted (a local nginx, and a load balancer's network).
std::string client_of(std::string const& peer, lines const& xff, lines const& forwarded = {}) {
    static proxy_trust const trusted({"127.0.0.1/32", "10.0.0.0/8", "::1/128"});
    return resolve_client(address_of(peer), trusted, xff, forwarded).to_string();
}

TEST(forwarded, NodesAsProxiesWriteThem) {
    auto const node = [](std::string_view field) {
        auto hop = parse_forwarded_node(field);
        return hop ? hop->to_string() : std::string("-");
    };
    EXPECT_EQ(node("192.0.2.1"), "192.0.2.1");
    EXPECT_EQ(node(" 192.0.2.1 "), "192.0.2.1");
    EXPECT_EQ(node("192.0.2.1:4711"), "192.0.2.1");
    EXPECT_EQ(node("2001:db8::1"), "2001:db8::1");
    EXPECT_EQ(node("[2001:db8::1]"), "2001:db8::1");
    EXPECT_EQ(node("[2001:db8::1]:4711"), "2001:db8::1");
    for (char const* bad : {"", " ", "unknown", "_hidden", "_SEVKISEK", "[192.0.2.1]", "[2001:db8::1", "[2001:db8::1]x",
                            "[2001:db8::1]:", "[2001:db8::1]:123456", "192.0.2.1:", "192.0.2.1:http", "192.0.2.256",
                            "example.org", "fe80::1%eth0", "2001:db8::1:x", "\"192.0.2.1\"", "1.2.3.4 5.6.7.8"}) {
        EXPECT_EQ(node(bad), "-") << "'" << bad << "'";
    }
}

TEST(forwarded, AnUntrustedPeerIsTheClientWhateverItWrites) {
    EXPECT_EQ(client_of("203.0.113.5", {"198.51.100.1"}), "203.0.113.5");
    EXPECT_EQ(client_of("203.0.113.5", {}, {"for=198.51.100.1"}), "203.0.113.5");
    EXPECT_EQ(client_of("127.0.0.2", {"198.51.100.1"}), "127.0.0.2");  // not 127.0.0.1/32
}

TEST(forwarded, FromATrustedProxyTheRightMostUntrustedHopIsTheClient) {
    EXPECT_EQ(client_of("127.0.0.1", {"198.51.100.1"}), "198.51.100.1");
    // A load balancer (10.x) in front of nginx: both passed over.
    EXPECT_EQ(client_of("127.0.0.1", {"198.51.100.1, 10.0.0.7"}), "198.51.100.1");
    // The client wrote its own X-Forwarded-For; nginx appended the real address. The
    // spoofed left-most entries never matter.
    EXPECT_EQ(client_of("127.0.0.1", {"1.1.1.1, 8.8.8.8, 198.51.100.1"}), "198.51.100.1");
    EXPECT_EQ(client_of("127.0.0.1", {"10.0.0.1, 198.51.100.1, 10.0.0.7"}), "198.51.100.1");
}

TEST(forwarded, SeveralHeaderLinesAreOneList) {
    EXPECT_EQ(client_of("127.0.0.1", {"1.1.1.1", "198.51.100.1", "10.0.0.7"}), "198.51.100.1");
    EXPECT_EQ(client_of("127.0.0.1", {"198.51.100.1, 10.0.0.2", "10.0.0.3"}), "198.51.100.1");
    EXPECT_EQ(client_of("127.0.0.1", {}, {"for=1.1.1.1", "for=198.51.100.1, for=10.0.0.1"}), "198.51.100.1");
}

TEST(forwarded, AnAllTrustedChainGivesTheLeftMostHop) {
    // A client inside a trusted block (on the proxy's own host, say).
    EXPECT_EQ(client_of("127.0.0.1", {"10.0.0.9, 10.0.0.7"}), "10.0.0.9");
    EXPECT_EQ(client_of("127.0.0.1", {"127.0.0.1"}), "127.0.0.1");
}

TEST(forwarded, NoForwardingHeaderMeansThePeer) {
    EXPECT_EQ(client_of("127.0.0.1", {}), "127.0.0.1");
    EXPECT_EQ(client_of("10.0.0.3", {}, {}), "10.0.0.3");
}

TEST(forwarded, GarbageStopsTheWalkAtTheLastTrustedAddress) {
    // Only a trusted proxy can put garbage right of the client; duetd then blames the
    // last address it knows rather than anything merely written.
    EXPECT_EQ(client_of("127.0.0.1", {"198.51.100.1, garbage"}), "127.0.0.1");
    EXPECT_EQ(client_of("127.0.0.1", {"198.51.100.1, garbage, 10.0.0.7"}), "10.0.0.7");
    EXPECT_EQ(client_of("127.0.0.1", {"198.51.100.1,,"}), "127.0.0.1");
    EXPECT_EQ(client_of("127.0.0.1", {""}), "127.0.0.1");
    // Garbage left of the client (what a client can write) changes nothing.
    EXPECT_EQ(client_of("127.0.0.1", {"<script>, \xff\xfe, 198.51.100.1"}), "198.51.100.1");
    EXPECT_EQ(client_of("127.0.0.1", {std::string_view("\0\0\0", 3)}), "127.0.0.1");
    std::string const long_line(100'000, ',');
    EXPECT_EQ(client_of("127.0.0.1", {long_line}), "127.0.0.1");
}

TEST(forwarded, Rfc7239ForParameters) {
    EXPECT_EQ(client_of("127.0.0.1", {}, {"for=198.51.100.1"}), "198.51.100.1");
    EXPECT_EQ(client_of("127.0.0.1", {}, {"For=198.51.100.1;proto=https;by=10.0.0.1"}), "198.51.100.1");
    EXPECT_EQ(client_of("127.0.0.1", {}, {"proto=https; for=\"[2001:db8:cafe::17]:4711\""}), "2001:db8:cafe::17");
    EXPECT_EQ(client_of("127.0.0.1", {}, {"for=\"198.51.100.1:80\""}), "198.51.100.1");
    EXPECT_EQ(client_of("127.0.0.1", {}, {"for=192.0.2.43, for=198.51.100.17;by=10.0.0.1"}), "198.51.100.17");
    // A quoted comma does not split elements.
    EXPECT_EQ(client_of("127.0.0.1", {}, {"for=198.51.100.1;x=\"a,b\""}), "198.51.100.1");
    // Obfuscated or unknown identifiers: the walk stops at the last trusted address.
    EXPECT_EQ(client_of("127.0.0.1", {}, {"for=198.51.100.1, for=unknown"}), "127.0.0.1");
    EXPECT_EQ(client_of("127.0.0.1", {}, {"for=198.51.100.1, for=_hidden, for=10.0.0.4"}), "10.0.0.4");
    // Elements without for=, unparsable pairs and unterminated quotes: not addresses.
    EXPECT_EQ(client_of("127.0.0.1", {}, {"proto=https"}), "127.0.0.1");
    EXPECT_EQ(client_of("127.0.0.1", {}, {"for"}), "127.0.0.1");
    EXPECT_EQ(client_of("127.0.0.1", {}, {"for=\"198.51.100.1"}), "127.0.0.1");
    EXPECT_EQ(client_of("127.0.0.1", {}, {"for=198.51.100.1;;"}), "127.0.0.1");
}

TEST(forwarded, XForwardedForWinsOverForwarded) {
    // nginx builds X-Forwarded-For but passes a client's own Forwarded header untouched.
    EXPECT_EQ(client_of("127.0.0.1", {"198.51.100.1"}, {"for=1.1.1.1"}), "198.51.100.1");
}

TEST(forwarded, Ipv6AndMappedAddresses) {
    EXPECT_EQ(client_of("::1", {"2001:db8::5"}), "2001:db8::5");
    EXPECT_EQ(client_of("::ffff:127.0.0.1", {"198.51.100.1"}), "198.51.100.1");  // a dual-stack socket
    EXPECT_EQ(client_of("127.0.0.1", {"::ffff:198.51.100.1"}), "198.51.100.1");  // one spelling per client
    EXPECT_EQ(client_of("127.0.0.1", {"198.51.100.1, ::ffff:10.0.0.7"}), "198.51.100.1");
}

}  // namespace
}  // namespace duet::net
