#include <duet/net/session_tracker.hpp>

#include <vector>

namespace duet::net {

session_tracker::key session_tracker::add(std::weak_ptr<closable> session) {
    key const k = next_key_++;
    auto const late = shutting_down_ ? session.lock() : nullptr;
    sessions_.emplace(k, std::move(session));
    if (late) {
        // Its handshake was still under way when shutdown began: it closes too.
        late->shut_down();
    }
    return k;
}

void session_tracker::remove(key k) {
    if (sessions_.erase(k) > 0) {
        notify_if_empty();
    }
}

void session_tracker::shut_down_all(std::function<void()> on_empty) {
    shutting_down_ = true;
    on_empty_ = std::move(on_empty);
    // A copy: a session may remove itself while being asked.
    std::vector<std::shared_ptr<closable>> live;
    live.reserve(sessions_.size());
    for (auto const& [k, weak] : sessions_) {
        if (auto session = weak.lock()) {
            live.push_back(std::move(session));
        }
    }
    for (auto const& session : live) {
        session->fall_silent();
    }
    for (auto const& session : live) {
        session->shut_down();
    }
    live.clear();
    notify_if_empty();
}

void session_tracker::notify_if_empty() {
    if (shutting_down_ && sessions_.empty() && on_empty_) {
        auto done = std::move(on_empty_);
        on_empty_ = nullptr;
        done();
    }
}

}  // namespace duet::net
