#include <duet/rooms/kept_messages.hpp>

#include <utility>

namespace duet::rooms {

bool kept_messages::keep_message(std::string_view frame) {
    if (frame.size() > limit_ - message_bytes_) {
        return false;
    }
    message_bytes_ += frame.size();
    frames_.emplace_back(frame);
    return true;
}

void kept_messages::keep_event(std::string frame) {
    frames_.push_back(std::move(frame));
}

std::deque<std::string> kept_messages::take() {
    message_bytes_ = 0;
    return std::exchange(frames_, {});
}

}  // namespace duet::rooms
