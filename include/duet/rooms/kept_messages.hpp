#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>

namespace duet::rooms {

/// What is said to a member while its seat is held (docs/protocol.md rule 12), kept in
/// order for its resume. Relayed `message` frames count toward `limit` bytes, and one
/// that would pass it is not kept; room events (`otherjoin`, `bye`, `peerdown`,
/// `peerup`) are always kept and not counted: they are small, at most a few per
/// membership change, and without them a resumed member would not know who is there.
/// Pure; owned by one held seat.
class kept_messages {
public:
    explicit kept_messages(std::size_t limit) : limit_(limit) {}

    /// Keeps a relayed message; false, and nothing kept, past the limit.
    bool keep_message(std::string_view frame);

    /// Keeps a room event, whatever the limit.
    void keep_event(std::string frame);

    /// Everything kept, oldest first; empties the keep.
    std::deque<std::string> take();

    std::size_t message_bytes() const noexcept { return message_bytes_; }
    bool empty() const noexcept { return frames_.empty(); }

private:
    std::size_t limit_;
    std::size_t message_bytes_ = 0;
    std::deque<std::string> frames_;
};

}  // namespace duet::rooms
