#include <duet/http/http_session.hpp>

#include <duet/http/router.hpp>
#include <duet/net/forwarded.hpp>
#include <duet/ws/websocket_session.hpp>

#include <algorithm>

namespace duet::http {
namespace {

// A GET needs no body; a small limit keeps a client from parking data here.
constexpr std::uint64_t max_body_bytes = 16 * 1024;

// Retry-After on a 503 for a connection limit: a place frees when a call ends, which
// no one can predict; this keeps a well-behaved client from retrying in a tight loop.
constexpr std::chrono::seconds retry_after_at_capacity{10};

std::vector<std::string_view> header_lines(request const& req, std::string_view name) {
    std::vector<std::string_view> lines;
    auto const [first, last] = req.equal_range(name);
    for (auto it = first; it != last; ++it) {
        lines.push_back(it->value());
    }
    return lines;
}

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

http_session::http_session(tcp::socket&& socket, net::admission::slot place,
                           std::optional<net::client_limits::slot> client_place, logging::connection_label who,
                           session_context const& ctx)
    : ctx_(ctx),
      who_(std::move(who)),
      place_(std::move(place)),
      client_place_(std::move(client_place)),
      stream_(std::move(socket)) {
    error_code ec;
    peer_ = stream_.socket().remote_endpoint(ec).address();
    client_ = net::client_address(peer_);
}

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
        logging::debug(logging::event("http.timeout").about(who_),
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
    if (!identify_client()) {
        return;
    }
    auto const& req = parser_->get();
    if (websocket::is_upgrade(req)) {
        if (target_path(req.target()) != "/ws" || !ctx_.pages.serves_pages) {
            return refuse(bhttp::status::not_found, "not found\n");
        }
        return upgrade();
    }
    send(route(req, ctx_.pages));
}

bool http_session::identify_client() {
    auto const& req = parser_->get();
    client_ = net::resolve_client(peer_, ctx_.trusted_proxies, header_lines(req, "X-Forwarded-For"),
                                  header_lines(req, "Forwarded"));
    who_.remote = client_.to_string();
    if (client_place_ && client_place_->client() == client_) {
        return true;
    }
    // Give the previous client's place back before taking this one's, so a connection
    // never counts for two clients.
    client_place_.reset();
    client_place_ = ctx_.clients.try_acquire(net::client_limits::kind::http, client_, std::chrono::steady_clock::now());
    if (!client_place_) {
        metrics::counters::add(ctx_.counters.http_refused_client_connections_total);
        logging::warn(refusal("http.refused", 503, "client_connections"),
                      "http: request refused: max_http_connections_per_client ({}) reached",
                      ctx_.settings.max_http_connections_per_client);
        refuse(bhttp::status::service_unavailable, "too many connections from this client\n", retry_after_at_capacity);
        return false;
    }
    return true;
}

logging::fields http_session::refusal(std::string_view event, int status, std::string_view reason) const {
    return logging::event(event).about(who_).code(status).reason(reason);
}

void http_session::upgrade() {
    auto const& req = parser_->get();
    auto& counters = ctx_.counters;
    // Rule 10: Origin first; then the client's own limits, so that one client at its
    // limit is told so rather than blamed on everyone; then capacity. Every attempt
    // past the Origin check takes a handshake token, refused or not: a script that
    // retries at once gains nothing.
    if (!origin_allowed(ctx_.settings.allowed_origins, req[bhttp::field::origin])) {
        metrics::counters::add(counters.ws_refused_origin_total);
        logging::warn(refusal("ws.refused", 403, "origin"), "ws: handshake refused: origin '{}' is not allowed",
                      std::string(req[bhttp::field::origin]));
        return refuse(bhttp::status::forbidden, "origin not allowed\n");
    }
    auto const now = std::chrono::steady_clock::now();
    auto const verdict = ctx_.clients.try_handshake(client_, now);
    if (!verdict.allowed) {
        metrics::counters::add(counters.ws_refused_client_rate_total);
        logging::warn(refusal("ws.refused", 429, "client_rate"),
                      "ws: handshake refused: handshake_rate_per_client ({}/s, burst {}) exceeded",
                      ctx_.settings.handshake_rate_per_client, ctx_.settings.handshake_burst_per_client);
        return refuse(bhttp::status::too_many_requests, "too many handshakes from this client\n", verdict.retry_after);
    }
    auto client_place = ctx_.clients.try_acquire(net::client_limits::kind::websocket, client_, now);
    if (!client_place) {
        metrics::counters::add(counters.ws_refused_client_connections_total);
        logging::warn(refusal("ws.refused", 503, "client_connections"),
                      "ws: handshake refused: max_connections_per_client ({}) reached",
                      ctx_.settings.max_connections_per_client);
        return refuse(bhttp::status::service_unavailable, "too many connections from this client\n",
                      retry_after_at_capacity);
    }
    auto place = ctx_.websockets.try_acquire();
    if (!place) {
        metrics::counters::add(counters.ws_refused_capacity_total);
        logging::warn(refusal("ws.refused", 503, "capacity"), "ws: handshake refused: max_connections ({}) reached",
                      ctx_.settings.max_connections);
        return refuse(bhttp::status::service_unavailable, "too many connections\n", retry_after_at_capacity);
    }
    upgraded_ = true;
    stream_.expires_never();
    // Whatever the client sent behind its upgrade request (a first frame in the same
    // segment, say) was read into buffer_ already: the WebSocket reads it first.
    auto early_bytes = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    place_.reset();  // no longer an HTTP connection
    client_place_.reset();
    std::make_shared<ws::websocket_session>(stream_.release_socket(), std::move(early_bytes), std::move(*place),
                                            client_, std::move(*client_place), who_, ctx_.ws)
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

void http_session::refuse(bhttp::status status, std::string_view text, std::optional<std::chrono::seconds> retry_after) {
    request req;
    if (parser_ && parser_->is_header_done()) {
        req = parser_->get();
    }
    auto res = make_text(req, status, "text/plain; charset=utf-8", std::string(text));
    if (retry_after) {
        res.set(bhttp::field::retry_after, std::to_string(retry_after->count()));
    }
    res.keep_alive(false);
    send(std::move(res));
}

void http_session::finish() {
    error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.socket().close(ignored);
}

}  // namespace duet::http
