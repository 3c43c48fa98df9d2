// net::admission: a fixed number of slots, each given back when its holder goes away.
#include <duet/net/admission.hpp>

#include <gtest/gtest.h>

#include <optional>
#include <utility>
#include <vector>

namespace duet::net {
namespace {

TEST(admission, GivesUpToTheLimitThenRefuses) {
    admission places(3);
    EXPECT_EQ(places.limit(), 3U);
    EXPECT_EQ(places.in_use(), 0U);
    std::vector<admission::slot> held;
    for (int i = 0; i < 3; ++i) {
        auto slot = places.try_acquire();
        ASSERT_TRUE(slot.has_value()) << i;
        held.push_back(std::move(*slot));
    }
    EXPECT_EQ(places.in_use(), 3U);
    EXPECT_FALSE(places.try_acquire().has_value());
    EXPECT_FALSE(places.try_acquire().has_value());
    EXPECT_EQ(places.in_use(), 3U);  // refusals take nothing
}

TEST(admission, ALimitOfZeroRefusesEverything) {
    admission places(0);
    EXPECT_FALSE(places.try_acquire().has_value());
    EXPECT_EQ(places.in_use(), 0U);
}

TEST(admission, ADestroyedSlotGivesItsPlaceBack) {
    admission places(1);
    {
        auto slot = places.try_acquire();
        ASSERT_TRUE(slot.has_value());
        EXPECT_FALSE(places.try_acquire().has_value());
    }
    EXPECT_EQ(places.in_use(), 0U);
    auto again = places.try_acquire();
    EXPECT_TRUE(again.has_value());
    EXPECT_EQ(places.in_use(), 1U);
    again.reset();
    EXPECT_EQ(places.in_use(), 0U);
}

TEST(admission, AMovedSlotIsGivenBackOnceByItsNewHolder) {
    admission places(2);
    auto first = places.try_acquire();
    ASSERT_TRUE(first.has_value());
    std::optional<admission::slot> moved;
    {
        admission::slot taken(std::move(*first));
        EXPECT_EQ(places.in_use(), 1U);
        first.reset();  // the moved-from slot holds nothing
        EXPECT_EQ(places.in_use(), 1U);
        moved.emplace(std::move(taken));
        EXPECT_EQ(places.in_use(), 1U);
    }  // `taken`, moved from, goes: nothing given back
    EXPECT_EQ(places.in_use(), 1U);
    moved.reset();
    EXPECT_EQ(places.in_use(), 0U);
}

TEST(admission, MoveAssignmentGivesBackThePlaceItHeld) {
    admission places(2);
    auto a = places.try_acquire();
    auto b = places.try_acquire();
    ASSERT_TRUE(a.has_value());
    ASSERT_TRUE(b.has_value());
    EXPECT_EQ(places.in_use(), 2U);
    *a = std::move(*b);  // a's own place is given back; it now holds b's
    EXPECT_EQ(places.in_use(), 1U);
    b.reset();
    EXPECT_EQ(places.in_use(), 1U);
    a.reset();
    EXPECT_EQ(places.in_use(), 0U);
}

TEST(admission, SelfMoveAssignmentKeepsThePlace) {
    admission places(1);
    auto a = places.try_acquire();
    ASSERT_TRUE(a.has_value());
    auto& same = *a;
    *a = std::move(same);
    EXPECT_EQ(places.in_use(), 1U);
    a.reset();
    EXPECT_EQ(places.in_use(), 0U);
}

TEST(admission, MoveAssignmentIntoAMovedFromSlot) {
    admission places(2);
    auto a = places.try_acquire();
    auto b = places.try_acquire();
    ASSERT_TRUE(a.has_value());
    ASSERT_TRUE(b.has_value());
    admission::slot keeper(std::move(*a));  // *a now holds nothing
    *a = std::move(*b);
    EXPECT_EQ(places.in_use(), 2U);
    a.reset();
    EXPECT_EQ(places.in_use(), 1U);
    b.reset();
    EXPECT_EQ(places.in_use(), 1U);
}

TEST(admission, SeparateAdmissionsAreIndependent) {
    admission websockets(1);
    admission http(1);
    auto ws = websockets.try_acquire();
    ASSERT_TRUE(ws.has_value());
    EXPECT_TRUE(http.try_acquire().has_value());
    EXPECT_EQ(http.in_use(), 0U);  // that slot was a temporary, already given back
    EXPECT_EQ(websockets.in_use(), 1U);
}

}  // namespace
}  // namespace duet::net
