#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

namespace duet::testing {

using namespace std::chrono_literals;

/// A parsed HTTP answer.
struct http_answer {
    int status = 0;  // 0: no answer (connection closed or timed out)
    std::map<std::string, std::string> headers;  // names lower-cased
    std::string body;

    std::string header(std::string const& name) const {
        auto const it = headers.find(name);
        return it == headers.end() ? std::string{} : it->second;
    }
};

/// Sends `raw` (a whole request, byte for byte: no normalisation of the target) to
/// 127.0.0.1:port and reads one answer within `timeout`. For HEAD requests pass
/// `head = true`, so the body length is not awaited.
http_answer raw_http(std::uint16_t port, std::string const& raw, std::chrono::milliseconds timeout = 5s,
                     bool head = false);

/// raw_http from the local address `source` (127.0.0.2: another client on this host;
/// Linux routes all of 127/8 to loopback).
http_answer raw_http_from(std::string const& source, std::uint16_t port, std::string const& raw,
                          std::chrono::milliseconds timeout = 5s);

/// A WebSocket upgrade request for /ws (a fixed key), with extra header lines (each
/// "Name: value\r\n"): for reading a refused handshake's status and headers.
std::string upgrade_request(std::string const& extra_headers = {});

/// GET `target` with optional extra header lines (each "Name: value\r\n").
http_answer http_get(std::uint16_t port, std::string const& target, std::string const& extra_headers = {});

}  // namespace duet::testing
