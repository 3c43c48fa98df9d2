// The HTTP side of docs/protocol.md: the static host (types, index, caching, traversal),
// /healthz, /metrics, 405 and 426, and the request limits. The daemon's own answers, so
// always on daemon_port(), never through a proxy that DUET_TEST_FRONT may put in front.
#include "support/http_client.hpp"
#include "support/test_server.hpp"
#include "support/ws_client.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace duet::testing {
namespace {

TEST(Http, ServesIndexForRootAndFolders) {
    test_server server;
    auto root = http_get(server.daemon_port(), "/");
    EXPECT_EQ(root.status, 200);
    EXPECT_EQ(root.header("content-type"), "text/html; charset=utf-8");
    EXPECT_EQ(root.body, "<!doctype html><title>duet test</title>\n");
    EXPECT_EQ(http_get(server.daemon_port(), "/sub/").body, "sub index\n");
    EXPECT_EQ(http_get(server.daemon_port(), "/sub").body, "sub index\n");
    EXPECT_EQ(http_get(server.daemon_port(), "/room.html?room=demo").body, "<!doctype html><title>room</title>\n");
}

TEST(Http, ContentTypes) {
    test_server server;
    EXPECT_EQ(http_get(server.daemon_port(), "/js/app.js").header("content-type"), "text/javascript; charset=utf-8");
    EXPECT_EQ(http_get(server.daemon_port(), "/css/main.css").header("content-type"), "text/css; charset=utf-8");
    EXPECT_EQ(http_get(server.daemon_port(), "/img/logo.svg").header("content-type"), "image/svg+xml");
}

TEST(Http, MissingFileIs404) {
    test_server server;
    EXPECT_EQ(http_get(server.daemon_port(), "/nope.html").status, 404);
    EXPECT_EQ(http_get(server.daemon_port(), "/js/").status, 404);  // a folder without index.html
}

TEST(Http, NeverServesAByteFromOutsideThePublicFolder) {
    test_server server;
    for (std::string const target :
         {"/../outside/secret.txt", "/%2e%2e/outside/secret.txt", "/%2E%2E/%2E%2E/etc/passwd",
          "/sub/../../outside/secret.txt", "/..%2foutside%2fsecret.txt", "/..\\outside\\secret.txt",
          "/%5c..%5coutside%5csecret.txt", "/index.html%00.js", "/%zz", "/leak.txt", "/leakdir/secret.txt",
          "/.secret", "/../../../../../../etc/passwd", "//etc/passwd"}) {
        auto answer = http_get(server.daemon_port(), target);
        EXPECT_EQ(answer.status, 404) << target;
        EXPECT_EQ(answer.body.find("OUTSIDE-SECRET"), std::string::npos) << target;
        EXPECT_EQ(answer.body.find("root:"), std::string::npos) << target;
    }
    // An absolute-form target names no file of ours either.
    auto absolute = raw_http(server.daemon_port(), "GET http://127.0.0.1/../outside/secret.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    EXPECT_NE(absolute.status, 200);
    EXPECT_EQ(absolute.body.find("OUTSIDE-SECRET"), std::string::npos);
}

TEST(Http, EtagAndLastModifiedGive304) {
    test_server server;
    auto first = http_get(server.daemon_port(), "/js/app.js");
    ASSERT_EQ(first.status, 200);
    auto const etag = first.header("etag");
    auto const modified = first.header("last-modified");
    ASSERT_FALSE(etag.empty());
    ASSERT_FALSE(modified.empty());
    EXPECT_EQ(first.header("cache-control"), "no-cache");
    auto by_etag = http_get(server.daemon_port(), "/js/app.js", "If-None-Match: " + etag + "\r\n");
    EXPECT_EQ(by_etag.status, 304);
    EXPECT_TRUE(by_etag.body.empty());
    EXPECT_EQ(by_etag.header("etag"), etag);
    EXPECT_EQ(http_get(server.daemon_port(), "/js/app.js", "If-Modified-Since: " + modified + "\r\n").status, 304);
    EXPECT_EQ(http_get(server.daemon_port(), "/js/app.js", "If-None-Match: \"other\"\r\n").status, 200);
    EXPECT_EQ(http_get(server.daemon_port(), "/js/app.js", "If-Modified-Since: Mon, 01 Jan 1990 00:00:00 GMT\r\n").status, 200);
}

TEST(Http, HeadGivesHeadersWithoutBody) {
    test_server server;
    auto head = raw_http(server.daemon_port(), "HEAD /js/app.js HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 5s, true);
    EXPECT_EQ(head.status, 200);
    EXPECT_EQ(head.header("content-length"), std::to_string(std::string("export const x = 1;\n").size()));
    EXPECT_EQ(head.header("content-type"), "text/javascript; charset=utf-8");
    EXPECT_TRUE(head.body.empty());
}

TEST(Http, OtherMethodsGet405WithAllow) {
    test_server server;
    for (std::string const method : {"POST", "PUT", "DELETE", "OPTIONS", "PATCH"}) {
        auto answer = raw_http(server.daemon_port(),
                               method + " /index.html HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        EXPECT_EQ(answer.status, 405) << method;
        EXPECT_EQ(answer.header("allow"), "GET, HEAD") << method;
    }
}

TEST(Http, PlainGetOfWsIs426) {
    test_server server;
    auto answer = http_get(server.daemon_port(), "/ws");
    EXPECT_EQ(answer.status, 426);
    EXPECT_EQ(answer.header("upgrade"), "websocket");
}

TEST(Http, UpgradeOnAnotherPathIs404) {
    test_server server;
    ws_client::options opts;
    opts.target = "/socket";
    EXPECT_EQ(ws_client::handshake_status(server.daemon_port(), opts), 404);
}

TEST(Http, HealthzReportsStatusAndCounters) {
    test_server server;
    ws_client a(server.daemon_port());
    a.join("demo");
    auto answer = http_get(server.daemon_port(), "/healthz");
    EXPECT_EQ(answer.status, 200);
    EXPECT_EQ(answer.header("content-type"), "application/json");
    auto body = json::parse(answer.body);
    EXPECT_EQ(body["status"], "ok");
    EXPECT_EQ(body["connections"], 1);
    EXPECT_EQ(body["rooms"], 1);
}

TEST(Http, MetricsCountWhatHappened) {
    test_server server;
    {
        ws_client a(server.daemon_port()), b(server.daemon_port()), c(server.daemon_port());
        a.join("demo");
        b.join("demo");
        a.expect("otherjoin");
        c.send_json({{"type", "join"}, {"room", "demo"}});
        c.expect("full");
        c.send_text("garbage");
        c.expect_error("bad_json");
        a.send_json({{"type", "message"}, {"room", "demo"}, {"data", "x"}});
        b.expect("message");
        auto metrics = http_get(server.daemon_port(), "/metrics");
        EXPECT_EQ(metrics.status, 200);
        EXPECT_EQ(metrics.header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
        auto const& text = metrics.body;
        EXPECT_NE(text.find("duet_ws_connections 3\n"), std::string::npos) << text;
        EXPECT_NE(text.find("duet_rooms 1\n"), std::string::npos);
        EXPECT_NE(text.find("duet_joins_total 2\n"), std::string::npos);
        EXPECT_NE(text.find("duet_fulls_total 1\n"), std::string::npos);
        EXPECT_NE(text.find("duet_messages_relayed_total 1\n"), std::string::npos);
        EXPECT_NE(text.find("duet_errors_total{code=\"bad_json\"} 1\n"), std::string::npos);
        b.send_binary("x");
        b.expect_close();
    }
    // Closes are counted by reason once the sessions end.
    std::string text;
    for (int i = 0; i < 100; ++i) {
        text = http_get(server.daemon_port(), "/metrics").body;
        if (text.find("duet_ws_connections 0\n") != std::string::npos) {
            break;
        }
        std::this_thread::sleep_for(10ms);  // polling the daemon's state, bounded
    }
    EXPECT_NE(text.find("duet_ws_closes_total{reason=\"binary_frame\"} 1\n"), std::string::npos) << text;
}

TEST(Http, OversizedHeadersGet431) {
    test_server server([](config::settings& s) { s.max_header_bytes = 2048; });
    auto answer = http_get(server.daemon_port(), "/", "X-Big: " + std::string(4096, 'a') + "\r\n");
    EXPECT_EQ(answer.status, 431);
}

TEST(Http, SlowClientIsCutOffAfterRequestTimeout) {
    test_server server([](config::settings& s) { s.request_timeout = std::chrono::milliseconds(300); });
    auto const started = std::chrono::steady_clock::now();
    // Half a request, then silence: the daemon must hang up on its own.
    auto answer = raw_http(server.daemon_port(), "GET / HTTP/1.1\r\nHost: x\r\n", 5s);
    auto const waited = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(answer.status, 0);
    EXPECT_LT(waited, 3s);
    EXPECT_GE(waited, 250ms);
    // And the daemon still serves others.
    EXPECT_EQ(http_get(server.daemon_port(), "/").status, 200);
}

TEST(Http, KeepAliveServesSeveralRequestsOnOneConnection) {
    test_server server;
    auto answer = raw_http(server.daemon_port(),
                           "GET /js/app.js HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(answer.status, 200);  // the first answer; the connection then serves the second
}

}  // namespace
}  // namespace duet::testing
