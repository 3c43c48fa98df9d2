#include <duet/redis/reconnect_delay.hpp>

#include <gtest/gtest.h>

namespace duet::redis {
namespace {

TEST(redis_reconnect_delay, doubles_up_to_the_ceiling_and_resets) {
    using std::chrono::milliseconds;
    reconnect_delay delay(milliseconds(100), milliseconds(500));
    EXPECT_EQ(delay.next(), milliseconds(100));
    EXPECT_EQ(delay.next(), milliseconds(200));
    EXPECT_EQ(delay.next(), milliseconds(400));
    EXPECT_EQ(delay.next(), milliseconds(500));
    EXPECT_EQ(delay.next(), milliseconds(500));
    delay.reset();
    EXPECT_EQ(delay.next(), milliseconds(100));
}

}  // namespace
}  // namespace duet::redis
