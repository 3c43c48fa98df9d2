#pragma once

// What the Redis tests share: an io_context run on the test's own thread until a
// condition holds (with a deadline, never a sleep), and synchronous wrappers over
// connect and command for tests that are not about the asynchrony itself.

#include <duet/redis/connection.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace duet::testing {

using namespace std::chrono_literals;

// Generous: only a machine loaded by other test processes gets anywhere near it.
inline constexpr auto loop_deadline = 10s;

/// Runs `ioc` one handler at a time until `done()` or the deadline; false on timeout or
/// when the loop ran out of work first.
inline bool run_until(asio::io_context& ioc, std::function<bool()> const& done,
                      std::chrono::steady_clock::duration limit = loop_deadline) {
    auto const deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
        auto const now = std::chrono::steady_clock::now();
        if (now >= deadline) return false;
        if (ioc.stopped()) ioc.restart();
        if (ioc.run_one_for(deadline - now) == 0 && ioc.stopped() && !done()) return false;
    }
    return true;
}

struct connect_outcome {
    std::shared_ptr<redis::connection> conn;
    error_code ec;
    std::string detail;
};

/// Creates a connection to `url` and runs the loop until connect reports.
inline connect_outcome open_connection(asio::io_context& ioc, std::string const& url,
                                       redis::connection_options options = {}) {
    auto parsed = redis::parse_address(url);
    if (auto const* why = std::get_if<std::string>(&parsed)) {
        ADD_FAILURE() << url << ": " << *why;
        return {};
    }
    connect_outcome out;
    out.conn = redis::connection::create(ioc.get_executor(), std::get<redis::address>(parsed), options);
    bool reported = false;
    out.conn->connect([&](error_code ec, std::string const& detail) {
        reported = true;
        out.ec = ec;
        out.detail = detail;
    });
    EXPECT_TRUE(run_until(ioc, [&] { return reported; })) << "connect to " << url << " never reported";
    return out;
}

/// Sends one command and runs the loop until its handler has run.
inline redis::command_result call(asio::io_context& ioc, redis::connection& conn, std::vector<std::string> args) {
    std::optional<redis::command_result> result;
    conn.command(std::move(args), [&](redis::command_result r) { result = std::move(r); });
    if (!run_until(ioc, [&] { return result.has_value(); })) return error_code(asio::error::timed_out);
    return std::move(*result);
}

}  // namespace duet::testing
