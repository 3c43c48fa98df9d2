// net::session_tracker: the shutdown sequence's view of the live sessions (rule 11).
#include <duet/net/session_tracker.hpp>

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <utility>
#include <vector>

namespace duet::net {
namespace {

/// A session that counts how often it is asked to close and runs `on_shut_down` (if
/// set) when asked.
class counting_session final : public closable {
public:
    void shut_down() override {
        ++asked;
        if (on_shut_down) {
            on_shut_down();
        }
    }

    int asked = 0;
    std::function<void()> on_shut_down;
};

/// A session that, like the real ones, removes itself from the tracker when it ends.
class self_removing_session final : public closable {
public:
    explicit self_removing_session(session_tracker& tracker) : tracker_(tracker) {}
    ~self_removing_session() override { tracker_.remove(key); }
    void shut_down() override {
        if (on_shut_down) {
            on_shut_down();
        }
    }

    session_tracker::key key = 0;
    std::function<void()> on_shut_down;

private:
    session_tracker& tracker_;
};

TEST(session_tracker, AddGivesDistinctKeysAndRemoveForgets) {
    session_tracker tracker;
    auto a = std::make_shared<counting_session>();
    auto b = std::make_shared<counting_session>();
    auto const ka = tracker.add(a);
    auto const kb = tracker.add(b);
    EXPECT_NE(ka, kb);
    EXPECT_EQ(tracker.size(), 2U);
    tracker.remove(ka);
    EXPECT_EQ(tracker.size(), 1U);
    tracker.remove(ka);  // twice: nothing
    tracker.remove(kb + 1000);  // unknown: nothing
    EXPECT_EQ(tracker.size(), 1U);
    EXPECT_FALSE(tracker.shutting_down());
    EXPECT_EQ(a->asked, 0);
    EXPECT_EQ(b->asked, 0);
}

TEST(session_tracker, ShutDownAllAsksEveryLiveSessionOnce) {
    session_tracker tracker;
    std::vector<std::shared_ptr<counting_session>> sessions;
    std::vector<session_tracker::key> keys;
    for (int i = 0; i < 5; ++i) {
        sessions.push_back(std::make_shared<counting_session>());
        keys.push_back(tracker.add(sessions.back()));
    }
    int empty_calls = 0;
    tracker.shut_down_all([&] { ++empty_calls; });
    EXPECT_TRUE(tracker.shutting_down());
    for (auto const& s : sessions) {
        EXPECT_EQ(s->asked, 1);
    }
    // on_empty waits for the last session to go, and runs once.
    EXPECT_EQ(empty_calls, 0);
    for (std::size_t i = 0; i + 1 < keys.size(); ++i) {
        tracker.remove(keys[i]);
        EXPECT_EQ(empty_calls, 0) << i;
    }
    tracker.remove(keys.back());
    EXPECT_EQ(empty_calls, 1);
    tracker.remove(keys.back());
    EXPECT_EQ(empty_calls, 1);
    for (auto const& s : sessions) {
        EXPECT_EQ(s->asked, 1);
    }
}

TEST(session_tracker, OnEmptyRunsAtOnceWhenThereIsNoSession) {
    session_tracker tracker;
    int empty_calls = 0;
    tracker.shut_down_all([&] { ++empty_calls; });
    EXPECT_EQ(empty_calls, 1);
    EXPECT_TRUE(tracker.shutting_down());
    // A late session is asked to close, and its removal does not run on_empty again.
    auto late = std::make_shared<counting_session>();
    auto const k = tracker.add(late);
    EXPECT_EQ(late->asked, 1);
    tracker.remove(k);
    EXPECT_EQ(empty_calls, 1);
}

TEST(session_tracker, OnEmptyRunsAtOnceWhenEverySessionWasRemovedBefore) {
    session_tracker tracker;
    auto a = std::make_shared<counting_session>();
    tracker.remove(tracker.add(a));
    int empty_calls = 0;
    tracker.shut_down_all([&] { ++empty_calls; });
    EXPECT_EQ(empty_calls, 1);
    EXPECT_EQ(a->asked, 0);
}

TEST(session_tracker, ASessionAddedAfterShutDownAllIsAskedAtOnce) {
    session_tracker tracker;
    auto early = std::make_shared<counting_session>();
    auto const k_early = tracker.add(early);
    int empty_calls = 0;
    tracker.shut_down_all([&] { ++empty_calls; });
    EXPECT_EQ(early->asked, 1);

    // A handshake that was still in progress when shutdown began.
    auto late = std::make_shared<counting_session>();
    auto const k_late = tracker.add(late);
    EXPECT_EQ(late->asked, 1);
    EXPECT_EQ(early->asked, 1);  // not asked again
    EXPECT_EQ(tracker.size(), 2U);

    // The late one counts: on_empty only when both are gone.
    tracker.remove(k_early);
    EXPECT_EQ(empty_calls, 0);
    tracker.remove(k_late);
    EXPECT_EQ(empty_calls, 1);
}

TEST(session_tracker, SessionsAddedBeforeShutDownAreNotAskedEarly) {
    session_tracker tracker;
    auto a = std::make_shared<counting_session>();
    tracker.add(a);
    EXPECT_EQ(a->asked, 0);
}

TEST(session_tracker, ExpiredSessionsAreSkipped) {
    session_tracker tracker;
    auto live = std::make_shared<counting_session>();
    auto gone = std::make_shared<counting_session>();
    int gone_asked = 0;
    gone->on_shut_down = [&] { ++gone_asked; };
    auto const k_live = tracker.add(live);
    auto const k_gone = tracker.add(gone);
    gone.reset();  // ended, not yet removed
    int empty_calls = 0;
    tracker.shut_down_all([&] { ++empty_calls; });
    EXPECT_EQ(live->asked, 1);
    EXPECT_EQ(gone_asked, 0);
    tracker.remove(k_gone);
    tracker.remove(k_live);
    EXPECT_EQ(empty_calls, 1);

    // An expired session added late is not asked either.
    auto late = std::make_shared<counting_session>();
    int late_asked = 0;
    late->on_shut_down = [&] { ++late_asked; };
    std::weak_ptr<closable> const expired = late;
    late.reset();
    tracker.remove(tracker.add(expired));
    EXPECT_EQ(late_asked, 0);
    EXPECT_EQ(empty_calls, 1);
}

TEST(session_tracker, ASessionThatEndsWhenAskedRemovesItselfAndOnEmptyRunsOnce) {
    session_tracker tracker;
    // Each session's only owner lets go when it is asked to close: it ends, and removes
    // itself, once shut_down() has returned and the tracker lets go too.
    auto a = std::make_shared<self_removing_session>(tracker);
    auto b = std::make_shared<self_removing_session>(tracker);
    a->key = tracker.add(a);
    b->key = tracker.add(b);
    EXPECT_NE(a->key, b->key);
    std::weak_ptr<self_removing_session> const watch_a = a;
    std::weak_ptr<self_removing_session> const watch_b = b;
    int asked = 0;
    a->on_shut_down = [&] {
        ++asked;
        a.reset();
    };
    b->on_shut_down = [&] {
        ++asked;
        b.reset();
    };
    int empty_calls = 0;
    tracker.shut_down_all([&] { ++empty_calls; });
    EXPECT_EQ(asked, 2);
    EXPECT_TRUE(watch_a.expired());
    EXPECT_TRUE(watch_b.expired());
    EXPECT_EQ(tracker.size(), 0U);
    EXPECT_EQ(empty_calls, 1);
}

}  // namespace
}  // namespace duet::net
