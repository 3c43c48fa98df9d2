// The admin listener (settings admin_address, admin_port): /metrics and /healthz on a
// port of their own and nothing else there; the public port then refuses /metrics.
#include "support/http_client.hpp"
#include "support/test_server.hpp"

#include <gtest/gtest.h>

namespace duet::testing {
namespace {

test_server with_admin() {
    return test_server([](config::settings& s) {
        s.admin_address = "127.0.0.1";
        s.admin_port = 0;
    });
}

std::string upgrade_to_ws(std::string const& target) {
    return "GET " + target +
           " HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
}

TEST(AdminListener, NoneUnlessConfigured) {
    test_server server;
    EXPECT_EQ(server.server().admin_port(), 0);
    EXPECT_EQ(http_get(server.daemon_port(), "/metrics").status, 200);
}

TEST(AdminListener, ServesMetricsAndHealthz) {
    auto server = with_admin();
    auto const admin = server.server().admin_port();
    ASSERT_NE(admin, 0);
    ASSERT_NE(admin, server.daemon_port());
    auto const metrics = http_get(admin, "/metrics");
    EXPECT_EQ(metrics.status, 200);
    EXPECT_EQ(metrics.header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
    EXPECT_NE(metrics.body.find("\nduet_ws_connections 0\n"), std::string::npos) << metrics.body;
    EXPECT_NE(metrics.body.find("\nprocess_open_fds "), std::string::npos) << metrics.body;
    auto const health = http_get(admin, "/healthz");
    EXPECT_EQ(health.status, 200);
    EXPECT_NE(health.body.find("\"status\":\"ok\""), std::string::npos) << health.body;
}

TEST(AdminListener, ServesNothingElse) {
    auto server = with_admin();
    auto const admin = server.server().admin_port();
    for (auto const* target : {"/", "/index.html", "/room.html", "/js/app.js", "/ws", "/metricsx"}) {
        EXPECT_EQ(http_get(admin, target).status, 404) << target;
    }
    // No WebSocket through the admin port either.
    EXPECT_EQ(raw_http(admin, upgrade_to_ws("/ws")).status, 404);
}

TEST(AdminListener, PublicListenerRefusesMetricsButKeepsHealthzAndPages) {
    auto server = with_admin();
    auto const pub = server.daemon_port();
    auto const metrics = http_get(pub, "/metrics");
    EXPECT_EQ(metrics.status, 404);
    EXPECT_EQ(metrics.body.find("duet_"), std::string::npos) << metrics.body;
    EXPECT_EQ(http_get(pub, "/healthz").status, 200);
    EXPECT_EQ(http_get(pub, "/").status, 200);
    EXPECT_EQ(raw_http(pub, upgrade_to_ws("/ws")).status, 101);
}

}  // namespace
}  // namespace duet::testing
