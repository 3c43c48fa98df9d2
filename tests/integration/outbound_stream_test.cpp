// net::outbound_stream on real loopback sockets: appended text frames are well-formed
// WebSocket frames that arrive whole and in order; back-pressure refuses past the
// limit; Beast's writes and appended frames never interleave; drop_unsent, a reset
// peer, the early bytes and async_flush; and a real Beast websocket::stream over it.
//
// Everything runs on one io_context driven by the test's thread (the daemon's model):
// the peer's reads are asynchronous on the same loop, and every wait has a deadline.
#include <duet/net/outbound_stream.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace duet::net {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

constexpr std::size_t no_limit = std::size_t{1} << 40;

/// Runs `ioc` until `done()` holds or `limit` passes; false on timeout.
bool run_until(asio::io_context& ioc, std::function<bool()> const& done, steady::duration limit = 30s) {
    auto const end = steady::now() + limit;
    while (!done()) {
        if (steady::now() >= end) {
            return false;
        }
        if (ioc.stopped()) {
            ioc.restart();
        }
        ioc.run_one_for(10ms);
    }
    return true;
}

/// A connected pair on 127.0.0.1, both on `ioc`: `ours` becomes the outbound_stream,
/// `peer` is what the test reads with.
struct loopback {
    explicit loopback(asio::io_context& ioc) : ours(ioc), peer(ioc) {
        tcp::acceptor acceptor(ioc, {asio::ip::make_address("127.0.0.1"), 0});
        ours.connect(acceptor.local_endpoint());
        acceptor.accept(peer);
    }

    /// Small kernel buffers (no autotuning): the kernel fills after a few dozen KiB, so
    /// the stream's own queue is used and tests need little data.
    void shrink_buffers() {
        ours.set_option(asio::socket_base::send_buffer_size(16 * 1024));
        peer.set_option(asio::socket_base::receive_buffer_size(16 * 1024));
    }

    /// Closes the peer with a reset (SO_LINGER 0), as a crashed client would.
    void reset_peer() {
        peer.set_option(asio::socket_base::linger(true, 0));
        peer.close();
    }

    tcp::socket ours;
    tcp::socket peer;
};

/// One WebSocket frame as it came off the wire: the raw header and the payload.
struct ws_frame {
    std::uint8_t first = 0;  // FIN, RSV and opcode
    std::string header;
    std::string payload;
};

/// Reads the peer's side asynchronously (on the same loop, so the stream makes
/// progress while the test waits) and cuts it into frames.
class peer_reader {
public:
    peer_reader(asio::io_context& ioc, tcp::socket& socket) : ioc_(ioc), socket_(socket) {}

    /// Waits until `n` unread bytes are buffered; false on a read error or timeout.
    bool fill(std::size_t n, steady::duration limit = 30s) {
        while (buffer_.size() - pos_ < n) {
            if (pos_ > 1024 * 1024) {
                buffer_.erase(0, pos_);
                pos_ = 0;
            }
            chunk_.resize(64 * 1024);
            bool done = false;
            std::size_t got = 0;
            socket_.async_read_some(asio::buffer(chunk_), [&](error_code ec, std::size_t bytes) {
                error = ec;
                got = bytes;
                done = true;
            });
            if (!run_until(ioc_, [&] { return done; }, limit)) {
                timed_out = true;
                error_code ignored;
                socket_.cancel(ignored);
                run_until(ioc_, [&] { return done; }, 5s);
                return false;
            }
            if (error) {
                return false;
            }
            buffer_.append(chunk_.data(), got);
        }
        return true;
    }

    std::string take(std::size_t n) {
        auto out = buffer_.substr(pos_, n);
        pos_ += n;
        return out;
    }

    /// The next frame (server frames: no mask), or nothing on error or timeout.
    std::optional<ws_frame> next_frame(steady::duration limit = 30s) {
        if (!fill(2, limit)) {
            return std::nullopt;
        }
        auto const first = static_cast<std::uint8_t>(buffer_[pos_]);
        auto const second = static_cast<std::uint8_t>(buffer_[pos_ + 1]);
        std::size_t length = second & 0x7FU;
        std::size_t const extended = length == 126 ? 2 : length == 127 ? 8 : 0;
        if (!fill(2 + extended, limit)) {
            return std::nullopt;
        }
        if (extended > 0) {
            length = 0;
            for (std::size_t i = 0; i < extended; ++i) {
                length = (length << 8U) | static_cast<std::uint8_t>(buffer_[pos_ + 2 + i]);
            }
        }
        if ((second & 0x80U) != 0) {
            ADD_FAILURE() << "a server frame must not be masked";
            return std::nullopt;
        }
        if (!fill(2 + extended + length, limit)) {
            return std::nullopt;
        }
        ws_frame frame;
        frame.first = first;
        frame.header = take(2 + extended);
        frame.payload = take(length);
        return frame;
    }

