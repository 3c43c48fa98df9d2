// Nodes that die (issue 13, rule 12 across nodes): a node killed mid-call, whose member
// resumes its seat through nginx on another node; a node stopped (SIGTERM) while
// messages wait unread either way; and a rolling restart of every node during 100 live
// calls, in which every call keeps its seats and no message is lost.
#include "cluster/cluster_scenario.hpp"

#include "support/child_process.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <iostream>
#include <map>
#include <mutex>
#include <sys/wait.h>
#include <thread>

namespace duet::testing {
namespace {

using std::chrono::steady_clock;

/// Sends one message each way and expects each to arrive from the right member.
void expect_relay(async_client& a, seat const& a_seat, async_client& b, seat const& b_seat, std::string const& tag) {
    a.send(message_request(a_seat.room, {{"check", tag + " a->b"}}));
    auto const at_b = await(b, "message", 10s);
    ASSERT_TRUE(at_b) << tag << ": a's message did not reach b";
    EXPECT_EQ(at_b->value("from", ""), a_seat.id) << tag;
    EXPECT_EQ((*at_b)["data"], (json{{"check", tag + " a->b"}})) << tag;
    b.send(message_request(b_seat.room, {{"check", tag + " b->a"}}));
    auto const at_a = await(a, "message", 10s);
    ASSERT_TRUE(at_a) << tag << ": b's message did not reach a";
    EXPECT_EQ(at_a->value("from", ""), b_seat.id) << tag;
    EXPECT_EQ((*at_a)["data"], (json{{"check", tag + " b->a"}})) << tag;
}

TEST(ClusterFailure, SigkillOfANodeMidCallGivesPeerdownAndItsMemberResumesThroughNginx) {
    constexpr auto node_ttl = 2s;
    // Time to notice a dead node: its TTL, plus a margin for the renewal period and a
    // loaded machine.
    constexpr auto peerdown_margin = 5s;
    auto const cluster = start_cluster({}, node_ttl, 20s);
    if (cluster->size() < 2) {
        GTEST_SKIP() << "needs two nodes";
    }
    client_loop loop;
    auto a = connect(loop, *cluster, node(*cluster, 0));
    auto b = connect(loop, *cluster, node(*cluster, 1));
    std::string const room = "killed";
    auto const a_seat = join(*a, room);
    ASSERT_TRUE(a_seat);
    auto const b_seat = join(*b, room);
    ASSERT_TRUE(b_seat);
    ASSERT_EQ(b_seat->peers, 2) << "the members on nodes 0 and 1 are not in one room\n" << cluster->logs();
    ASSERT_TRUE(a->expect("otherjoin"));
    ASSERT_FALSE(b_seat->resume.empty()) << "no resume secret in joined with --seat-lease 20";
    expect_relay(*a, *a_seat, *b, *b_seat, "before the kill");
    if (HasFatalFailure()) {
        return;
    }

    auto const killed = steady_clock::now();
    cluster->signal(1, SIGKILL);
    ASSERT_TRUE(cluster->wait_exit(1, killed + 10s)) << "node 1 outlived SIGKILL";

    auto const peerdown = await(*a, "peerdown", node_ttl + peerdown_margin);
    auto const peerdown_ms = ms_since(killed);
    ASSERT_TRUE(peerdown) << "no peerdown within " << (node_ttl + peerdown_margin).count() << " s of the kill\n"
                          << cluster->logs();
    EXPECT_EQ(peerdown->value("id", ""), b_seat->id);
    EXPECT_EQ(peerdown->value("room", ""), room);
    std::cout << "# peerdown after " << peerdown_ms << " ms (node TTL " << node_ttl.count() << " s)" << std::endl;

    // b's browser sees its connection end and comes back through nginx, which skips the
    // dead node.
    ASSERT_TRUE(b->wait_end(steady_clock::now() + 10s)) << "b's connection outlived its node";
    auto b_again = connect(loop, *cluster, cluster->front_port());
    auto const resumed = join(*b_again, room, b_seat->resume, 10s);
    auto const resumed_ms = ms_since(killed);
    ASSERT_TRUE(resumed) << cluster->logs();
    EXPECT_TRUE(resumed->resumed);
    EXPECT_EQ(resumed->id, b_seat->id);
    EXPECT_EQ(resumed->role, b_seat->role);
    EXPECT_EQ(resumed->peers, 2);
    EXPECT_NE(resumed->resume, b_seat->resume) << "a spent resume secret came back";
    std::cout << "# resumed after " << resumed_ms << " ms" << std::endl;
    auto const peerup = await(*a, "peerup", 10s);
    ASSERT_TRUE(peerup);
    EXPECT_EQ(peerup->value("id", ""), b_seat->id);
    expect_relay(*a, *a_seat, *b_again, *resumed, "after the resume");
    std::cout << "# peerdown after " << peerdown_ms << " ms, resumed after " << resumed_ms << " ms" << std::endl;
}

// A planned stop hands a call over without losing what is in flight either way (rules
// 5, 11, 12): node 0 is paused (SIGSTOP) while its member writes `burst` messages, so
// they wait unread in its socket when SIGTERM arrives. Every one of them must still reach
// the partner on node 1, in order; what the partner sends once it heard `peerdown` is
// kept for the seat; and the member, back on node 1 with its resume secret, gets that,
// in order, before anything it sends itself reaches the partner.
TEST(ClusterFailure, SigtermRelaysWhatItsMemberSentBeforeTheCloseAndKeepsWhatIsSentToIt) {
    constexpr int burst = 150;  // within rate_limit_burst (200), with the join and a check
    constexpr int answers = 50;
    auto const cluster = start_cluster({}, 5s, 20s);
    if (cluster->size() < 2) {
        GTEST_SKIP() << "needs two nodes";
    }
    client_loop loop;
    auto a = connect(loop, *cluster, node(*cluster, 0));
    auto b = connect(loop, *cluster, node(*cluster, 1));
    std::string const room = "handed-over";
    auto const a_seat = join(*a, room);
    ASSERT_TRUE(a_seat);
    auto const b_seat = join(*b, room);
    ASSERT_TRUE(b_seat);
    ASSERT_EQ(b_seat->peers, 2) << cluster->logs();
    ASSERT_TRUE(a->expect("otherjoin"));
    expect_relay(*a, *a_seat, *b, *b_seat, "before the stop");
    if (HasFatalFailure()) {
        return;
    }

    // Written while node 0 cannot read: all of it is in its socket when it is told to stop.
    cluster->signal(0, SIGSTOP);
    for (int n = 0; n < burst; ++n) {
        a->send(message_request(room, {{"n", n}}), static_cast<std::uint64_t>(n) + 1);
    }
    auto const written_by = steady_clock::now() + 10s;
    while (a->unfinished_writes() > 0 && steady_clock::now() < written_by) {
        std::this_thread::sleep_for(5ms);  // polling the client's own write queue, bounded
    }
    ASSERT_EQ(a->unfinished_writes(), 0u) << "the burst did not fit in node 0's socket";
    cluster->signal(0, SIGTERM);
    cluster->signal(0, SIGCONT);

    // b: the whole burst, in order, and the peerdown (before, within or after it).
    std::vector<int> got;
    bool down = false;
    auto const deadline = steady_clock::now() + 15s;
    while ((got.size() < burst || !down) && steady_clock::now() < deadline) {
        auto const m = b->next(deadline);
        if (!m) {
            break;
        }
        auto const type = m->value("type", "");
        if (type == "peerdown") {
            EXPECT_EQ(m->value("id", ""), a_seat->id);
            down = true;
        } else if (type == "message") {
            EXPECT_EQ(m->value("from", ""), a_seat->id);
            got.push_back((*m)["data"].value("n", -1));
        } else {
            ADD_FAILURE() << "b got " << m->dump();
        }
    }
    ASSERT_TRUE(down) << "no peerdown at b\n" << cluster->logs();
    ASSERT_EQ(got.size(), static_cast<std::size_t>(burst))
        << "node 0 relayed " << got.size() << " of the " << burst << " messages its member sent before the close\n"
        << cluster->logs();
    for (int n = 0; n < burst; ++n) {
        ASSERT_EQ(got[static_cast<std::size_t>(n)], n) << "the burst arrived out of order";
    }
    // To the held seat: kept for its resume.
    for (int n = 0; n < answers; ++n) {
        b->send(message_request(room, {{"answer", n}}));
    }

    auto const end = a->wait_end(steady_clock::now() + 10s);
    ASSERT_TRUE(end) << "a's connection outlived its node's shutdown";
    EXPECT_EQ(end->code, 1001);
    auto const status = cluster->wait_exit(0, steady_clock::now() + 20s);
    ASSERT_TRUE(status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << cluster->logs();

    auto a_again = connect(loop, *cluster, node(*cluster, 1));
    auto const resumed = join(*a_again, room, a_seat->resume, 10s);
    ASSERT_TRUE(resumed) << cluster->logs();
    EXPECT_TRUE(resumed->resumed);
    EXPECT_EQ(resumed->id, a_seat->id);
    for (int n = 0; n < answers; ++n) {
        auto const m = a_again->expect("message", 10s);
        ASSERT_TRUE(m) << "kept message " << n << " of " << answers << " did not come with the resume";
        EXPECT_EQ(m->value("from", ""), b_seat->id);
        ASSERT_EQ((*m)["data"].value("answer", -1), n);
    }
    ASSERT_TRUE(await(*b, "peerup", 10s));
    expect_relay(*a_again, *resumed, *b, *b_seat, "after the resume");
}

// ---------------------------------------------------------------------------------------
// Rolling restart during 100 live calls.
//
// What counts as sent: a message counts as sent when the sender's socket accepted it
// (its WebSocket write completed). Each receiver must get every sent message of its
// partner exactly once and in the order sent, with no exception: a stopping node reads
// and relays what its clients sent until each answers its close (1001), and what is
// sent to a member whose connection closed is kept for it by its seat's lease (rule 12).
// A write the client's socket refused (its connection had ended) is not counted.

constexpr std::size_t calls = 100;
constexpr auto send_period = 100ms;  // per member: 10 messages a second, 2,000 in all
constexpr auto reconnect_pause = 200ms;  // between a member's failed tries to get back

struct sent_message {
    std::uint64_t n;
    std::size_t connection;  // index into member::connections
    steady_clock::time_point at;
};

struct member_state {
    std::string room;
    std::string id;
    std::string role;
    std::string resume;  // of the latest joined
    std::vector<std::shared_ptr<async_client>> connections;  // the last one is current
    std::vector<std::optional<ws_closed>> endings;           // per connection
    std::vector<steady_clock::time_point> ended_at;
    std::uint64_t next_n = 0;
    std::vector<sent_message> sent;
    std::vector<std::uint64_t> received;  // the partner's numbers, in arrival order
    std::vector<std::string> faults;      // unexpected messages, failed resumes
    steady_clock::time_point next_send;
    // While the current connection has ended: the new one, waiting for its `joined`.
    std::shared_ptr<async_client> pending;
    steady_clock::time_point pending_since;
    steady_clock::time_point reconnect_started;
    steady_clock::time_point next_attempt;  // a failed try waits a little, as a page does
    std::string last_attempt;  // how the latest try to get back failed, for the fault
    std::size_t attempts = 0;
    std::size_t peerdowns = 0, peerups = 0, resumes = 0, unavailable = 0;
    bool gave_up = false;
};

long long ms_between(steady_clock::time_point from, steady_clock::time_point to) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(to - from).count();
}

/// A message's write tag: its number + 1 (0 tags the joins, which are not counted).
std::uint64_t tag_of(std::uint64_t n) {
    return n + 1;
}

/// The traffic of the 100 calls, driven by one thread while the test's thread restarts
/// the nodes: each member sends a numbered message every send_period, everything
/// received is recorded, and a member whose connection the daemon closed reconnects
/// through nginx and resumes its seat. Nothing in a pass waits for the network, so one
/// member's slow resume does not hold up the others' traffic.
class call_traffic {
public:
    call_traffic(client_loop& loop, std::uint16_t front_port, std::vector<member_state>& members)
        : loop_(loop), front_port_(front_port), members_(members) {}

