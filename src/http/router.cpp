#include <duet/http/router.hpp>

#include <nlohmann/json.hpp>

namespace duet::http {
namespace {

constexpr std::string_view text_plain = "text/plain; charset=utf-8";

string_response healthz(request const& req, site const& s) {
    auto const g = s.gauges();
    nlohmann::json body{
        // A cluster node without Redis still serves the pages and its local pairs.
        {"status", g.degraded ? "degraded" : "ok"},
        {"connections", g.ws_connections},
        {"rooms", g.rooms},
        {"uptime_seconds", static_cast<std::uint64_t>(g.uptime_seconds)},
    };
    return make_text(req, bhttp::status::ok, "application/json", body.dump() + "\n");
}

string_response metrics_page(request const& req, site const& s) {
    auto figures = s.gauges();
    figures.process = metrics::read_process_stats();
    return make_text(req, bhttp::status::ok, "text/plain; version=0.0.4; charset=utf-8",
                     metrics::render_prometheus(s.counters, figures));
}

}  // namespace

std::string_view target_path(std::string_view target) noexcept {
    return target.substr(0, target.find_first_of("?#"));
}

response route(request const& req, site const& s) {
    if (req.method() != bhttp::verb::get && req.method() != bhttp::verb::head) {
        auto res = make_text(req, bhttp::status::method_not_allowed, text_plain, "method not allowed\n");
        res.set(bhttp::field::allow, "GET, HEAD");
        return res;
    }
    auto const path = target_path(req.target());
    if (path == "/healthz") {
        return healthz(req, s);
    }
    if (path == "/metrics" && s.serves_metrics) {
        return metrics_page(req, s);
    }
    if (!s.serves_pages) {
        return make_text(req, bhttp::status::not_found, text_plain, "not found\n");
    }
    if (path == "/ws") {
        auto res = make_text(req, bhttp::status::upgrade_required, text_plain,
                             "/ws speaks WebSocket: send an Upgrade request\n");
        res.set(bhttp::field::upgrade, "websocket");
        res.set(bhttp::field::connection, "Upgrade");
        return res;
    }
    if (auto file = s.files.resolve(req.target())) {
        return make_file(req, *file);
    }
    return make_text(req, bhttp::status::not_found, text_plain, "not found\n");
}

}  // namespace duet::http
