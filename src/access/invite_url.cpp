#include <duet/access/invite_url.hpp>

namespace duet::access {

std::string invite_url(std::string_view base, std::string_view room, std::string_view token) {
    while (!base.empty() && base.back() == '/') {
        base.remove_suffix(1);
    }
    std::string url(base);
    url += "/room.html?room=";
    url += room;
    url += "#t=";
    url += token;
    return url;
}

}  // namespace duet::access
