// The cluster as its clients see it (issue 13): the protocol's basic rules with the
// members of a room on different nodes, and two joins racing for the last seat on two
// nodes. Also the harness itself: nginx spreads connections over the nodes and skips a
// dead one, and a node comes back on its port.
#include "cluster/cluster_scenario.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <csignal>
#include <iostream>
#include <thread>
#include <sys/wait.h>

namespace duet::testing {
namespace {

using std::chrono::steady_clock;

/// Each node's `connections` in /healthz (-1 when it does not answer).
std::vector<long> connections_per_node(cluster_nodes const& cluster) {
    std::vector<long> counts;
    for (std::size_t i = 0; i < cluster.size(); ++i) {
        auto const answer = cluster.healthz(i);
        auto const body = json::parse(answer.body, nullptr, false);
        counts.push_back(answer.status == 200 && body.is_object() ? body.value("connections", -1L) : -1L);
    }
    return counts;
}

std::string describe(std::vector<long> const& counts) {
    std::string out;
    for (std::size_t i = 0; i < counts.size(); ++i) {
        out += (i ? ", " : "") + ("node " + std::to_string(i) + ": " + std::to_string(counts[i]));
    }
    return out;
}

/// Polls every node's /healthz until each holds `expected` WebSockets, within 10 s.
::testing::AssertionResult each_node_holds(cluster_nodes const& cluster, long expected) {
    auto const deadline = steady_clock::now() + 10s;
    std::vector<long> counts;
    do {
        counts = connections_per_node(cluster);
        if (std::all_of(counts.begin(), counts.end(), [&](long c) { return c == expected; })) {
            return ::testing::AssertionSuccess();
        }
        std::this_thread::sleep_for(20ms);  // polling the nodes' gauges, bounded
    } while (steady_clock::now() < deadline);
    return ::testing::AssertionFailure() << "expected " << expected << " WebSockets on each node, have "
                                         << describe(counts);
}

TEST(ClusterHarness, NginxSpreadsConnectionsRoundRobinOverTheNodes) {
    auto const cluster = start_cluster();
    client_loop loop;
    std::vector<std::shared_ptr<async_client>> clients;
    for (std::size_t i = 0; i < 2 * cluster->size(); ++i) {
        clients.push_back(connect(loop, *cluster, cluster->front_port()));
    }
    EXPECT_TRUE(each_node_holds(*cluster, 2)) << cluster->logs();
}

TEST(ClusterHarness, NginxSkipsAKilledNodeAndTheNodeComesBackOnItsPort) {
    auto const cluster = start_cluster();
    if (cluster->size() < 2) {
        GTEST_SKIP() << "needs two nodes";
    }
    auto const port = cluster->node_port(1);
    cluster->signal(1, SIGKILL);
    auto const status = cluster->wait_exit(1, steady_clock::now() + 10s);
    ASSERT_TRUE(status.has_value()) << "node 1 outlived SIGKILL";
    EXPECT_TRUE(WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL);
    EXPECT_EQ(cluster->healthz(1).status, 0);

    // Every connection through nginx reaches a live node: a refused connect moves on.
    client_loop loop;
    std::vector<std::shared_ptr<async_client>> clients;
    for (std::size_t i = 0; i < 3 * cluster->size(); ++i) {
        auto client = connect(loop, *cluster, cluster->front_port());
        client->send({{"type", "ping"}});
        ASSERT_TRUE(client->expect("pong")) << "connection " << i << " through nginx\n" << cluster->logs();
        clients.push_back(std::move(client));
    }

    cluster->start(1);
    EXPECT_EQ(cluster->node_port(1), port);
    EXPECT_EQ(cluster->healthz(1).status, 200);
    // Back in nginx's rotation (max_fails=0: nginx never took it out).
    auto const deadline = steady_clock::now() + 15s;
    while (connections_per_node(*cluster)[1] < 1 && steady_clock::now() < deadline) {
        clients.push_back(connect(loop, *cluster, cluster->front_port()));
        std::this_thread::sleep_for(100ms);  // one new connection per poll, bounded
    }
    EXPECT_GE(connections_per_node(*cluster)[1], 1) << "nginx never sent a connection to the restarted node\n"
                                                    << cluster->logs();
}

// Rules 1, 3, 4, 6, 13 with each member on its own node.
TEST(ClusterProtocol, MembersOnTwoNodesShareARoomRelayAndAThirdNodeSeesItFull) {
    auto const cluster = start_cluster();
    client_loop loop;
    auto a = connect(loop, *cluster, node(*cluster, 0));
    auto b = connect(loop, *cluster, node(*cluster, 1));
    auto c = connect(loop, *cluster, node(*cluster, 2));
    std::string const room = "basics";

    auto const first = join(*a, room);
    ASSERT_TRUE(first);
    EXPECT_EQ(first->peers, 1);
    EXPECT_EQ(first->role, "impolite");

    auto const second = join(*b, room);
    ASSERT_TRUE(second);
    EXPECT_NE(second->id, first->id);
    EXPECT_EQ(second->peers, 2) << "the join on node 1 does not count the member seated through node 0";
    EXPECT_EQ(second->role, "polite");
    auto const other = a->expect("otherjoin");
    ASSERT_TRUE(other) << "the member on node 0 was not told of the join on node 1\n" << cluster->logs();
    EXPECT_EQ(other->value("room", ""), room);
    EXPECT_EQ(other->value("id", ""), second->id);

    a->send(message_request(room, {{"offer", "from a"}}));
    auto const to_b = b->expect("message");
    ASSERT_TRUE(to_b);
    EXPECT_EQ(to_b->value("from", ""), first->id);
    EXPECT_EQ((*to_b)["data"], (json{{"offer", "from a"}}));
    b->send(message_request(room, {{"answer", "from b"}}));
    auto const to_a = a->expect("message");
    ASSERT_TRUE(to_a);
    EXPECT_EQ(to_a->value("from", ""), second->id);
    EXPECT_EQ((*to_a)["data"], (json{{"answer", "from b"}}));

    c->send(join_request(room));
    auto const full = c->expect("full");
    ASSERT_TRUE(full) << "a third member on node 2 got into a room of two";
    EXPECT_EQ(full->value("room", ""), room);

    b->send(leave_request(room));
    auto const leaved = b->expect("leaved");
    ASSERT_TRUE(leaved);
    EXPECT_EQ(leaved->value("id", ""), second->id);
    auto const bye = a->expect("bye");
    ASSERT_TRUE(bye);
    EXPECT_EQ(bye->value("id", ""), second->id);
    // Nobody heard anything else.
    EXPECT_TRUE(a->take_all().empty());
    EXPECT_TRUE(c->take_all().empty());
}

// Rule 1 across nodes: a room with one member seated (through node 2), then two joins
// for its last seat written at once on nodes 0 and 1. Exactly one may get in.
TEST(ClusterRace, TwoJoinsOnTwoNodesForTheLastSeatHaveExactlyOneWinner) {
    constexpr int rounds = 1000;
    constexpr int bad_rounds_shown = 5;  // then stop: one bad round already fails the test
    auto const cluster = start_cluster({"--rate-limit-per-second", "1000000", "--rate-limit-burst", "1000000"});
    client_loop loop;
    auto seated = connect(loop, *cluster, node(*cluster, 2));
    std::array<std::shared_ptr<async_client>, 2> racer{connect(loop, *cluster, node(*cluster, 0)),
                                                       connect(loop, *cluster, node(*cluster, 1))};
    std::vector<std::string> bad;
    auto const started = steady_clock::now();
    int round = 0;
    for (; round < rounds && static_cast<int>(bad.size()) < bad_rounds_shown; ++round) {
        auto const room = "race-" + std::to_string(round);
        auto const held = join(*seated, room);
        ASSERT_TRUE(held) << "round " << round;
        ASSERT_EQ(held->peers, 1) << "round " << round;
        // Both frames are written before either answer is read; who writes first
        // alternates.
        auto const first = static_cast<std::size_t>(round % 2);
        racer[first]->send(join_request(room));
        racer[1 - first]->send(join_request(room));
        std::array<std::optional<json>, 2> answer{join_answer(*racer[0]), join_answer(*racer[1])};
        ASSERT_TRUE(answer[0] && answer[1]) << "round " << round << "\n" << cluster->logs();
        std::vector<std::size_t> winners;
        for (std::size_t i = 0; i < 2; ++i) {
            auto const type = answer[i]->value("type", "");
            ASSERT_TRUE(type == "joined" || type == "full")
                << "round " << round << ": racer on node " << i << " got " << answer[i]->dump();
            if (type == "joined") {
                winners.push_back(i);
            }
        }
        if (winners.size() == 1) {
            auto const winner_id = (*answer[winners[0]]).value("id", "");
            auto const told = seated->expect("otherjoin");
            ASSERT_TRUE(told) << "round " << round;
            EXPECT_EQ(told->value("id", ""), winner_id) << "round " << round;
            EXPECT_EQ((*answer[winners[0]]).value("peers", 0), 2) << "round " << round;
            racer[winners[0]]->send(leave_request(room));
            ASSERT_TRUE(racer[winners[0]]->expect("leaved")) << "round " << round;
            ASSERT_TRUE(seated->expect("bye")) << "round " << round;
        } else {
            std::string what = "round " + std::to_string(round) + " (room " + room + "): ";
            for (std::size_t i = 0; i < 2; ++i) {
                what += "racer on node " + std::to_string(i) + " got " + answer[i]->dump() + "; ";
            }
            bad.push_back(what + (winners.empty() ? "no winner" : "two winners"));
            for (auto const i : winners) {
                racer[i]->send(leave_request(room));
                ASSERT_TRUE(await(*racer[i], "leaved", 5s)) << "round " << round;
            }
        }
        seated->send(leave_request(room));
        ASSERT_TRUE(await(*seated, "leaved", 5s)) << "round " << round;
    }
    auto const took = ms_since(started);
    std::cout << "# " << round << " rounds in " << took << " ms, " << bad.size() << " bad" << std::endl;
    EXPECT_EQ(round, rounds) << "stopped after " << bad_rounds_shown << " bad rounds";
    for (auto const& what : bad) {
        ADD_FAILURE() << what;
    }
    EXPECT_LT(took, 60'000) << "1,000 rounds should take well under a minute";
}

}  // namespace
}  // namespace duet::testing
