// Raw bytes through Beast's request parser, with http_session's limits (8 KiB of
// headers, the default max_header_bytes; 16 KiB of body), and every whole request that
// is not a WebSocket upgrade through http::route() over a temporary public folder, as a
// keep-alive connection would (pipelined requests included). Each response is
// serialized. Nothing may crash or throw; a file body must be an open file inside the
// root (found through /proc/self/fd); methods other than GET and HEAD get 405.

#include "support/public_folder.hpp"

#include <duet/http/router.hpp>
#include <duet/metrics/counters.hpp>
#include <duet/metrics/prometheus.hpp>
#include <duet/net/asio.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

#include <unistd.h>

namespace {

namespace fs = std::filesystem;
using namespace duet;

constexpr std::uint32_t header_limit = 8 * 1024;
constexpr std::uint64_t body_limit = 16 * 1024;
constexpr int max_requests_per_input = 8;

struct fixture {
    fuzz::public_folder folder;
    metrics::counters counters;
    http::site site{folder.files(), counters, [] {
                        return metrics::gauges{.ws_connections = 3,
                                               .http_connections = 2,
                                               .rooms = 1,
                                               .room_members = 2,
                                               .clients_tracked = 1,
                                               .uptime_seconds = 12.5};
                    }};
};

fixture const& the_fixture() {
    static fixture const instance;
    return instance;
}

fs::path path_of_descriptor(int fd) {
    char link[64];
    std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    std::error_code ec;
    auto target = fs::read_symlink(link, ec);
    return ec ? fs::path{} : target;
}

/// The response as the session would write it, through Beast's serializer (a file body
/// is read from its file).
template <class Body>
std::optional<std::string> serialize(bhttp::response<Body>& res) {
    bhttp::response_serializer<Body> serializer{res};
    std::string wire;
    beast::error_code ec;
    while (!serializer.is_done()) {
        serializer.next(ec, [&](beast::error_code&, auto const& buffers) {
            for (auto const buffer : beast::buffers_range_ref(buffers)) {
                wire.append(static_cast<char const*>(buffer.data()), buffer.size());
            }
            serializer.consume(beast::buffer_bytes(buffers));
        });
        if (ec) {
            return std::nullopt;
        }
    }
    return wire;
}

void check_response(http::request const& req, http::response& res, std::string_view input) {
    auto const& folder = the_fixture().folder;
    std::visit(
        [&](auto& r) {
            using message = std::decay_t<decltype(r)>;
            if (req.method() != bhttp::verb::get && req.method() != bhttp::verb::head &&
                r.result() != bhttp::status::method_not_allowed) {
                folder.fail("a method other than GET/HEAD was not refused with 405", {}, "fuzz_http_request", input);
            }
            if constexpr (std::is_same_v<message, http::file_response>) {
                if (r.result() != bhttp::status::ok) {
                    folder.fail("a file response whose status is not 200", {}, "fuzz_http_request", input);
                }
                if (!r.body().is_open()) {
                    folder.fail("a file response without an open file", {}, "fuzz_http_request", input);
                }
                folder.check_served(path_of_descriptor(r.body().file().native_handle()), "fuzz_http_request", input);
            }
            auto const wire = serialize(r);
            if (!wire || wire->rfind("HTTP/", 0) != 0) {
                folder.fail("the response did not serialize", {}, "fuzz_http_request", input);
            }
        },
        res);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    the_fixture();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* bytes, std::size_t size) {
    std::string_view const input(reinterpret_cast<char const*>(bytes), size);
    asio::const_buffer rest(bytes, size);
    for (int n = 0; n < max_requests_per_input && rest.size() > 0; ++n) {
        bhttp::request_parser<bhttp::string_body> parser;
        parser.header_limit(header_limit);
        parser.body_limit(body_limit);
        parser.eager(true);
        beast::error_code ec;
        // All that is left at once, as after a read that got everything. The parser is
        // eager, so when the message is still not done (need_more, or a body cut short)
        // nothing more can complete it: the peer has closed, and a read at end of stream
        // calls put_eof (calling put again without new bytes breaks Beast's contract).
        rest += parser.put(rest, ec);
        if (ec == bhttp::error::need_more || (!ec && !parser.is_done())) {
            rest += rest.size();
            ec = {};
            parser.put_eof(ec);
        }
        if (ec || !parser.is_done()) {
            return 0;  // http_session answers 400, 413 or 431, or just closes
        }
        auto const& req = parser.get();
        if (websocket::is_upgrade(req)) {
            return 0;  // the WebSocket handshake is not this target's
        }
        auto res = http::route(req, the_fixture().site);
        check_response(req, res, input);
        if (!req.keep_alive()) {
            return 0;
        }
    }
    return 0;
}
