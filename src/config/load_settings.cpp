#include <duet/config/load_settings.hpp>

#include <duet/build_info.hpp>
#include <duet/config/default_public_dir.hpp>
#include <duet/config/join_secrets.hpp>
#include <duet/config/settings_toml.hpp>

#include <CLI/CLI.hpp>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <set>
#include <sstream>

namespace duet::config {
namespace {

/// The config file spells keys as the settings are named (`max_message_bytes`); the
/// flags use the usual dashes (`--max-message-bytes`). CLI11 matches file keys against
/// long option names, so translate the keys on the way in, and refuse unknown ones
/// here, where they can still be named as the user wrote them.
class settings_file_format : public CLI::ConfigTOML {
public:
    /// `known`: every settable long option name (without "--"). `may_be_empty`: the
    /// lists and optional strings, whose `= []` or `= ""` means "none", their default
    /// (CLI11 would refuse a list option given no value).
    void set_names(std::set<std::string> known, std::set<std::string> may_be_empty) {
        known_ = std::move(known);
        may_be_empty_ = std::move(may_be_empty);
    }

    std::vector<CLI::ConfigItem> from_config(std::istream& input) const override {
        std::vector<CLI::ConfigItem> translated;
        for (auto& item : CLI::ConfigTOML::from_config(input)) {
            if (item.name == "++" || item.name == "--") {
                continue;  // CLI11's section markers; keys inside a section are refused below
            }
            std::string const written = item.fullname();
            if (!item.parents.empty()) {
                throw CLI::ConfigError("config file: unknown setting '" + written + "' (settings take no [section])");
            }
            std::replace(item.name.begin(), item.name.end(), '_', '-');
            if (known_.count(item.name) == 0) {
                throw CLI::ConfigError("config file: unknown setting '" + written + "'");
            }
            bool const empty = item.inputs.empty() || (item.inputs.size() == 1 && item.inputs.front().empty());
            if (empty && may_be_empty_.count(item.name) != 0) {
                continue;
            }
            translated.push_back(std::move(item));
        }
        return translated;
    }

private:
    std::set<std::string> known_;
    std::set<std::string> may_be_empty_;
};

/// Durations are given in seconds (fractions allowed) and kept as milliseconds.
struct duration_seconds {
    double ping_interval;
    double idle_timeout;
    double close_linger_time;
    double request_timeout;
    double shutdown_grace;
    double turn_credential_ttl;
    double token_leeway;
    double seat_lease;
    double cluster_node_ttl;
};

template <class Duration>
double to_seconds(Duration d) {
    return std::chrono::duration<double>(d).count();
}

std::chrono::milliseconds to_millis(double seconds) {
    return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(seconds * 1000.0)));
}

/// What start-up would refuse beyond the values themselves: --check-config must catch
/// it too (the daemon then fails with exit code 1, naming it).
std::vector<std::string> check_environment(settings const& s) {
    std::vector<std::string> errors;
    std::error_code ec;
    bool const folder = std::filesystem::is_directory(s.public_dir, ec);
    if (!folder || ::access(s.public_dir.c_str(), R_OK | X_OK) != 0) {
        errors.push_back("public_dir: '" + s.public_dir + "' is not a folder duetd can read");
    }
    return errors;
}

}  // namespace

