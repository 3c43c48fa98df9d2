#include "support/ws_client.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace duet::testing {
namespace {

tcp::endpoint loopback(std::uint16_t port) {
    return {asio::ip::make_address("127.0.0.1"), port};
}

/// Opens `socket` bound to `source` (when not empty), ready to connect from there.
void bind_source(tcp::socket& socket, std::string const& source) {
    if (source.empty()) {
        return;
    }
    socket.open(tcp::v4());
    socket.bind(tcp::endpoint(asio::ip::make_address(source), 0));
}

}  // namespace

template <class Op>
void ws_client::run_until(Op&& start, bool& done, std::chrono::milliseconds timeout) {
    ioc_.restart();
    start();
    auto const deadline = std::chrono::steady_clock::now() + timeout;
    while (!done && std::chrono::steady_clock::now() < deadline) {
        ioc_.run_one_until(deadline);
        if (ioc_.stopped()) {
            ioc_.restart();
        }
    }
}

void ws_client::start_reading() {
    ws_.async_read(buffer_, [this](error_code ec, std::size_t) {
        if (ec == websocket::error::closed) {
            auto const& reason = ws_.reason();
            arrived_.push_back(
                ws_closed{static_cast<int>(reason.code), std::string(reason.reason.data(), reason.reason.size())});
            ended_ = true;
            return;
        }
        if (ec) {
            arrived_.push_back(ws_closed{0, ec.message()});
            ended_ = true;
            return;
        }
        arrived_.push_back(ws_text{beast::buffers_to_string(buffer_.data())});
        buffer_.consume(buffer_.size());
        start_reading();
    });
}

ws_client::ws_client(std::uint16_t port, options opts) : ws_(ioc_) {
    bool done = false;
    error_code result;
    websocket::response_type response;
    run_until(
        [&] {
            bind_source(beast::get_lowest_layer(ws_).socket(), opts.source);
            beast::get_lowest_layer(ws_).async_connect(loopback(port), [&](error_code ec) {
                if (ec) {
                    result = ec;
                    done = true;
                    return;
                }
                ws_.set_option(websocket::stream_base::decorator([headers = opts.headers](websocket::request_type& req) {
                    for (auto const& [name, value] : headers) {
                        req.set(name, value);
                    }
                }));
                ws_.async_handshake(response, "127.0.0.1:" + std::to_string(port), opts.target, [&](error_code hec) {
                    result = hec;
                    done = true;
                });
            });
        },
        done, opts.timeout);
    if (!done) {
        throw std::runtime_error("ws_client: connect/handshake timed out");
    }
    if (result) {
        throw std::runtime_error("ws_client: handshake failed: " + result.message() + " (HTTP " +
                                 std::to_string(response.result_int()) + ")");
    }
    ws_.read_message_max(64 * 1024 * 1024);
    start_reading();
}

int ws_client::handshake_status(std::uint16_t port, options opts) {
    asio::io_context ioc;
    websocket::stream<beast::tcp_stream> ws(ioc);
    websocket::response_type response;
    error_code ec;
    beast::get_lowest_layer(ws).expires_after(opts.timeout);
    bind_source(beast::get_lowest_layer(ws).socket(), opts.source);
    beast::get_lowest_layer(ws).connect(loopback(port), ec);
    if (ec) {
        return -1;
    }
    ws.set_option(websocket::stream_base::decorator([headers = opts.headers](websocket::request_type& req) {
        for (auto const& [name, value] : headers) {
            req.set(name, value);
        }
    }));
    ws.handshake(response, "127.0.0.1:" + std::to_string(port), opts.target, ec);
    return static_cast<int>(response.result_int());
}

void ws_client::send_text(std::string_view text) {
    bool done = false;
    error_code result;
    ws_.text(true);
    run_until([&] {
        ws_.async_write(asio::buffer(text.data(), text.size()), [&](error_code ec, std::size_t) {
            result = ec;
            done = true;
        });
    }, done, 5s);
    if (!done || result) {
        throw std::runtime_error("ws_client: write failed: " + result.message());
    }
}

