#pragma once

#include <string>
#include <string_view>

namespace duet::logging {

/// Sets up the daemon's one logger on stderr: `level` as in settings::log_level, and
/// `format` "text" (human lines) or "json" (one JSON object per line, for collectors).
/// Level names are the ones the settings use (`warn`, not spdlog's `warning`). Call in
/// main before any thread starts; a reload (SIGHUP) calls it again on the loop.
void setup(std::string const& level, std::string const& format);

/// The first characters of a peer id: enough to follow one connection through a log
/// without printing whole ids.
std::string_view short_id(std::string_view id) noexcept;

/// A room name as logs above debug show it: 8 hex digits of an HMAC-SHA256 under a
/// key drawn at start, so lines about one room can be matched up, but the name (the
/// only secret of an unprotected room) is neither printed nor guessable from the log.
std::string room_tag(std::string_view room);

}  // namespace duet::logging
