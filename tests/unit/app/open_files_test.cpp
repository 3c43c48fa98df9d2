// app::fit_connections: the connection limits against the open-files limit.
#include <duet/app/open_files.hpp>

#include <gtest/gtest.h>

namespace duet::app {
namespace {

TEST(open_files, LimitsThatFitAreKept) {
    config::settings s;  // 10,000 + 1,000
    auto const b = fit_connections(s, 11'000 + descriptors_for_the_daemon);
    EXPECT_FALSE(b.fitted);
    EXPECT_EQ(b.max_connections, 10'000u);
    EXPECT_EQ(b.max_http_connections, 1'000u);
}

TEST(open_files, SystemdsDefaultSoftLimitIsFittedLeavingRoomForHttp) {
    config::settings s;
    auto const b = fit_connections(s, 1024);
    EXPECT_TRUE(b.fitted);
    auto const available = 1024 - descriptors_for_the_daemon;
    EXPECT_EQ(b.max_http_connections, available / 8);
    EXPECT_EQ(b.max_connections + b.max_http_connections, available);
}

TEST(open_files, ASmallHttpLimitIsKeptAndWebSocketsTakeTheRest) {
    config::settings s;
    s.max_http_connections = 10;
    auto const b = fit_connections(s, 1024);
    EXPECT_TRUE(b.fitted);
    EXPECT_EQ(b.max_http_connections, 10u);
    EXPECT_EQ(b.max_connections, 1024 - descriptors_for_the_daemon - 10);
}

TEST(open_files, ATinyLimitStillLeavesOneOfEach) {
    config::settings s;
    auto const b = fit_connections(s, 10);
    EXPECT_TRUE(b.fitted);
    EXPECT_GE(b.max_connections, 1u);
    EXPECT_GE(b.max_http_connections, 1u);
}

}  // namespace
}  // namespace duet::app
