#include "redis/event_loop.hpp"
#include "support/redis_server.hpp"

#include <duet/redis/connection.hpp>

#include <gtest/gtest.h>

namespace duet::testing {
namespace {

using redis::reply;

struct lost_report {
    error_code ec;
    std::string detail;
    std::size_t commands_done_before = 0;  // how many command handlers had run by then
};

// redis-server stopped while commands wait in it: every one of them gets an error, in
// order, before the owner hears that the connection was lost; a new connection works
// once the server is back on the same address.
void server_goes_away_mid_way(bool over_tcp) {
    redis_server server(redis_server::options{.tcp = over_tcp, .requirepass = {}});
    asio::io_context ioc;
    auto url = over_tcp ? server.tcp_url() : server.unix_url();
    auto out = open_connection(ioc, url);
    ASSERT_FALSE(out.ec) << out.detail;
    auto conn = out.conn;

    std::vector<std::string> outcomes;  // per command, in completion order
    std::optional<lost_report> lost;
    conn->on_lost([&](error_code ec, std::string const& detail) {
        lost = lost_report{ec, detail, outcomes.size()};
    });
    EXPECT_EQ(*call(ioc, *conn, {"SET", "before", "1"}), reply::status("OK"));

    // BLPOP blocks in the server, and the 100 commands behind it wait their turn there.
    constexpr std::size_t behind = 100;
    bool blpop_failed_with_lost = false;
    conn->command({"BLPOP", "never-filled", "0"}, [&](redis::command_result r) {
        blpop_failed_with_lost = !r && r.error() == redis::error::connection_lost;
        outcomes.push_back("blpop");
    });
    for (std::size_t i = 0; i < behind; ++i)
        conn->command({"INCR", "behind"}, [&, i](redis::command_result r) {
            outcomes.push_back(!r && r.error() == redis::error::connection_lost ? "lost " + std::to_string(i)
                                                                                : "unexpected");
        });
    // Until the server has them all: CLIENT LIST from a second connection shows ours
    // blocked in BLPOP.
    auto watcher = open_connection(ioc, url);
    ASSERT_FALSE(watcher.ec);
    ASSERT_TRUE(run_until(ioc, [&] {
        auto list = call(ioc, *watcher.conn, {"CLIENT", "LIST"});
        return list && list->text().find("cmd=blpop") != std::string::npos;
    }));

    server.stop();
    ASSERT_TRUE(run_until(ioc, [&] { return lost.has_value(); })) << "the lost handler never ran";
    ASSERT_EQ(outcomes.size(), behind + 1) << "some command handlers had not run when lost was reported";
    EXPECT_TRUE(blpop_failed_with_lost);
    for (std::size_t i = 0; i < behind; ++i) EXPECT_EQ(outcomes[i + 1], "lost " + std::to_string(i));
    EXPECT_EQ(lost->ec, redis::error::connection_lost);
    EXPECT_EQ(lost->commands_done_before, behind + 1);
    EXPECT_FALSE(lost->detail.empty());
    EXPECT_FALSE(conn->ready());
    EXPECT_EQ(call(ioc, *conn, {"PING"}).error(), redis::error::not_connected);

    // While it is down, a new connection fails; once it is back, one works.
    auto while_down = open_connection(ioc, url);
    EXPECT_EQ(while_down.ec, redis::error::connect_failed);
    server.start();
    auto again = open_connection(ioc, url);
    ASSERT_FALSE(again.ec) << again.detail;
    EXPECT_EQ(*call(ioc, *again.conn, {"PING"}), reply::status("PONG"));
    EXPECT_EQ(*call(ioc, *again.conn, {"GET", "before"}), reply{}) << "no persistence: a fresh server";
    ioc.poll();
    EXPECT_EQ(outcomes.size(), behind + 1) << "a handler ran twice";
}

TEST(redis_loss, server_stopped_mid_way_over_a_unix_socket) { server_goes_away_mid_way(false); }

TEST(redis_loss, server_stopped_mid_way_over_tcp) { server_goes_away_mid_way(true); }

TEST(redis_loss, a_client_kill_is_a_loss_too) {
    redis_server server;
    asio::io_context ioc;
    auto victim = open_connection(ioc, server.unix_url());
    auto killer = open_connection(ioc, server.unix_url());
    ASSERT_FALSE(victim.ec || killer.ec);
    std::optional<error_code> lost;
    victim.conn->on_lost([&](error_code ec, std::string const&) { lost = ec; });
    auto id = call(ioc, *victim.conn, {"CLIENT", "ID"});
    ASSERT_TRUE(id);
    auto killed = call(ioc, *killer.conn, {"CLIENT", "KILL", "ID", std::to_string(id->as_integer())});
    ASSERT_TRUE(killed);
    EXPECT_EQ(*killed, reply::integer(1));
    ASSERT_TRUE(run_until(ioc, [&] { return lost.has_value(); }));
    EXPECT_EQ(*lost, redis::error::connection_lost);
}

}  // namespace
}  // namespace duet::testing

namespace duet::testing {
namespace {

// hiredis 0.14 writes with write(2): without care, a write to a server that has gone
// raises SIGPIPE, which ends the process.
TEST(redis_loss, writing_to_a_server_that_has_gone_is_a_loss_not_a_sigpipe) {
    redis_server server;
    asio::io_context ioc;
    auto out = open_connection(ioc, server.unix_url());
    ASSERT_FALSE(out.ec);
    std::optional<error_code> lost;
    out.conn->on_lost([&](error_code ec, std::string const&) { lost = ec; });
    server.stop();
    // Sent before the loop has seen the end of the stream: hiredis writes them into a
    // socket whose other end is closed.
    std::vector<error_code> outcomes;
    for (int i = 0; i < 100; ++i)
        out.conn->command({"SET", "k", std::string(4096, 'x')}, [&](redis::command_result r) {
            outcomes.push_back(r ? error_code{} : r.error());
        });
    ASSERT_TRUE(run_until(ioc, [&] { return lost.has_value(); }));
    ASSERT_EQ(outcomes.size(), 100u);
    for (auto const& ec : outcomes) EXPECT_EQ(ec, redis::error::connection_lost);
}

}  // namespace
}  // namespace duet::testing
