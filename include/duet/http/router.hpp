#pragma once

#include <duet/http/responses.hpp>
#include <duet/runtime/daemon_state.hpp>

#include <string_view>

namespace duet::http {

/// The path of a request target: everything before '?' or '#'.
std::string_view target_path(std::string_view target) noexcept;

/// Answers a plain (non-upgrade) HTTP request, per PROTOCOL.md's HTTP table:
/// /healthz, /metrics, 426 for /ws without an upgrade, the public folder for other
/// GET/HEAD paths, 405 with Allow for other methods. No sockets; any thread.
response route(request const& req, runtime::daemon_state& state);

}  // namespace duet::http
