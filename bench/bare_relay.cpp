// duet-bare-relay: a measuring stick, not a product. Issue #4 sets duetd's relay target
// as "within 1.2x of a bare Beast relay that parses nothing"; this is that relay, so the
// floor can be measured on the same machine, with the same generator (duet-bench's relay
// scenario) and the same method as duetd (bench/floor.sh).
//
// It is the thinnest plain-Beast WebSocket server that duet-bench accepts: one thread,
// one io_context, a websocket::stream<tcp::socket> per connection, one async_read at a
// time and a FIFO write queue with one async_write in flight. It deliberately does no
// validation and has no limits: no JSON parser (a join's room is found by a string
// search, a relay is the sender's frame from its `"data":` member on, appended to an
// envelope built once per connection), no rate limit, no queue bound, no timeouts, no
// pings, no metrics, no logging. Rooms pair connections two by two. Do not expose it.
//
//   duet-bare-relay [--address 127.0.0.1] [--port 0]
//
// prints `listening on ADDRESS:PORT` on stdout once it accepts; SIGINT/SIGTERM stop it.
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <csignal>
#include <cstdlib>
#include <deque>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace websocket = boost::beast::websocket;
using tcp = boost::asio::ip::tcp;
using error_code = boost::system::error_code;

class session;

/// Everything shared between connections; single-threaded, so no locks.
struct relay_state {
    std::unordered_map<std::string, std::weak_ptr<session>> waiting;  // rooms with one member
    unsigned long long next_id = 0;
};

/// Text between `"key":"` and the next quote, or empty. No unescaping: room names
/// (docs/protocol.md) need none, and nothing here checks them.
std::string_view string_after(std::string_view text, std::string_view key) {
    auto const at = text.find(key);
    if (at == std::string_view::npos) {
        return {};
    }
    auto const begin = at + key.size();
    auto const end = text.find('"', begin);
    return end == std::string_view::npos ? std::string_view() : text.substr(begin, end - begin);
}

/// One connection. Owned by its pending handlers; its partner and the waiting map hold
/// it too, until it leaves or closes. Everything runs on the one thread.
class session : public std::enable_shared_from_this<session> {
public:
    session(tcp::socket&& socket, relay_state& state)
        : ws_(std::move(socket)), state_(state), id_("p" + std::to_string(++state.next_id)) {}

    void run() {
        // Read the upgrade request ourselves, to answer only /ws (with or without a query).
        bhttp::async_read(ws_.next_layer(), buffer_, request_,
                          beast::bind_front_handler(&session::on_request, shared_from_this()));
    }

    void send(std::string frame) {
        if (!open_) {
            return;
        }
        // A deque keeps the front element in place while others are pushed behind it.
        queue_.push_back(std::move(frame));
        if (!writing_) {
            do_write();
        }
    }

    void partner_left() {
        send(R"({"type":"bye","room":")" + room_ + R"(","id":")" + partner_->id_ + R"("})");
        partner_.reset();
    }

private:
    void on_request(error_code ec, std::size_t) {
        auto const target = std::string_view(request_.target());
        if (ec || !websocket::is_upgrade(request_) || target.substr(0, 3) != "/ws" ||
            (target.size() > 3 && target[3] != '?')) {
            error_code ignored;
            ws_.next_layer().shutdown(tcp::socket::shutdown_both, ignored);
            return;
        }
        // What duetd does too: whole frames, not 4 KB fragments.
        ws_.auto_fragment(false);
        ws_.async_accept(request_, beast::bind_front_handler(&session::on_accept, shared_from_this()));
    }

    void on_accept(error_code ec) {
        if (ec) {
            return;
        }
        open_ = true;
        ws_.text(true);
        buffer_.consume(buffer_.size());
        do_read();
    }

    void do_read() { ws_.async_read(buffer_, beast::bind_front_handler(&session::on_read, shared_from_this())); }

    void on_read(error_code ec, std::size_t) {
        if (ec) {
            return finish();
        }
        auto const data = buffer_.cdata();
        handle(std::string_view(static_cast<char const*>(data.data()), data.size()));
        buffer_.consume(buffer_.size());
        do_read();
    }

