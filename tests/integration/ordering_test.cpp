// Rule 5 at volume: thousands of messages arrive complete and in order, and many rooms
// relaying at once never leak into each other.
#include "support/test_server.hpp"
#include "support/ws_client.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <thread>
#include <vector>

namespace duet::testing {
namespace {

config::settings& unlimited(config::settings& s) {
    s.rate_limit_per_second = 1e9;
    s.rate_limit_burst = 1e9;
    s.max_connections = 100000;
    return s;
}

TEST(Ordering, ThousandsOfMessagesArriveCompleteAndInOrderBothWays) {
    test_server server([](config::settings& s) { unlimited(s); });
    ws_client a(server.port()), b(server.port());
    a.join("bulk");
    b.join("bulk");
    a.expect("otherjoin");
    constexpr int count = 5000;
    // Interleave the two directions; each side checks the other's sequence.
    for (int i = 0; i < count; ++i) {
        a.send_json({{"type", "message"}, {"room", "bulk"}, {"data", {{"seq", i}, {"pad", std::string(static_cast<std::size_t>(i % 300), 'a')}}}});
        b.send_json({{"type", "message"}, {"room", "bulk"}, {"data", {{"seq", i}, {"from", "b"}}}});
    }
    for (int i = 0; i < count; ++i) {
        auto m = b.expect("message");
        ASSERT_EQ(m["data"]["seq"], i);
        ASSERT_EQ(m["data"]["pad"], std::string(static_cast<std::size_t>(i % 300), 'a'));
    }
    for (int i = 0; i < count; ++i) {
        ASSERT_EQ(a.expect("message")["data"]["seq"], i);
    }
    EXPECT_TRUE(a.nothing_within(50ms));
    EXPECT_TRUE(b.nothing_within(10ms));
}

TEST(Ordering, TwoHundredRoomsInParallelNeverLeakAcrossRooms) {
    test_server server([](config::settings& s) { unlimited(s); });
    constexpr int rooms = 200;
    constexpr int per_room = 20;
    std::vector<std::unique_ptr<ws_client>> first, second;
    for (int r = 0; r < rooms; ++r) {
        first.push_back(std::make_unique<ws_client>(server.port()));
        second.push_back(std::make_unique<ws_client>(server.port()));
        first.back()->join("room-" + std::to_string(r));
        second.back()->join("room-" + std::to_string(r));
        first.back()->expect("otherjoin");
    }
    if (!server.clustered()) {  // a cluster node counts the rooms it has members in
        EXPECT_EQ(server.server().gauges().rooms, static_cast<std::size_t>(rooms));
    }
    // Everyone sends before anyone reads, so relays of all rooms are in flight at once.
    for (int i = 0; i < per_room; ++i) {
        for (int r = 0; r < rooms; ++r) {
            auto const room = "room-" + std::to_string(r);
            first[static_cast<std::size_t>(r)]->send_json({{"type", "message"}, {"room", room}, {"data", {{"room", r}, {"seq", i}}}});
            second[static_cast<std::size_t>(r)]->send_json({{"type", "message"}, {"room", room}, {"data", {{"room", r}, {"seq", i}}}});
        }
    }
    for (int r = 0; r < rooms; ++r) {
        auto const room = "room-" + std::to_string(r);
        for (auto* client : {first[static_cast<std::size_t>(r)].get(), second[static_cast<std::size_t>(r)].get()}) {
            for (int i = 0; i < per_room; ++i) {
                auto m = client->expect("message");
                ASSERT_EQ(m["room"], room);
                ASSERT_EQ(m["data"]["room"], r);
                ASSERT_EQ(m["data"]["seq"], i);
            }
        }
    }
    for (int r = 0; r < rooms; ++r) {
        EXPECT_TRUE(first[static_cast<std::size_t>(r)]->nothing_within(1ms));
        EXPECT_TRUE(second[static_cast<std::size_t>(r)]->nothing_within(1ms));
    }
}

TEST(Ordering, ConcurrentJoinsRaceForTheLastSeat) {
    test_server server([](config::settings& s) { unlimited(s); });
    for (int round = 0; round < 10; ++round) {
        std::string const room = "seat-" + std::to_string(round);
        ws_client holder(server.port());
        holder.join(room);
        // Eight clients on eight threads ask for the one free seat at the same moment.
        constexpr int racers = 8;
        std::vector<std::unique_ptr<ws_client>> clients;
        for (int i = 0; i < racers; ++i) {
            clients.push_back(std::make_unique<ws_client>(server.port()));
        }
        std::vector<std::string> answers(racers);
        std::vector<std::thread> threads;
        for (int i = 0; i < racers; ++i) {
            threads.emplace_back([&, i] {
                auto& c = *clients[static_cast<std::size_t>(i)];
                c.send_json({{"type", "join"}, {"room", room}});
                auto event = c.read(5s);
                if (auto* text = std::get_if<ws_text>(&event)) {
                    answers[static_cast<std::size_t>(i)] = json::parse(text->text).value("type", "");
                }
            });
        }
        for (auto& t : threads) {
            t.join();
        }
        EXPECT_EQ(std::count(answers.begin(), answers.end(), "joined"), 1);
        EXPECT_EQ(std::count(answers.begin(), answers.end(), "full"), racers - 1);
        holder.expect("otherjoin");
        EXPECT_TRUE(holder.nothing_within(20ms));
    }
}

}  // namespace
}  // namespace duet::testing
