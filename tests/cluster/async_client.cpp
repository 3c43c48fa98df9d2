#include "cluster/async_client.hpp"

#include <gtest/gtest.h>

#include <future>
#include <stdexcept>

namespace duet::testing {

using std::chrono::steady_clock;

client_loop::client_loop() : work_(asio::make_work_guard(ioc_)), thread_([this] { ioc_.run(); }) {}

client_loop::~client_loop() {
    work_.reset();
    ioc_.stop();
    thread_.join();
}

async_client::async_client(client_loop& loop) : loop_(loop), ws_(loop.context()) {}

async_client::~async_client() = default;

std::shared_ptr<async_client> async_client::connect(client_loop& loop, std::uint16_t port,
                                                    std::chrono::milliseconds timeout) {
    auto client = std::make_shared<async_client>(loop);
    auto outcome = std::make_shared<std::promise<std::string>>();  // "" on success, else why not
    auto response = std::make_shared<websocket::response_type>();
    auto result = outcome->get_future();
    asio::post(loop.context(), [client, port, outcome, response, timeout] {
        auto& tcp_layer = beast::get_lowest_layer(client->ws_);
        // Bounds the connect and the upgrade together; the WebSocket's own timeouts take
        // over once it is open.
        tcp_layer.expires_after(timeout);
        tcp_layer.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port),
                                [client, port, outcome, response](error_code ec) {
            if (ec) {
                outcome->set_value("connect to 127.0.0.1:" + std::to_string(port) + ": " + ec.message());
                return;
            }
            client->ws_.async_handshake(*response, "127.0.0.1:" + std::to_string(port), "/ws",
                                        [client, port, outcome, response](error_code hec) {
                beast::get_lowest_layer(client->ws_).expires_never();
                if (hec) {
                    outcome->set_value("WebSocket upgrade on 127.0.0.1:" + std::to_string(port) + ": " +
                                       hec.message() + " (HTTP " + std::to_string(response->result_int()) + ")");
                    return;
                }
                websocket::stream_base::timeout limits{};
                limits.handshake_timeout = std::chrono::seconds(5);  // bounds a close handshake
                limits.idle_timeout = websocket::stream_base::none();
                limits.keep_alive_pings = false;
                client->ws_.set_option(limits);
                client->ws_.read_message_max(64 * 1024 * 1024);
                client->do_read();
                outcome->set_value("");
            });
        });
    });
    // The expiry above ends the attempt; this wait only adds room for a loaded loop.
    if (result.wait_for(timeout + std::chrono::seconds(5)) != std::future_status::ready) {
        client->abandon();
        throw std::runtime_error("async_client: connect to 127.0.0.1:" + std::to_string(port) + " did not finish");
    }
    if (auto const why = result.get(); !why.empty()) {
        throw std::runtime_error("async_client: " + why);
    }
    return client;
}

void async_client::do_read() {
    ws_.async_read(buffer_, [self = shared_from_this()](error_code ec, std::size_t) {
        if (ec) {
            ws_closed end;
            if (ec == websocket::error::closed) {
                auto const& reason = self->ws_.reason();
                end.code = static_cast<int>(reason.code);
                end.reason = std::string(reason.reason.data(), reason.reason.size());
            } else {
                end.reason = ec.message();
                error_code ignored;
                beast::get_lowest_layer(self->ws_).socket().close(ignored);
            }
            std::lock_guard lock(self->mutex_);
            self->ended_ = std::move(end);
            self->changed_.notify_all();
            return;
        }
        auto text = beast::buffers_to_string(self->buffer_.data());
        self->buffer_.consume(self->buffer_.size());
        auto message = json::parse(text, nullptr, false);
        if (message.is_discarded()) {
            message = json{{"type", "<not JSON>"}, {"text", text}};
        }
        {
            std::lock_guard lock(self->mutex_);
            self->inbox_.push_back(std::move(message));
            self->changed_.notify_all();
        }
        self->do_read();
    });
}

