#pragma once

#include <duet/redis/address.hpp>

#include <chrono>
#include <cstddef>
#include <string>

namespace duet::cluster {

/// What a cluster node is told at start (settings cluster_*, and the room rules every
/// node of one cluster must share: docs/cluster.md).
struct cluster_terms {
    redis::address store;                 // cluster_redis_url, parsed
    std::string name = "duet";            // cluster_name: the key prefix is "duet:{name}:"
    std::size_t room_capacity = 2;
    std::size_t max_rooms = 10000;
    std::chrono::milliseconds seat_lease{20000};
    std::size_t queue_bytes = 65536;      // lease_queue_bytes
    std::chrono::milliseconds node_ttl{5000};
};

}  // namespace duet::cluster
