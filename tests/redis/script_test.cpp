#include "redis/event_loop.hpp"
#include "support/redis_server.hpp"

#include <duet/digest/hex_digest.hpp>
#include <duet/redis/script.hpp>

#include <gtest/gtest.h>

namespace duet::testing {
namespace {

using redis::reply;

TEST(redis_script, sha1_of_known_inputs) {
    EXPECT_EQ(digest::sha1_hex(""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    EXPECT_EQ(digest::sha1_hex("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
    EXPECT_EQ(redis::script("return 1").sha1(), digest::sha1_hex("return 1"));
}

class redis_script_run : public ::testing::Test {
protected:
    void SetUp() override {
        auto out = open_connection(ioc_, server_.unix_url());
        ASSERT_FALSE(out.ec) << out.detail;
        conn_ = out.conn;
    }

    redis::command_result run(redis::script const& s, std::vector<std::string> keys, std::vector<std::string> args) {
        std::optional<redis::command_result> result;
        int calls = 0;
        s.run(conn_, std::move(keys), std::move(args), [&](redis::command_result r) {
            ++calls;
            result = std::move(r);
        });
        if (!run_until(ioc_, [&] { return result.has_value(); })) return error_code(asio::error::timed_out);
        ioc_.poll();
        EXPECT_EQ(calls, 1);
        return std::move(*result);
    }

    std::int64_t script_count(redis::script const& s) {
        auto exists = call(ioc_, *conn_, {"SCRIPT", "EXISTS", s.sha1()});
        return exists && !exists->elements().empty() ? exists->elements()[0].as_integer() : -1;
    }

    redis_server server_;
    asio::io_context ioc_;
    std::shared_ptr<redis::connection> conn_;
};

TEST_F(redis_script_run, our_sha1_is_the_servers) {
    redis::script s("return 'same name'");
    auto loaded = call(ioc_, *conn_, {"SCRIPT", "LOAD", s.source()});
    ASSERT_TRUE(loaded);
    EXPECT_EQ(*loaded, reply::string(s.sha1()));
}

TEST_F(redis_script_run, an_unknown_script_is_sent_once_and_then_run_by_sha) {
    redis::script s("redis.call('SET', KEYS[1], ARGV[1]); return {KEYS[1], redis.call('GET', KEYS[1]), #ARGV}");
    EXPECT_EQ(script_count(s), 0);
    std::string const binary("v\0w", 3);
    auto first = run(s, {"script:k"}, {binary, "two"});
    ASSERT_TRUE(first);
    EXPECT_EQ(*first, reply::array({reply::string("script:k"), reply::string(binary), reply::integer(2)}));
    EXPECT_EQ(script_count(s), 1) << "EVAL should have loaded it";
    auto second = run(s, {"script:k"}, {"x"});
    ASSERT_TRUE(second);
    EXPECT_EQ(*second, reply::array({reply::string("script:k"), reply::string("x"), reply::integer(1)}));
}

TEST_F(redis_script_run, after_script_flush_it_runs_again_without_noscript) {
    redis::script s("return redis.call('INCR', KEYS[1])");
    EXPECT_EQ(*run(s, {"flushed"}, {}), reply::integer(1));
    EXPECT_EQ(*call(ioc_, *conn_, {"SCRIPT", "FLUSH"}), reply::status("OK"));
    EXPECT_EQ(script_count(s), 0);
    auto after = run(s, {"flushed"}, {});
    ASSERT_TRUE(after);
    EXPECT_EQ(*after, reply::integer(2));
    EXPECT_EQ(script_count(s), 1);
}

TEST_F(redis_script_run, a_script_error_is_an_error_reply) {
    redis::script s("return redis.error_reply('DUET no seat')");
    auto out = run(s, {}, {});
    ASSERT_TRUE(out);
    EXPECT_TRUE(out->is_error("DUET no seat")) << *out;
    redis::script broken("this is not lua");
    auto compile = run(broken, {}, {});
    ASSERT_TRUE(compile);
    EXPECT_TRUE(compile->is_error("ERR")) << *compile;
}

TEST_F(redis_script_run, on_a_closed_connection_the_handler_gets_the_error) {
    conn_->close();
    redis::script s("return 1");
    auto out = run(s, {}, {});
    EXPECT_EQ(out.error(), redis::error::not_connected);
}

}  // namespace
}  // namespace duet::testing