void async_client::send(json const& message, std::uint64_t tag) {
    auto text = std::make_shared<std::string const>(message.dump());
    {
        std::lock_guard lock(mutex_);
        ++queued_;
    }
    asio::post(loop_.context(), [self = shared_from_this(), text = std::move(text), tag] {
        self->outbox_.emplace_back(text, tag);
        if (!self->writing_) {
            self->do_write();
        }
    });
}

void async_client::do_write() {
    // Beast allows one write at a time: the queue keeps the order the test sent in.
    writing_ = true;
    ws_.text(true);
    ws_.async_write(asio::buffer(*outbox_.front().first), [self = shared_from_this()](error_code ec, std::size_t) {
        auto const tag = self->outbox_.front().second;
        self->outbox_.pop_front();
        {
            std::lock_guard lock(self->mutex_);
            --self->queued_;
            if (ec) {
                ++self->failed_;
            } else {
                self->accepted_.push_back(tag);
            }
            self->changed_.notify_all();
        }
        if (self->outbox_.empty()) {
            self->writing_ = false;
        } else {
            self->do_write();
        }
    });
}

std::optional<json> async_client::next(steady_clock::time_point deadline) {
    std::unique_lock lock(mutex_);
    changed_.wait_until(lock, deadline, [&] { return !inbox_.empty() || ended_.has_value(); });
    if (inbox_.empty()) {
        return std::nullopt;
    }
    auto message = std::move(inbox_.front());
    inbox_.pop_front();
    return message;
}

std::optional<json> async_client::expect(std::string const& type, std::chrono::milliseconds timeout) {
    auto message = next_within(timeout);
    if (!message) {
        auto const end = ended();
        ADD_FAILURE() << "expected `" << type << "`, got "
                      << (end ? "the connection's end (code " + std::to_string(end->code) + ", " + end->reason + ")"
                              : "nothing within " + std::to_string(timeout.count()) + " ms");
        return std::nullopt;
    }
    if (message->value("type", "") != type) {
        ADD_FAILURE() << "expected `" << type << "`, got " << message->dump();
        return std::nullopt;
    }
    return message;
}

std::vector<json> async_client::take_all() {
    std::lock_guard lock(mutex_);
    std::vector<json> all(std::make_move_iterator(inbox_.begin()), std::make_move_iterator(inbox_.end()));
    inbox_.clear();
    return all;
}

void async_client::wait_any(steady_clock::time_point deadline) {
    std::unique_lock lock(mutex_);
    changed_.wait_until(lock, deadline, [&] { return !inbox_.empty() || ended_.has_value(); });
}

std::optional<ws_closed> async_client::ended() const {
    std::lock_guard lock(mutex_);
    return ended_;
}

std::optional<ws_closed> async_client::wait_end(steady_clock::time_point deadline) {
    std::unique_lock lock(mutex_);
    changed_.wait_until(lock, deadline, [&] { return ended_.has_value(); });
    return ended_;
}

std::vector<std::uint64_t> async_client::accepted() const {
    std::lock_guard lock(mutex_);
    return accepted_;
}

std::size_t async_client::accepted_count() const {
    std::lock_guard lock(mutex_);
    return accepted_.size();
}

std::size_t async_client::failed_count() const {
    std::lock_guard lock(mutex_);
    return failed_;
}

std::size_t async_client::unfinished_writes() const {
    std::lock_guard lock(mutex_);
    return queued_;
}

void async_client::close() {
    asio::post(loop_.context(), [self = shared_from_this()] {
        self->ws_.async_close(websocket::close_code::normal, [self](error_code) {});
    });
}

void async_client::abandon() {
    asio::post(loop_.context(), [self = shared_from_this()] {
        error_code ignored;
        auto& socket = beast::get_lowest_layer(self->ws_).socket();
        socket.shutdown(tcp::socket::shutdown_both, ignored);
        socket.close(ignored);
    });
}

}  // namespace duet::testing
