#pragma once

#include <duet/config/settings.hpp>
#include <duet/http/static_files.hpp>
#include <duet/metrics/counters.hpp>
#include <duet/rooms/room_registry.hpp>
#include <duet/runtime/session_tracker.hpp>

#include <chrono>

namespace duet::runtime {

/// What every session shares: the settings, the rooms, the counters, the static host
/// and the session list. Owned by app::server and declared before its io_context, so it
/// outlives every handler; all of it is thread-safe or read-only.
struct daemon_state {
    explicit daemon_state(config::settings s)
        : settings(std::move(s)),
          files(settings.public_dir),
          registry(settings.room_capacity, settings.max_rooms) {}

    config::settings const settings;
    http::static_files const files;
    rooms::room_registry registry;
    metrics::counters counters;
    session_tracker tracker;
    std::chrono::steady_clock::time_point const started = std::chrono::steady_clock::now();
};

}  // namespace duet::runtime
