// config/nginx.conf's proxy timeouts against duetd's keepalive, live: an idle but
// healthy call through nginx survives several ping intervals and nginx's own timeout,
// and a silent client is dropped by duetd (close code 1001 "idle timeout"), not cut by
// nginx without a close frame. Both sides are scaled by the same factor (nginx_front's
// timeout_scale, the daemon's ping_interval and idle_timeout), so the shipped ratio is
// what is tested, in seconds instead of minutes. Both tests fail when nginx's timeout
// is below ping_interval (checked with the nginx side scaled by 0.02: 1.5 s against
// pings every 2 s). tests/nginx/proxy_timeouts_check.sh checks the shipped values.
#include "support/nginx_front.hpp"
#include "support/test_server.hpp"
#include "support/ws_client.hpp"

#include <gtest/gtest.h>

#include <future>
#include <thread>

namespace duet::testing {
namespace {

// One tenth: nginx's 75 s become 7.5 s, duetd's defaults (ping 20 s, idle 60 s) 2 s and
// 6 s.
constexpr double scale = 0.1;

test_server::tweak scaled_keepalive() {
    return [](config::settings& s) {
        config::settings const defaults;
        s.ping_interval = std::chrono::duration_cast<std::chrono::milliseconds>(defaults.ping_interval * scale);
        s.idle_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(defaults.idle_timeout * scale);
    };
}

TEST(ProxyTiming, AnIdleHealthyCallThroughNginxSurvivesSeveralPingIntervals) {
    test_server server(scaled_keepalive());
    nginx_front front(server.daemon_port(), scale);
    ws_client a(front.port()), b(front.port());
    a.join("quiet");
    auto const b_id = b.join("quiet")["id"];
    a.expect("otherjoin");
    // Both stay silent for 8 ping intervals, more than twice nginx's (scaled) read
    // timeout, reading all the while: their only traffic is pings and pongs.
    auto const quiet = std::chrono::duration_cast<std::chrono::milliseconds>(8 * 20s * scale);
    auto b_quiet = std::async(std::launch::async, [&] { return b.nothing_within(quiet); });
    EXPECT_TRUE(a.nothing_within(quiet)) << "a's connection ended or got a message while idle";
    EXPECT_TRUE(b_quiet.get()) << "b's connection ended or got a message while idle";
    // The call still works.
    a.send_json({{"type", "message"}, {"room", "quiet"}, {"to", b_id}, {"data", "still here"}});
    EXPECT_EQ(b.expect("message")["data"], "still here");
}

TEST(ProxyTiming, ASilentClientBehindNginxIsDroppedByDuetdWith1001) {
    test_server server(scaled_keepalive());
    nginx_front front(server.daemon_port(), scale);
    ws_client silent(front.port());
    silent.join("silent");
    // The client now reads nothing and answers no ping: being silent is what is tested,
    // so the test sleeps through it. duetd closes it after idle_timeout (6 s); its pings
    // keep nginx's timeout (7.5 s) from firing. The close frame waits in the client's
    // socket until it reads; had nginx cut first, there would be none (code 0).
    std::this_thread::sleep_for(std::chrono::duration_cast<std::chrono::milliseconds>(60s * scale) + 1s);
    auto const closed = silent.expect_close(20s);
    EXPECT_EQ(closed.code, 1001) << closed.reason << "\n" << front.log_tail();
    EXPECT_EQ(closed.reason, "idle timeout");
}

}  // namespace
}  // namespace duet::testing
