#include "ws_connection.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <utility>

namespace duet::bench {

ws_connection::ws_connection(asio::io_context& ioc, dialect const& wire)
    : dialect_(wire), ws_(ioc), keepalive_timer_(ioc) {}

void ws_connection::connect(tcp::endpoint const& server, asio::ip::address const& source, clock::duration timeout,
                            connect_handler done) {
    on_connect_ = std::move(done);
    timeout_ = timeout;
    host_ = server.address().to_string() + ":" + std::to_string(server.port());
    auto& stream = beast::get_lowest_layer(ws_);
    if (!source.is_unspecified()) {
        error_code ec;
        auto& socket = stream.socket();
        socket.open(server.protocol(), ec);
        if (!ec) {
            // Bind only the address now and let connect() choose the port by the whole
            // 4-tuple: otherwise every bound socket takes a port of its own and the
            // ephemeral range (about 28,000) caps all connections from that address.
            int const one = 1;
            ::setsockopt(socket.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
            socket.bind(tcp::endpoint(source, 0), ec);
        }
        if (ec) {
            // Complete asynchronously, as every other outcome does.
            asio::post(ws_.get_executor(), [self = shared_from_this(), ec] { self->on_connect(ec); });
            return;
        }
    }
    stream.expires_after(timeout);
    // async_connect keeps a socket that is already open (and bound).
    stream.async_connect(server, beast::bind_front_handler(&ws_connection::on_connect, shared_from_this()));
}

void ws_connection::on_connect(error_code ec) {
    if (ec) {
        std::exchange(on_connect_, nullptr)(ec);
        return;
    }
    auto& stream = beast::get_lowest_layer(ws_);
    error_code ignored;
    stream.socket().set_option(tcp::no_delay(true), ignored);
    if (send_buffer_bytes_ > 0) {
        stream.socket().set_option(asio::socket_base::send_buffer_size(static_cast<int>(send_buffer_bytes_)), ignored);
    }
    // From here the WebSocket stream keeps its own deadlines.
    stream.expires_never();
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = timeout_;  // also bounds the close handshake
    timeouts.idle_timeout = websocket::stream_base::none();
    timeouts.keep_alive_pings = false;
    ws_.set_option(timeouts);
    ws_.auto_fragment(false);
    // A client masks each frame through this buffer: room for an SDP-sized message
    // in one piece means one write system call per message.
    ws_.write_buffer_bytes(64 * 1024);
    ws_.async_handshake(response_, host_, dialect_.handshake_target(),
                        beast::bind_front_handler(&ws_connection::on_handshake, shared_from_this()));
}

void ws_connection::on_handshake(error_code ec) {
    if (ec) {
        std::exchange(on_connect_, nullptr)(ec);
        return;
    }
    open_ = true;
    ws_.text(true);
    do_read();
    if (!dialect_.greets()) {
        on_ready();
    }
}

void ws_connection::on_greeting(std::string_view frame) {
    auto const step = dialect_.greet(frame);
    if (step.keepalive > clock::duration::zero()) {
        keepalive_ = step.keepalive;
    }
    if (step.next == greeting_step::outcome::ready) {
        return on_ready();
    }
    if (step.next == greeting_step::outcome::failed) {
        greeting_failure_ = step.problem;
        // The pending read then ends, and with it the connection.
        error_code ignored;
        beast::get_lowest_layer(ws_).socket().close(ignored);
        std::exchange(on_connect_, nullptr)(make_error_code(boost::system::errc::protocol_error));
    }
}

void ws_connection::on_ready() {
    ready_ = true;
    if (keepalive_ > clock::duration::zero()) {
        schedule_keepalive();
    }
    std::exchange(on_connect_, nullptr)({});
    // close() may have been asked for during the handshake.
    if (closing_ && !writing_ && !close_sent_) {
        start_close();
    }
}

void ws_connection::schedule_keepalive() {
    keepalive_timer_.expires_after(keepalive_);
    keepalive_timer_.async_wait([self = shared_from_this()](error_code ec) {
        if (ec || !self->open_ || self->closing_) {
            return;
        }
        self->send(std::string(self->dialect_.keepalive_frame()));
        self->schedule_keepalive();
    });
}

void ws_connection::do_read() {
    ws_.async_read(buffer_, beast::bind_front_handler(&ws_connection::on_read, shared_from_this()));
}

void ws_connection::on_read(error_code ec, std::size_t) {
    if (ec) {
        return finish(ec);
    }
    auto const data = buffer_.cdata();
    std::string_view const frame(static_cast<char const*>(data.data()), data.size());
    if (!ready_) {
        on_greeting(frame);
    } else if (on_message_ && !dialect_.is_transport_frame(frame)) {
        on_message_(frame);
    }
    buffer_.consume(buffer_.size());
    // Keep reading while closing too: the read is what completes the close handshake.
    do_read();
}

void ws_connection::send(std::shared_ptr<std::string const> frame) {
    if (!open_ || closing_) {
        return;
    }
    queue_.push_back(std::move(frame));
    if (!writing_) {
        do_write();
    }
}

void ws_connection::do_write() {
    writing_ = true;
    ws_.async_write(asio::buffer(*queue_.front()),
                    beast::bind_front_handler(&ws_connection::on_write, shared_from_this()));
}

void ws_connection::on_write(error_code ec, std::size_t) {
    writing_ = false;
    queue_.pop_front();
    if (ec) {
        // The connection is broken; make sure the pending read ends too.
        error_code ignored;
        beast::get_lowest_layer(ws_).socket().close(ignored);
        return;
    }
    if (!queue_.empty()) {
        return do_write();
    }
    if (closing_ && !close_sent_) {
        start_close();
    }
}

void ws_connection::close() {
    if (closing_ || finished_) {
        return;
    }
    closing_ = true;
    keepalive_timer_.cancel();
    if (open_ && !writing_) {
        start_close();
    }
}

void ws_connection::start_close() {
    close_sent_ = true;
    // The pending read ends with websocket::error::closed when the daemon answers.
    ws_.async_close(websocket::close_code::normal, [self = shared_from_this()](error_code ec) {
        if (ec) {
            error_code ignored;
            beast::get_lowest_layer(self->ws_).socket().close(ignored);
        }
    });
}

void ws_connection::finish(error_code ec) {
    if (finished_) {
        return;
    }
    finished_ = true;
    open_ = false;
    keepalive_timer_.cancel();
    // The server hung up during the greeting: the connect fails.
    if (auto connect = std::exchange(on_connect_, nullptr)) {
        connect(ec ? ec : make_error_code(asio::error::eof));
    }
    // Drop the handlers so nothing they captured outlives the connection's use.
    on_message_ = nullptr;
    if (auto done = std::exchange(on_close_, nullptr)) {
        done(ec, closing_);
    }
}

}  // namespace duet::bench
