#pragma once

#include <cstddef>
#include <optional>

namespace duet::net {

/// A fixed number of places for connections of one kind (WebSockets: max_connections;
/// connections not yet upgraded: max_http_connections). A slot holds one place and
/// gives it back when destroyed, so no path can forget to. Kept apart from the metrics
/// counters: what is allowed is decided here, what happened is counted there.
/// Owned by app::server; used on its event-loop thread only.
class admission {
public:
    /// One place, held until destroyed. Move-only.
    class slot {
    public:
        slot(slot&& other) noexcept : owner_(other.owner_) { other.owner_ = nullptr; }
        slot& operator=(slot&& other) noexcept;
        slot(slot const&) = delete;
        slot& operator=(slot const&) = delete;
        ~slot() { release(); }

    private:
        friend class admission;
        explicit slot(admission& owner) noexcept : owner_(&owner) {}
        void release() noexcept;

        admission* owner_;
    };

    explicit admission(std::size_t limit) noexcept : limit_(limit) {}
    admission(admission const&) = delete;
    admission& operator=(admission const&) = delete;

    /// A slot, or nothing when all `limit` places are taken.
    std::optional<slot> try_acquire() noexcept;

    std::size_t in_use() const noexcept { return in_use_; }
    std::size_t limit() const noexcept { return limit_; }

private:
    std::size_t const limit_;
    std::size_t in_use_ = 0;
};

}  // namespace duet::net