load_outcome load_settings(int argc, char const* const* argv) {
    load_outcome out;
    settings& s = out.values;
    duration_seconds secs{to_seconds(s.ping_interval), to_seconds(s.idle_timeout),
                          to_seconds(s.close_linger_time), to_seconds(s.request_timeout), to_seconds(s.shutdown_grace),
                          to_seconds(s.turn_credential_ttl), to_seconds(s.token_leeway),
                          to_seconds(s.seat_lease), to_seconds(s.cluster_node_ttl)};

    CLI::App app{"duetd: the duet WebRTC signaling daemon. Every option can also be set in the "
                 "config file as `name = value`, with underscores for dashes "
                 "(max_message_bytes = 65536). Flags override the file.",
                 "duetd"};
    auto file_format = std::make_shared<settings_file_format>();
    app.config_formatter(file_format);
    app.allow_config_extras(CLI::config_extras_mode::error);
    app.set_config("--config", "", "Read settings from this TOML file (see config/duetd.toml)");
    app.set_version_flag("--version", build_info::version, "Print the version and exit");
    app.get_formatter()->column_width(34);
    app.footer("SIGHUP re-reads the config file (and the same flags) without dropping a call. It cannot change "
               "address, port, admin_address, admin_port, public_dir, threads, room_capacity, max_rooms, "
               "seat_lease, lease_queue_bytes, cluster_redis_url, cluster_name, cluster_node_ttl, "
               "max_connections, max_http_connections and max_spent_tokens: those need a restart.");
    bool check_only = false;
    app.add_flag("--check-config", check_only,
                 "Check the settings (file and flags) and the public folder, print the effective settings, and exit");

    app.add_option("--address", s.address, "Address to listen on")->capture_default_str()->group("Listening");
    app.add_option("--port", s.port, "TCP port to listen on; 0 picks a free one and logs it")
        ->capture_default_str()->group("Listening");
    app.add_option("--public-dir", s.public_dir, "Folder of the call pages (default: ../share/duet/public from the binary's folder, or the source tree's public/ above it)")
        ->group("Listening");
    app.add_option("--admin-address", s.admin_address,
                   "Serve /metrics and /healthz on a second listener at this address (and not /metrics on the "
                   "public one); empty: no second listener")
        ->group("Listening");
    app.add_option("--admin-port", s.admin_port, "TCP port of the admin listener; 0 picks a free one and logs it")
        ->capture_default_str()->group("Listening");
    app.add_option("--threads", s.threads, "Event-loop threads: duetd runs one (0 or 1; kept for old config files)")
        ->capture_default_str()->group("Listening");

    app.add_option("--room-capacity", s.room_capacity, "Members a room holds; a join past it gets `full`")
        ->capture_default_str()->group("Rooms");
    app.add_option("--max-rooms", s.max_rooms, "Rooms the daemon holds at once; past it joins get `room_limit`")
        ->capture_default_str()->group("Rooms");
    app.add_option("--seat-lease", secs.seat_lease,
                   "Seconds a member whose connection dropped keeps its seat for a resume; 0: `bye` at once")
        ->capture_default_str()->group("Rooms");
    app.add_option("--lease-queue-bytes", s.lease_queue_bytes,
                   "Bytes of messages kept for a member whose seat is held; past it senders get `peer_unavailable`")
        ->capture_default_str()->group("Rooms");

    app.add_option("--cluster-redis-url", s.cluster_redis_url,
                   "Share rooms with other duetd nodes through this Redis (redis://[:password@]host[:port][/db] or "
                   "unix:///path); empty: this daemon alone")
        ->group("Cluster");
    app.add_option("--cluster-name", s.cluster_name, "Nodes with the same name share rooms (Redis key prefix)")
        ->capture_default_str()->group("Cluster");
    app.add_option("--cluster-node-ttl", secs.cluster_node_ttl,
                   "Seconds after which a node that stopped renewing its liveness key counts as dead")
        ->capture_default_str()->group("Cluster");

    app.add_option("--max-message-bytes", s.max_message_bytes, "Largest WebSocket message; larger closes with 1009")
        ->capture_default_str()->group("WebSocket limits");
    app.add_option("--max-send-queue-bytes", s.max_send_queue_bytes,
                   "Bytes queued for a receiver before it is dropped as a slow consumer (1008)")
        ->capture_default_str()->group("WebSocket limits");
    app.add_option("--rate-limit-per-second", s.rate_limit_per_second, "Requests per second a connection may send")
        ->capture_default_str()->group("WebSocket limits");
    app.add_option("--rate-limit-burst", s.rate_limit_burst, "Requests a connection may send at once (bucket size)")
        ->capture_default_str()->group("WebSocket limits");
    app.add_option("--max-violations", s.max_violations, "Refused requests before the connection is closed (1008)")
        ->capture_default_str()->group("WebSocket limits");
    app.add_option("--ping-interval", secs.ping_interval, "Seconds between WebSocket pings the daemon sends")
        ->capture_default_str()->group("WebSocket limits");
    app.add_option("--idle-timeout", secs.idle_timeout, "Seconds of silence (pongs count) before a connection is closed")
        ->capture_default_str()->group("WebSocket limits");
    app.add_option("--close-linger-bytes", s.close_linger_bytes,
                   "After the daemon's close frame, bytes the client may still send (read and dropped)")
        ->capture_default_str()->group("WebSocket limits");
    app.add_option("--close-linger-time", secs.close_linger_time,
                   "Seconds a closing connection may take after the daemon's close frame")
        ->capture_default_str()->group("WebSocket limits");
    app.add_option("--max-connections", s.max_connections, "Open WebSocket connections; past it handshakes get 503")
        ->capture_default_str()->group("WebSocket limits");
    app.add_option("--allowed-origins", s.allowed_origins,
                   "Origins allowed to open a WebSocket (comma-separated); empty allows any")
        ->delimiter(',')->group("WebSocket limits");

    app.add_option("--max-header-bytes", s.max_header_bytes, "Largest HTTP request header block; larger gets 431")
        ->capture_default_str()->group("HTTP limits");
    app.add_option("--request-timeout", secs.request_timeout,
                   "Seconds a client has to send a whole HTTP request (and to finish a WebSocket handshake)")
        ->capture_default_str()->group("HTTP limits");
    app.add_option("--max-http-connections", s.max_http_connections,
                   "Open HTTP connections not yet upgraded; past it new ones are closed at once")
        ->capture_default_str()->group("HTTP limits");
    app.add_option("--trusted-proxies", s.trusted_proxies,
                   "Proxies (CIDR blocks, comma-separated, e.g. 127.0.0.1/32,::1/128) whose X-Forwarded-For or "
                   "Forwarded header names the client; empty: every client is its TCP peer")
        ->delimiter(',')->group("Per-client limits");
    app.add_option("--max-connections-per-client", s.max_connections_per_client,
                   "Open WebSockets one client address may hold; past it handshakes get 503")
        ->capture_default_str()->group("Per-client limits");
    app.add_option("--max-http-connections-per-client", s.max_http_connections_per_client,
                   "Connections not yet upgraded one client address may hold; past it they are refused")
        ->capture_default_str()->group("Per-client limits");
    app.add_option("--handshake-rate-per-client", s.handshake_rate_per_client,
                   "WebSocket handshakes per second one client address may start (refill of its bucket)")
        ->capture_default_str()->group("Per-client limits");
    app.add_option("--handshake-burst-per-client", s.handshake_burst_per_client,
                   "WebSocket handshakes one client address may start at once; past it they get 429")
        ->capture_default_str()->group("Per-client limits");
    app.add_option("--shutdown-grace", secs.shutdown_grace, "Seconds to wait for connections to close on SIGTERM")
        ->capture_default_str()->group("HTTP limits");

    app.add_option("--stun-urls", s.stun_urls, "STUN server URLs (comma-separated), e.g. stun:stun.example.org:3478")
        ->delimiter(',')->group("ICE servers");
    app.add_option("--turn-urls", s.turn_urls, "TURN server URLs (comma-separated), e.g. turn:turn.example.org:3478")
        ->delimiter(',')->group("ICE servers");
    app.add_option("--turn-secret", s.turn_secret, "Shared secret for time-limited TURN credentials (REST API)")
        ->group("ICE servers");
    app.add_option("--turn-credential-ttl", secs.turn_credential_ttl, "Seconds a TURN credential stays valid")
        ->capture_default_str()->group("ICE servers");
    app.add_option("--turn-username", s.turn_username, "Static TURN username (only without --turn-secret)")
        ->group("ICE servers");
    app.add_option("--turn-credential", s.turn_credential, "Static TURN password (only without --turn-secret)")
        ->group("ICE servers");

    app.add_option("--join-secrets", s.join_secrets,
                   "A secret join tokens are signed with, as NAME=SECRET (NAME is the token's kid) or SECRET; "
                   "repeat the flag for several (rotation)")
        ->group("Join tokens");
    app.add_option("--join-secrets-file", s.join_secrets_file,
                   "A file of join secrets, one NAME=SECRET per line (# comments); must not be readable by every "
                   "user")
        ->group("Join tokens");
    app.add_option("--require-token", s.require_token,
                   "true: a join needs a valid token; false: a join without a token is let in")
        ->capture_default_str()->group("Join tokens");
    app.add_option("--token-leeway", secs.token_leeway, "Seconds of clock difference allowed on a token's exp and nbf")
        ->capture_default_str()->group("Join tokens");
    app.add_option("--max-spent-tokens", s.max_spent_tokens,
                   "Used once-tokens remembered until they expire; past it new once-tokens are refused")
        ->capture_default_str()->group("Join tokens");

    app.add_option("--log-level", s.log_level, "trace, debug, info, warn, error, critical or off")
        ->capture_default_str()->group("Logging");
    app.add_option("--log-format", s.log_format, "text, or json for one JSON object per line")
        ->capture_default_str()->group("Logging");

    std::set<std::string> known;
    for (auto const* option : app.get_options()) {
        if (option->get_configurable()) {
            for (auto const& name : option->get_lnames()) {
                known.insert(name);
            }
        }
    }
    file_format->set_names(std::move(known), {"public-dir", "admin-address", "allowed-origins", "stun-urls", "turn-urls",
                                              "trusted-proxies", "turn-secret", "turn-username", "turn-credential",
                                              "join-secrets", "join-secrets-file"});
    // Counts are unsigned: CLI11 would wrap "-1" to a huge value, so refuse signs here.
    for (auto* option : app.get_options()) {
        auto const& names = option->get_lnames();
        static std::set<std::string> const counts{"room-capacity", "max-rooms", "max-message-bytes",
                                                  "max-send-queue-bytes", "max-violations", "close-linger-bytes", "max-connections",
                                                  "max-header-bytes", "max-http-connections", "threads", "port",
                                                  "admin-port", "max-connections-per-client",
                                                  "max-http-connections-per-client", "max-spent-tokens"};
        if (!names.empty() && counts.count(names.front()) != 0) {
            option->check(CLI::NonNegativeNumber);
        }
    }

    // Subcommands: mint a token or an invite link with the secrets the daemon would
    // use, read from the same file and flags (which may follow the subcommand).
    std::string ttl_text = "1h";
    auto add_mint = [&](char const* name, char const* what) {
        auto* sub = app.add_subcommand(name, what);
        sub->fallthrough();
        sub->add_option("--room", out.mint.room, "The room the token lets one join")->required();
        sub->add_option("--ttl", ttl_text, "How long it stays valid: seconds, or 90s, 15m, 1h, 7d")
            ->capture_default_str();
        sub->add_flag("--once", out.mint.once, "Valid for one successful join only");
        sub->add_option("--kid", out.mint.kid, "Sign with the secret of this name (default: the first secret)");
        return sub;
    };
    auto* token_command = add_mint("token", "Print a join token for a room (signed with a configured join secret)");
    auto* invite_command = add_mint("invite", "Print an invite link to a room that carries a join token");
    invite_command->add_option("--base", out.mint.base, "The call site's address, e.g. https://duet.example.org")
        ->required();

    try {
        app.parse(argc, argv);
    } catch (CLI::CallForHelp const&) {
        out.what = load_outcome::action::exit_ok;
        out.output = app.help();
        return out;
    } catch (CLI::CallForVersion const&) {
        out.what = load_outcome::action::exit_ok;
        out.output = std::string(build_info::version) + "\n";
        return out;
    } catch (CLI::ParseError const& e) {
        out.what = load_outcome::action::exit_error;
        out.output = std::string(e.what()) + "\nRun with --help for the settings.\n";
        return out;
    }

    if (auto* config = app.get_config_ptr(); config != nullptr && config->count() > 0) {
        out.config_files = config->results();
    }

    std::vector<std::string> errors;
    auto set_duration = [&](double value, std::string_view name, auto& target) {
        if (!std::isfinite(value) || value < 0 || value > 1e7) {
            errors.push_back(std::string(name) + ": must be a number of seconds between 0 and 10000000");
            return;
        }
        target = std::chrono::duration_cast<std::remove_reference_t<decltype(target)>>(to_millis(value));
    };
    set_duration(secs.ping_interval, "ping_interval", s.ping_interval);
    set_duration(secs.idle_timeout, "idle_timeout", s.idle_timeout);
    set_duration(secs.close_linger_time, "close_linger_time", s.close_linger_time);
    set_duration(secs.request_timeout, "request_timeout", s.request_timeout);
    set_duration(secs.shutdown_grace, "shutdown_grace", s.shutdown_grace);
    set_duration(secs.turn_credential_ttl, "turn_credential_ttl", s.turn_credential_ttl);
    set_duration(secs.token_leeway, "token_leeway", s.token_leeway);
    set_duration(secs.seat_lease, "seat_lease", s.seat_lease);
    set_duration(secs.cluster_node_ttl, "cluster_node_ttl", s.cluster_node_ttl);
    if (!s.join_secrets_file.empty()) {
        auto file = read_join_secrets_file(s.join_secrets_file);
        errors.insert(errors.end(), file.errors.begin(), file.errors.end());
        s.join_secrets.insert(s.join_secrets.end(), file.entries.begin(), file.entries.end());
    }
    if (token_command->parsed() || invite_command->parsed()) {
        out.run_command = token_command->parsed() ? load_outcome::command::token : load_outcome::command::invite;
        if (auto const ttl = parse_ttl(ttl_text)) {
            out.mint.ttl = *ttl;
        } else {
            errors.push_back("--ttl: '" + ttl_text + "' is not a duration such as 3600, 90s, 15m, 1h or 7d");
        }
        if (s.join_secrets.empty()) {
            errors.push_back("join_secrets: none configured, so there is nothing to sign a token with "
                             "(--join-secrets, --join-secrets-file or --config)");
        }
    }
    if (s.public_dir.empty()) {
        s.public_dir = default_public_dir();
    }
    auto more = validate(s);
    errors.insert(errors.end(), more.begin(), more.end());
    if (check_only) {
        auto const found = check_environment(s);
        errors.insert(errors.end(), found.begin(), found.end());
    }
    if (!errors.empty()) {
        out.what = load_outcome::action::exit_error;
        std::ostringstream text;
        text << "duetd: invalid settings:\n";
        for (auto const& e : errors) {
            text << "  " << e << "\n";
        }
        out.output = text.str();
    } else if (check_only) {
        out.what = load_outcome::action::exit_ok;
        // A proxy's timeouts are not ours to read, so say which value they must beat.
        // Then the effective settings, as a file duetd reads back.
        out.output = "duetd: settings are valid\n"
                     "# note: behind a reverse proxy, its idle timeout for /ws (nginx: proxy_read_timeout) must be "
                     "at least twice ping_interval, here " +
                     std::to_string(std::llround(2 * to_seconds(s.ping_interval))) +
                     " s: duetd's pings are an idle call's only traffic (config/nginx.conf sets 75 s)\n"
                     "# the effective settings:\n" +
                     to_toml(s);
    }
    return out;
}

std::optional<std::chrono::seconds> parse_ttl(std::string_view text) {
    std::int64_t unit = 1;
    if (!text.empty()) {
        switch (text.back()) {
        case 's': unit = 1; text.remove_suffix(1); break;
        case 'm': unit = 60; text.remove_suffix(1); break;
        case 'h': unit = 3600; text.remove_suffix(1); break;
        case 'd': unit = 86400; text.remove_suffix(1); break;
        default: break;
        }
    }
    // At most ten years: a count that cannot overflow, and more than any invite needs.
    constexpr std::int64_t max_seconds = 10LL * 366 * 86400;
    if (text.empty() || text.size() > 12 || !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return std::nullopt;
    }
    auto const count = std::stoll(std::string(text));
    if (count <= 0 || count > max_seconds / unit) {
        return std::nullopt;
    }
    return std::chrono::seconds(count * unit);
}

}  // namespace duet::config
