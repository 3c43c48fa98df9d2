#include <duet/http/http_session.hpp>

#include <duet/http/router.hpp>
#include <duet/ws/websocket_session.hpp>

#include <algorithm>

namespace duet::http {
namespace {

// A GET needs no body; a small limit keeps a client from parking data here.
constexpr std::uint64_t max_body_bytes = 16 * 1024;

bool origin_allowed(std::vector<std::string> const& allowed, std::string_view origin) {
    if (allowed.empty()) {
        return true;
    }
    while (!origin.empty() && origin.back() == '/') {
        origin.remove_suffix(1);
    }
    return std::any_of(allowed.begin(), allowed.end(), [&](std::string const& a) {
        std::string_view entry = a;
        while (!entry.empty() && entry.back() == '/') {
            entry.remove_suffix(1);
        }
        return beast::iequals(entry, origin);
    });
}

}  // namespace

http_session::http_session(tcp::socket&& socket, net::admission::slot place, logging::connection_label who,
                           session_context const& ctx)
    : ctx_(ctx), who_(std::move(who)), place_(std::move(place)), stream_(std::move(socket)) {}

http_session::~http_session() {
    ctx_.tracker.remove(tracker_key_);
}

void http_session::run() {
    tracker_key_ = ctx_.tracker.add(weak_from_this());
    do_read();
}

void http_session::shut_down() {
    // Once upgraded, the socket belongs to the websocket_session, which the tracker
    // asks separately.
    if (!upgraded_) {
        finish();
    }
}

void http_session::do_read() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(ctx_.settings.max_header_bytes, UINT32_MAX)));
    parser_->body_limit(max_body_bytes);
    // The deadline covers the whole request: a client that trickles bytes (slowloris)
    // or goes quiet is cut off all the same.
    stream_.expires_after(ctx_.settings.request_timeout);
    bhttp::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&http_session::on_read, shared_from_this()));
}

void http_session::on_read(error_code ec, std::size_t) {
    if (ec == bhttp::error::end_of_stream) {
        return finish();
    }
    if (ec == bhttp::error::header_limit) {
        return refuse(bhttp::status::request_header_fields_too_large, "request headers too large\n");
    }
    if (ec == bhttp::error::body_limit) {
        return refuse(bhttp::status::payload_too_large, "request body too large\n");
    }
    if (ec == beast::error::timeout) {
        logging::debug(logging::event("http.timeout").conn(who_.conn).remote(who_.remote),
                       "http: the client did not send a whole request within request_timeout");
        return finish();
    }
    if (ec) {
        if (ec.category() == bhttp::make_error_code(bhttp::error::end_of_stream).category()) {
            return refuse(bhttp::status::bad_request, "malformed request\n");
        }
        return finish();
    }
    metrics::counters::add(ctx_.counters.http_requests_total);
    auto const& req = parser_->get();
    if (websocket::is_upgrade(req)) {
        if (target_path(req.target()) != "/ws" || !ctx_.pages.serves_pages) {
            return refuse(bhttp::status::not_found, "not found\n");
        }
        return upgrade();
    }
    send(route(req, ctx_.pages));
}

void http_session::upgrade() {
    auto const& req = parser_->get();
    auto& counters = ctx_.counters;
    // Rule 10: Origin first, then capacity.
    if (!origin_allowed(ctx_.settings.allowed_origins, req[bhttp::field::origin])) {
        metrics::counters::add(counters.ws_refused_origin_total);
        logging::warn(logging::event("ws.refused").conn(who_.conn).remote(who_.remote).code(403).reason("origin"),
                      "ws: handshake refused: origin '{}' is not allowed", std::string(req[bhttp::field::origin]));
        return refuse(bhttp::status::forbidden, "origin not allowed\n");
    }
    auto place = ctx_.websockets.try_acquire();
    if (!place) {
        metrics::counters::add(counters.ws_refused_capacity_total);
        logging::warn(logging::event("ws.refused").conn(who_.conn).remote(who_.remote).code(503).reason("capacity"),
                      "ws: handshake refused: max_connections ({}) reached", ctx_.settings.max_connections);
        return refuse(bhttp::status::service_unavailable, "too many connections\n");
    }
    upgraded_ = true;
    stream_.expires_never();
    // Whatever the client sent behind its upgrade request (a first frame in the same
    // segment, say) was read into buffer_ already: the WebSocket reads it first.
    auto early_bytes = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    place_.reset();  // no longer an HTTP connection
    std::make_shared<ws::websocket_session>(stream_.release_socket(), std::move(early_bytes), std::move(*place), who_,
                                            ctx_.ws)
        ->run(parser_->release());
}

void http_session::send(response res) {
    std::visit(
        [this](auto&& r) {
            using message = std::decay_t<decltype(r)>;
            bool const keep_alive = r.keep_alive();
            auto held = std::make_shared<message>(std::move(r));
            in_flight_ = held;
            stream_.expires_after(ctx_.settings.request_timeout);
            bhttp::async_write(stream_, *held,
                               beast::bind_front_handler(&http_session::on_write, shared_from_this(), keep_alive));
        },
        std::move(res));
}

void http_session::on_write(bool keep_alive, error_code ec, std::size_t) {
    in_flight_.reset();
    if (ec || !keep_alive) {
        return finish();
    }
    do_read();
}

void http_session::refuse(bhttp::status status, std::string_view text) {
    request req;
    if (parser_ && parser_->is_header_done()) {
        req = parser_->get();
    }
    auto res = make_text(req, status, "text/plain; charset=utf-8", std::string(text));
    res.keep_alive(false);
    send(std::move(res));
}

void http_session::finish() {
    error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.socket().close(ignored);
}

}  // namespace duet::http