    std::size_t buffered() const { return buffer_.size() - pos_; }

    error_code error;
    bool timed_out = false;

private:
    asio::io_context& ioc_;
    tcp::socket& socket_;
    std::string buffer_;
    std::size_t pos_ = 0;
    std::string chunk_;
};

/// A payload of `size` bytes that says which it is: "#<index>#" then a letter.
std::string payload(std::size_t index, std::size_t size) {
    std::string text(size, static_cast<char>('a' + index % 26));
    auto const tag = "#" + std::to_string(index) + "#";
    text.replace(0, std::min(tag.size(), size), tag.substr(0, std::min(tag.size(), size)));
    return text;
}

/// A whole unmasked frame built here, independently of the code under test.
std::string frame_bytes(std::uint8_t first, std::string_view body) {
    std::string out(1, static_cast<char>(first));
    auto const n = body.size();
    if (n <= 125) {
        out += static_cast<char>(n);
    } else if (n <= 0xFFFF) {
        out += static_cast<char>(126);
        out += static_cast<char>((n >> 8U) & 0xFFU);
        out += static_cast<char>(n & 0xFFU);
    } else {
        out += static_cast<char>(127);
        for (int shift = 56; shift >= 0; shift -= 8) {
            out += static_cast<char>((n >> static_cast<unsigned>(shift)) & 0xFFU);
        }
    }
    out += body;
    return out;
}

std::string hex(std::string_view bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (auto const c : bytes) {
        auto const b = static_cast<std::uint8_t>(c);
        out += digits[b >> 4U];
        out += digits[b & 0xFU];
        out += ' ';
    }
    return out;
}

/// The frame size (header and payload) of a text frame with `n` payload bytes.
std::size_t text_frame_size(std::size_t n) {
    return frame_bytes(0x81, std::string(n, 'x')).size();
}

TEST(outbound_stream, TextFramesHaveTheRightHeaderAtTheLengthEdges) {
    asio::io_context ioc;
    loopback pair(ioc);
    outbound_stream stream(std::move(pair.ours), {});
    peer_reader reader(ioc, pair.peer);
    struct edge {
        std::size_t size;
        std::string header;
    };
    std::vector<edge> const edges{
        {0, std::string("\x81\x00", 2)},
        {1, std::string("\x81\x01", 2)},
        {125, std::string("\x81\x7d", 2)},
        {126, std::string("\x81\x7e\x00\x7e", 4)},
        {127, std::string("\x81\x7e\x00\x7f", 4)},
        {65535, std::string("\x81\x7e\xff\xff", 4)},
        {65536, std::string("\x81\x7f\x00\x00\x00\x00\x00\x01\x00\x00", 10)},
        {65537, std::string("\x81\x7f\x00\x00\x00\x00\x00\x01\x00\x01", 10)},
        {300000, std::string("\x81\x7f\x00\x00\x00\x00\x00\x04\x93\xe0", 10)},
    };
    for (std::size_t i = 0; i < edges.size(); ++i) {
        ASSERT_TRUE(stream.append_text(payload(i, edges[i].size), no_limit)) << i;
    }
    for (std::size_t i = 0; i < edges.size(); ++i) {
        auto const frame = reader.next_frame();
        ASSERT_TRUE(frame.has_value()) << "frame " << i << " did not arrive";
        EXPECT_EQ(frame->first, 0x81U) << i;
        EXPECT_EQ(hex(frame->header), hex(edges[i].header)) << "payload of " << edges[i].size;
        EXPECT_TRUE(frame->payload == payload(i, edges[i].size)) << "payload of " << edges[i].size;
    }
    EXPECT_TRUE(run_until(ioc, [&] { return stream.unsent_bytes() == 0; }));
    EXPECT_EQ(reader.buffered(), 0U);
}

