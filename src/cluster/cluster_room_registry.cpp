#include <duet/cluster/cluster_room_registry.hpp>

#include <duet/cluster/keys.hpp>

#include <duet/digest/hex_digest.hpp>
#include <duet/logging/event.hpp>
#include <duet/logging/setup.hpp>
#include <duet/protocol/identifiers.hpp>
#include <duet/redis/error.hpp>

#include <algorithm>
#include <span>

namespace duet::cluster {
namespace {

// How often a node looks at the clock of the cluster: ends due leases (Redis decides
// which), renews its liveness key and looks for dead nodes (each every quarter TTL).
constexpr std::chrono::milliseconds tick_period{250};
// Inbox entries read at once, and how long one XREAD waits for the first.
constexpr char const* inbox_batch = "512";
constexpr char const* inbox_block_ms = "2000";
// Leases ended per run of expire.lua: a bound on one script's time.
constexpr char const* expire_batch = "200";
// How soon a resume asks again while the seat's old node still drains it (resume.lua):
// that lasts until the old connection's client answers its close, a round trip or so.
constexpr std::chrono::milliseconds resume_retry{10};

protocol::role role_named(std::string_view name) {
    if (name == "impolite") {
        return protocol::role::impolite;
    }
    return name == "polite" ? protocol::role::polite : protocol::role::none;
}

rooms::room_registry::resume_result unreachable() {
    rooms::room_registry::resume_result r;
    r.unavailable = true;
    return r;
}

bool failed(redis::command_result const& result) {
    return !result || result->is_error();
}

std::string describe(redis::command_result const& result) {
    return result ? result->text() : result.error().message();
}

}  // namespace

cluster_room_registry::cluster_room_registry(cluster_terms terms, metrics::counters* counters)
    : terms_(std::move(terms)),
      counters_(counters),
      node_(protocol::make_peer_id()),
      prefix_("duet:" + terms_.name + ":") {}

cluster_room_registry::~cluster_room_registry() {
    detach();
}

void cluster_room_registry::attach(asio::io_context& loop) {
    loop_ = &loop;
    timer_.emplace(loop);
    retry_.emplace(loop);
    logging::info(logging::event("cluster.start"), "cluster '{}' through {}: this node is {}", terms_.name,
                  redis::to_string(terms_.store), node_);
    connect();
    tick();
}

void cluster_room_registry::detach() {
    relay_batch_.clear();
    relay_senders_.clear();
    available_ = false;
    reading_ = false;
    for (auto* link : {&commands_, &reader_}) {
        if (*link) {
            (*link)->close();
            link->reset();
        }
    }
    timer_.reset();
    retry_.reset();
    loop_ = nullptr;
}

void cluster_room_registry::leave_cluster(std::function<void()> done) {
    if (!commands_ || !commands_->ready()) {
        return done();
    }
    // This node leaves the cluster (its members' seats are held by now: their closes
    // dropped them), so no other node takes it for dead later. Redis answers in order:
    // when the last is answered, every drop sent before it is done.
    flush_relays();
    auto ignore = [](redis::command_result const&) {};
    commands_->command({"SREM", keys::nodes(prefix_), node_}, ignore);
    commands_->command({"DEL", keys::alive(prefix_, node_), keys::inbox(prefix_, node_), keys::seats(prefix_, node_)},
                       [done = std::move(done)](redis::command_result const&) { done(); });
    // No heartbeat may bring it back before the process ends.
    available_ = false;
    reading_ = false;
}

// --- Redis connections --------------------------------------------------------------

void cluster_room_registry::connect() {
    if (!loop_) {
        return;
    }
    auto const generation = ++generation_;
    commands_ = redis::connection::create(loop_->get_executor(), terms_.store);
    reader_ = redis::connection::create(loop_->get_executor(), terms_.store);
    for (auto const& link : {commands_, reader_}) {
        link->on_lost([this, generation](error_code, std::string const& detail) {
            if (generation == generation_) {
                on_lost(detail);
            }
        });
        link->connect([this, generation](error_code ec, std::string const& detail) {
            if (generation != generation_) {
                return;
            }
            if (ec) {
                return on_lost(detail.empty() ? ec.message() : detail);
            }
            if (commands_->ready() && reader_->ready()) {
                on_connected();
            }
        });
    }
}

void cluster_room_registry::on_connected() {
    backoff_.reset();
    register_node();
}

void cluster_room_registry::on_lost(std::string const& what) {
    if (!loop_) {
        return;
    }
    flush_relays();  // onto the failing connection: their senders hear `unavailable`
    bool const was_available = std::exchange(available_, false);
    reading_ = false;
    ++generation_;  // the callbacks of these connections are stale from here on
    drops_unanswered_ = 0;
    for (auto* link : {&commands_, &reader_}) {
        if (*link) {
            (*link)->close();
            link->reset();
        }
    }
    if (was_available) {
        logging::warn(logging::event("cluster.lost").reason("redis"),
                      "lost Redis ({}): joins and messages to other nodes get `unavailable` until it is back", what);
        if (counters_) {
            metrics::counters::add(counters_->cluster_redis_lost_total);
        }
    }
    // Markers sent will not come back: what waited for them goes now (nothing can
    // overtake it while no inbox is read).
    std::vector<std::string> settling;
    for (auto const& [id, frames] : settling_) {
        settling.push_back(id);
    }
    for (auto const& id : settling) {
        end_settling(id);
    }
    // Joins and resumes waiting for their answer will not get one.
    std::vector<std::string> waiting;
    for (auto const& [id, m] : members_) {
        if (m.at == local_member::stage::joining || m.at == local_member::stage::resuming) {
            waiting.push_back(id);
        }
    }
    for (auto const& id : waiting) {
        fail_pending(id);
    }
    auto const delay = backoff_.next();
    retry_->expires_after(delay);
    retry_->async_wait([this](error_code ec) {
        if (!ec) {
            connect();
        }
    });
}

void cluster_room_registry::register_node() {
    // Every script is loaded before the node takes any request: an EVALSHA that met
    // NOSCRIPT would be sent again as EVAL after the ones behind it, and a relay overtaken
    // that way breaks rule 5's order. (An operator's SCRIPT FLUSH while nodes run could
    // still do it once per script: docs/cluster.md.)
    for (auto const* script : {&scripts_.join, &scripts_.leave, &scripts_.drop, &scripts_.drained, &scripts_.resume,
                               &scripts_.relay,
                               &scripts_.expire, &scripts_.reap, &scripts_.enroll, &scripts_.heartbeat}) {
        commands_->command({"SCRIPT", "LOAD", script->source()}, [](redis::command_result const&) {});
    }
    // Every member this node holds, so that Redis seats them again if it forgot them
    // (restarted empty, or the reaper took them while this node was cut off).
    std::vector<std::string> a = {prefix_, node_, std::to_string(terms_.node_ttl.count()),
                                  std::to_string(terms_.room_capacity), epoch_, protocol::make_peer_id()};
    for (auto const& [id, m] : members_) {
        if (m.at == local_member::stage::inside) {
            a.insert(a.end(), {m.room, id, std::string(protocol::wire_name(m.role)), m.secret_hash});
        }
    }
    scripts_.enroll.run(commands_, {}, std::move(a), [this, generation = generation_](redis::command_result const& r) {
        if (generation != generation_) {
            return;
        }
        if (failed(r)) {
            return on_lost("registering this node: " + describe(r));
        }
        auto const& answer = r->elements();
        if (answer.empty()) {
            return on_lost("registering this node: an empty answer");
        }
        if (auto const& epoch = answer.front().text(); epoch != epoch_) {
            // A Redis that lost its data (or the first registration): its streams start
            // afresh, with ids from its own clock, so this node's inbox is read from the start.
            epoch_ = epoch;
            last_inbox_id_ = "0";
        }
        // Seats that went to another connection meanwhile, or that found no room.
        for (auto const& gone : std::span(answer).subspan(1)) {
            auto it = members_.find(gone.text());
            if (it != members_.end() && it->second.at == local_member::stage::inside) {
                auto* who = it->second.who;
                auto const room = it->second.room;
                forget(it);
                who->replaced(room);
            }
        }
        if (!std::exchange(available_, true)) {
            logging::info(logging::event("cluster.ready"), "registered in cluster '{}' as {}", terms_.name, node_);
        }
        next_beat_ = clock::now() + terms_.node_ttl / 4;
        if (!reading_) {
            reading_ = true;
            read_inbox();
        }
    });
}

void cluster_room_registry::read_inbox() {
    reader_->command({"XREAD", "COUNT", inbox_batch, "BLOCK", inbox_block_ms, "STREAMS", keys::inbox(prefix_, node_),
                      last_inbox_id_},
                     [this, generation = generation_](redis::command_result r) {
                         if (generation != generation_ || !reading_) {
                             return;
                         }
                         on_inbox(std::move(r));
                     });
}

void cluster_room_registry::on_inbox(redis::command_result result) {
    if (failed(result)) {
        return on_lost("reading the inbox: " + describe(result));
    }
    auto const entries = parse_inbox(std::move(*result));
    if (!entries) {
        return on_lost("the inbox reply was not an XREAD reply");
    }
    for (auto const& entry : *entries) {
        last_inbox_id_ = entry.id;
        handle(entry);
    }
    // Trimmed after every read, even of one entry: a dead node's inbox then holds only
    // what its members missed, and the reaper hands exactly that to their keeps (trimming
    // less often made a resumed member get messages twice).
    untrimmed_ += entries->size();
    trim_inbox();
    read_inbox();
}

void cluster_room_registry::trim_inbox() {
    // Entries for a member that dropped were skipped here (handle) and are moved to its
    // keep by its drop.lua, which finds them in the inbox: none may go before that has
    // run, and this connection does not wait for the other one's scripts.
    if (untrimmed_ == 0 || drops_unanswered_ > 0 || !reader_ || !reader_->ready()) {
        return;
    }
    // On the reader's connection, right before its next XREAD: both go to Redis in one
    // write, and when entries are waiting both answers come back in one read.
    reader_->command({"XTRIM", keys::inbox(prefix_, node_), "MINID", next_stream_id(last_inbox_id_)},
                     [](redis::command_result const&) {});
    untrimmed_ = 0;
}

void cluster_room_registry::tick() {
    if (!timer_) {
        return;
    }
    if (available_) {
        auto const now = clock::now();
        run(scripts_.expire, {prefix_, expire_batch}, [this](redis::command_result const& r) {
            if (!failed(r) && counters_) {
                metrics::counters::add(counters_->leases_expired_total, static_cast<std::uint64_t>(r->as_integer()));
            }
        });
        if (now >= next_beat_) {
            next_beat_ = now + terms_.node_ttl / 4;
            run(scripts_.heartbeat, {prefix_, node_, std::to_string(terms_.node_ttl.count())},
                [this](redis::command_result const& r) {
                    // Expired already: the node was taken for dead and must seat its
                    // members again.
                    if (!failed(r) && r->as_integer() == 0 && available_) {
                        logging::warn(logging::event("cluster.rejoin"),
                                      "this node's liveness key had expired: registering its members again");
                        register_node();
                    }
                });
        }
        if (now >= next_reap_) {
            next_reap_ = now + terms_.node_ttl / 4;
            run(scripts_.reap, {prefix_, std::to_string(terms_.seat_lease.count()), std::to_string(terms_.queue_bytes)},
                [this](redis::command_result const& r) {
                    if (failed(r)) {
                        return;
                    }
                    for (auto const& dead : r->elements()) {
                        logging::warn(logging::event("cluster.dead_node"),
                                      "node {} stopped renewing its liveness key: its seats are held for a resume",
                                      dead.text());
                        if (counters_) {
                            metrics::counters::add(counters_->cluster_dead_nodes_total);
                        }
                    }
                });
        }
    }
    timer_->expires_after(tick_period);
    timer_->async_wait([this](error_code ec) {
        if (!ec) {
            tick();
        }
    });
}

void cluster_room_registry::run(redis::script const& script, std::vector<std::string> a, redis::command_handler done) {
    flush_relays();  // what was relayed before this goes before it
    send_script(script, std::move(a), std::move(done));
}

void cluster_room_registry::run_drop(std::string const& room, std::string const& id, std::string_view mode,
                                     std::vector<std::string> settling, std::optional<std::string> after) {
    std::vector<std::string> a = {prefix_, room, id, node_, std::to_string(terms_.seat_lease.count()),
                                  after.value_or(last_inbox_id_), std::to_string(terms_.queue_bytes), std::string(mode)};
    std::move(settling.begin(), settling.end(), std::back_inserter(a));
    ++drops_unanswered_;
    run(scripts_.drop, std::move(a), [this, generation = generation_](redis::command_result const&) {
        if (generation == generation_ && drops_unanswered_ > 0) {
            --drops_unanswered_;
        }
    });
}

void cluster_room_registry::send_script(redis::script const& script, std::vector<std::string> a,
                                        redis::command_handler done) {
    if (!commands_ || !commands_->ready()) {
        // Callers check available() first; a link that just went is reported by on_lost.
        if (done) {
            asio::post(loop_->get_executor(), [done = std::move(done)] {
                done(redis::command_result(boost::system::error_code(redis::error::not_connected)));
            });
        }
        return;
    }
    auto const sent = clock::now();
    script.run(commands_, {}, std::move(a),
               [this, sent, done = std::move(done)](redis::command_result const& r) {
                   if (counters_) {
                       counters_->cluster.redis_round_trip.observe(clock::now() - sent);
                   }
                   if (done) {
                       done(r);
                   }
               });
}

void cluster_room_registry::send(std::vector<std::string> a, redis::command_handler done) {
    if (!available_ || !commands_) {
        if (done && loop_) {
            asio::post(loop_->get_executor(), [done = std::move(done)] {
                done(redis::command_result(boost::system::error_code(redis::error::not_connected)));
            });
        }
        return;
    }
    flush_relays();
    commands_->command(std::move(a), done ? std::move(done) : [](redis::command_result const&) {});
}

// --- The inbox ----------------------------------------------------------------------

void cluster_room_registry::handle(inbox_entry const& e) {
    switch (e.event) {
    case 'J':
        return on_join_answer(e);
    case 'R':
        return on_resume_answer(e);
    default:
        break;
    }
    auto* m = inside(e.to, e.room);
    if (!m) {
        return;  // it left or dropped meanwhile: the drop moved what it missed to its keep
    }
    auto view = views_.find(e.room);
    switch (e.event) {
    case 'm':
        if (counters_) {
            metrics::counters::add(counters_->cluster_messages_in_total);
        }
        [[fallthrough]];
    case 'k':
        return m->who->deliver(e.frame);
    case 'j':
        if (view != views_.end()) {
            view->second.seats.insert(e.who);
        }
        return m->who->member_joined(e.room, e.who);
    case 'l':
        if (view != views_.end()) {
            view->second.seats.erase(e.who);
        }
        return m->who->member_left(e.room, e.who);
    case 'd':
        return m->who->member_down(e.room, e.who);
    case 'u':
        return m->who->member_up(e.room, e.who);
    case 'S':
        return end_settling(e.to);
    case 'x': {
        // Resumed on another connection: the seat stays in the room, elsewhere.
        auto* who = m->who;
        auto const room = e.room;
        forget(members_.find(e.to), false);
        return who->replaced(room);
    }
    default:
        logging::warn(logging::event("cluster.inbox"), "unknown inbox entry '{}' ignored", e.event);
    }
}

void cluster_room_registry::on_join_answer(inbox_entry const& e) {
    auto it = members_.find(e.to);
    if (it == members_.end() || it->second.at != local_member::stage::joining || it->second.room != e.room) {
        return;  // the member went before its answer: leave() sent a leave behind the join
    }
    auto done = std::move(it->second.on_joined);
    if (e.status != "joined") {
        members_.erase(it);
        return done({e.status == "full" ? join_status::full : join_status::room_limit});
    }
    auto& m = it->second;
    m.at = local_member::stage::inside;
    m.role = role_named(e.role);
    enter_view(e.room, e.to, e.others);
    start_settling(e.to, e.room);
    done({join_status::joined, e.peers, m.role, std::exchange(m.new_secret, {})});
}

void cluster_room_registry::on_resume_answer(inbox_entry const& e) {
    auto it = members_.find(e.to);
    if (it == members_.end() || it->second.at != local_member::stage::resuming || it->second.room != e.room) {
        if (e.status == "resumed") {
            // The connection that asked went meanwhile: its seat is held again, with
            // whatever follows this answer in the inbox.
            run_drop(e.room, e.seat, "", {}, e.id);
        }
        return;
    }
    auto done = std::move(it->second.on_resumed);
    if (e.status != "resumed") {
        members_.erase(it);
        return done({});
    }
    local_member m = std::move(it->second);
    members_.erase(it);
    m.at = local_member::stage::inside;
    m.role = role_named(e.role);
    auto const secret = std::exchange(m.new_secret, {});
    members_.insert_or_assign(e.seat, std::move(m));
    enter_view(e.room, e.seat, e.others);
    start_settling(e.seat, e.room);
    if (counters_) {
        metrics::counters::add(counters_->cluster_resumes_total);
        if (e.held) {
            metrics::counters::add(counters_->leases_resumed_total);
        }
    }
    done({true, e.seat, e.peers, role_named(e.role), secret});
}

// --- room_registry ------------------------------------------------------------------

void cluster_room_registry::join(std::string const& room, rooms::member& who, clock::time_point, join_handler done) {
    if (!available_) {
        return done({join_status::unavailable});
    }
    auto const& id = who.id();
    auto const secret = terms_.seat_lease.count() > 0 ? protocol::make_resume_secret() : std::string();
    auto const hash = secret.empty() ? std::string() : digest::sha256_hex(secret);
    members_.insert_or_assign(id, local_member{&who, room, local_member::stage::joining, hash, std::move(done), {},
                                               secret, {}});
    run(scripts_.join,
        {prefix_, room, id, node_, std::to_string(terms_.room_capacity), std::to_string(terms_.max_rooms), hash},
        [this, id](redis::command_result const& r) {
            if (failed(r)) {
                fail_pending(id);
            }
        });
}

bool cluster_room_registry::can_resume(std::string const&, std::string_view, clock::time_point) const {
    // Redis decides in resume(), which answers bad_resume; see docs/cluster.md on the one
    // order rule 9 cannot keep here (a resume sent while already in a room).
    return true;
}

void cluster_room_registry::resume(std::string const& room, std::string_view secret, rooms::member& who,
                                   clock::time_point, resume_handler done) {
    if (!available_) {
        return done(unreachable());
    }
    auto const& asker = who.id();
    auto const fresh = protocol::make_resume_secret();
    auto const hash = digest::sha256_hex(fresh);
    members_.insert_or_assign(asker, local_member{&who, room, local_member::stage::resuming, hash, {}, std::move(done),
                                                  fresh, digest::sha256_hex(secret)});
    send_resume(asker);
}

void cluster_room_registry::send_resume(std::string const& asker) {
    auto const it = members_.find(asker);
    if (it == members_.end() || it->second.at != local_member::stage::resuming || !available_) {
        return;  // it went meanwhile, or on_lost failed it
    }
    auto const& m = it->second;
    run(scripts_.resume, {prefix_, m.room, asker, node_, m.presented_hash, m.secret_hash},
        [this, asker](redis::command_result const& r) {
            if (failed(r)) {
                return fail_pending(asker);
            }
            if (r->text() == "wait" && loop_) {
                auto again = std::make_shared<asio::steady_timer>(*loop_, resume_retry);
                again->async_wait([this, asker, again](error_code ec) {
                    if (!ec) {
                        send_resume(asker);
                    }
                });
            }
        });
}

void cluster_room_registry::fail_pending(std::string const& id) {
    auto it = members_.find(id);
    if (it == members_.end() ||
        (it->second.at != local_member::stage::joining && it->second.at != local_member::stage::resuming)) {
        return;
    }
    auto joined = std::move(it->second.on_joined);
    auto resumed = std::move(it->second.on_resumed);
    members_.erase(it);
    if (joined) {
        joined({join_status::unavailable});
    } else if (resumed) {
        resumed(unreachable());
    }
}

void cluster_room_registry::leave(std::string const& room, rooms::member& who, clock::time_point) {
    end_membership(room, who, false);
}

void cluster_room_registry::drop(std::string const& room, rooms::member& who, clock::time_point) {
    end_membership(room, who, true);
}

void cluster_room_registry::hold(std::string const& room, rooms::member& who, clock::time_point now) {
    auto const it = members_.find(who.id());
    bool const inside_here = it != members_.end() && it->second.room == room && it->second.who == &who &&
                             it->second.at == local_member::stage::inside;
    if (!inside_here || !available_ || terms_.seat_lease.count() == 0) {
        return drop(room, who, now);
    }
    // Held in Redis as drop() holds it, with this node as its drainer: relay.lua still
    // takes this member's messages, and a resume elsewhere waits until drained.lua.
    it->second.at = local_member::stage::draining;
    if (counters_) {
        metrics::counters::add(counters_->leases_started_total);
    }
    run_drop(room, it->first, "drain", take_settling(it->first));
}

void cluster_room_registry::when_applied(std::function<void()> done) {
    // Redis answers one connection's commands in order: when this is answered, every
    // script sent before it has run (relays batched so far go first, see send()).
    send({"PING"}, [done = std::move(done)](redis::command_result const&) { done(); });
}

std::vector<std::string> cluster_room_registry::take_settling(std::string const& id) {
    auto const waiting = settling_.find(id);
    if (waiting == settling_.end()) {
        return {};
    }
    auto frames = std::move(waiting->second);
    settling_.erase(waiting);
    return frames;
}

void cluster_room_registry::end_membership(std::string const& room, rooms::member& who, bool dropped) {
    auto it = members_.find(who.id());
    if (it == members_.end() || it->second.room != room || it->second.who != &who) {
        return;
    }
    auto const id = it->first;
    auto const stage = it->second.at;
    if (stage == local_member::stage::draining) {
        // Its seat is held in Redis already (hold): a drop ends the draining, a `leave`
        // its client sent before it saw the close releases the seat.
        forget(it, !dropped);
        if (available_) {
            run(dropped ? scripts_.drained : scripts_.leave, {prefix_, room, id, node_});
        }
        return;
    }
    // A held seat stays in the room, for the others here too.
    bool const held = dropped && available_ && terms_.seat_lease.count() > 0;
    auto settling = held ? take_settling(id) : std::vector<std::string>{};
    forget(it, !held);
    if (stage == local_member::stage::resuming) {
        return;  // its answer finds no one and holds the seat again
    }
    if (!available_) {
        // No store to hold a seat in: the members here hear `bye` (the seat is released
        // in Redis when this node registers again).
        if (stage == local_member::stage::inside) {
            tell_local_left(room, id);
        }
        return;
    }
    // Behind a join still under way, a leave undoes it (the scripts run in order).
    if (dropped && stage == local_member::stage::inside) {
        if (held && counters_) {
            metrics::counters::add(counters_->leases_started_total);
        }
        run_drop(room, id, "", std::move(settling));
    } else {
        run(scripts_.leave, {prefix_, room, id, node_});
    }
}

void cluster_room_registry::tell_local_left(std::string const& room, std::string const& id) {
    auto view = views_.find(room);
    if (view == views_.end()) {
        return;
    }
    std::vector<rooms::member*> told;
    for (auto const& seat : view->second.seats) {
        if (auto* m = inside(seat, room)) {
            told.push_back(m->who);
        }
    }
    for (auto* m : told) {
        m->member_left(room, id);
    }
}

std::size_t cluster_room_registry::expire(clock::time_point) {
    return 0;  // Redis's clock ends leases (expire.lua, run by tick())
}

std::optional<rooms::room_registry::clock::time_point> cluster_room_registry::next_expiry() const {
    return std::nullopt;
}

rooms::room_registry::relay_result cluster_room_registry::relay(std::string const& room, rooms::member const& from,
                                                         std::string_view frame, std::optional<std::string_view> to) {
    auto const& sender = from.id();
    if (!may_relay(sender, room)) {
        return {relay_status::not_in_room};
    }
    auto const& view = views_[room].seats;
    if (to) {
        if (*to == sender || !view.contains(*to)) {
            return {relay_status::no_such_peer};
        }
        std::string receiver(*to);
        if (auto* m = inside(receiver, room)) {
            deliver_here(*m, receiver, frame);
            return {relay_status::relayed, 1};
        }
        if (!available_) {
            return {relay_status::unavailable};
        }
        send_remote(room, sender, frame, std::move(receiver), {});
        return {relay_status::relayed, 1};
    }
    std::vector<std::string> delivered;
    bool elsewhere = false;
    for (auto const& id : view) {
        if (id == sender) {
            continue;
        }
        if (auto* m = inside(id, room)) {
            deliver_here(*m, id, frame);
            delivered.push_back(id);
        } else {
            elsewhere = true;
        }
    }
    if (!elsewhere) {
        return {relay_status::relayed, delivered.size()};
    }
    if (!available_) {
        return {relay_status::unavailable, delivered.size()};
    }
    auto const receivers = view.size() - 1;
    send_remote(room, sender, frame, {}, std::move(delivered));
    return {relay_status::relayed, receivers};
}

void cluster_room_registry::send_remote(std::string const& room, std::string const& sender, std::string_view frame,
                                        std::string to, std::vector<std::string> delivered) {
    // Batched: every relay of this turn of the loop goes in one script run (relay.lua),
    // sent when the turn's other handlers have run, or before any other script, so the
    // order of everything this node sends to Redis stays the order it happened in.
    auto& a = relay_batch_;
    a.insert(a.end(), {room, sender, std::move(to), std::string(frame), std::to_string(delivered.size())});
    std::move(delivered.begin(), delivered.end(), std::back_inserter(a));
    relay_senders_.push_back(sender);
    if (counters_) {
        metrics::counters::add(counters_->cluster_messages_out_total);
    }
    if (!flush_posted_ && loop_) {
        flush_posted_ = true;
        asio::post(loop_->get_executor(), [this] {
            flush_posted_ = false;
            flush_relays();
        });
    }
}

void cluster_room_registry::flush_relays() {
    if (relay_senders_.empty()) {
        return;
    }
    std::vector<std::string> a = {prefix_, node_, std::to_string(terms_.queue_bytes)};
    a.reserve(3 + relay_batch_.size());
    std::move(relay_batch_.begin(), relay_batch_.end(), std::back_inserter(a));
    relay_batch_.clear();
    auto senders = std::exchange(relay_senders_, {});
    send_script(scripts_.relay, std::move(a), [this, senders = std::move(senders)](redis::command_result const& r) {
        bool const answered = !failed(r) && r->elements().size() == 3 * senders.size();
        for (std::size_t i = 0; i < senders.size(); ++i) {
            auto it = members_.find(senders[i]);
            if (it == members_.end() || it->second.at != local_member::stage::inside) {
                continue;
            }
            if (!answered) {
                it->second.who->relay_refused(protocol::error_code::unavailable);
                continue;
            }
            auto const& answer = r->elements();
            if (answer[3 * i].as_integer() == 2) {
                it->second.who->relay_refused(protocol::error_code::no_such_peer);
            } else if (answer[3 * i + 2].as_integer() > 0) {
                it->second.who->relay_refused(protocol::error_code::peer_unavailable);
            }
        }
    });
}

void cluster_room_registry::deliver_here(local_member& m, std::string const& id, std::string_view frame) {
    if (!settling_.empty()) {
        if (auto waiting = settling_.find(id); waiting != settling_.end()) {
            waiting->second.emplace_back(frame);
            return;
        }
    }
    m.who->deliver(frame);
}

void cluster_room_registry::start_settling(std::string const& id, std::string const& room) {
    if (!commands_ || !commands_->ready()) {
        return;  // nothing more comes through the inbox until this node registers again
    }
    settling_[id];
    flush_relays();  // the marker goes behind every relay sent before it
    commands_->command({"XADD", keys::inbox(prefix_, node_), "*", "to", id, "e", "S", "room", room},
                     [](redis::command_result const&) {});
}

void cluster_room_registry::end_settling(std::string const& id) {
    auto waiting = settling_.find(id);
    if (waiting == settling_.end()) {
        return;
    }
    auto frames = std::move(waiting->second);
    settling_.erase(waiting);
    for (auto const& frame : frames) {
        if (auto it = members_.find(id); it != members_.end() && it->second.at == local_member::stage::inside) {
            it->second.who->deliver(frame);
        }
    }
}

// --- This node's view ---------------------------------------------------------------

cluster_room_registry::local_member* cluster_room_registry::inside(std::string const& id, std::string_view room) {
    auto it = members_.find(id);
    if (it == members_.end() || it->second.at != local_member::stage::inside || it->second.room != room) {
        return nullptr;
    }
    return &it->second;
}

bool cluster_room_registry::may_relay(std::string const& id, std::string_view room) const {
    auto const it = members_.find(id);
    return it != members_.end() && it->second.room == room &&
           (it->second.at == local_member::stage::inside || it->second.at == local_member::stage::draining);
}

void cluster_room_registry::enter_view(std::string const& room, std::string const& id,
                                       std::vector<std::string> const& others) {
    auto& view = views_[room];
    view.seats.insert(others.begin(), others.end());
    view.seats.insert(id);
    ++view.here;
    ++inside_count_;
}

void cluster_room_registry::forget(member_map::iterator it, bool left_room) {
    bool const was_inside =
        it->second.at == local_member::stage::inside || it->second.at == local_member::stage::draining;
    auto const room = it->second.room;
    auto const id = it->first;
    members_.erase(it);
    settling_.erase(id);
    if (!was_inside) {
        return;
    }
    --inside_count_;
    auto view = views_.find(room);
    if (view == views_.end()) {
        return;
    }
    if (left_room) {
        view->second.seats.erase(id);
    }
    if (--view->second.here == 0) {
        views_.erase(view);
    }
}

}  // namespace duet::cluster
