#pragma once

#include <duet/net/client_address.hpp>

#include <chrono>
#include <cstddef>
#include <list>
#include <optional>
#include <unordered_map>

namespace duet::net {

/// The limits per client address (issue 11): open WebSockets
/// (`max_connections_per_client`), connections not yet upgraded
/// (`max_http_connections_per_client`), and a token bucket for WebSocket handshakes
/// (`handshake_rate_per_client` per second, `handshake_burst_per_client` at once).
/// Connection places are RAII slots, like net::admission's, so no path can forget to
/// give one back.
///
/// Memory stays bounded under address churn: a client is tracked while it holds a slot
/// (at most max_connections + max_http_connections such clients, the global limits) or
/// while its bucket is refilling after its last connection ended ("idle"). An idle
/// client is forgotten once its bucket is full again (it would start full anyway), and
/// in any case when more than `max_idle_clients` are idle: the longest idle goes first,
/// and if its bucket was not yet full it gets a full one when it comes back (counted in
/// forgotten_early()). Owned by app::server; used on its event-loop thread only.
class client_limits {
public:
    using clock = std::chrono::steady_clock;

    struct limits {
        std::size_t websockets = 0;         // per client; past it a handshake gets 503
        std::size_t http_connections = 0;   // per client; past it the connection is refused
        double handshakes_per_second = 1;   // bucket refill
        double handshake_burst = 1;         // bucket size
    };
    enum class kind { websocket, http };

    /// One connection's place among its client's, held until destroyed. Move-only.
    class slot {
    public:
        slot(slot&& other) noexcept;
        slot& operator=(slot&& other) noexcept;
        slot(slot const&) = delete;
        slot& operator=(slot const&) = delete;
        ~slot() { release(); }

        client_address const& client() const noexcept { return client_; }

    private:
        friend class client_limits;
        slot(client_limits& owner, client_address client, kind what) noexcept
            : owner_(&owner), client_(std::move(client)), kind_(what) {}
        void release() noexcept;

        client_limits* owner_;
        client_address client_;
        kind kind_;
    };

    /// A handshake's verdict: allowed (a token was taken), or refused until `retry_after`.
    struct handshake_verdict {
        bool allowed = true;
        std::chrono::seconds retry_after{0};
    };

    client_limits(limits initial, std::size_t max_idle_clients);
    client_limits(client_limits const&) = delete;
    client_limits& operator=(client_limits const&) = delete;

    /// New limits (a reload): slots already held stay; buckets keep their tokens, capped
    /// at the new burst.
    void set_limits(limits next) noexcept { limits_ = next; }
    limits const& current() const noexcept { return limits_; }

    /// A place for one more connection of `what` for `client`, or nothing at its limit.
    std::optional<slot> try_acquire(kind what, client_address const& client, clock::time_point now);
    /// Takes a handshake token for `client`, or says when the next one is due.
    handshake_verdict try_handshake(client_address const& client, clock::time_point now);

    /// Clients tracked now (holding a slot, or idle with a refilling bucket).
    std::size_t tracked() const noexcept { return clients_.size(); }
    std::size_t idle() const noexcept { return idle_.size(); }
    std::size_t forgotten_early() const noexcept { return forgotten_early_; }
    std::size_t held(kind what, client_address const& client) const;

    /// Forgets idle clients whose bucket is full at `now`, and idle ones past the bound.
    void prune(clock::time_point now);

private:
    struct entry {
        std::size_t websockets = 0;
        std::size_t http_connections = 0;
        double tokens = 0;
        clock::time_point refilled;
        std::optional<std::list<client_address>::iterator> idle_at;  // set while idle
    };

    entry& find_or_add(client_address const& client, clock::time_point now);
    void refill(entry& e, clock::time_point now) const noexcept;
    bool bucket_full(entry const& e, clock::time_point now) const noexcept;
    void mark_busy(entry& e) noexcept;
    void mark_idle_if_unused(client_address const& client, entry& e);
    void give_back(client_address const& client, kind what) noexcept;

    limits limits_;
    std::size_t const max_idle_clients_;
    // Invariant: an entry with a slot is never erased, so a slot may find its entry by
    // address; only idle entries (no slot) are.
    std::unordered_map<client_address, entry, client_address_hash> clients_;
    std::list<client_address> idle_;  // oldest idle first
    std::size_t forgotten_early_ = 0;
};

}  // namespace duet::net
