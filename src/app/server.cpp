#include <duet/app/server.hpp>

#include <duet/cluster/shared_spent_tokens.hpp>
#include <duet/config/settings_reload.hpp>
#include <duet/http/http_session.hpp>
#include <duet/logging/event.hpp>
#include <duet/logging/setup.hpp>

#include <csignal>
#include <future>
#include <stdexcept>

namespace duet::app {
namespace {

// Clients whose last connection ended but whose handshake bucket is still refilling:
// past this many, the longest idle is forgotten (net::client_limits). About 150 bytes
// each (a map node and a list node), so under 2 MB, and far more than the distinct
// addresses that end a connection within one bucket refill (handshake_burst_per_client
// / handshake_rate_per_client seconds, 20 s by default) on a busy server.
constexpr std::size_t max_idle_clients = 10'000;

net::client_limits::limits client_limits_of(config::settings const& s) {
    return {s.max_connections_per_client, s.max_http_connections_per_client, s.handshake_rate_per_client,
            s.handshake_burst_per_client};
}

tcp::endpoint make_endpoint(char const* setting, std::string const& text, std::uint16_t port) {
    error_code ec;
    auto const address = asio::ip::make_address(text, ec);
    if (ec) {
        throw std::runtime_error(std::string(setting) + ": '" + text + "' is not an IP address");
    }
    return {address, port};
}

/// The rooms the settings ask for: a cluster node's when cluster_redis_url is set.
std::unique_ptr<rooms::room_registry> make_rooms(config::settings const& s, metrics::counters& counters,
                                                 rooms::lease_terms lease) {
    if (s.cluster_redis_url.empty()) {
        return std::make_unique<rooms::local_room_registry>(s.room_capacity, s.max_rooms, std::move(lease),
                                                            &counters);
    }
    auto parsed = redis::parse_address(s.cluster_redis_url);
    if (auto const* why = std::get_if<std::string>(&parsed)) {
        throw std::runtime_error("cluster_redis_url: " + *why);
    }
    cluster::cluster_terms terms{std::get<redis::address>(parsed), s.cluster_name,       s.room_capacity,
                                 s.max_rooms,                      s.seat_lease,         s.lease_queue_bytes,
                                 s.cluster_node_ttl};
    return std::make_unique<cluster::cluster_room_registry>(std::move(terms), &counters);
}

}  // namespace

server::server(config::settings settings, options opts)
    : settings_(std::move(settings)),
      files_(settings_.public_dir),
      // The lease timer is made after ioc_; the alarm only rings on the loop, by then.
      rooms_(make_rooms(settings_, counters_,
                        rooms::lease_terms{settings_.seat_lease, settings_.lease_queue_bytes,
                                           [this](rooms::room_registry::clock::time_point end) {
                                               if (leases_) {
                                                   leases_->arm(end);
                                               }
                                           }})),
      cluster_(dynamic_cast<cluster::cluster_room_registry*>(rooms_.get())),
      spent_tokens_(cluster_ ? std::unique_ptr<access::spent_tokens>(
                                   std::make_unique<cluster::shared_spent_tokens>(*cluster_))
                             : std::make_unique<access::local_spent_tokens>(settings_.max_spent_tokens)),
      join_secrets_(config::split_join_secrets(settings_.join_secrets)),
      websockets_(settings_.max_connections),
      http_connections_(settings_.max_http_connections),
      trusted_proxies_(settings_.trusted_proxies),
      clients_(client_limits_of(settings_), max_idle_clients),
      signaling_{settings_, *rooms_, counters_, *spent_tokens_, join_secrets_},
      ws_{settings_, signaling_, counters_, tracker_},
      // With an admin listener, /metrics is served there only: the public port need not
      // show the daemon's insides. /healthz stays on both: it is what a load balancer or
      // nginx probes on the port that carries the traffic, and it tells no more than up.
      pages_{files_, counters_, [this] { return gauges_on_loop(); }, true, settings_.admin_address.empty()},
      http_{settings_, pages_, counters_, tracker_, websockets_, clients_, trusted_proxies_, ws_},
      admin_pages_{files_, counters_, [this] { return gauges_on_loop(); }, false, true},
      admin_http_{settings_, admin_pages_, counters_, tracker_, websockets_, clients_, trusted_proxies_, ws_},
      // One thread runs the loop: Asio then skips its cross-thread locking.
      ioc_(1),
      grace_(ioc_),
      leases_(std::in_place, ioc_, *rooms_) {
    if (opts.handle_signals) {
        signals_.emplace(ioc_, SIGINT, SIGTERM, SIGHUP);
    }
    reload_settings_ = std::move(opts.reload);
    auto const count_failure = [this] { metrics::counters::add(counters_.accept_failures_total); };
    listener_ = std::make_shared<net::listener>(
        ioc_, make_endpoint("address", settings_.address, settings_.port),
        [this](tcp::socket socket) { accept(std::move(socket), http_); }, count_failure);
    port_ = listener_->local_endpoint().port();
    if (cluster_) {
        cluster_->attach(ioc_);
    }
    if (!settings_.admin_address.empty()) {
        admin_listener_ = std::make_shared<net::listener>(
            ioc_, make_endpoint("admin_address", settings_.admin_address, settings_.admin_port),
            [this](tcp::socket socket) { accept(std::move(socket), admin_http_); }, count_failure);
        admin_port_ = admin_listener_->local_endpoint().port();
    }
}

server::~server() {
    if (loop_thread_.joinable()) {
        ioc_.stop();
        wait();
    }
    // Its Redis connections and timers are the loop's: they go before it does.
    if (cluster_) {
        cluster_->detach();
    }
    // Sessions still queued in ioc_ end while it is destroyed, after grace_ and
    // signals_: the tracker's last-session callback must not touch those then.
    loop_done_ = true;
}

void server::accept(tcp::socket socket, http::session_context const& context) {
    auto place = http_connections_.try_acquire();
    if (!place) {
        // Past max_http_connections: closed at once, before reading anything.
        metrics::counters::add(counters_.http_refused_total);
        error_code ignored;
        socket.close(ignored);
        return;
    }
    // A peer that is not a trusted proxy is the client itself, so its per-client place
    // is taken now, before a byte is read: a script's thousandth idle connection costs
    // nothing. A trusted proxy's connection is counted for its client once the request
    // names it (http_session).
    error_code ec;
    auto const peer = socket.remote_endpoint(ec).address();
    if (ec) {
        return;  // gone already; the socket closes as it goes out of scope
    }
    std::optional<net::client_limits::slot> client_place;
    if (!trusted_proxies_.trusts(peer)) {
        client_place = clients_.try_acquire(net::client_limits::kind::http, net::client_address(peer),
                                            std::chrono::steady_clock::now());
        if (!client_place) {
            // Closed at once like a connection past max_http_connections: answering would
            // mean reading its request first, which is what the limit is there to spare.
            metrics::counters::add(counters_.http_refused_client_connections_total);
            logging::debug(logging::event("http.refused")
                               .remote(net::client_address(peer).to_string())
                               .reason("client_connections"),
                           "http: connection closed: max_http_connections_per_client ({}) reached",
                           settings_.max_http_connections_per_client);
            error_code ignored;
            socket.close(ignored);
            return;
        }
    }
    logging::connection_label who{.conn = ++connections_accepted_, .remote = net::client_address(peer).to_string()};
    std::make_shared<http::http_session>(std::move(socket), std::move(*place), std::move(client_place), std::move(who),
                                         context)
        ->run();
}

void server::start() {
    listener_->run();
    if (admin_listener_) {
        admin_listener_->run();
    }
    if (signals_) {
        wait_for_signal();
    }
    loop_thread_ = std::thread([this] { ioc_.run(); });
    logging::info(logging::event("start"), "duetd serving {} on port {} (one event loop)", files_.root().string(),
                  port_);
}

void server::stop() {
    asio::post(ioc_, [this] { begin_shutdown(); });
}

void server::wait() {
    if (loop_thread_.joinable()) {
        loop_thread_.join();
    }
}

int server::run() {
    start();
    wait();
    return 0;
}

metrics::gauges server::gauges() {
    std::promise<metrics::gauges> figures;
    asio::post(ioc_, [&] { figures.set_value(gauges_on_loop()); });
    return figures.get_future().get();
}

metrics::gauges server::gauges_on_loop() const {
    return {
        .ws_connections = websockets_.in_use(),
        .http_connections = http_connections_.in_use(),
        .rooms = rooms_->room_count(),
        .room_members = rooms_->member_count(),
        .clients_tracked = clients_.tracked(),
        .uptime_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count(),
        .clustered = cluster_ != nullptr,
        .degraded = cluster_ != nullptr && !cluster_->available(),
    };
}

void server::wait_for_signal() {
    signals_->async_wait([this](error_code ec, int signal_number) {
        if (ec) {
            return;
        }
        if (signal_number == SIGHUP) {
            // A hang-up or a logrotate postrotate: reload, never stop.
            reload();
            return wait_for_signal();
        }
        if (shutting_down_) {
            logging::warn(logging::event("shutdown.forced"), "second signal ({}): stopping now", signal_number);
            ioc_.stop();
            return;
        }
        logging::info(logging::event("shutdown.begin"), "signal {}: shutting down", signal_number);
        begin_shutdown();
        wait_for_signal();
    });
}

void server::reload() {
    if (!reload_settings_) {
        logging::info(logging::event("reload.none"), "SIGHUP: no configuration to reload");
        return;
    }
    auto loaded = reload_settings_();
    if (loaded.what != config::load_outcome::action::run) {
        logging::warn(logging::event("reload.refused"), "SIGHUP: the settings are refused, the running ones stay: {}",
                      loaded.output);
        return;
    }
    auto const logging_before = std::make_pair(settings_.log_level, settings_.log_format);
    auto const result = config::apply_reload(settings_, loaded.values);
    trusted_proxies_ = net::proxy_trust(settings_.trusted_proxies);
    join_secrets_ = config::split_join_secrets(settings_.join_secrets);
    clients_.set_limits(client_limits_of(settings_));
    if (std::make_pair(settings_.log_level, settings_.log_format) != logging_before) {
        logging::setup(settings_.log_level, settings_.log_format);
    }
    auto const list = [](std::vector<std::string> const& names) {
        std::string text;
        for (auto const& name : names) {
            text += (text.empty() ? "" : ", ") + name;
        }
        return text.empty() ? std::string("nothing") : text;
    };
    logging::info(logging::event("reload"), "SIGHUP: settings reloaded; changed: {}", list(result.changed));
    if (!result.need_restart.empty()) {
        logging::warn(logging::event("reload.needs_restart"),
                      "SIGHUP: needs a restart to change: {}; the running values stay", list(result.need_restart));
    }
}

void server::begin_shutdown() {
    if (shutting_down_) {
        return;
    }
    shutting_down_ = true;
    leases_->stop();
    listener_->stop();
    if (admin_listener_) {
        admin_listener_->stop();
    }
    grace_.expires_after(settings_.shutdown_grace);
    grace_.async_wait([this](error_code ec) {
        if (!ec) {
            logging::warn(logging::event("shutdown.grace_passed"),
                          "shutdown_grace passed with {} session(s) still open; stopping", tracker_.size());
            ioc_.stop();
        }
    });
    // Sessions leave the tracker when they end; with the last one the daemon is done.
    tracker_.shut_down_all([this] {
        if (loop_done_) {
            return;
        }
        auto finish = [this] {
            if (loop_done_) {
                return;
            }
            logging::info(logging::event("shutdown.done"), "all connections closed; bye");
            grace_.cancel();
            if (signals_) {
                signals_->cancel();
            }
            ioc_.stop();
        };
        // A cluster node hands its calls over: the seats its closes dropped must be held
        // in Redis before it goes, so their members resume on another node.
        if (cluster_) {
            return cluster_->leave_cluster(finish);
        }
        finish();
    });
}

}  // namespace duet::app
