#include <duet/ws/send_queue.hpp>

namespace duet::ws {

send_queue::push_result send_queue::push(rooms::shared_frame frame) {
    if (bytes_ + frame->size() > max_bytes_) {
        return push_result::over_limit;
    }
    bytes_ += frame->size();
    frames_.push_back(std::move(frame));
    return push_result::ok;
}

void send_queue::pop_front() {
    bytes_ -= frames_.front()->size();
    frames_.pop_front();
}

void send_queue::drop_pending() {
    while (frames_.size() > 1) {
        bytes_ -= frames_.back()->size();
        frames_.pop_back();
    }
}

}  // namespace duet::ws
