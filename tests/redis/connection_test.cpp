#include "redis/event_loop.hpp"
#include "support/redis_server.hpp"

#include <duet/redis/connection.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <iterator>

#include <fcntl.h>
#include <unistd.h>

namespace duet::testing {
namespace {

using redis::reply;

/// One redis-server (unix socket and TCP) for the whole suite: the tests use keys of
/// their own, so they need no fresh server.
class redis_connection : public ::testing::Test {
protected:
    static void SetUpTestSuite() { server_ = new redis_server(redis_server::options{.tcp = true, .requirepass = {}}); }
    static void TearDownTestSuite() {
        delete server_;
        server_ = nullptr;
    }

    std::shared_ptr<redis::connection> connected(std::string const& url) {
        auto out = open_connection(ioc_, url);
        EXPECT_FALSE(out.ec) << url << ": " << out.ec.message() << " (" << out.detail << ")";
        return out.conn;
    }

    reply ok_reply(redis::connection& conn, std::vector<std::string> args) {
        auto result = call(ioc_, conn, std::move(args));
        if (!result) {
            ADD_FAILURE() << "no reply: " << result.error().message();
            return {};
        }
        return *result;
    }

    static redis_server* server_;
    asio::io_context ioc_;
};

redis_server* redis_connection::server_ = nullptr;

TEST_F(redis_connection, set_and_get_over_a_unix_socket) {
    auto conn = connected(server_->unix_url());
    ASSERT_TRUE(conn && conn->ready());
    EXPECT_EQ(ok_reply(*conn, {"SET", "unix:key", "value"}), reply::status("OK"));
    EXPECT_EQ(ok_reply(*conn, {"GET", "unix:key"}), reply::string("value"));
}

TEST_F(redis_connection, set_and_get_over_tcp) {
    auto conn = connected(server_->tcp_url());
    ASSERT_TRUE(conn && conn->ready());
    EXPECT_EQ(ok_reply(*conn, {"SET", "tcp:key", "value"}), reply::status("OK"));
    EXPECT_EQ(ok_reply(*conn, {"GET", "tcp:key"}), reply::string("value"));
}

TEST_F(redis_connection, a_host_name_is_resolved_first) {
    auto conn = connected("redis://localhost:" + std::to_string(server_->port()));
    ASSERT_TRUE(conn && conn->ready());
    EXPECT_EQ(ok_reply(*conn, {"PING"}), reply::status("PONG"));
}

TEST_F(redis_connection, values_and_keys_are_binary_safe) {
    auto conn = connected(server_->unix_url());
    ASSERT_TRUE(conn);
    std::string every_byte;
    for (int i = 0; i < 256; ++i) every_byte += static_cast<char>(i);
    every_byte += std::string("\0\r\n\0", 4);  // what a text protocol would choke on
    std::string const key("bin\0key", 7);
    EXPECT_EQ(ok_reply(*conn, {"SET", key, every_byte}), reply::status("OK"));
    EXPECT_EQ(ok_reply(*conn, {"GET", key}), reply::string(every_byte));
    EXPECT_EQ(ok_reply(*conn, {"STRLEN", key}), reply::integer(260));
    EXPECT_EQ(ok_reply(*conn, {"GET", "bin"}), reply{});  // the key did not stop at its NUL
    EXPECT_EQ(ok_reply(*conn, {"SET", "empty", ""}), reply::status("OK"));
    EXPECT_EQ(ok_reply(*conn, {"GET", "empty"}), reply::string(""));
}

// Once connected, the connection writes without waiting for writability and waits only
// for what the socket did not take (connection.cpp, hook_add_write): 32 MiB is several
// times what a loopback socket takes at once, so this SET is written in parts, and never
// completes if the rest is not waited for.
TEST_F(redis_connection, a_command_larger_than_the_socket_takes_at_once_is_written_in_parts) {
    auto conn = connected(server_->tcp_url());
    ASSERT_TRUE(conn);
    std::string value(32 * 1024 * 1024, '\0');
    for (std::size_t i = 0; i < value.size(); ++i) value[i] = static_cast<char>('a' + i % 26);
    bool pinged = false;
    conn->command({"SET", "large:key", value}, [](redis::command_result) {});
    conn->command({"PING"}, [&](redis::command_result r) { pinged = r && *r == reply::status("PONG"); });
    ASSERT_TRUE(run_until(ioc_, [&] { return pinged; }, 30s)) << "the rest of the SET was never written";
    EXPECT_EQ(ok_reply(*conn, {"STRLEN", "large:key"}), reply::integer(static_cast<std::int64_t>(value.size())));
    EXPECT_EQ(ok_reply(*conn, {"GET", "large:key"}), reply::string(value));
    EXPECT_EQ(ok_reply(*conn, {"DEL", "large:key"}), reply::integer(1));
}

TEST_F(redis_connection, ten_thousand_pipelined_commands_complete_in_order) {
    auto conn = connected(server_->unix_url());
    ASSERT_TRUE(conn);
    ASSERT_EQ(ok_reply(*conn, {"DEL", "pipelined"}).type(), reply::kind::integer);
    constexpr int count = 10'000;
    std::vector<std::int64_t> seen;
    seen.reserve(count);
    int failures = 0;
    // All sent before the loop runs once: hiredis buffers them and writes them in as few
    // writes as the socket takes.
    for (int i = 0; i < count; ++i)
        conn->command({"INCR", "pipelined"}, [&](redis::command_result r) {
            if (r && r->type() == reply::kind::integer) seen.push_back(r->as_integer());
            else ++failures;
        });
    ASSERT_TRUE(run_until(ioc_, [&] { return static_cast<int>(seen.size()) + failures == count; }));
    EXPECT_EQ(failures, 0);
    for (std::size_t i = 0; i < seen.size(); ++i) {
        ASSERT_EQ(seen[i], static_cast<std::int64_t>(i) + 1) << "reply " << i << " out of order";
    }
}

TEST_F(redis_connection, error_replies_are_replies_and_the_connection_goes_on) {
    auto conn = connected(server_->unix_url());
    ASSERT_TRUE(conn);
    ok_reply(*conn, {"SET", "not-a-number", "abc"});
    auto incr = ok_reply(*conn, {"INCR", "not-a-number"});
    EXPECT_TRUE(incr.is_error("ERR")) << incr;
    auto unknown = ok_reply(*conn, {"NO-SUCH-COMMAND", "x"});
    EXPECT_TRUE(unknown.is_error("ERR unknown command")) << unknown;
    ok_reply(*conn, {"RPUSH", "a-list", "x"});
    EXPECT_TRUE(ok_reply(*conn, {"GET", "a-list"}).is_error("WRONGTYPE"));
    EXPECT_EQ(ok_reply(*conn, {"PING"}), reply::status("PONG"));
}

TEST_F(redis_connection, array_replies_nest_and_hold_nils) {
    auto conn = connected(server_->unix_url());
    ASSERT_TRUE(conn);
    ok_reply(*conn, {"DEL", "letters"});
    EXPECT_EQ(ok_reply(*conn, {"RPUSH", "letters", "a", "b", "c"}), reply::integer(3));
    EXPECT_EQ(ok_reply(*conn, {"LRANGE", "letters", "0", "-1"}),
              reply::array({reply::string("a"), reply::string("b"), reply::string("c")}));
    ok_reply(*conn, {"SET", "present", "1"});
    EXPECT_EQ(ok_reply(*conn, {"MGET", "present", "absent"}), reply::array({reply::string("1"), reply{}}));
    EXPECT_EQ(ok_reply(*conn, {"LRANGE", "absent", "0", "-1"}), reply::array({}));
    auto nested = ok_reply(*conn, {"EVAL", "return {1, {'x', {}}, 'y'}", "0"});
    EXPECT_EQ(nested, reply::array({reply::integer(1), reply::array({reply::string("x"), reply::array({})}),
                                    reply::string("y")}));
}

TEST_F(redis_connection, select_keeps_databases_apart) {
    auto db3 = connected(server_->unix_url(3));
    auto db0 = connected(server_->tcp_url());
    auto db3_tcp = connected(server_->tcp_url(3));
    ASSERT_TRUE(db3 && db0 && db3_tcp);
    ok_reply(*db0, {"DEL", "where"});
    EXPECT_EQ(ok_reply(*db3, {"SET", "where", "db3"}), reply::status("OK"));
    EXPECT_EQ(ok_reply(*db0, {"GET", "where"}), reply{});
    EXPECT_EQ(ok_reply(*db3_tcp, {"GET", "where"}), reply::string("db3"));
}

TEST_F(redis_connection, a_database_out_of_range_fails_the_connect) {
    auto out = open_connection(ioc_, server_->unix_url(99));  // 16 databases by default
    EXPECT_EQ(out.ec, redis::error::select_failed);
    EXPECT_NE(out.detail.find("out of range"), std::string::npos) << out.detail;
    EXPECT_FALSE(out.conn->ready());
}

TEST_F(redis_connection, a_command_before_connect_or_an_empty_one_fails_without_sending) {
    auto parsed = redis::parse_address(server_->unix_url());
    auto conn = redis::connection::create(ioc_.get_executor(), std::get<redis::address>(parsed));
    auto early = call(ioc_, *conn, {"PING"});
    EXPECT_EQ(early.error(), redis::error::not_connected);
    auto connected_conn = connected(server_->unix_url());
    auto empty = call(ioc_, *connected_conn, {});
    EXPECT_EQ(empty.error(), asio::error::invalid_argument);
}

TEST_F(redis_connection, commands_without_one_reply_each_are_refused) {
    auto conn = connected(server_->unix_url());
    ASSERT_TRUE(conn);
    for (std::string name : {"SUBSCRIBE", "psubscribe", "SSubscribe", "UNSUBSCRIBE", "PUNSUBSCRIBE", "MONITOR"}) {
        auto refused = call(ioc_, *conn, {name, "channel"});
        EXPECT_EQ(refused.error(), asio::error::invalid_argument) << name;
    }
    EXPECT_EQ(ok_reply(*conn, {"PUBLISH", "channel", "x"}), reply::integer(0));
    EXPECT_EQ(ok_reply(*conn, {"PING"}), reply::status("PONG"));
}

TEST_F(redis_connection, connect_twice_reports_already_started) {
    auto conn = connected(server_->unix_url());
    ASSERT_TRUE(conn);
    std::optional<error_code> second;
    conn->connect([&](error_code ec, std::string const&) { second = ec; });
    ASSERT_TRUE(run_until(ioc_, [&] { return second.has_value(); }));
    EXPECT_EQ(*second, asio::error::already_started);
    EXPECT_TRUE(conn->ready());
}

TEST_F(redis_connection, handlers_are_posted_never_run_inside_command) {
    auto conn = connected(server_->unix_url());
    ASSERT_TRUE(conn);
    bool ran = false;
    conn->command({}, [&](redis::command_result) { ran = true; });
    EXPECT_FALSE(ran);
    ASSERT_TRUE(run_until(ioc_, [&] { return ran; }));
}

TEST_F(redis_connection, close_fails_pending_commands_with_closed_and_is_not_a_loss) {
    auto conn = connected(server_->unix_url());
    ASSERT_TRUE(conn);
    bool lost = false;
    conn->on_lost([&](error_code, std::string const&) { lost = true; });
    ok_reply(*conn, {"DEL", "never-filled"});
    // BLPOP holds the connection: everything sent behind it waits in the server.
    std::vector<error_code> outcomes;
    conn->command({"BLPOP", "never-filled", "0"}, [&](redis::command_result r) {
        outcomes.push_back(r ? error_code{} : r.error());
    });
    conn->command({"PING"}, [&](redis::command_result r) { outcomes.push_back(r ? error_code{} : r.error()); });
    conn->close();
    EXPECT_FALSE(conn->ready());
    ASSERT_TRUE(run_until(ioc_, [&] { return outcomes.size() == 2; }));
    EXPECT_EQ(outcomes[0], redis::error::closed);
    EXPECT_EQ(outcomes[1], redis::error::closed);
    EXPECT_EQ(call(ioc_, *conn, {"PING"}).error(), redis::error::not_connected);
    conn->close();  // idempotent
    ioc_.poll();
    EXPECT_FALSE(lost);
}

TEST_F(redis_connection, dropping_the_connection_fails_its_commands_exactly_once) {
    auto conn = connected(server_->unix_url());
    ASSERT_TRUE(conn);
    int calls = 0;
    error_code seen;
    conn->command({"BLPOP", "never-filled-either", "0"}, [&](redis::command_result r) {
        ++calls;
        seen = r ? error_code{} : r.error();
    });
    std::weak_ptr<redis::connection> watch = conn;
    conn.reset();  // the owner's pointer was the only one: pending waits hold weak ones
    EXPECT_TRUE(watch.expired());
    ASSERT_TRUE(run_until(ioc_, [&] { return calls > 0; }));
    ioc_.poll();
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(seen, redis::error::closed);
}

// hiredis owns each socket and closes it; the descriptor that watches it must release
// it first: never keep it open, and never close its number a second time.
TEST_F(redis_connection, connections_leave_no_file_descriptor_behind) {
    auto open_fds = [] {
        return std::distance(std::filesystem::directory_iterator("/proc/self/fd"), std::filesystem::directory_iterator{});
    };
    ASSERT_TRUE(connected(server_->unix_url()));  // the loop's own descriptors exist from here on
    auto const before = open_fds();
    for (int round = 0; round < 20; ++round) {
        auto closed = connected(server_->unix_url());
        auto dropped = connected(server_->tcp_url(1));
        auto refused = open_connection(ioc_, "unix:///nonexistent/duet-redis.sock");
        ASSERT_TRUE(closed && dropped);
        EXPECT_EQ(ok_reply(*closed, {"PING"}), reply::status("PONG"));
        closed->close();
        // hiredis has closed the socket: the lowest free number is likely the same one.
        // Had the descriptor kept it, destroying the connection would close this file.
        int const reused = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        closed.reset();
        dropped.reset();
        ioc_.poll();
        EXPECT_NE(::fcntl(reused, F_GETFD), -1) << "a stranger's descriptor was closed";
        ::close(reused);
    }
    EXPECT_EQ(open_fds(), before);
}

TEST_F(redis_connection, a_handler_may_send_more_commands_and_close) {
    auto conn = connected(server_->unix_url());
    ASSERT_TRUE(conn);
    std::vector<std::string> steps;
    conn->command({"SET", "chain", "1"}, [&](redis::command_result) {
        steps.push_back("set");
        conn->command({"INCR", "chain"}, [&](redis::command_result r) {
            steps.push_back("incr " + std::to_string(r ? r->as_integer() : -1));
            conn->close();
            conn.reset();
        });
    });
    ASSERT_TRUE(run_until(ioc_, [&] { return steps.size() == 2; }));
    EXPECT_EQ(steps, (std::vector<std::string>{"set", "incr 2"}));
}

}  // namespace
}  // namespace duet::testing
