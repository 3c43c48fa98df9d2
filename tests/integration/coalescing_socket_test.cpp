// net::coalescing_socket on real loopback sockets: writes made before the flush runs
// leave together, in order, intact; back-pressure holds; a failed socket says so.
#include <duet/net/coalescing_socket.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace duet::testing {
namespace {

using namespace std::chrono_literals;

/// A connected pair on 127.0.0.1: `ours` becomes the coalescing socket (on `ioc`),
/// `peer` is a plain blocking socket the test reads from.
struct socket_pair {
    asio::io_context peer_ioc;
    tcp::socket ours;
    tcp::socket peer;

    explicit socket_pair(asio::io_context& ioc) : ours(ioc), peer(peer_ioc) {
        tcp::acceptor acceptor(peer_ioc, {asio::ip::make_address("127.0.0.1"), 0});
        ours.connect(acceptor.local_endpoint());
        acceptor.accept(peer);
    }

    std::string read_exactly(std::size_t size) {
        std::string bytes(size, '\0');
        asio::read(peer, asio::buffer(bytes));
        return bytes;
    }
};

/// `count` distinct messages of varied sizes whose bytes tell where they belong.
std::string message(std::size_t index) {
    auto const size = 1 + (index * 7919) % 3000;
    std::string text(size, static_cast<char>('a' + index % 26));
    text.front() = '<';
    text.back() = '>';
    return text;
}

/// Writes messages [0, count) one after another, each from the previous one's
/// completion (so the writes come from several handlers), then calls `done`.
struct writer : std::enable_shared_from_this<writer> {
    net::coalescing_socket& socket;
    std::size_t count;
    std::size_t next = 0;
    std::string current;
    std::function<void(error_code)> done;

    writer(net::coalescing_socket& s, std::size_t n, std::function<void(error_code)> d)
        : socket(s), count(n), done(std::move(d)) {}

