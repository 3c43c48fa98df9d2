#include <duet/access/local_spent_tokens.hpp>

#include <utility>

namespace duet::access {

local_spent_tokens::local_spent_tokens(std::size_t max_entries, now_function now)
    : max_entries_(max_entries), now_(std::move(now)) {}

void local_spent_tokens::claim(std::string const& jti, clock::time_point keep_until, claim_handler done) {
    forget_expired(now_());
    if (by_jti_.count(jti) != 0) {
        return done(claim_status::already_used);
    }
    if (by_jti_.size() >= max_entries_) {
        return done(claim_status::full);
    }
    by_jti_.emplace(jti, keep_until);
    by_expiry_.emplace(keep_until, jti);
    done(claim_status::claimed);
}

void local_spent_tokens::release(std::string const& jti) {
    auto const it = by_jti_.find(jti);
    if (it == by_jti_.end()) {
        return;
    }
    auto [first, last] = by_expiry_.equal_range(it->second);
    for (; first != last; ++first) {
        if (first->second == jti) {
            by_expiry_.erase(first);
            break;
        }
    }
    by_jti_.erase(it);
}

void local_spent_tokens::forget_expired(clock::time_point now) {
    while (!by_expiry_.empty() && by_expiry_.begin()->first <= now) {
        by_jti_.erase(by_expiry_.begin()->second);
        by_expiry_.erase(by_expiry_.begin());
    }
}

}  // namespace duet::access
