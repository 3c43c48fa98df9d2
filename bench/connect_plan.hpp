#pragma once

#include "dialect.hpp"
#include "net.hpp"

#include <cstddef>
#include <vector>

namespace duet::bench {

/// Where connections go, how they talk and where they come from: the server's endpoint
/// (and the one for each room's second member, the same unless --port-b names another
/// server of a cluster) and dialect, and the local addresses to spread connections over
/// in turn (none: the kernel picks).
struct connect_plan {
    tcp::endpoint server;
    tcp::endpoint server_b;  // the second member of each room (room_pairs, churn's B)
    dialect const* wire = nullptr;  // set by main; outlives the run
    std::vector<asio::ip::address> sources;
    clock::duration timeout = std::chrono::seconds(10);  // connect + handshake
    std::size_t next = 0;

    asio::ip::address next_source() {
        if (sources.empty()) {
            return {};
        }
        return sources[next++ % sources.size()];
    }
};

}  // namespace duet::bench
