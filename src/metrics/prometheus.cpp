#include <duet/metrics/prometheus.hpp>

#include <duet/build_info.hpp>

#include <charconv>
#include <sstream>
#include <type_traits>
#include <string_view>

namespace duet::metrics {
namespace {

class exposition {
public:
    template <class Value>
    void single(std::string_view name, std::string_view type, std::string_view help, Value value) {
        header(name, type, help);
        out_ << name << ' ';
        if constexpr (std::is_floating_point_v<Value>) {
            out_ << number(value);
        } else {
            out_ << value;
        }
        out_ << '\n';
    }

    void header(std::string_view name, std::string_view type, std::string_view help) {
        out_ << "# HELP " << name << ' ' << help << '\n' << "# TYPE " << name << ' ' << type << '\n';
    }

    void labelled(std::string_view name, std::string_view label_name, std::string_view label_value,
                  std::uint64_t value) {
        out_ << name << '{' << label_name << "=\"" << label_value << "\"} " << value << '\n';
    }

    void durations(std::string_view name, std::string_view help, histogram const& h) {
        header(name, "histogram", help);
        std::uint64_t cumulative = 0;
        auto const bounds = h.upper_bounds();
        for (std::size_t i = 0; i < bounds.size(); ++i) {
            cumulative += h.bucket(i);
            out_ << name << "_bucket{le=\"" << bound(bounds[i]) << "\"} " << cumulative << '\n';
        }
        cumulative += h.bucket(bounds.size());
        out_ << name << "_bucket{le=\"+Inf\"} " << cumulative << '\n';
        out_ << name << "_sum " << number(h.sum_seconds()) << '\n';
        out_ << name << "_count " << cumulative << '\n';
    }

    std::string str() const { return out_.str(); }

private:
    /// Shortest exact text: an ostream's default 6 digits would round a long uptime.
    static std::string number(double value) {
        char text[64];
        auto const result = std::to_chars(text, text + sizeof text, value);
        return std::string(text, static_cast<std::size_t>(result.ptr - text));
    }

    /// A bucket bound as client libraries print it: 0.0001, never 1e-04.
    static std::string bound(double value) {
        char text[64];
        auto const result = std::to_chars(text, text + sizeof text, value, std::chars_format::fixed);
        return std::string(text, static_cast<std::size_t>(result.ptr - text));
    }

