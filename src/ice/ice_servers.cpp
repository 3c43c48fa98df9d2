#include <duet/ice/ice_servers.hpp>

#include <duet/ice/turn_credentials.hpp>

#include <nlohmann/json.hpp>

namespace duet::ice {

std::string ice_servers_json(config::settings const& s, std::string_view peer_id,
                             std::chrono::system_clock::time_point now) {
    auto servers = nlohmann::json::array();
    if (!s.stun_urls.empty()) {
        servers.push_back({{"urls", s.stun_urls}});
    }
    if (!s.turn_urls.empty()) {
        nlohmann::json turn{{"urls", s.turn_urls}};
        if (!s.turn_secret.empty()) {
            auto const credential = make_turn_credential(s.turn_secret, peer_id, now, s.turn_credential_ttl);
            turn["username"] = credential.username;
            turn["credential"] = credential.credential;
        } else if (!s.turn_username.empty()) {
            turn["username"] = s.turn_username;
            turn["credential"] = s.turn_credential;
        }
        servers.push_back(std::move(turn));
    }
    return servers.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace duet::ice
