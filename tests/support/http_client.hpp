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

/// GET `target` with optional extra header lines (each "Name: value\r\n").
http_answer http_get(std::uint16_t port, std::string const& target, std::string const& extra_headers = {});

}  // namespace duet::testing
