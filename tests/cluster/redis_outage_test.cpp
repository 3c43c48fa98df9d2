// The cluster store goes away and comes back (issue 13): while Redis is down a join is
// refused with `unavailable` on every node, a pair whose members share a node keeps
// relaying, /healthz says "degraded"; once Redis is back (same port) joins succeed and
// the pair across nodes relays again, without restarting any node.
#include "cluster/cluster_scenario.hpp"

#include <gtest/gtest.h>

#include <iostream>
#include <thread>

namespace duet::testing {
namespace {

using std::chrono::steady_clock;

struct pair_of_members {
    std::shared_ptr<async_client> a, b;
    std::optional<seat> a_seat, b_seat;
    bool seated = false;  // both in one room
};

pair_of_members seat_pair(client_loop& loop, cluster_nodes const& cluster, std::uint16_t a_port,
                          std::uint16_t b_port, std::string const& room) {
    pair_of_members p;
    p.a = connect(loop, cluster, a_port);
    p.b = connect(loop, cluster, b_port);
    p.a_seat = join(*p.a, room);
    p.b_seat = join(*p.b, room);
    p.seated = p.a_seat && p.b_seat && p.b_seat->peers == 2 && p.a->expect("otherjoin").has_value();
    return p;
}

/// One message each way; "" when both arrived from the right member, else what went
/// wrong: an answer to the sender (an `error`), another message, or silence. Earlier
/// messages of the pair that arrive late are passed over, so a retry is not confused
/// by the message of the attempt before it.
std::string relay_fault(pair_of_members& p, std::string const& tag, std::chrono::milliseconds timeout = 5s) {
    struct direction {
        async_client& from;
        seat const& from_seat;
        async_client& to;
    };
    for (auto const& d : {direction{*p.a, *p.a_seat, *p.b}, direction{*p.b, *p.b_seat, *p.a}}) {
        d.from.send(message_request(d.from_seat.room, {{"tag", tag}}));
        auto const deadline = steady_clock::now() + timeout;
        while (true) {
            if (auto const answers = d.from.take_all(); !answers.empty()) {
                return "the sender got " + answers.front().dump();
            }
            auto const got = d.to.next(std::min(deadline, steady_clock::now() + 50ms));
            if (got) {
                bool const from_partner = got->value("type", "") == "message" && got->value("from", "") == d.from_seat.id;
                if (from_partner && (*got)["data"] == json{{"tag", tag}}) {
                    break;
                }
                if (!from_partner) {
                    return "the receiver got " + got->dump();
                }
            }
            if (steady_clock::now() >= deadline) {
                return "nothing arrived within " + std::to_string(timeout.count()) + " ms";
            }
        }
    }
    return "";
}

/// A join of a new room on `port`, with a fresh connection: the answer.
json fresh_join(client_loop& loop, cluster_nodes const& cluster, std::size_t i, std::string const& room) {
    auto client = connect(loop, cluster, cluster.node_port(i));
    client->send(join_request(room));
    auto answer = client->next_within(5s);
    client->abandon();  // its read would otherwise keep it open
    return answer ? *answer : json{{"type", "<no answer within 5 s>"}};
}

std::string healthz_status(cluster_nodes const& cluster, std::size_t i) {
    auto const body = json::parse(cluster.healthz(i).body, nullptr, false);
    return body.is_object() ? body.value("status", "<none>") : "<no JSON>";
}

TEST(ClusterStore, RedisStoppedForFiveSecondsThenBackAndTheClusterRecoversWithoutARestart) {
    constexpr auto outage = 5s;
    auto const cluster = start_cluster();
    std::vector<pid_t> pids;
    for (std::size_t i = 0; i < cluster->size(); ++i) {
        pids.push_back(cluster->pid(i));
    }
    client_loop loop;
    auto local = seat_pair(loop, *cluster, node(*cluster, 0), node(*cluster, 0), "same-node");
    ASSERT_TRUE(local.seated);
    // With one node (DUET_CLUSTER_TEST_NODES=1) there is no pair across nodes.
    pair_of_members cross;
    if (cluster->size() >= 2) {
        cross = seat_pair(loop, *cluster, node(*cluster, 1), node(*cluster, 2), "across-nodes");
        EXPECT_TRUE(cross.seated) << "the members on nodes 1 and 2 are not in one room";
    }
    EXPECT_EQ(relay_fault(local, "before"), "");
    if (cross.seated) {
        EXPECT_EQ(relay_fault(cross, "before"), "");
    }

    auto const stopped = steady_clock::now();
    cluster->redis().stop();

    // The pair on one node relays at once, and for the whole outage (below).
    EXPECT_EQ(relay_fault(local, "at the stop"), "") << "the same-node pair just after Redis stopped";
    // Every node refuses a join while its store is gone. A node learns it from its
    // connection's end, at once; 3 s (for all nodes together) bounds a node that must
    // first try a command.
    auto const refusal_deadline = steady_clock::now() + 3s;
    for (std::size_t i = 0; i < cluster->size(); ++i) {
        int attempt = 0;
        auto answer = fresh_join(loop, *cluster, i, "down-" + std::to_string(i) + "-0");
        while (answer.value("code", "") != "unavailable" && steady_clock::now() < refusal_deadline) {
            std::this_thread::sleep_for(100ms);  // polling the node, bounded
            answer = fresh_join(loop, *cluster, i, "down-" + std::to_string(i) + "-" + std::to_string(++attempt));
        }
        EXPECT_EQ(answer.value("code", ""), "unavailable")
            << "node " << i << " with Redis down answered " << answer.dump();
    }
    for (std::size_t i = 0; i < cluster->size(); ++i) {
        while (healthz_status(*cluster, i) != "degraded" && steady_clock::now() < refusal_deadline) {
            std::this_thread::sleep_for(50ms);  // polling /healthz, bounded
        }
        EXPECT_EQ(healthz_status(*cluster, i), "degraded") << "node " << i << ": " << cluster->healthz(i).body;
    }
    if (cross.seated) {
        // Across nodes the relay needs the store: refused (`unavailable`), not lost.
        cross.a->send(message_request(cross.a_seat->room, {{"tag", "during"}}));
        auto const answer = cross.a->next_within(5s);
        EXPECT_TRUE(answer && answer->value("code", "") == "unavailable")
            << "a relay across nodes with Redis down: " << (answer ? answer->dump() : "no answer");
    }
    int rounds = 1;
    do {
        auto const fault = relay_fault(local, "during " + std::to_string(rounds++));
        ASSERT_EQ(fault, "") << "the same-node pair with Redis down, round " << rounds;
        std::this_thread::sleep_for(100ms);  // pacing, within the default rate limit
    } while (steady_clock::now() < stopped + outage);
    std::cout << "# " << rounds << " same-node relays while Redis was down for " << ms_since(stopped) << " ms"
              << std::endl;

    cluster->redis().start();
    auto const restarted = steady_clock::now();
    // Joins succeed again on every node, within a bounded time.
    for (std::size_t i = 0; i < cluster->size(); ++i) {
        auto const deadline = restarted + 20s;
        int attempt = 0;
        auto answer = fresh_join(loop, *cluster, i, "back-" + std::to_string(i) + "-0");
        while (answer.value("type", "") != "joined" && steady_clock::now() < deadline) {
            std::this_thread::sleep_for(100ms);  // polling the node, bounded
            answer = fresh_join(loop, *cluster, i, "back-" + std::to_string(i) + "-" + std::to_string(++attempt));
        }
        EXPECT_EQ(answer.value("type", ""), "joined") << "node " << i << " after Redis came back: " << answer.dump();
        std::cout << "# node " << i << " accepts joins " << ms_since(restarted) << " ms after Redis came back"
                  << std::endl;
    }
    if (cross.seated) {
        auto const deadline = restarted + 20s;
        int attempt = 0;
        auto fault = relay_fault(cross, "after 0", 2s);
        while (!fault.empty() && steady_clock::now() < deadline) {
            std::this_thread::sleep_for(100ms);  // polling the relay, bounded
            fault = relay_fault(cross, "after " + std::to_string(++attempt), 2s);
        }
        EXPECT_EQ(fault, "") << "the pair across nodes after Redis came back";
        std::cout << "# the pair across nodes relays " << ms_since(restarted) << " ms after Redis came back" << std::endl;
    }
    EXPECT_EQ(relay_fault(local, "after"), "");
    for (std::size_t i = 0; i < cluster->size(); ++i) {
        EXPECT_EQ(cluster->pid(i), pids[i]) << "node " << i << " was restarted";
        EXPECT_TRUE(cluster->running(i)) << "node " << i;
        auto const deadline = steady_clock::now() + 5s;
        while (healthz_status(*cluster, i) != "ok" && steady_clock::now() < deadline) {
            std::this_thread::sleep_for(50ms);  // polling /healthz, bounded
        }
        EXPECT_EQ(healthz_status(*cluster, i), "ok") << "node " << i;
    }
    if (HasFailure()) {
        std::cout << cluster->logs();
    }
}

}  // namespace
}  // namespace duet::testing