    void start() { thread_ = std::thread([this] { run(); }); }
    /// Stops sending; the thread ends once everything sent has arrived or `drain` passed.
    void finish(std::chrono::milliseconds drain) {
        drain_deadline_ = steady_clock::now() + drain;
        sending_ = false;
        thread_.join();
    }
    /// Passes over all members so far.
    std::uint64_t passes() const { return passes_.load(); }
    /// True when, in the last pass, every member (but those that gave up) had an open
    /// connection and a seat.
    bool all_seated() const { return seated_.load(); }
    /// Messages sent so far, by all members.
    std::size_t sent() const { return sent_.load(); }
    /// Connections seen to end so far.
    std::size_t ends_seen() const { return ends_seen_.load(); }
    /// The traffic thread's own failure (an exception), if any.
    std::string error() const {
        std::lock_guard lock(mutex_);
        return error_;
    }

private:
    void run() {
        try {
            auto const stagger = send_period / static_cast<long>(members_.size());
            for (std::size_t i = 0; i < members_.size(); ++i) {
                members_[i].next_send = steady_clock::now() + stagger * static_cast<long>(i);
            }
            while (sending_ || !drained()) {
                if (!sending_ && steady_clock::now() > drain_deadline_) {
                    break;
                }
                bool seated = true;
                for (std::size_t i = 0; i < members_.size(); ++i) {
                    seated = step(i) && seated;
                }
                seated_ = seated;
                ++passes_;
                // The next look: clients read on the loop's thread meanwhile; this only
                // paces the sending and the bookkeeping.
                std::this_thread::sleep_for(10ms);
            }
        } catch (std::exception const& e) {
            std::lock_guard lock(mutex_);
            error_ = e.what();
        }
    }

