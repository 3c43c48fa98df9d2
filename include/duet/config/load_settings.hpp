#pragma once

#include <duet/config/settings.hpp>

#include <string>
#include <variant>
#include <vector>

namespace duet::config {

/// What the command line asked for.
struct load_outcome {
    enum class action { run, exit_ok, exit_error };
    action what = action::run;
    settings values;
    std::string output;              // --help/--version text, or the error messages
    std::vector<std::string> config_files;  // the file that was read, if any
};

/// Builds settings from defaults, then the config file (`--config FILE`), then the
/// flags. Every file key is also a flag: `max_message_bytes = 1000` in the file is
/// `--max-message-bytes 1000` on the command line. Never throws; bad values come back
/// as action::exit_error with one line per problem, each naming the setting.
load_outcome load_settings(int argc, char const* const* argv);

}  // namespace duet::config
