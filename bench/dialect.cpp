#include "dialect.hpp"

namespace duet::bench {

std::string describe(server_message const& message) {
    if (message.type == "error") {
        return "error " + message.code + " (" + message.text + ")";
    }
    return "'" + message.type + "'" + (message.room.empty() ? std::string() : " in room " + message.room);
}

std::optional<relayed_data> dialect::relayed(std::string_view frame, relay_envelope const& expected,
                                             std::string_view room, std::string_view from,
                                             std::string& problem) const {
    auto const& prefix = expected.prefix;
    auto const& suffix = expected.suffix;
    if (frame.size() > prefix.size() + suffix.size() && frame.substr(0, prefix.size()) == prefix &&
        frame.substr(frame.size() - suffix.size()) == suffix) {
        return relayed_data{frame.substr(prefix.size(), frame.size() - prefix.size() - suffix.size()), {}};
    }
    // Not the frame expected, byte for byte: parse it to say what it is.
    auto message = parse(frame);
    if (!message) {
        problem = "the server sent something that is not a protocol message";
        return std::nullopt;
    }
    if (message->type != "message") {
        problem = "got " + describe(*message);
        return std::nullopt;
    }
    if (message->room != room || (names_sender() && message->from != from)) {
        problem = "relayed message with the wrong room or sender";
        return std::nullopt;
    }
    return relayed_data{{}, std::move(message->data)};
}

std::unique_ptr<dialect const> make_dialect(std::string_view name) {
    if (name == "duet") {
        return make_duet_dialect();
    }
    if (name == "socketio") {
        return make_socketio_dialect();
    }
    return nullptr;
}

}  // namespace duet::bench
