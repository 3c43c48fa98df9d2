#pragma once

#include <duet/http/responses.hpp>
#include <duet/net/asio.hpp>
#include <duet/runtime/daemon_state.hpp>

#include <memory>
#include <optional>

namespace duet::http {

/// One HTTP connection before (or instead of) a WebSocket upgrade: reads a request
/// within `request_timeout` and `max_header_bytes`, answers it, and repeats while the
/// client keeps the connection alive; hands `/ws` upgrades to a websocket_session.
/// Owned by its pending handlers; runs on the strand its socket was accepted on.
class http_session : public std::enable_shared_from_this<http_session>, public runtime::closable {
public:
    http_session(tcp::socket&& socket, runtime::daemon_state& state);
    ~http_session() override;

    void run();
    void shut_down() override;

private:
    void do_read();
    void on_read(error_code ec, std::size_t bytes);
    void upgrade();
    void send(response res);
    void on_write(bool keep_alive, error_code ec, std::size_t bytes);
    void refuse(bhttp::status status, std::string_view text);
    void finish();

    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    runtime::daemon_state& state_;
    std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
    std::shared_ptr<void> in_flight_;  // the response being written
    runtime::session_tracker::key tracker_key_ = 0;
    bool upgraded_ = false;
};

}  // namespace duet::http
