#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace duet::runtime {

/// Something the daemon can ask to close when it shuts down (an HTTP or WebSocket
/// session). shut_down() may be called from any thread: it must only post onto the
/// session's strand.
class closable {
public:
    virtual ~closable() = default;
    virtual void shut_down() = 0;
};

/// Every live session, for the shutdown sequence (PROTOCOL.md rule 11). Thread-safe.
/// Holds weak_ptrs: sessions own themselves; a session removes itself when it ends.
class session_tracker {
public:
    using key = std::uint64_t;

    key add(std::weak_ptr<closable> session);
    void remove(key k);

    /// Asks every live session to close. Copies the list under the lock and calls
    /// shut_down() outside it, so a session may remove itself meanwhile.
    void shut_down_all();

    std::size_t size() const;

private:
    mutable std::mutex mutex_;
    std::unordered_map<key, std::weak_ptr<closable>> sessions_;
    key next_key_ = 1;
};

}  // namespace duet::runtime
