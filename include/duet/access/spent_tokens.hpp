#pragma once

#include <chrono>
#include <functional>
#include <string>

namespace duet::access {

/// The `jti`s of `once` join tokens already used for a join (docs/protocol.md rule 14),
/// remembered until the token expires so that it cannot be used twice. An interface, as
/// rooms::room_registry is, so that several daemons can later share one store (Redis):
/// a claim completes through a handler, which such a store runs after its round trip.
///
/// A claim is a reservation: the join it is for may still be refused (full, room_limit,
/// the connection gone), and a refused join does not spend its token, so the caller
/// gives the claim back with release(). A claim that is not released is spent.
class spent_tokens {
public:
    using clock = std::chrono::system_clock;

    virtual ~spent_tokens() = default;

    enum class claim_status {
        claimed,       // not seen before: now held for this join
        already_used,  // claimed before and not released
        full,          // the store holds its maximum: refused, not forgotten (see the implementation)
    };
    using claim_handler = std::function<void(claim_status)>;

    /// Claims `jti` until `keep_until` (the token's exp plus the leeway; after that the
    /// token is refused as expired anyway, so it can be forgotten). Runs `done` exactly
    /// once: before claim() returns, or later from the event loop, unless release(jti)
    /// cancels the claim first.
    virtual void claim(std::string const& jti, clock::time_point keep_until, claim_handler done) = 0;

    /// Gives back a claim whose join was refused, or cancels one still pending (its
    /// handler then never runs). Nothing happens for a jti not claimed.
    virtual void release(std::string const& jti) = 0;

    /// How many jtis are remembered now (for tests and gauges).
    virtual std::size_t size() const = 0;
};

}  // namespace duet::access
