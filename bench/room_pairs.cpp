#include "room_pairs.hpp"

#include <algorithm>

namespace duet::bench {

std::string connect_failure(error_code ec, ws_connection const& connection) {
    if (ec == websocket::error::upgrade_declined) {
        return "the server refused the WebSocket handshake with HTTP " +
               std::to_string(connection.handshake_status()) + " (duetd's 503: past --max-connections)";
    }
    if (!connection.greeting_failure().empty()) {
        return "the server's greeting was wrong: " + connection.greeting_failure();
    }
    return "connect failed: " + ec.message() +
           (ec == asio::error::no_descriptors ? " (raise ulimit -n)"
            : ec == asio::error::address_in_use || ec == boost::system::errc::address_not_available
                ? " (out of ports: add --source-addresses)"
                : "");
}

room_pairs::room_pairs(asio::io_context& ioc, connect_plan& plan, std::string prefix, std::size_t count,
                       std::size_t concurrency, clock::duration deadline)
    : ioc_(ioc),
      plan_(plan),
      prefix_(std::move(prefix)),
      concurrency_(std::max<std::size_t>(concurrency, 1)),
      deadline_(deadline),
      timer_(ioc),
      pairs_(count),
      progress_(count) {}

std::vector<std::shared_ptr<ws_connection>> room_pairs::connections() const {
    std::vector<std::shared_ptr<ws_connection>> out;
    out.reserve(2 * pairs_.size());
    for (auto const& pair : pairs_) {
        for (auto const& connection : {pair.first, pair.second}) {
            if (connection) {
                out.push_back(connection);
            }
        }
    }
    return out;
}

void room_pairs::start(done_handler done) {
    done_ = std::move(done);
    if (pairs_.empty()) {
        return finish({});
    }
    timer_.expires_after(deadline_);
    timer_.async_wait([this](error_code ec) {
        if (!ec) {
            fail("setup timed out: " + std::to_string(ready_) + " of " + std::to_string(pairs_.size()) +
                 " rooms ready");
        }
    });
    for (std::size_t i = 0; i < concurrency_ && started_ < pairs_.size(); ++i) {
        start_next();
    }
}

void room_pairs::start_next() {
    auto const index = started_++;
    auto& pair = pairs_[index];
    pair.room = prefix_ + std::to_string(index);
    pair.first = std::make_shared<ws_connection>(ioc_, *plan_.wire);
    pair.second = std::make_shared<ws_connection>(ioc_, *plan_.wire);
    pair.first->on_message([this, index](std::string_view text) { on_first_message(index, text); });
    pair.second->on_message([this, index](std::string_view text) { on_second_message(index, text); });
    for (auto const& connection : {pair.first, pair.second}) {
        connection->on_close([this, index](error_code ec, bool) {
            fail("room " + pairs_[index].room + ": connection closed during setup: " + ec.message());
        });
        auto* raw = connection.get();
        // The second member goes to server_b: another node of a cluster, or the same server.
        auto const& server = connection == pair.first ? plan_.server : plan_.server_b;
        connection->connect(server, plan_.next_source(), plan_.timeout, [this, index, raw](error_code ec) {
            if (finished_) {
                return;
            }
            if (ec) {
                return fail(connect_failure(ec, *raw) + " (after " + std::to_string(ready_) + " rooms ready)");
            }
            // Both connected: the first joins the empty room.
            if (++progress_[index].connected == 2) {
                pairs_[index].first->send(plan_.wire->join_request(pairs_[index].room));
            }
        });
    }
}

void room_pairs::on_first_message(std::size_t index, std::string_view text) {
    if (finished_) {
        return;
    }
    auto& pair = pairs_[index];
    auto& state = progress_[index];
    auto const& wire = *plan_.wire;
    auto const message = wire.parse(text);
    if (!message) {
        return fail("room " + pair.room + ": the server sent something that is not a protocol message");
    }
    // Where the dialect does not count peers, the order is the check: the first joined
    // an empty room because the second had not been asked to join yet.
    if (message->type == "joined" && !state.first_joined && (!wire.counts_peers() || message->peers == 1)) {
        state.first_joined = true;
        pair.first_id = message->id;
        pair.second->send(wire.join_request(pair.room));
    } else if (message->type == "otherjoin" && state.first_joined && !state.otherjoin_seen) {
        state.otherjoin_seen = true;
        if (wire.names_joiner()) {
            if (!pair.second_id.empty() && message->id != pair.second_id) {
                return fail("room " + pair.room + ": otherjoin names another peer");
            }
            pair.second_id = message->id;
        }
        check_ready(index);
    } else {
        fail("room " + pair.room + ": first member got unexpected " + describe(*message) +
             (message->type == "joined" ? " with peers " + std::to_string(message->peers) : ""));
    }
}

void room_pairs::on_second_message(std::size_t index, std::string_view text) {
    if (finished_) {
        return;
    }
    auto& pair = pairs_[index];
    auto& state = progress_[index];
    auto const& wire = *plan_.wire;
    auto const message = wire.parse(text);
    if (!message) {
        return fail("room " + pair.room + ": the server sent something that is not a protocol message");
    }
    if (message->type == "joined" && !state.second_joined && (!wire.counts_peers() || message->peers == 2)) {
        state.second_joined = true;
        if (!pair.second_id.empty() && message->id != pair.second_id) {
            return fail("room " + pair.room + ": otherjoin named another peer");
        }
        pair.second_id = message->id;
        check_ready(index);
    } else {
        fail("room " + pair.room + ": second member got unexpected " + describe(*message) +
             (message->type == "joined" ? " with peers " + std::to_string(message->peers) : ""));
    }
}

void room_pairs::check_ready(std::size_t index) {
    auto const& state = progress_[index];
    if (!state.second_joined || !state.otherjoin_seen) {
        return;
    }
    if (++ready_ == pairs_.size()) {
        return finish({});
    }
    if (started_ < pairs_.size()) {
        start_next();
    }
}

void room_pairs::fail(std::string why) {
    finish(std::move(why));
}

void room_pairs::finish(std::string failure) {
    if (finished_) {
        return;
    }
    finished_ = true;
    timer_.cancel();
    asio::post(ioc_, [done = std::move(done_), failure = std::move(failure)] { done(failure); });
}

void close_all(asio::io_context& ioc, std::vector<std::shared_ptr<ws_connection>> connections,
               clock::duration deadline, std::function<void(std::size_t still_open)> done) {
    struct state {
        explicit state(asio::io_context& context) : timer(context) {}
        asio::steady_timer timer;
        std::size_t open = 0;
        std::function<void(std::size_t)> done;
        void finish() {
            if (done) {
                timer.cancel();
                asio::post(timer.get_executor(), [call = std::exchange(done, nullptr), left = open] { call(left); });
            }
        }
    };
    auto shared = std::make_shared<state>(ioc);
    shared->done = std::move(done);
    for (auto const& connection : connections) {
        if (!connection->connected()) {
            continue;
        }
        ++shared->open;
        connection->on_close([shared](error_code, bool) {
            if (--shared->open == 0) {
                shared->finish();
            }
        });
        connection->close();
    }
    if (shared->open == 0) {
        return shared->finish();
    }
    shared->timer.expires_after(deadline);
    shared->timer.async_wait([shared](error_code ec) {
        if (!ec) {
            shared->finish();
        }
    });
}

}  // namespace duet::bench