    void handle(std::string_view text) {
        constexpr std::string_view data_key = R"("data":)";
        // The hot path: only a message has `data`. Forward the frame from the value on,
        // as written (its closing brace included), behind this sender's envelope.
        if (auto const at = text.find(data_key); at != std::string_view::npos) {
            if (partner_) {
                auto const rest = text.substr(at + data_key.size());
                std::string frame;
                frame.reserve(envelope_.size() + rest.size());
                frame += envelope_;
                frame += rest;
                partner_->send(std::move(frame));
            }
        } else if (text.find(R"("type":"join")") != std::string_view::npos) {
            join(string_after(text, R"("room":")"));
        } else if (text.find(R"("type":"leave")") != std::string_view::npos) {
            if (!room_.empty()) {
                auto const room = room_;
                leave();
                send(R"({"type":"leaved","room":")" + room + R"(","id":")" + id_ + R"("})");
            }
        } else if (text.find(R"("type":"ping")") != std::string_view::npos) {
            send(R"({"type":"pong"})");
        }
    }

    void join(std::string_view room) {
        if (!room_.empty() || room.empty()) {
            return;
        }
        room_ = room;
        envelope_ = R"({"type":"message","room":")" + room_ + R"(","from":")" + id_ + R"(","data":)";
        std::shared_ptr<session> first;
        if (auto const it = state_.waiting.find(room_); it != state_.waiting.end()) {
            first = it->second.lock();
            state_.waiting.erase(it);
        }
        if (!first) {
            state_.waiting.emplace(room_, shared_from_this());
            return send(joined(1));
        }
        partner_ = first;
        first->partner_ = shared_from_this();
        send(joined(2));
        first->send(R"({"type":"otherjoin","room":")" + room_ + R"(","id":")" + id_ + R"("})");
    }

    std::string joined(int peers) const {
        return R"({"type":"joined","room":")" + room_ + R"(","id":")" + id_ + R"(","peers":)" +
               std::to_string(peers) + R"(,"iceServers":[]})";
    }

    void leave() {
        if (partner_) {
            auto const partner = std::exchange(partner_, nullptr);
            partner->partner_left();
        } else if (auto const it = state_.waiting.find(room_);
                   it != state_.waiting.end() && it->second.lock().get() == this) {
            state_.waiting.erase(it);
        }
        room_.clear();
    }

    void finish() {
        open_ = false;
        queue_.clear();
        if (!room_.empty()) {
            leave();
        }
    }

    void do_write() {
        writing_ = true;
        ws_.async_write(asio::buffer(queue_.front()), beast::bind_front_handler(&session::on_write, shared_from_this()));
    }

    void on_write(error_code ec, std::size_t) {
        writing_ = false;
        if (ec) {
            // The read fails too and cleans up.
            open_ = false;
            queue_.clear();
            return;
        }
        queue_.pop_front();
        if (!queue_.empty()) {
            do_write();
        }
    }

    websocket::stream<tcp::socket> ws_;
    relay_state& state_;
    std::string id_;
    beast::flat_buffer buffer_;
    bhttp::request<bhttp::string_body> request_;
    std::deque<std::string> queue_;
    bool writing_ = false;
    bool open_ = false;
    std::string room_;
    std::string envelope_;  // `{"type":"message","room":R,"from":ID,"data":` of this sender
    std::shared_ptr<session> partner_;
};

class listener : public std::enable_shared_from_this<listener> {
public:
    listener(asio::io_context& ioc, tcp::acceptor& acceptor, relay_state& state)
        : ioc_(ioc), acceptor_(acceptor), state_(state) {}

    void do_accept() {
        acceptor_.async_accept(ioc_, beast::bind_front_handler(&listener::on_accept, shared_from_this()));
    }

private:
    void on_accept(error_code ec, tcp::socket socket) {
        if (ec == asio::error::operation_aborted || !acceptor_.is_open()) {
            return;
        }
        if (!ec) {
            error_code ignored;
            socket.set_option(tcp::no_delay(true), ignored);
            std::make_shared<session>(std::move(socket), state_)->run();
        }
        do_accept();
    }

    asio::io_context& ioc_;
    tcp::acceptor& acceptor_;
    relay_state& state_;
};

int usage(char const* why) {
    std::cerr << "duet-bare-relay: " << why << "\nusage: duet-bare-relay [--address 127.0.0.1] [--port 0]\n";
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    std::string address = "127.0.0.1";
    unsigned long port = 0;
    for (int i = 1; i < argc; ++i) {
        std::string_view const arg = argv[i];
        if (arg == "-h" || arg == "--help") {
            std::cout << "duet-bare-relay [--address 127.0.0.1] [--port 0]: the bare Beast relay of issue #4, "
                         "a measuring stick for duetd (bench/floor.sh)\n";
            return 0;
        }
        if (i + 1 >= argc) {
            return usage("missing value or unknown option");
        }
        if (arg == "--address") {
            address = argv[++i];
        } else if (arg == "--port") {
            char* end = nullptr;
            port = std::strtoul(argv[++i], &end, 10);
            if (*end != '\0' || port > 65535) {
                return usage("--port takes 0 to 65535");
            }
        } else {
            return usage("unknown option");
        }
    }

    relay_state state;  // outlives ioc, whose handlers refer to it
    asio::io_context ioc(1);
    tcp::acceptor acceptor(ioc);
    try {
        tcp::endpoint const endpoint(asio::ip::make_address(address), static_cast<unsigned short>(port));
        acceptor.open(endpoint.protocol());
        acceptor.set_option(asio::socket_base::reuse_address(true));
        acceptor.bind(endpoint);
        acceptor.listen(asio::socket_base::max_listen_connections);
    } catch (std::exception const& e) {
        std::cerr << "duet-bare-relay: cannot listen on " << address << ":" << port << ": " << e.what() << "\n";
        return 1;
    }
    auto const local = acceptor.local_endpoint();
    std::cout << "listening on " << local.address().to_string() << ":" << local.port() << std::endl;

    asio::signal_set signals(ioc, SIGINT, SIGTERM);
    signals.async_wait([&](error_code, int) { ioc.stop(); });
    std::make_shared<listener>(ioc, acceptor, state)->do_accept();
    ioc.run();
    return 0;
}
