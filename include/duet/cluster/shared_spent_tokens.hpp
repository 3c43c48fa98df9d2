#pragma once

#include <duet/access/spent_tokens.hpp>
#include <duet/cluster/cluster_room_registry.hpp>
#include <duet/cluster/keys.hpp>

#include <string>
#include <unordered_map>
#include <unordered_set>

namespace duet::cluster {

/// The spent `once` token ids of a cluster (docs/protocol.md rule 14), in Redis, so that a
/// token used on one node is refused on every other: a claim is `SET duet:{name}:once:<jti>
/// NX PXAT <exp>`, one atomic step, and Redis forgets the id when the token has expired.
/// Without Redis a claim answers `full`, which the join reports as `unavailable`. Sends
/// through the node's registry; used on the event loop only.
class shared_spent_tokens final : public access::spent_tokens {
public:
    explicit shared_spent_tokens(cluster_room_registry& store) : store_(store) {}

    void claim(std::string const& jti, clock::time_point keep_until, claim_handler done) override;
    void release(std::string const& jti) override;
    /// Claims waiting for Redis's answer (Redis alone knows how many ids it keeps).
    std::size_t size() const override { return pending_.size(); }

private:
    std::string key(std::string const& jti) const { return keys::spent_once(store_.prefix(), jti); }

    cluster_room_registry& store_;
    std::unordered_map<std::string, claim_handler> pending_;
    std::unordered_set<std::string> given_back_;  // released while the claim was under way
};

}  // namespace duet::cluster
