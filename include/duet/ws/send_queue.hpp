#pragma once

#include <duet/rooms/peer.hpp>

#include <cstddef>
#include <deque>

namespace duet::ws {

/// The frames waiting to be written to one connection, strictly FIFO, bounded by bytes
/// (PROTOCOL.md rule 5). Pure; owned by one session and used only on its strand. The
/// front frame stays queued while it is being written, so it counts toward the limit.
class send_queue {
public:
    explicit send_queue(std::size_t max_bytes) : max_bytes_(max_bytes) {}

    enum class push_result { ok, over_limit };

    /// Appends `frame` unless that would take the queue past its byte limit; then it
    /// refuses (and keeps nothing): the caller drops the connection, never the frame.
    push_result push(rooms::shared_frame frame);

    rooms::shared_frame const& front() const { return frames_.front(); }
    void pop_front();

    /// Drops every frame but the front one (being written): the connection is closing.
    void drop_pending();

    bool empty() const noexcept { return frames_.empty(); }
    std::size_t size() const noexcept { return frames_.size(); }
    std::size_t bytes() const noexcept { return bytes_; }

private:
    std::size_t const max_bytes_;
    std::deque<rooms::shared_frame> frames_;
    std::size_t bytes_ = 0;
};

}  // namespace duet::ws