    member_state& partner(std::size_t i) { return members_[i ^ 1]; }

    /// One member's turn; false while it has no seat.
    bool step(std::size_t i) {
        auto& m = members_[i];
        if (m.gave_up) {
            return true;  // counted at the end, not waited for
        }
        auto& connection = m.connections.back();
        if (!m.endings.back()) {
            take(i, connection->take_all());
            if (auto const end = connection->ended()) {
                take(i, connection->take_all());  // what arrived just before the end
                m.endings.back() = end;
                m.ended_at.back() = m.reconnect_started = steady_clock::now();
                ++ends_seen_;
            }
        }
        if (m.endings.back()) {
            return resume_step(i);
        }
        if (sending_ && steady_clock::now() >= m.next_send) {
            auto const n = m.next_n++;
            m.sent.push_back({n, m.connections.size() - 1, steady_clock::now()});
            connection->send(message_request(m.room, {{"n", n}}), tag_of(n));
            m.next_send += send_period;
            ++sent_;
        }
        return true;
    }

    void take(std::size_t i, std::vector<json> const& messages) {
        auto& m = members_[i];
        for (auto const& message : messages) {
            auto const type = message.value("type", "");
            if (type == "message" && message.value("from", "") == partner(i).id && message["data"].contains("n")) {
                m.received.push_back(message["data"]["n"].get<std::uint64_t>());
            } else if (type == "peerdown" && message.value("id", "") == partner(i).id) {
                ++m.peerdowns;
            } else if (type == "peerup" && message.value("id", "") == partner(i).id) {
                ++m.peerups;
            } else {
                m.faults.push_back("unexpected " + message.dump());
            }
        }
    }

