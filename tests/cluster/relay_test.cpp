// Rule 5 across nodes (issue 13): 10,000 messages each way between the two members of a
// room, each on its own node, sent as fast as the rate limit allows (here: unlimited):
// every one arrives, complete, from the right member, in the order sent.
#include "cluster/cluster_scenario.hpp"

#include <gtest/gtest.h>

#include <array>
#include <iostream>
#include <thread>

namespace duet::testing {
namespace {

using std::chrono::steady_clock;

constexpr std::size_t messages_each_way = 10'000;

/// The n-th message's data: its number and a body that depends on it, so that a
/// message cut short, altered or swapped with another is seen.
json numbered(std::size_t n) {
    return {{"n", n}, {"body", "message " + std::to_string(n) + " " + std::string(64 + n % 61, 'x')}};
}

TEST(ClusterRelay, TenThousandMessagesEachWayBetweenTwoNodesArriveCompleteAndInOrder) {
    auto const cluster = start_cluster({"--rate-limit-per-second", "1000000", "--rate-limit-burst", "1000000"});
    client_loop loop;
    std::array<std::shared_ptr<async_client>, 2> member{connect(loop, *cluster, node(*cluster, 0)),
                                                        connect(loop, *cluster, node(*cluster, 1))};
    std::string const room = "relay";
    auto const first = join(*member[0], room);
    ASSERT_TRUE(first);
    auto const second = join(*member[1], room);
    ASSERT_TRUE(second);
    ASSERT_EQ(second->peers, 2) << "the members on nodes 0 and 1 are not in one room\n" << cluster->logs();
    ASSERT_TRUE(member[0]->expect("otherjoin"));
    std::array<std::string, 2> const id{first->id, second->id};

    auto const started = steady_clock::now();
    for (std::size_t n = 0; n < messages_each_way; ++n) {
        member[0]->send(message_request(room, numbered(n)), n);
        member[1]->send(message_request(room, numbered(n)), n);
    }
    // Each side reads its partner's messages as they come; 60 s bounds a relay that
    // loses one (a loaded 2-core machine needs a few seconds for all 20,000).
    auto const deadline = started + 60s;
    std::array<std::size_t, 2> received{0, 0};
    std::array<std::string, 2> first_fault;
    for (std::size_t side = 0; side < 2; ++side) {
        while (received[side] < messages_each_way && first_fault[side].empty()) {
            auto const message = member[side]->next(deadline);
            if (!message) {
                break;
            }
            auto const expected = numbered(received[side]);
            if (message->value("type", "") != "message" || message->value("from", "") != id[1 - side] ||
                (*message)["data"] != expected) {
                first_fault[side] = "message " + std::to_string(received[side]) + ": expected data " +
                                    expected.dump().substr(0, 80) + " from " + id[1 - side] + ", got " +
                                    message->dump().substr(0, 200);
                break;
            }
            ++received[side];
        }
    }
    auto const took = ms_since(started);
    // A write's completion may be recorded just after its message arrived.
    for (auto const& m : member) {
        auto const writes_deadline = steady_clock::now() + 10s;
        while (m->unfinished_writes() != 0 && steady_clock::now() < writes_deadline) {
            std::this_thread::sleep_for(5ms);  // polling the client loop's bookkeeping, bounded
        }
    }
    std::cout << "# " << received[1] << " messages node 0 -> node 1 and " << received[0]
              << " node 1 -> node 0 in " << took << " ms" << std::endl;
    for (std::size_t side = 0; side < 2; ++side) {
        EXPECT_EQ(member[side]->accepted_count(), messages_each_way + 1) << "member on node " << side << " (its join "
                                                                         << "and its messages)";
        EXPECT_EQ(received[side], messages_each_way)
            << "the member on node " << side << " received " << received[side] << " of its partner's messages"
            << (first_fault[side].empty() ? "" : "; then " + first_fault[side]);
        // Nothing else came (an error to the sender would say why a message is missing).
        auto const rest = member[side]->take_all();
        EXPECT_TRUE(rest.empty()) << "the member on node " << side << " also got " << rest.size()
                                  << " other messages, the first: " << (rest.empty() ? "" : rest.front().dump());
        auto const end = member[side]->ended();
        EXPECT_FALSE(end) << "member on node " << side << " was closed: " << end->code << " " << end->reason;
    }
    if (HasFailure()) {
        std::cout << cluster->logs();
    }
}

}  // namespace
}  // namespace duet::testing
