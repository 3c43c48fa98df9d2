// Counts heap allocations around the parser, to prove "no allocation for ordinary
// frames" without timing anything. It replaces the global operator new of the unit-test
// binary; the counter only moves on a thread that has switched counting on. Every
// unaligned form, array and nothrow ones included, is replaced with malloc/free, so
// that under AddressSanitizer (scripts/test.sh) no block is allocated by one family
// and freed by the other; the aligned forms stay the library's, both sides of them.
// They are not inlined: GCC would then see free() on the result of a new-expression
// and warn (-Wmismatched-new-delete), not knowing that this operator new is malloc.
#include <duet/protocol/codec.hpp>
#include <duet/protocol/json_scan.hpp>

#include "support/hostile_frames.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdlib>
#include <new>
#include <string>

namespace {

thread_local bool counting = false;
thread_local std::size_t allocations = 0;

void* counted_malloc(std::size_t size) noexcept {
    if (counting) {
        ++allocations;
    }
    return std::malloc(size == 0 ? 1 : size);
}

}  // namespace

[[gnu::noinline]] void* operator new(std::size_t size) {
    if (void* p = counted_malloc(size)) {
        return p;
    }
    throw std::bad_alloc();
}

[[gnu::noinline]] void* operator new[](std::size_t size) {
    if (void* p = counted_malloc(size)) {
        return p;
    }
    throw std::bad_alloc();
}

[[gnu::noinline]] void* operator new(std::size_t size, std::nothrow_t const&) noexcept {
    return counted_malloc(size);
}

[[gnu::noinline]] void* operator new[](std::size_t size, std::nothrow_t const&) noexcept {
    return counted_malloc(size);
}

[[gnu::noinline]] void operator delete(void* p) noexcept {
    std::free(p);
}

[[gnu::noinline]] void operator delete[](void* p) noexcept {
    std::free(p);
}

[[gnu::noinline]] void operator delete(void* p, std::size_t) noexcept {
    std::free(p);
}

[[gnu::noinline]] void operator delete[](void* p, std::size_t) noexcept {
    std::free(p);
}

[[gnu::noinline]] void operator delete(void* p, std::nothrow_t const&) noexcept {
    std::free(p);
}

[[gnu::noinline]] void operator delete[](void* p, std::nothrow_t const&) noexcept {
    std::free(p);
}

namespace duet::protocol {
namespace {

/// How many allocations `f` made on this thread.
template <class F>
std::size_t allocations_in(F&& f) {
    allocations = 0;
    counting = true;
    f();
    counting = false;
    return allocations;
}

/// How many allocations parsing `text` made; checks that it was accepted, outside
/// the counted part (so the check's own allocations, if any, do not count).
std::size_t allocations_to_parse(std::string const& text) {
    bool accepted = false;
    auto const count = allocations_in([&] { accepted = static_cast<bool>(parse_client_message(text)); });
    EXPECT_TRUE(accepted) << text.substr(0, 60);
    return count;
}


std::string sdp_frame() {
    std::string sdp = "v=0\\r\\no=- 4611731400430051336 2 IN IP4 127.0.0.1\\r\\ns=-\\r\\nt=0 0\\r\\n";
    while (sdp.size() < 4000) {
        sdp += "a=candidate:1 1 udp 2122260223 192.168.1.2 54321 typ host generation 0\\r\\n";
    }
    return R"({"type":"message","room":"demo","to":"Q9x_-1","data":{"type":"offer","sdp":")" + sdp + R"("}})";
}

TEST(parse_allocation, OrdinaryFramesAllocateNothing) {
    std::string const nested = "{\"type\":\"ping\",\"x\":" + std::string(1000, '[') + std::string(1000, ']') + "}";
    for (std::string const& text :
         {std::string(R"({"type":"join","room":"demo"})"), std::string(R"({"type":"leave","room":"demo"})"),
          std::string(R"({"type":"ping"})"), sdp_frame(),
          std::string(R"({"type":"message","room":"demo","data":{"candidate":"candidate:1 1 udp 1 10.0.0.1 9 typ host","sdpMid":"0","sdpMLineIndex":0}})"),
          testing::relay_frame_with_keys("\\/", 9300), testing::relay_frame_with_keys("k", 9300), nested,
          std::string(R"({"type":"message","room":"r","data":[1.7976931348623157e308,1e-999]})")}) {
        EXPECT_EQ(allocations_in([&] { (void)scan_json(text); }), 0u) << text.substr(0, 60);
        EXPECT_EQ(allocations_to_parse(text), 0u) << text.substr(0, 60);
    }
}

TEST(parse_allocation, EscapedTypeAndKeysAllocateNothing) {
    std::string const text = R"({"\u0074ype":"\u006aoin","r\u006fom":"demo"})";
    EXPECT_EQ(allocations_to_parse(text), 0u);
}

TEST(parse_allocation, EscapedStringsTheMessageKeepsAllocateOnce) {
    std::string const text = R"({"type":"message","room":"d\u0065mo","to":"Q\u0039x","data":1})";
    EXPECT_EQ(allocations_to_parse(text), 1u);
}

}  // namespace
}  // namespace duet::protocol