    /// The browser's way back, one step per pass: a new connection through nginx, a
    /// join with the latest resume secret, its `joined`. A connection that ends before
    /// answering (it reached a node that was closing) is replaced; 30 s bound it all.
    bool resume_step(std::size_t i) {
        auto& m = members_[i];
        auto const now = steady_clock::now();
        if (now - m.reconnect_started > 30s) {
            m.faults.push_back("no seat again within 30 s of the connection's end (" + std::to_string(m.attempts) +
                               " attempts, the last: " + m.last_attempt + ")");
            m.gave_up = true;
            return true;
        }
        if (!m.pending) {
            if (now < m.next_attempt) {
                return false;
            }
            ++m.attempts;
            try {
                m.pending = async_client::connect(loop_, front_port_, 2s);
            } catch (std::exception const& e) {
                m.last_attempt = e.what();
                m.next_attempt = now + reconnect_pause;  // nginx or every node busy: again soon
                return false;
            }
            m.pending->send(resume_request(m.room, m.resume));
            m.pending_since = now;
            return false;
        }
        auto const answer = m.pending->next(now);  // what is there; no wait
        if (!answer) {
            if (auto const end = m.pending->ended()) {
                m.last_attempt = "ended before an answer: " + std::to_string(end->code) + " " + end->reason;
                m.pending.reset();
                m.next_attempt = now + reconnect_pause;
            } else if (now - m.pending_since > 10s) {
                m.faults.push_back("no answer to a resume within 10 s");
                m.gave_up = true;
                return true;
            }
            return false;
        }
        if (answer->value("code", "") == "unavailable") {
            // Rule 9: the node cannot reach the store now; a page tries again later.
            m.last_attempt = answer->dump();
            ++m.unavailable;
            m.pending->abandon();
            m.pending.reset();
            m.next_attempt = now + reconnect_pause;
            return false;
        }
        if (answer->value("type", "") != "joined") {
            m.faults.push_back("resume refused: " + answer->dump());
            m.gave_up = true;
            return true;
        }
        auto const s = seat_of(*answer);
        if (!s.resumed || s.id != m.id || s.role != m.role) {
            m.faults.push_back("resume answered with " + answer->dump());
        }
        m.resume = s.resume;
        m.connections.push_back(std::move(m.pending));
        m.pending.reset();
        m.endings.emplace_back();
        m.ended_at.emplace_back();
        ++m.resumes;
        return true;
    }

