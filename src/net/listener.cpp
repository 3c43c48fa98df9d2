#include <duet/net/listener.hpp>

#include <duet/logging/event.hpp>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

namespace duet::net {
namespace {

int open_reserve() {
    return ::open("/dev/null", O_RDONLY | O_CLOEXEC);
}

bool out_of_descriptors(error_code ec) {
    return ec == asio::error::no_descriptors || ec == error_code(ENFILE, boost::system::system_category());
}

std::string describe(tcp::endpoint const& endpoint) {
    auto const address = endpoint.address();
    auto const host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
    return host + ":" + std::to_string(endpoint.port());
}

}  // namespace

listener::listener(asio::io_context& ioc, tcp::endpoint endpoint, connection_handler on_connection,
                   failure_handler on_failure)
    : acceptor_(ioc), retry_(ioc), on_connection_(std::move(on_connection)), on_failure_(std::move(on_failure)) {
    error_code ec;
    auto fail = [&](char const* what) {
        throw std::runtime_error(std::string("cannot ") + what + " " + describe(endpoint) + ": " + ec.message());
    };
    acceptor_.open(endpoint.protocol(), ec);
    if (ec) fail("open a socket for");
    acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (ec) fail("set SO_REUSEADDR on");
    acceptor_.bind(endpoint, ec);
    if (ec) fail("bind");
    acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) fail("listen on");
    local_ = acceptor_.local_endpoint(ec);
    reserve_ = open_reserve();
    logging::info(logging::event("listen"), "listening on {}", describe(local_));
}

listener::~listener() {
    if (reserve_ >= 0) {
        ::close(reserve_);
    }
}

void listener::run() {
    asio::dispatch(acceptor_.get_executor(), [self = shared_from_this()] { self->do_accept(); });
}

void listener::stop() {
    // At once, not posted: the shutdown may stop the loop before a posted close would
    // run, and the kernel would keep completing connections nobody serves.
    error_code ignored;
    retry_.cancel();
    acceptor_.close(ignored);
}

tcp::endpoint listener::local_endpoint() const {
    return local_;
}

void listener::do_accept() {
    acceptor_.async_accept(beast::bind_front_handler(&listener::on_accept, shared_from_this()));
}

void listener::on_accept(error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) {
        return;
    }
    if (ec) {
        return refuse_while_out_of_descriptors(ec);
    }
    if (out_of_descriptors_) {
        out_of_descriptors_ = false;
        logging::warn(logging::event("accept.resumed"),
                      "accepting connections again; {} refused while out of file descriptors", refused_);
        refused_ = 0;
    }
    socket.set_option(tcp::no_delay(true), ec);
    on_connection_(std::move(socket));
    do_accept();
}

void listener::refuse_while_out_of_descriptors(error_code ec) {
    if (on_failure_) {
        on_failure_();
    }
    if (!out_of_descriptors_) {
        out_of_descriptors_ = true;
        logging::warn(logging::event("accept.failed"),
                      "accept failed: {}; refusing new connections until descriptors are free "
                      "(see the open-files limit logged at start)",
                      ec.message());
    }
    if (out_of_descriptors(ec) && reserve_ >= 0) {
        ::close(reserve_);
        for (int i = 0; i < 64; ++i) {  // what waits now (a bounded pass), each closed at once
            int const waiting = ::accept4(acceptor_.native_handle(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (waiting < 0) {
                break;
            }
            ::close(waiting);
            ++refused_;
        }
        reserve_ = open_reserve();
    }
    // Whatever the error, a pause instead of a spin.
    retry_.expires_after(std::chrono::milliseconds(100));
    retry_.async_wait([self = shared_from_this()](error_code wait_ec) {
        if (!wait_ec) {
            self->do_accept();
        }
    });
}

}  // namespace duet::net
