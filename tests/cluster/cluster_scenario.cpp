#include "cluster/cluster_scenario.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

#ifndef DUET_SOURCE_PUBLIC_DIR
#error "DUET_SOURCE_PUBLIC_DIR (the source tree's public/) must be defined"
#endif
#ifndef DUETD_PATH
#error "DUETD_PATH (the duetd binary under test) must be defined"
#endif

namespace duet::testing {

using std::chrono::steady_clock;

std::size_t nodes_wanted() {
    if (auto const* text = std::getenv("DUET_CLUSTER_TEST_NODES"); text != nullptr && *text != '\0') {
        auto const n = std::strtoul(text, nullptr, 10);
        if (n >= 1 && n <= 9) {
            return n;
        }
    }
    return 3;
}

std::unique_ptr<cluster_nodes> start_cluster(std::vector<std::string> extra, std::chrono::seconds node_ttl,
                                             std::chrono::seconds seat_lease) {
    cluster_nodes::options opts;
    opts.nodes = nodes_wanted();
    opts.node_ttl = node_ttl;
    opts.seat_lease = seat_lease;
    // DUET_CLUSTER_UPSTREAM_PARAMS replaces nginx's `server` parameters (cluster_nodes
    // says why max_fails=0), e.g. "max_fails=1 fail_timeout=1s".
    if (auto const* params = std::getenv("DUET_CLUSTER_UPSTREAM_PARAMS"); params != nullptr) {
        opts.upstream_params = params;
    }
    // The pages from the source tree, wherever the binary under test was built.
    opts.extra_args = {"--public-dir", DUET_SOURCE_PUBLIC_DIR};
    opts.extra_args.insert(opts.extra_args.end(), extra.begin(), extra.end());
    // DUET_TEST_DUETD runs the scenarios against another build of duetd.
    auto const* other = std::getenv("DUET_TEST_DUETD");
    std::filesystem::path const duetd = other != nullptr && *other != '\0' ? other : DUETD_PATH;
    return std::make_unique<cluster_nodes>(duetd, std::move(opts));
}

std::shared_ptr<async_client> connect(client_loop& loop, cluster_nodes const& cluster, std::uint16_t port) {
    try {
        return async_client::connect(loop, port);
    } catch (std::exception const& e) {
        throw std::runtime_error(std::string(e.what()) + "\n" + cluster.logs());
    }
}

std::uint16_t node(cluster_nodes const& cluster, std::size_t i) {
    return cluster.node_port(i % cluster.size());
}

json join_request(std::string const& room) {
    return {{"type", "join"}, {"room", room}};
}

json resume_request(std::string const& room, std::string const& resume) {
    return {{"type", "join"}, {"room", room}, {"resume", resume}};
}

json leave_request(std::string const& room) {
    return {{"type", "leave"}, {"room", room}};
}

json message_request(std::string const& room, json data) {
    return {{"type", "message"}, {"room", room}, {"data", std::move(data)}};
}

seat seat_of(json const& joined) {
    seat s;
    s.room = joined.value("room", "");
    s.id = joined.value("id", "");
    s.resume = joined.value("resume", "");
    s.role = joined.value("role", "");
    s.peers = joined.value("peers", 0);
    s.resumed = joined.value("resumed", false);
    return s;
}

std::optional<json> join_answer(async_client& client, std::chrono::milliseconds timeout) {
    auto answer = client.next_within(timeout);
    if (!answer) {
        auto const end = client.ended();
        ADD_FAILURE() << "no answer to join within " << timeout.count() << " ms"
                      << (end ? " (the connection ended: code " + std::to_string(end->code) + ", " + end->reason + ")"
                              : std::string{});
    }
    return answer;
}

std::optional<seat> join(async_client& client, std::string const& room, std::optional<std::string> resume,
                         std::chrono::milliseconds timeout) {
    client.send(resume ? resume_request(room, *resume) : join_request(room));
    auto answer = join_answer(client, timeout);
    if (!answer) {
        return std::nullopt;
    }
    if (answer->value("type", "") != "joined") {
        ADD_FAILURE() << "join " << room << (resume ? " with resume" : "") << ": expected `joined`, got "
                      << answer->dump();
        return std::nullopt;
    }
    return seat_of(*answer);
}

std::optional<json> await(async_client& client, std::string const& type, std::chrono::milliseconds timeout,
                          std::vector<json>* skipped) {
    auto const deadline = steady_clock::now() + timeout;
    while (auto message = client.next(deadline)) {
        if (message->value("type", "") == type) {
            return message;
        }
        if (skipped != nullptr) {
            skipped->push_back(std::move(*message));
        }
    }
    return std::nullopt;
}

long long ms_since(steady_clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(steady_clock::now() - start).count();
}

}  // namespace duet::testing