    std::ostringstream out_;
};

}  // namespace

std::string render_prometheus(counters const& c, gauges const& g) {
    auto const read = [](counters::counter const& x) { return counters::read(x); };
    exposition e;
    e.header("duet_build_info", "gauge", "Always 1; the version of the running duetd in its label.");
    e.labelled("duet_build_info", "version", build_info::version, 1);
    e.single("duet_accept_failures_total", "counter",
             "Accepts that failed (out of descriptors, or another error); each is retried after 100 ms.",
             read(c.accept_failures_total));
    e.single("duet_ws_connections", "gauge", "Open WebSocket connections.", g.ws_connections);
    e.single("duet_ws_connections_accepted_total", "counter", "WebSocket handshakes accepted.",
             read(c.ws_accepted_total));
    e.single("duet_ws_handshake_failures_total", "counter",
             "WebSocket upgrades that failed before the connection opened (not counted as closes).",
             read(c.ws_handshake_failures_total));
    e.header("duet_ws_handshakes_refused_total", "counter", "WebSocket handshakes refused, by reason.");
    e.labelled("duet_ws_handshakes_refused_total", "reason", "origin", read(c.ws_refused_origin_total));
    e.labelled("duet_ws_handshakes_refused_total", "reason", "capacity", read(c.ws_refused_capacity_total));
    e.labelled("duet_ws_handshakes_refused_total", "reason", "client_connections",
               read(c.ws_refused_client_connections_total));
    e.labelled("duet_ws_handshakes_refused_total", "reason", "client_rate", read(c.ws_refused_client_rate_total));
    e.header("duet_ws_closes_total", "counter", "WebSocket connections ended, by reason.");
    for (std::size_t i = 0; i < close_reason_count; ++i) {
        e.labelled("duet_ws_closes_total", "reason", label(static_cast<close_reason>(i)), read(c.closes_total[i]));
    }
    e.single("duet_http_connections", "gauge", "Open HTTP connections not upgraded to WebSocket.",
             g.http_connections);
    e.single("duet_http_requests_total", "counter", "HTTP requests answered.", read(c.http_requests_total));
    e.header("duet_http_connections_refused_total", "counter",
             "HTTP connections refused, by reason: capacity (max_http_connections, closed at once), "
             "client_connections (max_http_connections_per_client).");
    e.labelled("duet_http_connections_refused_total", "reason", "capacity", read(c.http_refused_total));
    e.labelled("duet_http_connections_refused_total", "reason", "client_connections",
               read(c.http_refused_client_connections_total));
    e.single("duet_clients_tracked", "gauge",
             "Client addresses the per-client limits remember: holding a connection, or refilling their handshake "
             "bucket.",
             g.clients_tracked);
    e.single("duet_rooms", "gauge", "Rooms that exist now.", g.rooms);
    e.single("duet_room_members", "gauge", "Seats taken in rooms now, held ones (seat leases) included.", g.room_members);
    e.single("duet_joins_total", "counter", "Successful joins.", read(c.joins_total));
    e.single("duet_fulls_total", "counter", "Joins answered with full.", read(c.fulls_total));
    e.single("duet_leaves_total", "counter", "Successful leave requests.", read(c.leaves_total));
    e.single("duet_leases_started_total", "counter", "Seats held for a resume after a connection ended without leave.",
             read(c.leases_started_total));
    e.single("duet_leases_resumed_total", "counter", "Held seats taken back with their resume secret.",
             read(c.leases_resumed_total));
    e.single("duet_leases_expired_total", "counter", "Held seats released because their lease ended.",
             read(c.leases_expired_total));
    e.durations("duet_partner_wait_seconds",
                "How long a member alone in its room waited for a second one (waits that ended with one).",
                c.calls.partner_wait);
    e.durations("duet_call_duration_seconds",
                "How long rooms held two members or more (a resumed seat continues its call), at the call's end.",
                c.calls.call_duration);
    e.durations("duet_lease_down_seconds", "How long a held seat stayed down before its resume (rule 12).",
                c.calls.lease_down);
    if (g.clustered) {
        e.single("duet_cluster_redis_up", "gauge", "1 when this cluster node reaches Redis, 0 while degraded.",
                 g.degraded ? 0 : 1);
    }
    e.single("duet_cluster_messages_sent_total", "counter",
             "Messages sent through Redis to members on other nodes or held seats (cluster).",
             read(c.cluster_messages_out_total));
    e.single("duet_cluster_messages_received_total", "counter",
             "Messages from members on other nodes delivered here (cluster).", read(c.cluster_messages_in_total));
    e.single("duet_cluster_redis_lost_total", "counter", "Times this node lost its Redis connection (cluster).",
             read(c.cluster_redis_lost_total));
    e.single("duet_cluster_dead_nodes_total", "counter",
             "Nodes this node found dead (liveness key expired) and whose seats it held (cluster).",
             read(c.cluster_dead_nodes_total));
    e.single("duet_cluster_resumes_total", "counter", "Seats resumed on this node (cluster).",
             read(c.cluster_resumes_total));
    e.durations("duet_cluster_redis_round_trip_seconds", "Round trips of the cluster's Redis scripts (cluster).",
                c.cluster.redis_round_trip);
    e.single("duet_relay_requests_total", "counter", "message requests accepted for relay.",
             read(c.relay_requests_total));
    e.single("duet_messages_relayed_total", "counter", "Relayed messages handed to receivers.",
             read(c.messages_relayed_total));
    e.single("duet_bytes_relayed_total", "counter", "Bytes of relayed messages handed to receivers.",
             read(c.bytes_relayed_total));
    e.header("duet_errors_total", "counter", "error replies sent, by code.");
    for (auto code : protocol::all_error_codes) {
        e.labelled("duet_errors_total", "code", protocol::wire_name(code),
                   read(c.errors_total[static_cast<std::size_t>(code)]));
    }
    e.single("duet_uptime_seconds", "gauge", "Seconds since the daemon started.", g.uptime_seconds);
    if (g.process) {
        auto const& p = *g.process;
        e.single("process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.",
                 p.cpu_seconds);
        e.single("process_open_fds", "gauge", "Number of open file descriptors.", p.open_fds);
        e.single("process_max_fds", "gauge", "Maximum number of open file descriptors.", p.max_fds);
        e.single("process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.", p.virtual_memory_bytes);
        e.single("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.",
                 p.resident_memory_bytes);
        e.single("process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.",
                 p.start_time_seconds);
    }
    return e.str();
}

}  // namespace duet::metrics
