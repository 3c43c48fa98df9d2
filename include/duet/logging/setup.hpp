#pragma once

#include <string>
#include <string_view>

namespace duet::logging {

/// Sets up the daemon's one logger on stderr: `level` as in settings::log_level, and
/// `format` "text" (human lines) or "json" (one JSON object per line, for collectors).
/// Call once in main, before any thread starts.
void setup(std::string const& level, std::string const& format);

/// The first characters of a peer id: enough to follow one connection through a log
/// without printing whole ids.
std::string_view short_id(std::string_view id) noexcept;

}  // namespace duet::logging
