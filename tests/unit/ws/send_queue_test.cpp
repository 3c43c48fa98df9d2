#include <duet/ws/send_queue.hpp>

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace duet::ws {
namespace {

rooms::shared_frame frame(std::string text) {
    return std::make_shared<std::string const>(std::move(text));
}

/// Pops every frame, returning their texts in order.
std::vector<std::string> drain(send_queue& q) {
    std::vector<std::string> out;
    while (!q.empty()) {
        out.push_back(*q.front());
        q.pop_front();
    }
    return out;
}

TEST(send_queue, StartsEmpty) {
    send_queue q(100);
    EXPECT_TRUE(q.empty());
    EXPECT_EQ(q.size(), 0U);
    EXPECT_EQ(q.bytes(), 0U);
}

TEST(send_queue, IsFifo) {
    send_queue q(1000);
    for (auto const* text : {"one", "two", "three", "four", "five"}) {
        ASSERT_EQ(q.push(frame(text)), send_queue::push_result::ok);
    }
    EXPECT_EQ(q.size(), 5U);
    EXPECT_EQ(drain(q), (std::vector<std::string>{"one", "two", "three", "four", "five"}));
    EXPECT_TRUE(q.empty());
}

TEST(send_queue, CountsBytesNotMessages) {
    send_queue q(1000);
    q.push(frame("abc"));
    EXPECT_EQ(q.bytes(), 3U);
    q.push(frame(std::string(100, 'x')));
    EXPECT_EQ(q.bytes(), 103U);
    q.push(frame(""));
    EXPECT_EQ(q.bytes(), 103U);
    EXPECT_EQ(q.size(), 3U);
    q.pop_front();
    EXPECT_EQ(q.bytes(), 100U);
    EXPECT_EQ(q.size(), 2U);
    q.pop_front();
    EXPECT_EQ(q.bytes(), 0U);
    q.pop_front();
    EXPECT_TRUE(q.empty());
    EXPECT_EQ(q.bytes(), 0U);
}

TEST(send_queue, PopFrontRemovesTheOldest) {
    send_queue q(100);
    q.push(frame("first"));
    q.push(frame("second"));
    EXPECT_EQ(*q.front(), "first");
    q.pop_front();
    EXPECT_EQ(*q.front(), "second");
    EXPECT_EQ(q.size(), 1U);
    EXPECT_EQ(q.bytes(), 6U);
}

TEST(send_queue, OverLimitRefusesAndKeepsNothing) {
    send_queue q(10);
    ASSERT_EQ(q.push(frame("12345678")), send_queue::push_result::ok);
    EXPECT_EQ(q.push(frame("123")), send_queue::push_result::over_limit);
    EXPECT_EQ(q.size(), 1U);
    EXPECT_EQ(q.bytes(), 8U);
    EXPECT_EQ(drain(q), (std::vector<std::string>{"12345678"}));
}

TEST(send_queue, ExactlyAtTheLimitIsOk) {
    send_queue q(10);
    EXPECT_EQ(q.push(frame("123456")), send_queue::push_result::ok);
    EXPECT_EQ(q.push(frame("7890")), send_queue::push_result::ok);
    EXPECT_EQ(q.bytes(), 10U);
    EXPECT_EQ(q.push(frame("")), send_queue::push_result::ok);
    EXPECT_EQ(q.push(frame("x")), send_queue::push_result::over_limit);
    EXPECT_EQ(q.size(), 3U);
    EXPECT_EQ(q.bytes(), 10U);
}

TEST(send_queue, OneFrameLargerThanTheLimitIsRefusedEvenWhenEmpty) {
    send_queue q(10);
    EXPECT_EQ(q.push(frame(std::string(11, 'x'))), send_queue::push_result::over_limit);
    EXPECT_TRUE(q.empty());
    EXPECT_EQ(q.bytes(), 0U);
    EXPECT_EQ(q.push(frame(std::string(10, 'x'))), send_queue::push_result::ok);
}

TEST(send_queue, RoomFreedByPopIsUsableAgain) {
    send_queue q(10);
    q.push(frame("12345"));
    q.push(frame("67890"));
    ASSERT_EQ(q.push(frame("a")), send_queue::push_result::over_limit);
    q.pop_front();
    EXPECT_EQ(q.push(frame("abcde")), send_queue::push_result::ok);
    EXPECT_EQ(drain(q), (std::vector<std::string>{"67890", "abcde"}));
}

TEST(send_queue, DropPendingKeepsOnlyTheFront) {
    send_queue q(100);
    q.push(frame("front"));
    q.push(frame("b"));
    q.push(frame("cc"));
    q.drop_pending();
    EXPECT_EQ(q.size(), 1U);
    EXPECT_EQ(q.bytes(), 5U);
    EXPECT_EQ(drain(q), (std::vector<std::string>{"front"}));
}

TEST(send_queue, DropPendingOnOneOrNoFrame) {
    send_queue q(100);
    q.drop_pending();
    EXPECT_TRUE(q.empty());
    EXPECT_EQ(q.bytes(), 0U);
    q.push(frame("only"));
    q.drop_pending();
    EXPECT_EQ(q.size(), 1U);
    EXPECT_EQ(q.bytes(), 4U);
    EXPECT_EQ(*q.front(), "only");
}

TEST(send_queue, SharesTheFrameItWasGiven) {
    send_queue q(100);
    auto const shared = frame("shared");
    q.push(shared);
    EXPECT_EQ(q.front().get(), shared.get());
}

}  // namespace
}  // namespace duet::ws
