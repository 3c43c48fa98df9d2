#pragma once

#include <duet/config/settings.hpp>

#include <chrono>
#include <string>
#include <optional>
#include <string_view>
#include <variant>
#include <vector>

namespace duet::config {

/// `duetd token` and `duetd invite`: mint a join token (docs/protocol.md rule 14) with
/// the configured secrets instead of running the daemon.
struct mint_options {
    std::string room;
    std::chrono::seconds ttl{3600};
    bool once = false;
    std::string kid;   // empty: the first secret of join_secrets
    std::string base;  // invite: the site's address, e.g. https://duet.example.org
};

/// What the command line asked for.
struct load_outcome {
    enum class action { run, exit_ok, exit_error };
    enum class command { serve, token, invite };
    action what = action::run;
    command run_command = command::serve;  // with action::run: serve, or print a token or invite
    mint_options mint;                     // for command::token and command::invite
    settings values;
    std::string output;              // --help/--version text, or the error messages
    std::vector<std::string> config_files;  // the file that was read, if any
};

/// Builds settings from defaults, then the config file (`--config FILE`), then the
/// flags. Every file key is also a flag: `max_message_bytes = 1000` in the file is
/// `--max-message-bytes 1000` on the command line. Never throws; bad values come back
/// as action::exit_error with one line per problem, each naming the setting. The file
/// named by join_secrets_file is read here (so again on each reload) and its entries
/// appended to join_secrets.
load_outcome load_settings(int argc, char const* const* argv);

/// A duration as `duetd token --ttl` takes it: a number of seconds, or a number with
/// s, m, h or d after it ("90", "15m", "1h", "7d"); nothing when it is not one or not
/// positive.
std::optional<std::chrono::seconds> parse_ttl(std::string_view text);

}  // namespace duet::config
