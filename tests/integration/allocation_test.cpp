// Allocations on the daemon's event-loop thread while it relays, counted by a global
// operator new. Its own executable: the replacement operator new must not change what
// the other integration tests run. The clients run on the test's thread, which is not
// counted; the daemon's one loop thread is the only other thread in this process.
#include "support/test_server.hpp"
#include "support/ws_client.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <new>

namespace {

std::atomic<std::uint64_t> loop_allocations{0};
thread_local bool counted_thread = true;

void* allocate(std::size_t size) {
    if (counted_thread) {
        loop_allocations.fetch_add(1, std::memory_order_relaxed);
    }
    if (void* p = std::malloc(size == 0 ? 1 : size)) {
        return p;
    }
    throw std::bad_alloc();
}

}  // namespace

void* operator new(std::size_t size) { return allocate(size); }
void* operator new[](std::size_t size) { return allocate(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace duet::testing {
namespace {

TEST(Allocations, RelayingAllocatesNothingPerMessageInTheSteadyState) {
    counted_thread = false;  // the test's own thread: the clients and their JSON
    test_server server([](config::settings& s) {
        s.rate_limit_per_second = 1e9;
        s.rate_limit_burst = 1e9;
    });
    ws_client a(server.daemon_port()), b(server.daemon_port());
    a.join("allocation-steady-01");
    b.join("allocation-steady-01");
    a.expect("otherjoin");
    // An ICE-candidate-sized message, and a room name longer than std::string's
    // in-place buffer.
    std::string const frame =
        R"({"type":"message","room":"allocation-steady-01","data":{"candidate":"candidate:842163049 1 udp 1677729535 192.0.2.10 46154 typ srflx raddr 0.0.0.0 rport 0 generation 0 ufrag sXlt network-cost 999","sdpMid":"0","sdpMLineIndex":0}})";
    auto const relay = [&](int count) {
        for (int i = 0; i < count; ++i) {
            a.send_text(frame);
            b.send_text(frame);
        }
        for (int i = 0; i < count; ++i) {
            b.expect("message");
            a.expect("message");
        }
    };
    relay(200);  // warm-up: buffers and Asio's per-thread caches settle
    auto const before = loop_allocations.load();
    constexpr int messages = 2000;
    relay(messages);
    auto const during = loop_allocations.load() - before;
    // Each side's 2,000 messages were read, parsed, encoded and delivered: a cost per
    // message would show as thousands. A few stray ones (a timer, a log buffer) are
    // not per message.
    RecordProperty("loop_allocations", static_cast<int>(during));
    std::printf("%llu allocations on the loop for %d relayed messages\n", static_cast<unsigned long long>(during),
                2 * messages);
    EXPECT_LT(during, 50U) << during << " allocations on the loop for " << 2 * messages << " relayed messages";
}

}  // namespace
}  // namespace duet::testing
