#pragma once

#include <duet/net/asio.hpp>

#include <memory>

namespace duet::net {

/// Something that wants to act once the handlers ready now have all run: a socket
/// that gathered the writes of several handlers and sends them with one syscall.
class turn_end_listener {
public:
    virtual ~turn_end_listener() = default;
    /// Called on the loop's thread, outside any handler and so outside any strand:
    /// post into your own executor to touch your state.
    virtual void on_turn_end() = 0;
};

/// Runs `ioc` on this thread, like io_context::run(), but in turns: a turn runs
/// every handler that is ready (at most `max_handlers_per_turn`), then tells the
/// listeners registered during the turn that it ended. This is where a socket
/// flushes what several handlers wrote to it, so that a reader woken by a batch of
/// messages relays them with one sendmsg per receiver, not one per message.
void run_in_turns(asio::io_context& ioc);

/// Registers `listener` for the end of the current turn on this thread. On a thread
/// that is not inside run_in_turns (a test's own io_context::run(), say), there are
/// no turns: the listener is called at once, which makes its flush a plain post.
void call_at_turn_end(std::shared_ptr<turn_end_listener> listener);

}  // namespace duet::net
