#pragma once

#include <duet/access/spent_tokens.hpp>

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <unordered_map>

namespace duet::access {

/// The spent once-token `jti`s of this process, in memory. Every claim completes before
/// it returns. Owned by app::server; used on its event-loop thread only, so no lock.
///
/// Bounded by `max_entries` (the setting max_spent_tokens). At the bound, after dropping
/// every expired entry, a new claim is refused (`full`): forgetting a spent jti early
/// would let its token be used again, and refusing a join is the safe side. Tokens that
/// are not `once` never reach the store and are unaffected.
class local_spent_tokens final : public spent_tokens {
public:
    using now_function = std::function<clock::time_point()>;

    explicit local_spent_tokens(std::size_t max_entries, now_function now = [] { return clock::now(); });

    void claim(std::string const& jti, clock::time_point keep_until, claim_handler done) override;
    void release(std::string const& jti) override;
    std::size_t size() const override { return by_jti_.size(); }

private:
    void forget_expired(clock::time_point now);

    std::size_t const max_entries_;
    now_function now_;
    std::unordered_map<std::string, clock::time_point> by_jti_;
    // The same entries ordered by when they may be forgotten, so dropping the expired
    // ones costs only what is dropped.
    std::multimap<clock::time_point, std::string> by_expiry_;
};

}  // namespace duet::access