    bool drained() {
        for (std::size_t i = 0; i < members_.size(); ++i) {
            auto& m = members_[i];
            if (m.gave_up) {
                continue;
            }
            auto const& connection = m.connections.back();
            if (connection->unfinished_writes() != 0) {
                return false;
            }
            // Everything the partner's current connection accepted has arrived here.
            auto const& p = partner(i);
            if (p.gave_up) {
                continue;
            }
            auto const accepted = p.connections.back()->accepted();
            if (!accepted.empty() && accepted.back() != 0 &&
                (m.received.empty() || tag_of(m.received.back()) < accepted.back())) {
                return false;
            }
        }
        return true;
    }

    client_loop& loop_;
    std::uint16_t front_port_;
    std::vector<member_state>& members_;
    std::thread thread_;
    std::atomic<bool> sending_{true};
    std::atomic<bool> seated_{false};
    std::atomic<std::uint64_t> passes_{0};
    std::atomic<std::size_t> ends_seen_{0};
    std::atomic<std::size_t> sent_{0};
    steady_clock::time_point drain_deadline_{};
    mutable std::mutex mutex_;
    std::string error_;
};

TEST(ClusterFailure, RollingRestartOfEveryNodeDuring100CallsKeepsEverySeatAndEveryMessage) {
    auto const cluster = start_cluster({}, 2s, 30s);
    if (cluster->size() < 2) {
        GTEST_SKIP() << "needs two nodes: a restarted single daemon has no one to hand its calls to";
    }
    client_loop loop;
    std::vector<member_state> members(2 * calls);
    // Both members of each call through nginx: round-robin puts them on different nodes.
    for (std::size_t call = 0; call < calls; ++call) {
        auto const room = "rolling-" + std::to_string(call);
        for (std::size_t side = 0; side < 2; ++side) {
            auto& m = members[2 * call + side];
            m.room = room;
            m.connections.push_back(connect(loop, *cluster, cluster->front_port()));
            m.endings.emplace_back();
            m.ended_at.emplace_back();
            auto const s = join(*m.connections.back(), room);
            ASSERT_TRUE(s) << room;
            ASSERT_EQ(s->peers, static_cast<int>(side + 1))
                << room << ": the second member (through nginx, on another node than the first) is not in the "
                << "first one's room\n" << cluster->logs();
            ASSERT_FALSE(s->resume.empty()) << room << ": no resume secret with --seat-lease 30";
            m.id = s->id;
            m.role = s->role;
            m.resume = s->resume;
        }
        ASSERT_TRUE(members[2 * call].connections.back()->expect("otherjoin")) << room;
    }

    call_traffic traffic(loop, cluster->front_port(), members);
    traffic.start();
    // Settled: the traffic thread has seen `ends` connections end (those the restarted
    // node held) and then made a whole pass in which every call had its seats again.
    auto settled = [&](std::size_t ends) {
        auto const deadline = steady_clock::now() + 30s;
        while (traffic.ends_seen() < ends && steady_clock::now() < deadline) {
            std::this_thread::sleep_for(20ms);  // polling the traffic thread's state, bounded
        }
        auto const pass = traffic.passes();
        while ((traffic.passes() < pass + 2 || !traffic.all_seated()) && steady_clock::now() < deadline) {
            std::this_thread::sleep_for(20ms);  // polling the traffic thread's state, bounded
        }
        return traffic.ends_seen() >= ends && traffic.passes() >= pass + 2 && traffic.all_seated();
    };
    // The calls are live before the first node goes: three messages from each member.
    auto const live = steady_clock::now() + 30s;
    while (traffic.sent() < 3 * members.size() && steady_clock::now() < live) {
        std::this_thread::sleep_for(20ms);  // polling the traffic thread's state, bounded
    }
    std::vector<steady_clock::time_point> sigterm_at;
    auto const restart_started = steady_clock::now();
    std::string restart_fault;
    std::size_t ends_expected = 0;
    for (std::size_t i = 0; i < cluster->size() && restart_fault.empty(); ++i) {
        // Every call seated again before the next node goes.
        if (!settled(ends_expected)) {
            restart_fault = "before restarting node " + std::to_string(i) + ": the calls were not all seated within 30 s (" +
                            std::to_string(traffic.ends_seen()) + " of " + std::to_string(ends_expected) +
                            " closed connections seen)";
            break;
        }
        // The WebSockets node i holds: each must end and its member resume elsewhere.
        auto const body = json::parse(cluster->healthz(i).body, nullptr, false);
        auto const held = body.is_object() ? body.value("connections", std::size_t{0}) : std::size_t{0};
        ends_expected = traffic.ends_seen() + held;
        sigterm_at.push_back(steady_clock::now());
        cluster->signal(i, SIGTERM);
        auto const status = cluster->wait_exit(i, steady_clock::now() + 20s);
        if (!status || !WIFEXITED(*status) || WEXITSTATUS(*status) != 0) {
            restart_fault = "node " + std::to_string(i) + (status ? " " + describe_exit(*status) : " did not exit within 20 s of SIGTERM");
            break;
        }
        cluster->start(i);
        std::cout << "# node " << i << " (" << held << " connections) restarted " << ms_since(restart_started)
                  << " ms into the restart" << std::endl;
    }
    // The last node's members resume, then a few more rounds of messages.
    if (restart_fault.empty() && !settled(ends_expected)) {
        restart_fault = "after the last restart: the calls were not all seated within 30 s";
    }
    std::this_thread::sleep_for(4 * send_period);  // traffic after the last restart, not a synchronisation
    traffic.finish(20s);
    EXPECT_EQ(restart_fault, "") << cluster->logs();
    EXPECT_EQ(traffic.error(), "");

    // The accounting described above.
    std::size_t written = 0, accepted = 0, failed = 0, received = 0, lost = 0, misordered = 0, resumes = 0,
                gave_up = 0, unavailable = 0, to_gone = 0;
    std::vector<std::string> faults;
    for (std::size_t i = 0; i < members.size(); ++i) {
        auto const& sender = members[i];
        auto const& receiver = members[i ^ 1];
        resumes += sender.resumes;
        gave_up += sender.gave_up ? 1 : 0;
        for (auto const& fault : sender.faults) {
            faults.push_back(sender.room + " member " + std::to_string(i % 2) + ": " + fault);
        }
        // Which of the sender's messages its sockets accepted, and on which connection.
        std::map<std::uint64_t, sent_message> accepted_by_n;
        for (std::size_t c = 0; c < sender.connections.size(); ++c) {
            for (auto const tag : sender.connections[c]->accepted()) {
                if (tag != 0) {  // 0: a join
                    accepted_by_n.emplace(tag - 1, sent_message{tag - 1, c, {}});
                }
            }
            failed += sender.connections[c]->failed_count();
        }
        written += sender.sent.size();
        accepted += accepted_by_n.size();
        unavailable += sender.unavailable;
        if (receiver.gave_up) {
            to_gone += accepted_by_n.size();  // its partner is reported as gone already
            continue;
        }
        // Exactly once and in order: strictly increasing numbers.
        for (std::size_t k = 1; k < receiver.received.size(); ++k) {
            if (receiver.received[k] <= receiver.received[k - 1]) {
                ++misordered;
                if (misordered <= 5) {
                    faults.push_back(sender.room + ": " + std::to_string(receiver.received[k]) + " arrived after " +
                                     std::to_string(receiver.received[k - 1]) + " (a duplicate or out of order)");
                }
            }
        }
        received += receiver.received.size();
        std::vector<bool> arrived(sender.next_n, false);
        for (auto const n : receiver.received) {
            if (n < arrived.size()) {
                arrived[n] = true;
            }
        }
        for (auto const& s : sender.sent) {
            if (arrived[s.n] || !accepted_by_n.count(s.n)) {
                continue;
            }
            ++lost;
            if (lost <= 5) {
                // Where it was lost: when it was written, against the restarts and the end
                // of the sender's connection.
                auto const& end = sender.endings[s.connection];
                std::string when = "written " + std::to_string(ms_between(restart_started, s.at)) +
                                   " ms into the restart on the sender's connection " + std::to_string(s.connection);
                if (end) {
                    when += ", which ended with " + std::to_string(end->code) + " at " +
                            std::to_string(ms_between(restart_started, sender.ended_at[s.connection])) + " ms";
                }
                faults.push_back(sender.room + ": message " + std::to_string(s.n) + " of member " +
                                 std::to_string(i % 2) + " was accepted by its socket and never arrived (" + when +
                                 ")");
            }
        }
    }
    std::cout << "# rolling restart of " << cluster->size() << " nodes, " << calls << " calls: " << written
              << " messages written, " << accepted << " accepted by the sender's socket, " << failed
              << " writes failed, " << received << " received, " << lost << " lost, " << misordered
              << " duplicated or out of order, " << resumes << " resumes (" << unavailable
              << " tries answered `unavailable` first), " << gave_up << " members gave up (" << to_gone
              << " messages to them not checked)"
              << std::endl;
    if (lost > 0) {
        std::string at;
        for (auto const t : sigterm_at) {
            at += " " + std::to_string(ms_between(restart_started, t));
        }
        faults.push_back("the SIGTERMs went at" + at + " ms into the restart");
    }
    EXPECT_EQ(lost, 0u);
    EXPECT_EQ(misordered, 0u);
    EXPECT_EQ(gave_up, 0u);
    for (std::size_t k = 0; k < faults.size() && k < 20; ++k) {
        ADD_FAILURE() << faults[k];
    }
    if (faults.size() > 20) {
        ADD_FAILURE() << "and " << faults.size() - 20 << " more faults";
    }
    if (HasFailure()) {
        std::cout << cluster->logs(40);
    }
    // Every call still has both seats with the ids it started with: the ids are checked
    // at each resume; a last message each way proves both ends are there.
    for (std::size_t call = 0; call < calls && gave_up == 0; ++call) {
        auto& a = members[2 * call];
        auto& b = members[2 * call + 1];
        a.connections.back()->send(message_request(a.room, {{"final", true}}));
        auto const at_b = await(*b.connections.back(), "message", 10s);
        ASSERT_TRUE(at_b) << a.room << ": no final message";
        EXPECT_EQ(at_b->value("from", ""), a.id) << a.room;
    }
}

}  // namespace
}  // namespace duet::testing
