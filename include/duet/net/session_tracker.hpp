#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <unordered_map>

namespace duet::net {

/// Something the daemon asks to close when it shuts down (an HTTP or WebSocket
/// session). shut_down() runs on the event loop and must not call back into the
/// tracker before it returns.
class closable {
public:
    virtual ~closable() = default;
    /// The shutdown's first step, for every session before any is asked to shut_down():
    /// send nothing more. What one session's shutdown tells the others (a partner going
    /// down) is no news to sessions that are about to close too.
    virtual void fall_silent() {}
    virtual void shut_down() = 0;
};

/// Every live session, for the shutdown sequence (docs/protocol.md rule 11). Holds
/// weak_ptrs: sessions own themselves and remove themselves when they end. Once
/// shutdown has begun, a session that arrives later (a handshake that was still in
/// progress) is asked to close as soon as it is added, and the tracker reports when the
/// last session is gone, so the daemon exits then rather than when its grace runs out.
/// Owned by app::server; used on its event-loop thread only.
class session_tracker {
public:
    using key = std::uint64_t;

    key add(std::weak_ptr<closable> session);
    void remove(key k);

    /// Asks every live session, and every one added from now on, to close; then runs
    /// `on_empty` once, when no session is left (at once if there is none).
    void shut_down_all(std::function<void()> on_empty);

    bool shutting_down() const noexcept { return shutting_down_; }
    std::size_t size() const noexcept { return sessions_.size(); }

private:
    void notify_if_empty();

    std::unordered_map<key, std::weak_ptr<closable>> sessions_;
    key next_key_ = 1;
    bool shutting_down_ = false;
    std::function<void()> on_empty_;
};

}  // namespace duet::net
