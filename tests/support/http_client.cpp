#include "support/http_client.hpp"

#include <duet/net/asio.hpp>

#include <algorithm>
#include <cctype>

namespace duet::testing {

namespace {

http_answer exchange(std::string const& source, std::uint16_t port, std::string const& raw,
                     std::chrono::milliseconds timeout, bool head) {
    asio::io_context ioc;
    beast::tcp_stream stream(ioc);
    if (!source.empty()) {
        stream.socket().open(tcp::v4());
        stream.socket().bind(tcp::endpoint(asio::ip::make_address(source), 0));
    }
    http_answer answer;
    beast::flat_buffer buffer;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.skip(head);
    parser.body_limit(64 * 1024 * 1024);
    stream.expires_after(timeout);
    stream.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), [&](error_code ec) {
        if (ec) {
            return;
        }
        asio::async_write(stream, asio::buffer(raw), [&](error_code wec, std::size_t) {
            if (wec) {
                return;
            }
            bhttp::async_read(stream, buffer, parser, [&](error_code rec, std::size_t) {
                if (rec) {
                    return;
                }
                auto const& res = parser.get();
                answer.status = static_cast<int>(res.result_int());
                for (auto const& field : res) {
                    std::string name(field.name_string());
                    std::transform(name.begin(), name.end(), name.begin(),
                                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
                    answer.headers[name] = std::string(field.value());
                }
                answer.body = res.body();
            });
        });
    });
    ioc.run();
    return answer;
}

}  // namespace

http_answer raw_http(std::uint16_t port, std::string const& raw, std::chrono::milliseconds timeout, bool head) {
    return exchange({}, port, raw, timeout, head);
}

http_answer raw_http_from(std::string const& source, std::uint16_t port, std::string const& raw,
                          std::chrono::milliseconds timeout) {
    return exchange(source, port, raw, timeout, false);
}

std::string upgrade_request(std::string const& extra_headers) {
    return "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" +
           extra_headers + "\r\n";
}

http_answer http_get(std::uint16_t port, std::string const& target, std::string const& extra_headers) {
    return raw_http(port, "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + extra_headers +
                              "\r\n");
}

}  // namespace duet::testing
