#include <duet/runtime/session_tracker.hpp>

#include <vector>

namespace duet::runtime {

session_tracker::key session_tracker::add(std::weak_ptr<closable> session) {
    std::lock_guard lock(mutex_);
    key const k = next_key_++;
    sessions_.emplace(k, std::move(session));
    return k;
}

void session_tracker::remove(key k) {
    std::lock_guard lock(mutex_);
    sessions_.erase(k);
}

void session_tracker::shut_down_all() {
    std::vector<std::weak_ptr<closable>> copy;
    {
        std::lock_guard lock(mutex_);
        copy.reserve(sessions_.size());
        for (auto const& [k, session] : sessions_) {
            copy.push_back(session);
        }
    }
    for (auto const& weak : copy) {
        if (auto session = weak.lock()) {
            session->shut_down();
        }
    }
}

std::size_t session_tracker::size() const {
    std::lock_guard lock(mutex_);
    return sessions_.size();
}

}  // namespace duet::runtime
