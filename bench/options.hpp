#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace duet::bench {

/// Everything the command line sets (main.cpp fills it; each scenario reads what it
/// needs). Zeros mean "the scenario's default", resolved in main.cpp.
struct bench_options {
    std::string scenario;            // idle, relay, churn or attack
    std::string dialect = "duet";    // the server's: duet (duetd) or socketio (the original design)
    std::string address = "127.0.0.1";
    std::uint16_t port = 0;
    std::uint16_t port_b = 0;        // where each room's second member connects; 0: `port`
    int daemon_pid = 0;              // 0: no daemon statistics
    std::vector<int> also_pids;      // relay, churn: more processes whose CPU counts with the daemon's
    unsigned daemon_threads = 0;     // duetd's --threads, recorded only; 0: not given
    std::size_t connections = 2000;  // idle: joined connections, two per room
    std::size_t rooms = 50;          // relay: rooms, one relaying pair each
    std::size_t window = 8;          // relay: messages in flight per direction
    std::size_t payload_bytes = 0;   // relay: each data value; churn: the offer and the answer; attack: probes
    double seconds = 0;              // idle: holding time; relay: sending time; churn: time limit
    std::uint64_t messages = 0;      // relay: most messages sent, both directions together; attack: most frames
    std::size_t cycles = 2000;       // churn: most cycles
    std::size_t concurrency = 0;     // idle, relay: rooms set up at once; churn: cycles at once
    std::size_t large_message_first = 0;  // idle: each connection first relays one frame this big; 0: none
    std::size_t attackers = 24;      // attack: connections sending large frames, each alone in a room
    double attack_rate = 50;         // attack: frames per second per attacker (duetd's default rate limit)
    std::size_t attack_bytes = 65500;  // attack: size of each attack frame (duetd's default limit is 65536)
    bool plain_keys = false;         // attack: keys "a" instead of the escaped "\/"
    std::string key_place = "data";  // attack: where the keys go: in `data`, or beside `type` (top)
    double probe_rate = 40;          // attack: the bystander pair's round trips per second
    std::vector<std::string> source_addresses;  // empty: the kernel picks
    double timeout = 120;            // seconds for setting up, draining and closing
    std::string json_file;           // append the JSON line here too
    std::string label;               // free text recorded with the run

    /// The processes whose CPU a run measures: the daemon, then the --also-pid ones;
    /// none without --daemon-pid.
    std::vector<int> cpu_pids() const {
        std::vector<int> out;
        if (daemon_pid > 0) {
            out.push_back(daemon_pid);
            out.insert(out.end(), also_pids.begin(), also_pids.end());
        }
        return out;
    }
};

}  // namespace duet::bench
