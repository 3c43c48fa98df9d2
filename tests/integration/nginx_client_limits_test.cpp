// Per-client limits through the real nginx of tests/nginx/ with the shipped
// config/nginx.conf: nginx connects to duetd from 127.0.0.1 for every client, and says
// who the client is in X-Forwarded-For. Clients reach nginx from 127.0.0.2 and 127.0.0.3
// (nginx listening on 127.0.0.1 accepts from any 127.x source), so only the header can
// tell them apart.
#include "support/client_sources.hpp"
#include "support/http_client.hpp"
#include "support/metrics_page.hpp"
#include "support/nginx_front.hpp"
#include "support/test_server.hpp"
#include "support/ws_client.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace duet::testing {
namespace {

TEST(NginxClientLimits, ClientsBehindNginxAreToldApartAndOnesLimitDoesNotBlockTheOther) {
    test_server server([](config::settings& s) {
        s.trusted_proxies = {"127.0.0.1/32", "::1/128"};  // as config/duetd.toml shows for this case
        s.max_connections_per_client = 2;
    });
    nginx_front const nginx(server.daemon_port());
    std::vector<std::unique_ptr<ws_client>> first;
    first.push_back(open_ws(nginx.port(), from("127.0.0.2")));
    first.push_back(open_ws(nginx.port(), from("127.0.0.2")));
    EXPECT_EQ(ws_client::handshake_status(nginx.port(), from("127.0.0.2")), 503) << nginx.log_tail();
    // The second client is not blocked by the first one's limit...
    auto const second = open_ws(nginx.port(), from("127.0.0.3"));
    // ...and cannot borrow the first one's name: nginx appends its real address to
    // whatever X-Forwarded-For it sent, and duetd takes the right-most.
    ws_client::options spoofing = from("127.0.0.3");
    spoofing.headers["X-Forwarded-For"] = "127.0.0.2";
    auto const second_again = open_ws(nginx.port(), spoofing);
    EXPECT_EQ(ws_client::handshake_status(nginx.port(), from("127.0.0.3")), 503);
    EXPECT_EQ(metric(server.daemon_port(), "duet_ws_handshakes_refused_total{reason=\"client_connections\"}"), 2);
}

TEST(NginxClientLimits, WithoutTrustedProxiesEveryoneBehindNginxIsOneClient) {
    // What trusted_proxies is for: without it, duetd sees nginx (127.0.0.1) only.
    test_server server([](config::settings& s) { s.max_connections_per_client = 2; });
    nginx_front const nginx(server.daemon_port());
    auto const a = open_ws(nginx.port(), from("127.0.0.2"));
    auto const b = open_ws(nginx.port(), from("127.0.0.3"));
    EXPECT_EQ(ws_client::handshake_status(nginx.port(), from("127.0.0.4")), 503);
}

TEST(NginxClientLimits, HandshakeRateIsPerClientBehindNginx) {
    test_server server([](config::settings& s) {
        s.trusted_proxies = {"127.0.0.1/32"};
        s.handshake_burst_per_client = 2;
        s.handshake_rate_per_client = 0.01;
    });
    nginx_front const nginx(server.daemon_port());
    EXPECT_EQ(ws_client::handshake_status(nginx.port(), from("127.0.0.2")), 101);
    EXPECT_EQ(ws_client::handshake_status(nginx.port(), from("127.0.0.2")), 101);
    auto const refused = raw_http_from("127.0.0.2", nginx.port(), upgrade_request());
    EXPECT_EQ(refused.status, 429) << nginx.log_tail();
    EXPECT_FALSE(refused.header("retry-after").empty()) << "nginx dropped Retry-After";
    EXPECT_EQ(ws_client::handshake_status(nginx.port(), from("127.0.0.3")), 101);
}

}  // namespace
}  // namespace duet::testing
