#pragma once

#include "connect_plan.hpp"
#include "ws_connection.hpp"

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace duet::bench {

/// Two connections in one room: `first` joined it empty, `second` made it full.
struct room_pair {
    std::string room;
    std::shared_ptr<ws_connection> first;
    std::shared_ptr<ws_connection> second;
    std::string first_id;
    std::string second_id;
};

/// Sets up `count` full rooms named `<prefix><i>`: connects each pair (the first to the
/// plan's server, the second to its server_b), joins the first,
/// then the second, and checks `joined` (peers 1, then 2, where the dialect counts them)
/// and the first's `otherjoin` (naming the second, where the dialect names it).
/// At most `concurrency` rooms are in setup at once; the whole setup has `deadline`.
/// Runs on the benchmark's io_context; `done` is posted (never called from inside a
/// connection's handler, so it may replace the connections' handlers) once, with an
/// empty string when every room is ready, or the first failure. The object must
/// outlive the io_context's run.
class room_pairs {
public:
    using done_handler = std::function<void(std::string failure)>;

    room_pairs(asio::io_context& ioc, connect_plan& plan, std::string prefix, std::size_t count,
               std::size_t concurrency, clock::duration deadline);

    void start(done_handler done);

    std::vector<room_pair>& pairs() { return pairs_; }
    std::vector<std::shared_ptr<ws_connection>> connections() const;

private:
    struct progress {
        int connected = 0;
        bool first_joined = false;
        bool second_joined = false;
        bool otherjoin_seen = false;
    };

    void start_next();
    void on_first_message(std::size_t index, std::string_view text);
    void on_second_message(std::size_t index, std::string_view text);
    void check_ready(std::size_t index);
    void fail(std::string why);
    void finish(std::string failure);

    asio::io_context& ioc_;
    connect_plan& plan_;
    std::string prefix_;
    std::size_t concurrency_;
    clock::duration deadline_;
    asio::steady_timer timer_;
    std::vector<room_pair> pairs_;
    std::vector<progress> progress_;
    std::size_t started_ = 0;
    std::size_t ready_ = 0;
    bool finished_ = false;
    done_handler done_;
};

/// A failed connect(), handshake or greeting in words, with the likely remedy.
std::string connect_failure(error_code ec, ws_connection const& connection);

/// Closes every connection (the close handshake, after what is queued) and posts
/// `done` once all have closed or `deadline` passed, with the number still open.
void close_all(asio::io_context& ioc, std::vector<std::shared_ptr<ws_connection>> connections,
               clock::duration deadline, std::function<void(std::size_t still_open)> done);

}  // namespace duet::bench