TEST(outbound_stream, ManyFramesArriveInOrderAndIntact) {
    asio::io_context ioc;
    loopback pair(ioc);
    pair.shrink_buffers();
    outbound_stream stream(std::move(pair.ours), {});
    peer_reader reader(ioc, pair.peer);
    constexpr std::size_t count = 3000;
    constexpr std::size_t batch = 50;
    auto const size_of = [](std::size_t i) { return (i * 7919) % 9000; };
    std::size_t refused = 0;
    std::size_t max_unsent = 0;
    // Appended from many handlers, while the peer reads on the same loop.
    for (std::size_t first = 0; first < count; first += batch) {
        asio::post(ioc, [&, first] {
            for (std::size_t i = first; i < first + batch; ++i) {
                if (!stream.append_text(payload(i, size_of(i)), no_limit)) {
                    ++refused;
                }
                max_unsent = std::max(max_unsent, stream.unsent_bytes());
            }
        });
    }
    for (std::size_t i = 0; i < count; ++i) {
        auto const frame = reader.next_frame();
        ASSERT_TRUE(frame.has_value()) << "frame " << i << " did not arrive";
        ASSERT_EQ(frame->first, 0x81U) << i;
        ASSERT_EQ(frame->payload.size(), size_of(i)) << i;
        ASSERT_TRUE(frame->payload == payload(i, size_of(i))) << "frame " << i << " is not the one sent";
    }
    EXPECT_EQ(refused, 0U);
    EXPECT_GT(max_unsent, 0U) << "the kernel took everything at once: the queue was never used";
    EXPECT_TRUE(run_until(ioc, [&] { return stream.unsent_bytes() == 0; }));
    EXPECT_EQ(reader.buffered(), 0U);
}

