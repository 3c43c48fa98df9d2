#pragma once

#include <spdlog/spdlog.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace duet::logging {

/// What one log line is about, beyond its words: the fields a log collector indexes and
/// an operator greps for. Built by chaining, fields left unset are left out of the line:
///
///     logging::warn(logging::event("ws.refused").conn(n).remote(addr).code(503).reason("capacity"),
///                   "max_connections ({}) reached", limit);
///
/// Holds views: every string must outlive the line being written (a temporary in the
/// same statement does).
/// Who a connection's lines are about, fixed when it is accepted: its number and the
/// client's address. Carried from the HTTP session into the WebSocket and the rules.
struct connection_label {
    std::uint64_t conn = 0;
    std::string remote;
};

class fields {
public:
    explicit fields(std::string_view event) noexcept : event_(event) {}

    /// The TCP connection's number in this process.
    fields& conn(std::uint64_t number) noexcept { return set(conn_, number); }
    /// conn and remote of the connection `who` labels (which must outlive the line).
    fields& about(connection_label const& who) noexcept { return conn(who.conn).remote(who.remote); }
    /// The peer id, as short_id() shortens it.
    fields& peer(std::string_view id) noexcept { return set(peer_, id); }
    /// A room_tag(), never the room's name.
    fields& room(std::string_view tag) noexcept { return set(room_, tag); }
    /// The client's address.
    fields& remote(std::string_view address) noexcept { return set(remote_, address); }
    /// A close code or an HTTP status.
    fields& code(int value) noexcept { return set(code_, value); }
    /// Why, in one word: an error code's wire name, a close cause, a refusal.
    fields& reason(std::string_view word) noexcept { return set(reason_, word); }
    /// How long what ended lasted.
    fields& duration_ms(std::int64_t value) noexcept { return set(duration_ms_, value); }

    /// Calls `visit(key, value)` for each field that is set, in a fixed order; `value` is
    /// a std::string_view or a std::int64_t.
    template <typename Visitor>
    void each(Visitor&& visit) const {
        visit("event", event_);
        if (conn_) visit("conn", static_cast<std::int64_t>(*conn_));
        if (!peer_.empty()) visit("peer", peer_);
        if (!room_.empty()) visit("room", room_);
        if (!remote_.empty()) visit("remote", remote_);
        if (code_) visit("code", static_cast<std::int64_t>(*code_));
        if (!reason_.empty()) visit("reason", reason_);
        if (duration_ms_) visit("duration_ms", *duration_ms_);
    }

private:
    template <typename T, typename V>
    fields& set(T& member, V value) noexcept {
        member = value;
        return *this;
    }

    std::string_view event_;
    std::optional<std::uint64_t> conn_;
    std::string_view peer_;
    std::string_view room_;
    std::string_view remote_;
    std::optional<int> code_;
    std::string_view reason_;
    std::optional<std::int64_t> duration_ms_;
};

/// A line's fields, starting with what happened, dotted: "ws.closed", "join.full".
inline fields event(std::string_view name) noexcept {
    return fields(name);
}

/// Writes one line at `level`: in the JSON format each field is a member of the line's
/// object beside `msg`; in the text format they follow the message as key=value pairs.
void write(spdlog::level::level_enum level, fields const& what, std::string_view message);

/// Formats and writes a line, if `level` is enabled; the message costs nothing otherwise.
template <typename... Args>
void log(spdlog::level::level_enum level, fields const& what, spdlog::format_string_t<Args...> format,
         Args&&... args) {
    if (spdlog::default_logger_raw()->should_log(level)) {
        write(level, what, fmt::format(format, std::forward<Args>(args)...));
    }
}

template <typename... Args>
void debug(fields const& what, spdlog::format_string_t<Args...> format, Args&&... args) {
    log(spdlog::level::debug, what, format, std::forward<Args>(args)...);
}
template <typename... Args>
void info(fields const& what, spdlog::format_string_t<Args...> format, Args&&... args) {
    log(spdlog::level::info, what, format, std::forward<Args>(args)...);
}
template <typename... Args>
void warn(fields const& what, spdlog::format_string_t<Args...> format, Args&&... args) {
    log(spdlog::level::warn, what, format, std::forward<Args>(args)...);
}
template <typename... Args>
void error(fields const& what, spdlog::format_string_t<Args...> format, Args&&... args) {
    log(spdlog::level::err, what, format, std::forward<Args>(args)...);
}
template <typename... Args>
void critical(fields const& what, spdlog::format_string_t<Args...> format, Args&&... args) {
    log(spdlog::level::critical, what, format, std::forward<Args>(args)...);
}

}  // namespace duet::logging
