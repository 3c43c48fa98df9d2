// duetd: parses the command line, sets up logging, runs the server, and maps failures
// to exit codes (0 done, 1 could not start, 2 bad settings).
#include <duet/access/invite_url.hpp>
#include <duet/access/join_token.hpp>
#include <duet/app/open_files.hpp>
#include <duet/app/server.hpp>
#include <duet/build_info.hpp>
#include <duet/config/join_secrets.hpp>
#include <duet/config/load_settings.hpp>
#include <duet/logging/event.hpp>
#include <duet/logging/setup.hpp>
#include <duet/protocol/identifiers.hpp>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <string>

namespace {

void log_effective_settings(duet::config::settings const& s, std::vector<std::string> const& files) {
    duet::logging::info(
        duet::logging::event("settings"),
        "duetd {} settings: config={} address={} port={} public_dir={} room_capacity={} max_rooms={} "
        "max_message_bytes={} max_send_queue_bytes={} rate_limit={}/s burst {} max_violations={} "
        "ping_interval={}ms idle_timeout={}ms close_linger={}B/{}ms max_connections={} allowed_origins={} "
        "max_header_bytes={} "
        "request_timeout={}ms shutdown_grace={}ms stun_urls={} turn_urls={} turn_secret={} join_secrets={} require_token={} token_leeway={}s log={}/{}",
        duet::build_info::version, files.empty() ? "(none)" : files.front(), s.address, s.port, s.public_dir,
        s.room_capacity, s.max_rooms, s.max_message_bytes,
        s.max_send_queue_bytes, s.rate_limit_per_second, s.rate_limit_burst, s.max_violations,
        s.ping_interval.count(), s.idle_timeout.count(), s.close_linger_bytes,
        s.close_linger_time.count(), s.max_connections, s.allowed_origins.size(),
        s.max_header_bytes, s.request_timeout.count(), s.shutdown_grace.count(), s.stun_urls.size(),
        s.turn_urls.size(), s.turn_secret.empty() ? "unset" : "set",
        s.join_secrets.empty() ? std::string("none")
                               : duet::config::join_secret_names(duet::config::split_join_secrets(s.join_secrets)),
        s.require_token, s.token_leeway.count(), s.log_level, s.log_format);
}

/// `duetd token` and `duetd invite`: print a join token, or an invite link carrying
/// one, signed with a configured secret. Exit 0, or 2 with the reason on stderr.
int mint(duet::config::load_outcome const& outcome) {
    auto const& order = outcome.mint;
    auto const secrets = duet::config::split_join_secrets(outcome.values.join_secrets);
    if (!duet::protocol::is_valid_room_name(order.room)) {
        std::fputs("duetd: --room: a room name is 1 to 64 characters of A-Z a-z 0-9 _ . ~ -\n", stderr);
        return 2;
    }
    auto const secret = std::find_if(secrets.begin(), secrets.end(), [&](auto const& s) {
        return order.kid.empty() || s.kid == order.kid;
    });
    if (secret == secrets.end()) {
        std::fprintf(stderr, "duetd: --kid: no join secret is named '%s' (named: %s)\n", order.kid.c_str(),
                     duet::config::join_secret_names(secrets).c_str());
        return 2;
    }
    auto const token = duet::access::mint_join_token(
        *secret, {.room = order.room, .ttl = order.ttl, .once = order.once}, std::chrono::system_clock::now());
    if (outcome.run_command == duet::config::load_outcome::command::invite) {
        if (order.base.rfind("https://", 0) != 0 && order.base.rfind("http://", 0) != 0) {
            std::fputs("duetd: --base: give the site's address, such as https://duet.example.org\n", stderr);
            return 2;
        }
        std::printf("%s\n", duet::access::invite_url(order.base, order.room, token).c_str());
    } else {
        std::printf("%s\n", token.c_str());
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    auto outcome = duet::config::load_settings(argc, argv);
    switch (outcome.what) {
    case duet::config::load_outcome::action::exit_ok:
        std::fputs(outcome.output.c_str(), stdout);
        return 0;
    case duet::config::load_outcome::action::exit_error:
        std::fputs(outcome.output.c_str(), stderr);
        return 2;
    case duet::config::load_outcome::action::run:
        break;
    }
    if (outcome.run_command != duet::config::load_outcome::command::serve) {
        return mint(outcome);
    }
    auto settings = outcome.values;
    duet::logging::setup(settings.log_level, settings.log_format);
    auto const files = duet::app::raise_open_files_limit(settings);
    if (files.budget.fitted) {
        duet::logging::warn(duet::logging::event("open_files.fitted"), "{}", files.warning);
        settings.max_connections = files.budget.max_connections;
        settings.max_http_connections = files.budget.max_http_connections;
    }
    duet::logging::info(duet::logging::event("open_files"), "open-files limit: {}", files.budget.limit);
    log_effective_settings(settings, outcome.config_files);
    try {
        // SIGHUP reads the same file and flags again, fitted to the same open-files limit.
        auto reload = [argc, argv, limit = files.budget.limit] {
            auto again = duet::config::load_settings(argc, argv);
            auto const fitted = duet::app::fit_connections(again.values, limit);
            again.values.max_connections = fitted.max_connections;
            again.values.max_http_connections = fitted.max_http_connections;
            return again;
        };
        duet::app::server server(settings, {.handle_signals = true, .reload = reload});
        return server.run();
    } catch (std::exception const& e) {
        duet::logging::critical(duet::logging::event("start.failed"), "cannot start: {}", e.what());
        return 1;
    }
}