TEST(outbound_stream, PastTheLimitAppendRefusesAndWhatWasAcceptedArrivesWhole) {
    asio::io_context ioc;
    loopback pair(ioc);
    pair.shrink_buffers();
    outbound_stream stream(std::move(pair.ours), {});
    constexpr std::size_t limit = 256 * 1024;
    constexpr std::size_t chunk = 16 * 1024;
    std::vector<std::string> accepted;
    std::optional<std::string> refused_payload;
    std::size_t previous_unsent = 0;
    // Nobody reads and the loop does not run: once the kernel is full, every accepted
    // frame waits in the stream, so the unsent bytes grow by exactly each frame.
    for (std::size_t i = 0; i < 100'000; ++i) {
        auto text = payload(i, chunk);
        auto const before = stream.unsent_bytes();
        if (!stream.append_text(text, limit)) {
            EXPECT_EQ(stream.unsent_bytes(), before) << "a refused frame changed the queue";
            refused_payload = std::move(text);
            break;
        }
        auto const after = stream.unsent_bytes();
        if (before > 0) {
            EXPECT_EQ(after, before + text_frame_size(chunk)) << i;
        }
        EXPECT_GE(after, previous_unsent) << i;
        previous_unsent = after;
        accepted.push_back(std::move(text));
    }
    ASSERT_TRUE(refused_payload.has_value()) << "never refused: no back-pressure";
    auto const unsent = stream.unsent_bytes();
    EXPECT_LE(unsent, limit);
    EXPECT_GT(unsent + text_frame_size(chunk), limit);
    EXPECT_GT(unsent, 0U);
    // Refused again: nothing changed.
    EXPECT_FALSE(stream.append_text(payload(999'999, chunk), limit));
    // A frame that exactly fills the limit is accepted; one byte more is not.
    auto room = limit - unsent;
    if (room == 128 || room == 129) {  // no frame is exactly that big (2 + 126 needs 4)
        accepted.push_back(payload(accepted.size(), 10));
        ASSERT_TRUE(stream.append_text(accepted.back(), limit));
        room -= text_frame_size(10);
    }
    if (room >= 2) {
        auto const fill = room >= 130 ? room - 4 : room - 2;
        ASSERT_EQ(text_frame_size(fill), room);
        EXPECT_FALSE(stream.append_text(std::string(fill + 1, 'z'), limit));
        accepted.push_back(payload(accepted.size(), fill));
        EXPECT_TRUE(stream.append_text(accepted.back(), limit));
        EXPECT_EQ(stream.unsent_bytes(), limit);
        EXPECT_FALSE(stream.append_text("", limit));
    }

    // The peer reads: everything accepted arrives, whole and in order, then what is
    // appended once the queue drained; nothing of the refused frames.
    peer_reader reader(ioc, pair.peer);
    for (std::size_t i = 0; i < accepted.size(); ++i) {
        auto const frame = reader.next_frame();
        ASSERT_TRUE(frame.has_value()) << "frame " << i << " did not arrive";
        ASSERT_EQ(frame->first, 0x81U);
        ASSERT_TRUE(frame->payload == accepted[i]) << "frame " << i << " is not the one accepted";
    }
    ASSERT_TRUE(run_until(ioc, [&] { return stream.unsent_bytes() == 0; }));
    EXPECT_TRUE(stream.append_text(*refused_payload, limit));
    auto const next = reader.next_frame();
    ASSERT_TRUE(next.has_value());
    EXPECT_TRUE(next->payload == *refused_payload);
}

/// A unit handed over: a frame appended (text) or a whole frame Beast writes (here a
/// binary frame, so the two kinds are told apart on the wire).
struct handed_over {
    std::uint8_t first;
    std::string payload;
};

TEST(outbound_stream, BeastWritesAndAppendedFramesKeepTheirOrderAndNeverInterleave) {
    asio::io_context ioc;
    loopback pair(ioc);
    pair.shrink_buffers();
    outbound_stream stream(std::move(pair.ours), {});
    peer_reader reader(ioc, pair.peer);
    constexpr std::size_t total = 1500;
    std::vector<handed_over> issued;
    std::deque<std::string> write_buffers;  // stable: a write's bytes live until it completes
    std::size_t writes_started = 0;
    std::size_t writes_done = 0;
    error_code write_error;
    std::uint32_t seed = 12345;
    auto const next_random = [&] {
        seed = seed * 1'103'515'245U + 12'345U;
        return (seed >> 8U) & 0xFFFFU;
    };
    std::function<void(std::size_t)> issue = [&](std::size_t n) {
        for (std::size_t k = 0; k < n && issued.size() < total; ++k) {
            auto const index = issued.size();
            // Beast writes whole frames, each far below 64 KiB (asio::async_write hands
            // at most 64 KiB to one async_write_some).
            auto const size = std::size_t{next_random()} % 20'000;
            auto text = payload(index, size);
            if (next_random() % 3 == 0) {
                issued.push_back({0x82, text});
                write_buffers.push_back(frame_bytes(0x82, text));
                ++writes_started;
                asio::async_write(stream, asio::buffer(write_buffers.back()),
                                  [&, expected = write_buffers.back().size()](error_code ec, std::size_t n_written) {
                                      ++writes_done;
                                      if (ec) {
                                          write_error = ec;
                                      }
                                      EXPECT_EQ(n_written, expected);
                                      // More from a completion: behind whatever was handed over since.
                                      issue(2);
                                  });
            } else {
                issued.push_back({0x81, text});
                ASSERT_TRUE(stream.append_text(text, no_limit));
            }
        }
    };
    asio::post(ioc, [&] { issue(40); });
    asio::post(ioc, [&] { issue(40); });
    for (std::size_t i = 0; i < total; ++i) {
        // Keep feeding from plain handlers too while fewer than `total` were issued.
        if (issued.size() < total && i % 25 == 0) {
            asio::post(ioc, [&] { issue(10); });
        }
        auto const frame = reader.next_frame();
        ASSERT_TRUE(frame.has_value()) << "unit " << i << " did not arrive";
        ASSERT_LT(i, issued.size());
        ASSERT_EQ(frame->first, issued[i].first) << "unit " << i;
        ASSERT_TRUE(frame->payload == issued[i].payload) << "unit " << i << " is not the one handed over";
    }
    EXPECT_EQ(issued.size(), total);
    EXPECT_TRUE(run_until(ioc, [&] { return writes_done == writes_started; }));
    EXPECT_GT(writes_started, 100U);
    EXPECT_FALSE(write_error) << write_error.message();
    EXPECT_EQ(stream.unsent_bytes(), 0U);
    EXPECT_EQ(reader.buffered(), 0U);
}

TEST(outbound_stream, DropUnsentDropsOnlyWhatWaitsBehindTheWriteInFlight) {
    asio::io_context ioc;
    loopback pair(ioc);
    pair.shrink_buffers();
    outbound_stream stream(std::move(pair.ours), {});
    auto const big = payload(1, 4 * 1024 * 1024);
    ASSERT_TRUE(stream.append_text(big, no_limit));
    auto const in_flight = stream.unsent_bytes();
    ASSERT_GT(in_flight, 0U) << "the kernel took 4 MiB at once: nothing in flight";
    ASSERT_TRUE(stream.append_text("dropped one", no_limit));
    ASSERT_TRUE(stream.append_text(payload(2, 1000), no_limit));
    std::string const beast_bytes = frame_bytes(0x82, "dropped too");
    bool beast_done = false;
    asio::async_write(stream, asio::buffer(beast_bytes), [&](error_code, std::size_t) { beast_done = true; });
    EXPECT_EQ(stream.unsent_bytes(),
              in_flight + text_frame_size(11) + text_frame_size(1000) + beast_bytes.size());
    stream.drop_unsent();
    EXPECT_EQ(stream.unsent_bytes(), in_flight);
    ASSERT_TRUE(stream.append_text("after", no_limit));
    EXPECT_EQ(stream.unsent_bytes(), in_flight + text_frame_size(5));

    peer_reader reader(ioc, pair.peer);
    auto const first = reader.next_frame();
    ASSERT_TRUE(first.has_value());
    EXPECT_TRUE(first->payload == big) << "the write in flight did not finish whole";
    auto const second = reader.next_frame();
    ASSERT_TRUE(second.has_value());
    EXPECT_EQ(second->first, 0x81U);
    EXPECT_EQ(second->payload, "after");
    // And nothing after it but what comes next.
    ASSERT_TRUE(run_until(ioc, [&] { return stream.unsent_bytes() == 0 && beast_done; }));
    ASSERT_TRUE(stream.append_text("end", no_limit));
    auto const third = reader.next_frame();
    ASSERT_TRUE(third.has_value());
    EXPECT_EQ(third->payload, "end");
    EXPECT_EQ(reader.buffered(), 0U);
}

TEST(outbound_stream, DropUnsentWithNothingQueuedChangesNothing) {
    asio::io_context ioc;
    loopback pair(ioc);
    outbound_stream stream(std::move(pair.ours), {});
    stream.drop_unsent();
    ASSERT_TRUE(stream.append_text("still here", no_limit));
    stream.drop_unsent();  // it reached the kernel at once: nothing waits
    peer_reader reader(ioc, pair.peer);
    auto const frame = reader.next_frame();
    ASSERT_TRUE(frame.has_value());
    EXPECT_EQ(frame->payload, "still here");
}

/// Appends until the stream notices the reset (its socket is closed then).
bool append_until_failed(asio::io_context& ioc, outbound_stream& stream) {
    return run_until(
        ioc,
        [&] {
            EXPECT_TRUE(stream.append_text("probe", no_limit));
            return !stream.next_layer().is_open();
        },
        10s);
}

TEST(outbound_stream, AfterAResetASendFailsAndLaterAppendsSendNothing) {
    asio::io_context ioc;
    loopback pair(ioc);
    outbound_stream stream(std::move(pair.ours), {});
    ASSERT_TRUE(stream.append_text("before", no_limit));
    pair.reset_peer();
    ASSERT_TRUE(append_until_failed(ioc, stream)) << "the reset was never noticed";
    EXPECT_EQ(stream.unsent_bytes(), 0U);
    // Later appends are accepted and go nowhere.
    for (int i = 0; i < 10; ++i) {
        EXPECT_TRUE(stream.append_text(payload(static_cast<std::size_t>(i), 100'000), 1'000'000));
    }
    EXPECT_EQ(stream.unsent_bytes(), 0U);
    // Beast's writes fail with the send's error, and a flush reports it.
    std::optional<error_code> write_result;
    std::size_t written = 1;
    std::string const bytes = frame_bytes(0x89, "ping");
    asio::async_write(stream, asio::buffer(bytes), [&](error_code ec, std::size_t n) {
        write_result = ec;
        written = n;
    });
    std::optional<error_code> flushed;
    stream.async_flush([&](error_code ec) { flushed = ec; });
    ASSERT_TRUE(run_until(ioc, [&] { return write_result && flushed; }));
    EXPECT_TRUE(*write_result);
    EXPECT_EQ(written, 0U);
    EXPECT_TRUE(*flushed);
    EXPECT_EQ(*flushed, *write_result);
}

TEST(outbound_stream, AResetDuringAWriteInFlightEndsItAndTheFlush) {
    asio::io_context ioc;
    loopback pair(ioc);
    pair.shrink_buffers();
    outbound_stream stream(std::move(pair.ours), {});
    ASSERT_TRUE(stream.append_text(payload(1, 4 * 1024 * 1024), no_limit));
    ASSERT_TRUE(stream.append_text("queued", no_limit));
    ASSERT_GT(stream.unsent_bytes(), text_frame_size(6));
    std::optional<error_code> flushed;
    stream.async_flush([&](error_code ec) { flushed = ec; });
    ioc.restart();
    ioc.poll();
    EXPECT_FALSE(flushed.has_value()) << "flushed while the peer reads nothing";
    pair.reset_peer();
    ASSERT_TRUE(run_until(ioc, [&] { return flushed.has_value(); })) << "the flush never ended";
    EXPECT_TRUE(*flushed) << "a reset connection flushed without error";
    EXPECT_EQ(stream.unsent_bytes(), 0U);
    EXPECT_FALSE(stream.next_layer().is_open());
    EXPECT_TRUE(stream.append_text("later", no_limit));
    EXPECT_EQ(stream.unsent_bytes(), 0U);
}

TEST(outbound_stream, EarlyBytesAreReadBeforeTheSockets) {
    asio::io_context ioc;
    loopback pair(ioc);
    outbound_stream stream(std::move(pair.ours), "EARLY-");
    // The socket has bytes waiting too, before the first read.
    asio::write(pair.peer, asio::buffer(std::string_view("SOCKET")));
    std::string part(3, '\0');
    std::optional<std::size_t> got;
    stream.async_read_some(asio::buffer(part), [&](error_code ec, std::size_t n) {
        EXPECT_FALSE(ec);
        got = n;
    });
    EXPECT_FALSE(got.has_value()) << "a read completed inside its initiating call";
    ASSERT_TRUE(run_until(ioc, [&] { return got.has_value(); }));
    EXPECT_EQ(*got, 3U);
    EXPECT_EQ(part, "EAR");
    // The rest of the early bytes, alone (not joined with the socket's).
    std::string rest(64, '\0');
    got.reset();
    stream.async_read_some(asio::buffer(rest), [&](error_code ec, std::size_t n) {
        EXPECT_FALSE(ec);
        got = n;
    });
    ASSERT_TRUE(run_until(ioc, [&] { return got.has_value(); }));
    EXPECT_EQ(rest.substr(0, *got), "LY-");
    // Then the socket's.
    std::string from_socket(6, '\0');
    got.reset();
    asio::async_read(stream, asio::buffer(from_socket), [&](error_code ec, std::size_t n) {
        EXPECT_FALSE(ec);
        got = n;
    });
    ASSERT_TRUE(run_until(ioc, [&] { return got.has_value(); }));
    EXPECT_EQ(from_socket, "SOCKET");
}

TEST(outbound_stream, WithoutEarlyBytesReadsComeFromTheSocket) {
    asio::io_context ioc;
    loopback pair(ioc);
    outbound_stream stream(std::move(pair.ours), {});
    asio::write(pair.peer, asio::buffer(std::string_view("abc")));
    std::string bytes(3, '\0');
    std::optional<error_code> done;
    asio::async_read(stream, asio::buffer(bytes), [&](error_code ec, std::size_t) { done = ec; });
    ASSERT_TRUE(run_until(ioc, [&] { return done.has_value(); }));
    EXPECT_FALSE(*done);
    EXPECT_EQ(bytes, "abc");
}

TEST(outbound_stream, AsyncFlushCompletesWhenEverythingReachedTheKernel) {
    asio::io_context ioc;
    loopback pair(ioc);
    pair.shrink_buffers();
    outbound_stream stream(std::move(pair.ours), {});
    // Idle: completes, but never inside the call.
    std::optional<error_code> idle_flush;
    stream.async_flush([&](error_code ec) { idle_flush = ec; });
    EXPECT_FALSE(idle_flush.has_value());
    ASSERT_TRUE(run_until(ioc, [&] { return idle_flush.has_value(); }));
    EXPECT_FALSE(*idle_flush);

    auto const big = payload(7, 2 * 1024 * 1024);
    ASSERT_TRUE(stream.append_text(big, no_limit));
    ASSERT_TRUE(stream.append_text("tail", no_limit));
    std::optional<error_code> flushed;
    std::size_t unsent_when_flushed = 1;
    stream.async_flush([&](error_code ec) {
        flushed = ec;
        unsent_when_flushed = stream.unsent_bytes();
    });
    ioc.restart();
    ioc.poll();
    EXPECT_FALSE(flushed.has_value()) << "flushed while the peer reads nothing";
    EXPECT_GT(stream.unsent_bytes(), 0U);
    // The peer reads: the flush completes once the last byte went to the kernel.
    peer_reader reader(ioc, pair.peer);
    auto const first = reader.next_frame();
    ASSERT_TRUE(first.has_value());
    EXPECT_TRUE(first->payload == big);
    auto const second = reader.next_frame();
    ASSERT_TRUE(second.has_value());
    EXPECT_EQ(second->payload, "tail");
    ASSERT_TRUE(run_until(ioc, [&] { return flushed.has_value(); }));
    EXPECT_FALSE(*flushed);
    EXPECT_EQ(unsent_when_flushed, 0U);
}

// A real Beast WebSocket over the stream, server side, against a plain Beast client.
class beast_over_outbound_stream : public ::testing::Test {
protected:
    using server_stream = websocket::stream<outbound_stream>;

    beast_over_outbound_stream() : acceptor(ioc, {asio::ip::make_address("127.0.0.1"), 0}), client(ioc) {}

    /// Connects the client and completes the handshake; the server reads the upgrade
    /// request itself first, as the daemon does, and hands the stream what came after.
    void handshake(bool small_buffers = false) {
        client.next_layer().connect(acceptor.local_endpoint());
        tcp::socket accepted(ioc);
        acceptor.accept(accepted);
        if (small_buffers) {  // the server's frames queue in its stream after a few KiB
            accepted.set_option(asio::socket_base::send_buffer_size(16 * 1024));
            client.next_layer().set_option(asio::socket_base::receive_buffer_size(16 * 1024));
        }
        std::optional<error_code> client_done;
        client.async_handshake("127.0.0.1", "/ws", [&](error_code ec) { client_done = ec; });
        beast::flat_buffer buffer;
        bhttp::request<bhttp::string_body> request;
        std::optional<error_code> request_read;
        bhttp::async_read(accepted, buffer, request, [&](error_code ec, std::size_t) { request_read = ec; });
        ASSERT_TRUE(run_until(ioc, [&] { return request_read.has_value(); }));
        ASSERT_FALSE(*request_read) << request_read->message();
        ASSERT_TRUE(websocket::is_upgrade(request));
        server.emplace(std::move(accepted), beast::buffers_to_string(buffer.data()));
        server->control_callback([this](websocket::frame_type kind, beast::string_view body) {
            server_controls.emplace_back(kind, std::string(body));
        });
        client.control_callback([this](websocket::frame_type kind, beast::string_view body) {
            client_controls.emplace_back(kind, std::string(body));
        });
        std::optional<error_code> server_done;
        server->async_accept(request, [&](error_code ec) { server_done = ec; });
        ASSERT_TRUE(run_until(ioc, [&] { return client_done && server_done; }));
        ASSERT_FALSE(*server_done) << server_done->message();
        ASSERT_FALSE(*client_done) << client_done->message();
    }

    /// Starts the server's one pending read (it answers pings and close frames).
    void server_reads() {
        server->async_read(server_buffer, [this](error_code ec, std::size_t) { server_read = ec; });
    }

    /// The client's next message as text, or what ended the read.
    struct client_message {
        error_code ec;
        std::string text;
        bool was_text = false;
    };
    std::optional<client_message> client_read() {
        beast::flat_buffer buffer;
        std::optional<client_message> got;
        client.async_read(buffer, [&](error_code ec, std::size_t) {
            got = client_message{ec, beast::buffers_to_string(buffer.data()), client.got_text()};
        });
        if (!run_until(ioc, [&] { return got.has_value(); })) {
            ADD_FAILURE() << "the client read timed out";
            beast::get_lowest_layer(client).close();
            run_until(ioc, [&] { return got.has_value(); }, 5s);
        }
        return got;
    }

    bool append(std::string_view text) { return server->next_layer().append_text(text, no_limit); }

    using control = std::pair<websocket::frame_type, std::string>;

    asio::io_context ioc;
    tcp::acceptor acceptor;
    websocket::stream<tcp::socket> client;
    std::optional<server_stream> server;
    beast::flat_buffer server_buffer;
    std::optional<error_code> server_read;
    std::vector<control> server_controls;
    std::vector<control> client_controls;
};

TEST_F(beast_over_outbound_stream, AppendedTextFramesReachABeastClient) {
    ASSERT_NO_FATAL_FAILURE(handshake());
    server_reads();
    std::string const big(70'000, 'b');
    ASSERT_TRUE(append("hello"));
    ASSERT_TRUE(append(""));
    ASSERT_TRUE(append(big));
    ASSERT_TRUE(append(R"({"type":"pong"})"));
    for (std::string const& expected : {std::string("hello"), std::string(), big, std::string(R"({"type":"pong"})")}) {
        auto const got = client_read();
        ASSERT_TRUE(got.has_value());
        ASSERT_FALSE(got->ec) << got->ec.message();
        EXPECT_TRUE(got->was_text);
        EXPECT_TRUE(got->text == expected) << "got " << got->text.size() << " bytes, expected " << expected.size();
    }
    EXPECT_FALSE(server_read.has_value());
}

TEST_F(beast_over_outbound_stream, PingsArePongedBothWays) {
    ASSERT_NO_FATAL_FAILURE(handshake());
    server_reads();
    // The client pings: Beast's server read answers through the stream. The client sees
    // the pong while a read of its own runs, which the next appended frame completes.
    beast::flat_buffer buffer;
    std::optional<error_code> client_read_done;
    client.async_read(buffer, [&](error_code ec, std::size_t) { client_read_done = ec; });
    std::optional<error_code> pinged;
    client.async_ping("from client", [&](error_code ec) { pinged = ec; });
    ASSERT_TRUE(run_until(ioc, [&] { return pinged.has_value() && !client_controls.empty(); }));
    ASSERT_FALSE(*pinged);
    EXPECT_EQ(client_controls, (std::vector<control>{{websocket::frame_type::pong, "from client"}}));
    EXPECT_EQ(server_controls, (std::vector<control>{{websocket::frame_type::ping, "from client"}}));
    EXPECT_FALSE(client_read_done.has_value());
    ASSERT_TRUE(append("after the pong"));
    ASSERT_TRUE(run_until(ioc, [&] { return client_read_done.has_value(); }));
    ASSERT_FALSE(*client_read_done);
    EXPECT_EQ(beast::buffers_to_string(buffer.data()), "after the pong");

    // The server pings (a Beast write through async_write_some) among appended frames:
    // the frames arrive in order, and the ping is answered.
    ASSERT_TRUE(append("before the server ping"));
    std::optional<error_code> server_pinged;
    server->async_ping("from server", [&](error_code ec) { server_pinged = ec; });
    ASSERT_TRUE(append("after the server ping"));
    auto const second = client_read();
    ASSERT_TRUE(second.has_value());
    EXPECT_EQ(second->text, "before the server ping");
    auto const third = client_read();
    ASSERT_TRUE(third.has_value());
    EXPECT_EQ(third->text, "after the server ping");
    buffer.clear();
    client_read_done.reset();
    client.async_read(buffer, [&](error_code ec, std::size_t) { client_read_done = ec; });
    ASSERT_TRUE(run_until(ioc, [&] { return server_pinged.has_value() && server_controls.size() == 2; }));
    EXPECT_FALSE(*server_pinged);
    EXPECT_EQ(client_controls.back(), (control{websocket::frame_type::ping, "from server"}));
    EXPECT_EQ(server_controls.back(), (control{websocket::frame_type::pong, "from server"}));
    ASSERT_TRUE(append("last"));
    ASSERT_TRUE(run_until(ioc, [&] { return client_read_done.has_value(); }));
    EXPECT_FALSE(*client_read_done);
    EXPECT_EQ(beast::buffers_to_string(buffer.data()), "last");
    EXPECT_FALSE(server_read.has_value());
}

TEST_F(beast_over_outbound_stream, TheClientClosesAndTheServerCompletesTheHandshake) {
    ASSERT_NO_FATAL_FAILURE(handshake());
    server_reads();
    ASSERT_TRUE(append("last words"));
    auto const got = client_read();
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->text, "last words");
    std::optional<error_code> closed;
    client.async_close(websocket::close_reason(websocket::close_code::normal, "bye"),
                       [&](error_code ec) { closed = ec; });
    ASSERT_TRUE(run_until(ioc, [&] { return closed && server_read; }));
    EXPECT_FALSE(*closed) << closed->message();
    EXPECT_EQ(*server_read, websocket::error::closed);
    EXPECT_EQ(server->reason().code, websocket::close_code::normal);
    EXPECT_EQ(server->reason().reason, "bye");
    // The server's teardown ended the TCP connection (after sending its close frame).
    EXPECT_TRUE(run_until(ioc, [&] { return !server->next_layer().next_layer().is_open(); }, 10s));
}

TEST_F(beast_over_outbound_stream, AClientCloseIsAnsweredBehindTheQueuedFramesBeforeTheTeardown) {
    ASSERT_NO_FATAL_FAILURE(handshake(true));
    server_reads();
    // A backlog the client has not read yet: the close reply waits behind it, and the
    // teardown (which ends the TCP connection) waits until all of it has been sent.
    for (std::size_t i = 0; i < 20; ++i) {
        ASSERT_TRUE(append(payload(i, 200'000)));
    }
    ASSERT_GT(server->next_layer().unsent_bytes(), 1'000'000U);
    std::optional<error_code> closed;
    client.async_close(websocket::close_code::normal, [&](error_code ec) { closed = ec; });
    ASSERT_TRUE(run_until(ioc, [&] { return closed && server_read; }));
    EXPECT_FALSE(*closed) << "the client's close handshake failed: " << closed->message();
    EXPECT_EQ(*server_read, websocket::error::closed);
    EXPECT_EQ(server->reason().code, websocket::close_code::normal);
}

TEST_F(beast_over_outbound_stream, TheServerClosesBehindItsQueuedFrames) {
    ASSERT_NO_FATAL_FAILURE(handshake());
    server_reads();
    // As the daemon does when it closes: frames appended, then Beast's close frame.
    std::string const big(200'000, 'q');
    ASSERT_TRUE(append("one"));
    ASSERT_TRUE(append(big));
    ASSERT_TRUE(append("three"));
    std::optional<error_code> closed;
    server->async_close(websocket::close_reason(websocket::close_code::going_away, "shutting down"),
                        [&](error_code ec) { closed = ec; });
    for (std::string const& expected : {std::string("one"), big, std::string("three")}) {
        auto const got = client_read();
        ASSERT_TRUE(got.has_value());
        ASSERT_FALSE(got->ec) << got->ec.message();
        EXPECT_TRUE(got->text == expected) << "got " << got->text.size() << " bytes";
    }
    auto const end = client_read();
    ASSERT_TRUE(end.has_value());
    EXPECT_EQ(end->ec, websocket::error::closed);
    EXPECT_EQ(client.reason().code, websocket::close_code::going_away);
    EXPECT_EQ(client.reason().reason, "shutting down");
    ASSERT_TRUE(run_until(ioc, [&] { return closed.has_value() && server_read.has_value(); }));
    EXPECT_FALSE(*closed) << closed->message();
}

}  // namespace
}  // namespace duet::net
