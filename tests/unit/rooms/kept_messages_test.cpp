// rooms::kept_messages: what waits for a held seat (rule 12). Messages count toward the
// byte limit and one past it is refused whole; room events are kept regardless; order is
// the order of arrival, across both.
#include <duet/rooms/kept_messages.hpp>

#include <gtest/gtest.h>

#include <deque>
#include <string>

namespace duet::rooms {
namespace {

using kept = std::deque<std::string>;

TEST(kept_messages, KeepsMessagesUpToTheLimitExactly) {
    kept_messages k(10);
    EXPECT_TRUE(k.keep_message("12345"));
    EXPECT_TRUE(k.keep_message("67890"));  // exactly at the limit
    EXPECT_EQ(k.message_bytes(), 10U);
    EXPECT_FALSE(k.keep_message("x"));
    EXPECT_EQ(k.message_bytes(), 10U);
    EXPECT_EQ(k.take(), (kept{"12345", "67890"}));
}

TEST(kept_messages, AMessageTooBigIsRefusedWholeAndSmallerOnesStillFit) {
    kept_messages k(10);
    EXPECT_TRUE(k.keep_message("1234"));
    EXPECT_FALSE(k.keep_message("1234567"));
    EXPECT_TRUE(k.keep_message("123456"));
    EXPECT_EQ(k.take(), (kept{"1234", "123456"}));
}

TEST(kept_messages, EventsAreKeptInOrderAndNotCounted) {
    kept_messages k(4);
    k.keep_event("peerdown");
    EXPECT_TRUE(k.keep_message("abcd"));
    k.keep_event("bye");
    EXPECT_FALSE(k.keep_message("e"));
    EXPECT_EQ(k.message_bytes(), 4U);
    EXPECT_EQ(k.take(), (kept{"peerdown", "abcd", "bye"}));
}

TEST(kept_messages, TakeEmptiesTheKeepAndFreesItsBytes) {
    kept_messages k(4);
    EXPECT_TRUE(k.empty());
    EXPECT_TRUE(k.keep_message("abcd"));
    EXPECT_FALSE(k.empty());
    EXPECT_EQ(k.take(), kept{"abcd"});
    EXPECT_TRUE(k.empty());
    EXPECT_EQ(k.message_bytes(), 0U);
    EXPECT_TRUE(k.keep_message("wxyz"));
}

}  // namespace
}  // namespace duet::rooms
