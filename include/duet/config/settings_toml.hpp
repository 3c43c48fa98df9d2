#pragma once

#include <duet/config/settings.hpp>

#include <string>

namespace duet::config {

/// `s` as a config file duetd reads back (every key, durations in seconds), for
/// `--check-config`: what the daemon would run with, whatever mix of defaults, file and
/// flags produced it. Secrets (turn_secret, turn_credential) are not written: a comment
/// says whether they are set.
std::string to_toml(settings const& s);

}  // namespace duet::config