void ws_client::send_binary(std::string_view bytes) {
    bool done = false;
    error_code result;
    ws_.binary(true);
    run_until([&] {
        ws_.async_write(asio::buffer(bytes.data(), bytes.size()), [&](error_code ec, std::size_t) {
            result = ec;
            done = true;
        });
    }, done, 5s);
    ws_.text(true);
    if (!done || result) {
        throw std::runtime_error("ws_client: write failed: " + result.message());
    }
}

ws_event ws_client::read(std::chrono::milliseconds timeout) {
    if (arrived_.empty() && !ended_) {
        // The pending read fills arrived_; run until it has something or time is up.
        ioc_.restart();
        auto const deadline = std::chrono::steady_clock::now() + timeout;
        while (arrived_.empty() && std::chrono::steady_clock::now() < deadline) {
            ioc_.run_one_until(deadline);
            if (ioc_.stopped()) {
                ioc_.restart();
                if (ended_) {
                    break;
                }
            }
        }
    }
    if (arrived_.empty()) {
        return ended_ ? ws_event{ws_closed{0, "already closed"}} : ws_event{ws_timeout{}};
    }
    ws_event event = std::move(arrived_.front());
    arrived_.pop_front();
    return event;
}

json ws_client::read_json(std::chrono::milliseconds timeout) {
    auto event = read(timeout);
    if (auto* text = std::get_if<ws_text>(&event)) {
        auto parsed = json::parse(text->text, nullptr, false);
        EXPECT_FALSE(parsed.is_discarded()) << "server sent invalid JSON: " << text->text;
        return parsed;
    }
    if (auto* closed = std::get_if<ws_closed>(&event)) {
        ADD_FAILURE() << "expected a message, got close " << closed->code << " " << closed->reason;
    } else {
        ADD_FAILURE() << "expected a message, got nothing within " << timeout.count() << " ms";
    }
    return nullptr;
}

json ws_client::expect(std::string_view type, std::chrono::milliseconds timeout) {
    json message = read_json(timeout);
    EXPECT_TRUE(message.is_object() && message.value("type", "") == type)
        << "expected type " << type << ", got " << message.dump().substr(0, 300);
    return message;
}

json ws_client::expect_error(std::string_view code, std::optional<std::string_view> ref) {
    json message = expect("error");
    EXPECT_EQ(message.value("code", ""), code) << message.dump();
    EXPECT_TRUE(message.contains("message") && message["message"].is_string()) << message.dump();
    if (ref) {
        EXPECT_EQ(message.value("ref", ""), *ref) << message.dump();
    }
    return message;
}

ws_closed ws_client::expect_close(std::chrono::milliseconds timeout) {
    auto const deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        auto const left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            ADD_FAILURE() << "no close within " << timeout.count() << " ms";
            return {-1, "timeout"};
        }
        auto event = read(left);
        if (auto* closed = std::get_if<ws_closed>(&event)) {
            return *closed;
        }
        if (std::holds_alternative<ws_timeout>(event)) {
            ADD_FAILURE() << "no close within " << timeout.count() << " ms";
            return {-1, "timeout"};
        }
    }
}

bool ws_client::nothing_within(std::chrono::milliseconds quiet) {
    auto event = read(quiet);
    if (auto* text = std::get_if<ws_text>(&event)) {
        ADD_FAILURE() << "expected silence, got " << text->text;
        return false;
    }
    if (auto* closed = std::get_if<ws_closed>(&event)) {
        ADD_FAILURE() << "expected silence, got close " << closed->code;
        return false;
    }
    return true;
}

json ws_client::join(std::string_view room) {
    send_json({{"type", "join"}, {"room", room}});
    return expect("joined");
}

void ws_client::close_tcp() {
    error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
}

void ws_client::reset_tcp() {
    error_code ignored;
    auto& socket = beast::get_lowest_layer(ws_).socket();
    socket.set_option(asio::socket_base::linger(true, 0), ignored);
    socket.close(ignored);
}

void ws_client::close() {
    bool done = false;
    run_until([&] { ws_.async_close(websocket::close_code::normal, [&](error_code) { done = true; }); }, done, 2s);
    // Let the pending read see the server's close frame.
    auto const deadline = std::chrono::steady_clock::now() + 2s;
    while (!ended_ && std::chrono::steady_clock::now() < deadline) {
        ioc_.restart();
        ioc_.run_one_until(deadline);
    }
}


}  // namespace duet::testing
