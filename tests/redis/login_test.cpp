#include "redis/event_loop.hpp"
#include "support/redis_server.hpp"

#include <duet/redis/connection.hpp>

#include <gtest/gtest.h>

namespace duet::testing {
namespace {

using redis::reply;

constexpr char password[] = "correct horse";

class redis_login : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        server_ = new redis_server(redis_server::options{.tcp = true, .requirepass = password});
    }
    static void TearDownTestSuite() {
        delete server_;
        server_ = nullptr;
    }

    // The server's TCP URL with `userinfo@` in front of the host.
    static std::string tcp_url_as(std::string const& userinfo, int db = 0) {
        return "redis://" + userinfo + "@127.0.0.1:" + std::to_string(server_->port()) +
               (db ? "/" + std::to_string(db) : "");
    }

    static redis_server* server_;
    asio::io_context ioc_;
};

redis_server* redis_login::server_ = nullptr;

TEST_F(redis_login, the_right_password_logs_in) {
    auto out = open_connection(ioc_, tcp_url_as(":correct%20horse"));
    ASSERT_FALSE(out.ec) << out.ec.message() << ": " << out.detail;
    auto pong = call(ioc_, *out.conn, {"PING"});
    ASSERT_TRUE(pong);
    EXPECT_EQ(*pong, reply::status("PONG"));
}

TEST_F(redis_login, the_default_user_by_name_and_a_unix_socket_with_a_db) {
    auto named = open_connection(ioc_, tcp_url_as("default:correct%20horse"));
    ASSERT_FALSE(named.ec) << named.detail;
    auto unix_db = open_connection(ioc_, "unix://:correct%20horse@" + server_->socket_path().string() + "?db=5");
    ASSERT_FALSE(unix_db.ec) << unix_db.detail;
    EXPECT_EQ(*call(ioc_, *unix_db.conn, {"SET", "login:k", "in 5"}), reply::status("OK"));
    EXPECT_EQ(*call(ioc_, *named.conn, {"GET", "login:k"}), reply{});
    auto same_db = open_connection(ioc_, tcp_url_as(":correct%20horse", 5));
    ASSERT_FALSE(same_db.ec) << same_db.detail;
    EXPECT_EQ(*call(ioc_, *same_db.conn, {"GET", "login:k"}), reply::string("in 5"));
}

TEST_F(redis_login, a_wrong_password_fails_the_connect_with_auth_failed) {
    auto out = open_connection(ioc_, tcp_url_as(":not-it", 2));
    EXPECT_EQ(out.ec, redis::error::auth_failed);
    EXPECT_NE(out.detail.find("WRONGPASS"), std::string::npos) << out.detail;
    EXPECT_EQ(out.detail.find("not-it"), std::string::npos) << "the detail repeats the password";
    EXPECT_FALSE(out.conn->ready());
    EXPECT_EQ(call(ioc_, *out.conn, {"PING"}).error(), redis::error::not_connected);
}

TEST_F(redis_login, no_password_connects_but_every_command_is_refused) {
    auto out = open_connection(ioc_, server_->unix_url());
    ASSERT_FALSE(out.ec);
    auto refused = call(ioc_, *out.conn, {"GET", "x"});
    ASSERT_TRUE(refused);
    EXPECT_TRUE(refused->is_error("NOAUTH")) << *refused;
}

TEST(redis_connect, a_missing_socket_fails_with_connect_failed) {
    asio::io_context ioc;
    auto out = open_connection(ioc, "unix:///nonexistent/duet-redis.sock");
    EXPECT_EQ(out.ec, redis::error::connect_failed);
    EXPECT_FALSE(out.detail.empty());
}

TEST(redis_connect, a_closed_port_fails_with_connect_failed) {
    asio::io_context ioc;
    // A port nothing listens on: bound (so no one else takes it) but never listening.
    tcp::socket holder(ioc, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    auto out = open_connection(ioc, "redis://127.0.0.1:" + std::to_string(holder.local_endpoint().port()));
    EXPECT_EQ(out.ec, redis::error::connect_failed);
    EXPECT_NE(out.detail.find("refused"), std::string::npos) << out.detail;
}

TEST(redis_connect, a_server_that_never_answers_times_out) {
    asio::io_context ioc;
    // The kernel completes the handshake into the backlog; nobody ever reads, so AUTH
    // never gets its answer.
    tcp::acceptor silent(ioc, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    redis::connection_options options;
    options.connect_timeout = 200ms;
    auto const started = std::chrono::steady_clock::now();
    auto out = open_connection(ioc, "redis://:pw@127.0.0.1:" + std::to_string(silent.local_endpoint().port()), options);
    auto const took = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(out.ec, redis::error::connect_timeout);
    EXPECT_GE(took, 200ms);
    EXPECT_FALSE(out.conn->ready());
}

TEST(redis_connect, close_while_connecting_reports_closed) {
    asio::io_context ioc;
    tcp::acceptor silent(ioc, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    auto parsed = redis::parse_address("redis://:pw@127.0.0.1:" + std::to_string(silent.local_endpoint().port()));
    auto conn = redis::connection::create(ioc.get_executor(), std::get<redis::address>(parsed));
    std::vector<error_code> reports;
    conn->connect([&](error_code ec, std::string const&) { reports.push_back(ec); });
    conn->close();
    ASSERT_TRUE(run_until(ioc, [&] { return !reports.empty(); }));
    ioc.poll();
    EXPECT_EQ(reports, std::vector<error_code>{redis::error::closed});
}

TEST(redis_connect, close_or_drop_while_resolving_reports_closed_once) {
    asio::io_context ioc;
    // A name, so that connect() starts with an asynchronous resolve; nothing listens.
    auto parsed = redis::parse_address("redis://localhost:1");
    std::vector<error_code> closed_reports;
    auto closed = redis::connection::create(ioc.get_executor(), std::get<redis::address>(parsed));
    closed->connect([&](error_code ec, std::string const&) { closed_reports.push_back(ec); });
    closed->close();
    std::vector<error_code> dropped_reports;
    auto dropped = redis::connection::create(ioc.get_executor(), std::get<redis::address>(parsed));
    dropped->connect([&](error_code ec, std::string const&) { dropped_reports.push_back(ec); });
    dropped.reset();
    ASSERT_TRUE(run_until(ioc, [&] { return !closed_reports.empty() && !dropped_reports.empty(); }));
    ioc.poll();
    EXPECT_EQ(closed_reports, std::vector<error_code>{redis::error::closed});
    EXPECT_EQ(dropped_reports, std::vector<error_code>{redis::error::closed});
}

}  // namespace
}  // namespace duet::testing