    void write_next() {
        if (next == count) {
            return done({});
        }
        current = message(next++);
        asio::async_write(socket, asio::buffer(current), [self = shared_from_this()](error_code ec, std::size_t) {
            if (ec) {
                return self->done(ec);
            }
            self->write_next();
        });
    }
};

TEST(CoalescingSocket, WritesQueuedBeforeTheFlushLeaveInOneSend) {
    asio::io_context ioc;
    socket_pair pair(ioc);
    net::coalescing_socket socket(std::move(pair.ours));
    std::string const first = message(1), second = message(2), third = message(3);
    std::size_t available_when_first_completed = 0;
    asio::post(ioc, [&] {
        // Three writes from one handler; the flush posted by the first runs after it.
        asio::async_write(socket, asio::buffer(first), [&](error_code ec, std::size_t) {
            ASSERT_FALSE(ec);
            // On loopback a send is in the peer's buffer when it returns: had each
            // write been its own send, only the first would be there by now.
            available_when_first_completed = pair.peer.available();
        });
        asio::async_write(socket, asio::buffer(second), [](error_code ec, std::size_t) { ASSERT_FALSE(ec); });
        asio::async_write(socket, asio::buffer(third), [](error_code ec, std::size_t) { ASSERT_FALSE(ec); });
    });
    ioc.run();
    EXPECT_EQ(available_when_first_completed, first.size() + second.size() + third.size());
    EXPECT_EQ(pair.read_exactly(first.size() + second.size() + third.size()), first + second + third);
}

TEST(CoalescingSocket, ManyWritesArriveInOrderAndIntact) {
    asio::io_context ioc;
    socket_pair pair(ioc);
    net::coalescing_socket socket(std::move(pair.ours));
    constexpr std::size_t count = 5000;
    std::string expected;
    for (std::size_t i = 0; i < count; ++i) {
        expected += message(i);
    }
    std::promise<error_code> finished;
    auto w = std::make_shared<writer>(socket, count, [&](error_code ec) { finished.set_value(ec); });
    asio::post(ioc, [w] { w->write_next(); });
    std::thread loop([&] { ioc.run(); });
    // Read in small pieces while the writer runs: the kernel buffer fills and drains.
    std::string received;
    while (received.size() < expected.size()) {
        received += pair.read_exactly(std::min<std::size_t>(1000, expected.size() - received.size()));
    }
    EXPECT_FALSE(finished.get_future().get());
    loop.join();
    EXPECT_EQ(received, expected);
}

TEST(CoalescingSocket, AWriterIsHeldWhileThePeerDoesNotRead) {
    asio::io_context ioc;
    socket_pair pair(ioc);
    constexpr std::size_t high_water = 64 * 1024;
    net::coalescing_socket socket(std::move(pair.ours), high_water);
    std::string const chunk(16 * 1024, 'x');
    std::size_t written = 0;
    bool held = false;
    // Keep writing while each write completes; a write that has not completed 300 ms
    // after it started is held back. 64 MiB written without that means no back-pressure.
    std::function<void()> write_more = [&] {
        asio::async_write(socket, asio::buffer(chunk), [&](error_code ec, std::size_t) {
            if (ec) {
                return;  // the test closed the socket
            }
            written += chunk.size();
            if (written < 64 * 1024 * 1024) {
                write_more();
            }
        });
    };
    asio::post(ioc, write_more);
    std::thread loop([&] { ioc.run(); });
    std::size_t last = 0;
    for (int i = 0; i < 200 && !held; ++i) {
        std::this_thread::sleep_for(300ms);
        auto const now = asio::post(ioc, asio::use_future([&] { return written; })).get();
        held = now == last && now > 0;
        last = now;
    }
    ASSERT_TRUE(held) << "every write completed: " << last << " bytes accepted with nobody reading";
    // Bounded: what was accepted is what the two kernel buffers hold plus at most
    // high_water and one chunk in ours.
    auto const buffer_size = [](tcp::socket& s, int option) {
        int bytes = 0;
        socklen_t size = sizeof(bytes);
        ::getsockopt(s.native_handle(), SOL_SOCKET, option, &bytes, &size);
        return static_cast<std::size_t>(bytes);
    };
    auto const send_buffer =
        asio::post(ioc, asio::use_future([&] { return buffer_size(socket.next_layer(), SO_SNDBUF); })).get();
    auto const kernel_bytes = buffer_size(pair.peer, SO_RCVBUF) + send_buffer;
    EXPECT_LT(last, 2 * kernel_bytes + 2 * high_water + chunk.size());
    // Reading lets the writer go on: the held write completes and more follow.
    pair.read_exactly(last + chunk.size());
    std::size_t after = last;
    for (int i = 0; i < 100 && after <= last; ++i) {
        std::this_thread::sleep_for(50ms);
        after = asio::post(ioc, asio::use_future([&] { return written; })).get();
    }
    EXPECT_GT(after, last);
    // Closed on the loop's thread: the socket is not safe to touch from two at once.
    asio::post(ioc, [&] {
        error_code ignored;
        socket.next_layer().close(ignored);
    });
    pair.peer.close();
    loop.join();
}

TEST(CoalescingSocket, AppendedBytesKeepTheirPlaceAmongWrites) {
    asio::io_context ioc;
    socket_pair pair(ioc);
    net::coalescing_socket socket(std::move(pair.ours));
    std::string expected;
    std::vector<std::string> texts;
    for (std::size_t i = 0; i < 200; ++i) {
        texts.push_back(message(i));
    }
    asio::post(ioc, [&] {
        // Even messages are written with a completion, odd ones appended (head + body).
        for (std::size_t i = 0; i < texts.size(); ++i) {
            auto const& text = texts[i];
            if (i % 2 == 0) {
                asio::async_write(socket, asio::buffer(text), [](error_code ec, std::size_t) { ASSERT_FALSE(ec); });
            } else {
                socket.append(asio::buffer(text.data(), 1), asio::buffer(text.data() + 1, text.size() - 1));
            }
            expected += text;
        }
    });
    ioc.run();
    EXPECT_EQ(socket.unsent_bytes(), 0U);
    EXPECT_EQ(pair.read_exactly(expected.size()), expected);
}

TEST(CoalescingSocket, DroppedBytesAreNeverSentAndLaterOnesAre) {
    asio::io_context ioc;
    socket_pair pair(ioc);
    net::coalescing_socket socket(std::move(pair.ours));
    // More than the two kernel buffers hold while the peer does not read: the rest
    // waits in a write in flight, and what is appended next waits behind it.
    std::string const blob(16 * 1024 * 1024, 'b');
    std::string const dropped = "dropped", after = "after";
    std::size_t unsent_before_drop = 0, unsent_after_drop = 0;
    asio::post(ioc, [&] {
        socket.append(asio::buffer(blob), {});
        socket.append(asio::buffer(dropped), {});
        unsent_before_drop = socket.unsent_bytes();
        socket.drop_unsent();
        unsent_after_drop = socket.unsent_bytes();
        socket.append(asio::buffer(after), {});
    });
    std::thread loop([&] { ioc.run(); });
    EXPECT_EQ(pair.read_exactly(blob.size() + after.size()), blob + after);
    loop.join();
    EXPECT_GT(unsent_before_drop, dropped.size());
    EXPECT_EQ(unsent_before_drop - unsent_after_drop, dropped.size());
    pair.peer.non_blocking(true);
    char extra = 0;
    error_code ec;
    pair.peer.read_some(asio::buffer(&extra, 1), ec);
    EXPECT_EQ(ec, asio::error::would_block) << "a dropped byte arrived";
}

TEST(CoalescingSocket, AWriteAfterTheSocketFailedReportsTheError) {
    asio::io_context ioc;
    socket_pair pair(ioc);
    net::coalescing_socket socket(std::move(pair.ours));
    pair.peer.close();
    std::string const chunk(64 * 1024, 'x');
    error_code last_error;
    std::size_t writes = 0;
    std::function<void()> write_more = [&] {
        asio::async_write(socket, asio::buffer(chunk), [&](error_code ec, std::size_t) {
            ++writes;
            if (ec) {
                last_error = ec;
            } else if (writes < 1000) {
                write_more();
            }
        });
    };
    asio::post(ioc, write_more);
    ioc.run();
    EXPECT_TRUE(last_error) << writes << " writes to a closed peer all succeeded";
}

}  // namespace
}  // namespace duet::testing
