#pragma once

#include <string>
#include <string_view>

namespace duet::access {

/// The invite link `duetd invite` prints: `BASE/room.html?room=ROOM#t=TOKEN`. The token
/// rides in the fragment, which a browser never sends, so it reaches no access log;
/// public/js/room.js takes it from there. `room` is a valid room name (its characters
/// need no escaping in a query) and `base` the site's address, with or without a
/// trailing slash.
std::string invite_url(std::string_view base, std::string_view room, std::string_view token);

}  // namespace duet::access
