#pragma once

#include "support/ws_client.hpp"

#include <cstdint>
#include <memory>
#include <string>

namespace duet::testing {

/// Options for a client that connects from `source` (127.0.0.2: another client on this
/// host; Linux routes all of 127/8 to loopback), optionally claiming `xff` in
/// X-Forwarded-For.
inline ws_client::options from(std::string const& source, std::string const& xff = {}) {
    ws_client::options opts;
    opts.source = source;
    if (!xff.empty()) {
        opts.headers["X-Forwarded-For"] = xff;
    }
    return opts;
}

/// A WebSocket that the daemon has surely counted: it answered a ping.
inline std::unique_ptr<ws_client> open_ws(std::uint16_t port, ws_client::options const& opts) {
    auto client = std::make_unique<ws_client>(port, opts);
    client->send_json({{"type", "ping"}});
    client->expect("pong");
    return client;
}

}  // namespace duet::testing
