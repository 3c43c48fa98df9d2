#include <duet/net/turns.hpp>

#include <cstddef>
#include <optional>
#include <utility>
#include <vector>

namespace duet::net {
namespace {

// Bounds a turn under a flood, so that gathered writes still leave at a steady pace.
constexpr std::size_t max_handlers_per_turn = 256;

struct thread_turn {
    asio::io_context* running = nullptr;  // the context this thread runs in turns, if any
    std::vector<std::shared_ptr<turn_end_listener>> listeners;
    // While listeners wait, the context has work: otherwise, when the turn's last
    // handler ends, Asio sees no work left and stops the context before the
    // listeners could post their flush.
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> listeners_pending;

    void end() {
        // A listener may register again (for the next turn) while being called.
        auto ending = std::exchange(listeners, {});
        auto work = std::exchange(listeners_pending, std::nullopt);
        for (auto& listener : ending) {
            listener->on_turn_end();
        }
        if (listeners.empty()) {
            ending.clear();
            listeners = std::move(ending);  // keep the capacity: no allocation per turn
        }
    }
};

thread_local thread_turn this_thread_turn;

}  // namespace

void run_in_turns(asio::io_context& ioc) {
    auto& turn = this_thread_turn;
    turn.running = &ioc;
    struct leave_turns {
        thread_turn& turn;
        ~leave_turns() {
            turn.end();
            turn.running = nullptr;
        }
    } on_exit{turn};
    // run_one() blocks for the first ready handler; poll_one() then runs the rest
    // without blocking (the reactor is polled too, so I/O that became ready joins
    // the turn).
    while (ioc.run_one() > 0) {
        for (std::size_t handlers = 1; handlers < max_handlers_per_turn && ioc.poll_one() > 0; ++handlers) {
        }
        turn.end();
    }
}

void call_at_turn_end(std::shared_ptr<turn_end_listener> listener) {
    auto& turn = this_thread_turn;
    if (turn.running == nullptr) {
        listener->on_turn_end();
        return;
    }
    if (!turn.listeners_pending) {
        turn.listeners_pending.emplace(turn.running->get_executor());
    }
    turn.listeners.push_back(std::move(listener));
}

}  // namespace duet::net
