#include <duet/app/server.hpp>

#include <spdlog/spdlog.h>

#include <csignal>
#include <stdexcept>

namespace duet::app {
namespace {

tcp::endpoint make_endpoint(config::settings const& s) {
    error_code ec;
    auto const address = asio::ip::make_address(s.address, ec);
    if (ec) {
        throw std::runtime_error("address: '" + s.address + "' is not an IP address");
    }
    return {address, s.port};
}

}  // namespace

server::server(config::settings settings, options opts)
    : state_(std::move(settings)),
      // One thread: tell Asio, which then skips some of its cross-thread work.
      ioc_(config::effective_threads(state_.settings) == 1 ? 1 : BOOST_ASIO_CONCURRENCY_HINT_DEFAULT),
      control_(asio::make_strand(ioc_)),
      grace_(control_),
      drain_poll_(control_) {
    if (opts.handle_signals) {
        signals_.emplace(control_, SIGINT, SIGTERM);
    }
    listener_ = std::make_shared<net::listener>(ioc_, make_endpoint(state_.settings), state_);
    port_ = listener_->local_endpoint().port();
}

server::~server() {
    if (!threads_.empty()) {
        ioc_.stop();
        wait();
    }
}

void server::start() {
    listener_->run();
    if (signals_) {
        wait_for_signal();
    }
    auto const count = config::effective_threads(state_.settings);
    threads_.reserve(count);
    for (unsigned i = 0; i < count; ++i) {
        threads_.emplace_back([this] { ioc_.run(); });
    }
    spdlog::info("duetd serving {} on port {} with {} thread(s)", state_.files.root().string(), port_, count);
}

void server::stop() {
    asio::post(control_, [this] { begin_shutdown(); });
}

void server::wait() {
    for (auto& t : threads_) {
        if (t.joinable()) {
            t.join();
        }
    }
    threads_.clear();
}

int server::run() {
    start();
    wait();
    return 0;
}

void server::wait_for_signal() {
    signals_->async_wait([this](error_code ec, int signal_number) {
        if (ec) {
            return;
        }
        if (shutting_down_) {
            spdlog::warn("second signal ({}): stopping now", signal_number);
            ioc_.stop();
            return;
        }
        spdlog::info("signal {}: shutting down", signal_number);
        begin_shutdown();
        wait_for_signal();
    });
}

void server::begin_shutdown() {
    if (shutting_down_) {
        return;
    }
    shutting_down_ = true;
    listener_->stop();
    state_.tracker.shut_down_all();
    grace_.expires_after(state_.settings.shutdown_grace);
    grace_.async_wait([this](error_code ec) {
        if (!ec) {
            spdlog::warn("shutdown_grace passed with {} session(s) still open; stopping", state_.tracker.size());
            ioc_.stop();
        }
    });
    check_drained();
}

void server::check_drained() {
    // Sessions leave the tracker when their close handshake ends; when none is left
    // the daemon is done. A short poll keeps this free of callbacks across strands.
    if (state_.tracker.size() == 0) {
        spdlog::info("all connections closed; bye");
        ioc_.stop();
        return;
    }
    drain_poll_.expires_after(std::chrono::milliseconds(20));
    drain_poll_.async_wait([this](error_code ec) {
        if (!ec) {
            check_drained();
        }
    });
}

}  // namespace duet::app
