#pragma once

#include <duet/cluster/cluster_terms.hpp>
#include <duet/cluster/inbox_entry.hpp>
#include <duet/cluster/lua_scripts.hpp>
#include <duet/metrics/counters.hpp>
#include <duet/net/asio.hpp>
#include <duet/redis/connection.hpp>
#include <duet/redis/reconnect_delay.hpp>
#include <duet/rooms/room_registry.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace duet::cluster {

/// The rooms of a cluster: several duetd nodes sharing them through one Redis
/// (docs/cluster.md). Seats, capacity, max_rooms and leases live in Redis and change only
/// in Lua scripts (src/cluster/lua), one atomic step each; what a node must hear (room
/// events, messages from members on other nodes, the answers to its own joins and
/// resumes) arrives in order through its own Redis Stream, its inbox, which one
/// connection reads while another sends the scripts. Members this node holds both of
/// hear each other directly, with or without Redis.
///
/// This node's view: its members (by peer id, with the room they are in or joining) and,
/// per room it has members in, every seat id there, kept current by the inbox. relay()
/// decides from that view at once; what only Redis can decide (a receiver that moved, a
/// full keep) comes back later through member::relay_refused.
///
/// Lifetime: made before the event loop (like the registry it replaces) and attached to
/// it by attach(); detach() ends every Redis connection and timer before the loop goes.
/// Sessions still being destroyed after that may call leave() and drop(): they then only
/// forget locally. Used on the loop's thread only.
class cluster_room_registry final : public rooms::room_registry {
public:
    cluster_room_registry(cluster_terms terms, metrics::counters* counters = nullptr);
    ~cluster_room_registry() override;

    void attach(asio::io_context& loop);
    void detach();
    /// A planned stop, once its connections have closed (dropping their seats): takes
    /// this node out of the cluster and calls `done` when Redis has answered everything
    /// sent so far (at once without Redis), so those seats are held before it exits and
    /// their members resume on other nodes.
    void leave_cluster(std::function<void()> done);

    /// One command to Redis for a companion (shared_spent_tokens); fails with
    /// not_connected while the node is not available. `done` may be empty.
    void send(std::vector<std::string> args, redis::command_handler done);
    /// "duet:{cluster_name}:", the start of every key of the cluster.
    std::string const& prefix() const noexcept { return prefix_; }

    /// Whether both Redis connections are up and this node is registered.
    bool available() const noexcept { return available_; }
    std::string const& node_id() const noexcept { return node_; }

    void join(std::string const& room, rooms::member& who, clock::time_point now, join_handler done) override;
    bool can_resume(std::string const& room, std::string_view secret, clock::time_point now) const override;
    void resume(std::string const& room, std::string_view secret, rooms::member& who, clock::time_point now,
                resume_handler done) override;
    void leave(std::string const& room, rooms::member& who, clock::time_point now) override;
    void drop(std::string const& room, rooms::member& who, clock::time_point now) override;
    void hold(std::string const& room, rooms::member& who, clock::time_point now) override;
    void when_applied(std::function<void()> done) override;
    std::size_t expire(clock::time_point now) override;
    std::optional<clock::time_point> next_expiry() const override;
    relay_result relay(std::string const& room, rooms::member const& from, std::string_view frame,
                       std::optional<std::string_view> to) override;

    std::size_t room_count() const override { return views_.size(); }
    std::size_t member_count() const override { return inside_count_; }
    std::size_t held_count() const override { return 0; }

private:
    /// A member of this node: in a room, waiting for the answer to its join or resume,
    /// or draining a seat held at a planned stop (hold(): it may still send, and hears
    /// nothing more; what is sent to it is kept in Redis).
    struct local_member {
        enum class stage { joining, resuming, inside, draining };
        rooms::member* who;
        std::string room;
        stage at;
        std::string secret_hash;      // of its seat's current resume secret
        join_handler on_joined;       // while joining
        resume_handler on_resumed;    // while resuming
        std::string new_secret;       // while resuming: the secret its answer will carry
        std::string presented_hash;   // while resuming: of the secret it presented
        protocol::role role = protocol::role::none;
    };
    using member_map = std::unordered_map<std::string, local_member>;
    /// A room this node has members in: every seat id there, and how many are here.
    struct room_view {
        std::set<std::string, std::less<>> seats;
        std::size_t here = 0;
    };

