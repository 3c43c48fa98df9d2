#pragma once

#include <duet/app/server.hpp>
#include <duet/config/settings.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>

namespace duet::testing {

/// A real app::server on 127.0.0.1, port 0 (the kernel picks; the acceptor tells us:
/// no probe-then-bind race), serving a temporary public folder, its event loop on a
/// thread of its own: the configuration that ships.
/// Set DUET_TEST_LOG=debug to see the daemon's log.
class test_server {
public:
    using tweak = std::function<void(config::settings&)>;

    explicit test_server(tweak adjust = {});
    ~test_server();

    std::uint16_t port() const noexcept { return server_->port(); }
    app::server& server() noexcept { return *server_; }
    std::filesystem::path const& public_dir() const noexcept { return public_dir_; }
    /// A folder beside the public one: never served.
    std::filesystem::path const& outside_dir() const noexcept { return outside_dir_; }

    /// Starts the graceful shutdown and waits for the threads to end.
    void stop_and_wait();

private:
    std::filesystem::path base_;
    std::filesystem::path public_dir_;
    std::filesystem::path outside_dir_;
    std::unique_ptr<app::server> server_;
    bool stopped_ = false;
};

}  // namespace duet::testing
