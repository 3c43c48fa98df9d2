#pragma once

#include "cluster/async_client.hpp"
#include "support/cluster_nodes.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace duet::testing {

/// What the cluster scenarios share: starting a cluster, the requests of the protocol,
/// and a join that returns the seat it got.

/// How many nodes a scenario gets: 3, or DUET_CLUSTER_TEST_NODES. With 1, every
/// "different node" is the same daemon: a check of the scenarios themselves against
/// the single-daemon behaviour (the scenarios that need two nodes skip).
std::size_t nodes_wanted();

/// The real duetd (DUETD_PATH, or DUET_TEST_DUETD when set) as a cluster of
/// nodes_wanted() nodes, with `extra` flags.
std::unique_ptr<cluster_nodes> start_cluster(std::vector<std::string> extra = {},
                                             std::chrono::seconds node_ttl = std::chrono::seconds(2),
                                             std::chrono::seconds seat_lease = std::chrono::seconds(20));

/// async_client::connect, whose failure also carries the cluster's logs (a node that
/// refuses connections has usually exited, and its log says why).
std::shared_ptr<async_client> connect(client_loop& loop, cluster_nodes const& cluster, std::uint16_t port);

/// Node i's port, i taken modulo the cluster's size.
std::uint16_t node(cluster_nodes const& cluster, std::size_t i);

json join_request(std::string const& room);
json resume_request(std::string const& room, std::string const& resume);
json leave_request(std::string const& room);
json message_request(std::string const& room, json data);

/// A seat as its `joined` described it.
struct seat {
    std::string room;
    std::string id;
    std::string resume;
    std::string role;
    int peers = 0;
    bool resumed = false;
};
seat seat_of(json const& joined);

/// The answer to a join: `joined`, `full` or `error` (or nullopt, with a gtest failure,
/// when nothing came within `timeout`).
std::optional<json> join_answer(async_client& client, std::chrono::milliseconds timeout = std::chrono::seconds(5));

/// Sends join (with `resume` when given) and expects `joined`; nullopt, with a gtest
/// failure naming what came instead, otherwise.
std::optional<seat> join(async_client& client, std::string const& room,
                         std::optional<std::string> resume = std::nullopt,
                         std::chrono::milliseconds timeout = std::chrono::seconds(5));

/// Reads until a message of `type` arrives within `timeout`, setting aside the others
/// in `skipped`; nullopt if none came.
std::optional<json> await(async_client& client, std::string const& type, std::chrono::milliseconds timeout,
                          std::vector<json>* skipped = nullptr);

/// Milliseconds since `start`.
long long ms_since(std::chrono::steady_clock::time_point start);

}  // namespace duet::testing