    // Redis: two connections, the one that sends scripts and the one that reads the inbox.
    void connect();
    void on_connected();
    void on_lost(std::string const& what);
    void register_node();
    void read_inbox();
    void on_inbox(redis::command_result result);
    void trim_inbox();
    void tick();
    /// Sends a script, after the relays batched so far (flush_relays).
    void run(redis::script const& script, std::vector<std::string> args, redis::command_handler done = {});
    void send_script(redis::script const& script, std::vector<std::string> args, redis::command_handler done);
    /// Runs drop.lua for seat `id` of `room` (`mode`: "drain" for hold(), or ""), with
    /// the frames that waited for its marker; `after`: the last inbox entry handled for
    /// it, if not the last one handled. Holds back the inbox's trimming until it has run
    /// (trim_inbox).
    void run_drop(std::string const& room, std::string const& id, std::string_view mode,
                  std::vector<std::string> settling, std::optional<std::string> after = std::nullopt);
    void flush_relays();

    // The inbox.
    void handle(inbox_entry const& entry);
    void on_join_answer(inbox_entry const& entry);
    void on_resume_answer(inbox_entry const& entry);

    // Members.
    void fail_pending(std::string const& id);
    void end_membership(std::string const& room, rooms::member& who, bool dropped);
    void tell_local_left(std::string const& room, std::string const& id);
    void send_remote(std::string const& room, std::string const& sender, std::string_view frame, std::string to,
                     std::vector<std::string> delivered);
    local_member* inside(std::string const& id, std::string_view room);
    /// Whether member `id` of this node may relay into `room`: it is inside, or drains
    /// its seat there.
    bool may_relay(std::string const& id, std::string_view room) const;
    /// Runs resume.lua for `asker`, again after a short wait while the seat's old node
    /// still drains it (hold()), so the new connection's messages follow the old one's.
    void send_resume(std::string const& asker);
    /// A message from a member here to `m`, which is here too: straight away, unless `m`
    /// is still settling (see settling_).
    void deliver_here(local_member& m, std::string const& id, std::string_view frame);
    void start_settling(std::string const& id, std::string const& room);
    /// The frames waiting for `id`'s marker, taken: its seat is held, and drop.lua keeps
    /// them for it where the marker stands.
    std::vector<std::string> take_settling(std::string const& id);
    void end_settling(std::string const& id);
    void enter_view(std::string const& room, std::string const& id, std::vector<std::string> const& others);
    /// Forgets a member of this node; `left_room`: its seat left the room too (not held
    /// or moved elsewhere).
    void forget(member_map::iterator it, bool left_room = true);

    cluster_terms const terms_;
    metrics::counters* const counters_;
    std::string const node_;
    std::string const prefix_;
    lua_scripts const scripts_;
    asio::io_context* loop_ = nullptr;
    std::shared_ptr<redis::connection> commands_;
    std::shared_ptr<redis::connection> reader_;
    std::optional<asio::steady_timer> timer_;    // heartbeat, reaper and lease ends
    std::optional<asio::steady_timer> retry_;    // reconnects
    // Short: while it waits, joins are refused; Redis on loopback is back in well under a second.
    redis::reconnect_delay backoff_{std::chrono::milliseconds(100), std::chrono::seconds(1)};
    bool available_ = false;
    bool registered_ = false;
    std::uint64_t generation_ = 0;  // bumped per connect: older connections' callbacks are stale
    bool reading_ = false;
    std::string last_inbox_id_ = "0";
    std::string epoch_;  // Redis's data epoch when this node registered (register.lua)
    std::size_t inside_count_ = 0;
    std::size_t untrimmed_ = 0;  // inbox entries handled since the last XTRIM
    std::size_t drops_unanswered_ = 0;  // drop.lua runs sent and not answered yet
    // This turn's relays to other nodes, for one run of relay.lua (send_remote).
    std::vector<std::string> relay_batch_;
    std::vector<std::string> relay_senders_;
    bool flush_posted_ = false;
    // Members that just came in (join or resume answered): messages from members here to
    // them may still be on their way through the inbox (sent before this node knew they
    // were here), so direct ones wait here until a marker this node sends itself comes
    // back through the inbox, behind all of those (rule 5: never overtake).
    std::unordered_map<std::string, std::vector<std::string>> settling_;
    member_map members_;
    std::unordered_map<std::string, room_view> views_;
    clock::time_point next_reap_{};
    clock::time_point next_beat_{};
};

}  // namespace duet::cluster
