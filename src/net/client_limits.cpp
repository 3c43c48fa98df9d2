#include <duet/net/client_limits.hpp>

#include <algorithm>
#include <cmath>

namespace duet::net {

client_limits::slot::slot(slot&& other) noexcept
    : owner_(other.owner_), client_(other.client_), kind_(other.kind_) {
    other.owner_ = nullptr;
}

client_limits::slot& client_limits::slot::operator=(slot&& other) noexcept {
    if (this != &other) {
        release();
        owner_ = other.owner_;
        client_ = other.client_;
        kind_ = other.kind_;
        other.owner_ = nullptr;
    }
    return *this;
}

void client_limits::slot::release() noexcept {
    if (owner_ != nullptr) {
        owner_->give_back(client_, kind_);
        owner_ = nullptr;
    }
}

client_limits::client_limits(limits initial, std::size_t max_idle_clients)
    : limits_(initial), max_idle_clients_(max_idle_clients) {}

std::optional<client_limits::slot> client_limits::try_acquire(kind what, client_address const& client,
                                                              clock::time_point now) {
    prune(now);
    auto& e = find_or_add(client, now);
    auto& count = what == kind::websocket ? e.websockets : e.http_connections;
    auto const limit = what == kind::websocket ? limits_.websockets : limits_.http_connections;
    if (count >= limit) {
        mark_idle_if_unused(client, e);
        return std::nullopt;
    }
    ++count;
    mark_busy(e);
    return slot(*this, client, what);
}

client_limits::handshake_verdict client_limits::try_handshake(client_address const& client, clock::time_point now) {
    prune(now);
    auto& e = find_or_add(client, now);
    refill(e, now);
    handshake_verdict verdict;
    if (e.tokens >= 1) {
        e.tokens -= 1;
    } else {
        verdict.allowed = false;
        auto const wait = (1 - e.tokens) / limits_.handshakes_per_second;
        verdict.retry_after = std::chrono::seconds(std::max<long long>(1, static_cast<long long>(std::ceil(wait))));
    }
    mark_idle_if_unused(client, e);
    return verdict;
}

std::size_t client_limits::held(kind what, client_address const& client) const {
    auto const it = clients_.find(client);
    if (it == clients_.end()) {
        return 0;
    }
    return what == kind::websocket ? it->second.websockets : it->second.http_connections;
}

void client_limits::prune(clock::time_point now) {
    while (!idle_.empty()) {
        auto const it = clients_.find(idle_.front());
        bool const full = bucket_full(it->second, now);
        if (!full && idle_.size() <= max_idle_clients_) {
            // Entries behind this one may be full already; they go when they reach the
            // front, and the bound holds meanwhile.
            break;
        }
        if (!full) {
            ++forgotten_early_;
        }
        clients_.erase(it);
        idle_.pop_front();
    }
}

client_limits::entry& client_limits::find_or_add(client_address const& client, clock::time_point now) {
    auto [it, added] = clients_.try_emplace(client);
    if (added) {
        it->second.tokens = limits_.handshake_burst;  // a new client starts with a full bucket
        it->second.refilled = now;
    }
    return it->second;
}

void client_limits::refill(entry& e, clock::time_point now) const noexcept {
    if (now > e.refilled) {
        double const elapsed = std::chrono::duration<double>(now - e.refilled).count();
        e.tokens = std::min(limits_.handshake_burst, e.tokens + elapsed * limits_.handshakes_per_second);
        e.refilled = now;
    }
    e.tokens = std::min(e.tokens, limits_.handshake_burst);
}

bool client_limits::bucket_full(entry const& e, clock::time_point now) const noexcept {
    double const elapsed = now > e.refilled ? std::chrono::duration<double>(now - e.refilled).count() : 0.0;
    return e.tokens + elapsed * limits_.handshakes_per_second >= limits_.handshake_burst;
}

void client_limits::mark_busy(entry& e) noexcept {
    if (e.idle_at) {
        idle_.erase(*e.idle_at);
        e.idle_at.reset();
    }
}

void client_limits::mark_idle_if_unused(client_address const& client, entry& e) {
    if (e.websockets != 0 || e.http_connections != 0 || e.idle_at) {
        return;
    }
    e.idle_at = idle_.insert(idle_.end(), client);
    // The bound holds at once, not only at the next prune with a time.
    while (idle_.size() > max_idle_clients_) {
        auto const oldest = clients_.find(idle_.front());
        ++forgotten_early_;
        clients_.erase(oldest);
        idle_.pop_front();
    }
}

void client_limits::give_back(client_address const& client, kind what) noexcept {
    auto const it = clients_.find(client);
    if (it == clients_.end()) {
        return;  // cannot happen while the invariant holds; never crash a destructor
    }
    auto& count = what == kind::websocket ? it->second.websockets : it->second.http_connections;
    if (count > 0) {
        --count;
    }
    try {
        mark_idle_if_unused(client, it->second);
    } catch (...) {
        // Out of memory for one list node: forget the client rather than throw from a
        // destructor; it comes back with a full bucket.
        clients_.erase(it);
    }
}

}  // namespace duet::net
