#include <duet/app/lease_timer.hpp>

namespace duet::app {

lease_timer::lease_timer(asio::io_context& ioc, rooms::room_registry& rooms) : rooms_(rooms), timer_(ioc) {}

void lease_timer::arm(clock::time_point end) {
    if (stopped_ || (armed_ && *armed_ <= end)) {
        return;
    }
    armed_ = end;
    // Moving the expiry cancels the earlier wait (its handler sees operation_aborted).
    timer_.expires_at(end);
    timer_.async_wait([this](error_code ec) { on_timer(ec); });
}

void lease_timer::stop() {
    stopped_ = true;
    armed_.reset();
    timer_.cancel();
}

void lease_timer::on_timer(error_code ec) {
    if (ec || stopped_) {
        return;
    }
    armed_.reset();
    rooms_.expire(clock::now());  // the registry counts what it released
    if (auto const next = rooms_.next_expiry()) {
        arm(*next);
    }
}

}  // namespace duet::app
