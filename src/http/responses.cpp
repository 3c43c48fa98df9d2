#include <duet/http/responses.hpp>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>

namespace duet::http {
namespace {

constexpr char const* server_name = "duetd";

std::string http_date(std::time_t t) {
    std::tm tm{};
    gmtime_r(&t, &tm);
    char text[64];
    auto const n = std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    return std::string(text, n);
}

std::optional<std::time_t> parse_http_date(std::string_view text) {
    std::tm tm{};
    std::string const copy(text);
    char const* end = strptime(copy.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (end == nullptr || *end != '\0') {
        return std::nullopt;
    }
    return timegm(&tm);
}

/// True when one of the If-None-Match entities equals `etag` (or it is "*").
bool etag_matches(std::string_view header, std::string_view etag) {
    while (!header.empty()) {
        auto const comma = header.find(',');
        auto item = header.substr(0, comma);
        header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
        while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
        while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
        if (item == "*" || item == etag) {
            return true;
        }
        // Weak comparison (RFC 9110 8.8.3.2): W/"x" matches "x".
        if (item.substr(0, 2) == "W/" && item.substr(2) == etag.substr(etag.substr(0, 2) == "W/" ? 2 : 0)) {
            return true;
        }
        if (etag.substr(0, 2) == "W/" && etag.substr(2) == item) {
            return true;
        }
    }
    return false;
}

template <class Response>
void common_headers(request const& req, Response& res) {
    res.set(bhttp::field::server, server_name);
    res.keep_alive(req.keep_alive());
}

}  // namespace

string_response make_text(request const& req, bhttp::status status, std::string_view content_type,
                          std::string body) {
    string_response res{status, req.version()};
    common_headers(req, res);
    res.set(bhttp::field::content_type, content_type);
    res.set(bhttp::field::cache_control, "no-store");
    if (req.method() == bhttp::verb::head) {
        res.content_length(body.size());
    } else {
        res.body() = std::move(body);
        res.prepare_payload();
    }
    return res;
}

response make_file(request const& req, resolved_file const& file) {
    std::error_code ec;
    auto const size = std::filesystem::file_size(file.path, ec);
    auto const modified = std::filesystem::last_write_time(file.path, ec);
    if (ec) {
        return make_text(req, bhttp::status::not_found, "text/plain; charset=utf-8", "not found\n");
    }
    auto const since_epoch = std::chrono::file_clock::to_sys(modified).time_since_epoch();
    auto const nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(since_epoch).count();
    std::time_t const mtime = std::chrono::duration_cast<std::chrono::seconds>(since_epoch).count();
    char etag_text[64];
    auto const etag_length = std::snprintf(etag_text, sizeof etag_text, "W/\"%jx-%jx\"", static_cast<std::uintmax_t>(size),
                                           static_cast<std::uintmax_t>(nanos));
    std::string const etag(etag_text, static_cast<std::size_t>(etag_length));
    std::string const last_modified = http_date(mtime);

    // RFC 9110 13.2.2: If-None-Match wins; If-Modified-Since only without it.
    bool not_modified = false;
    if (auto const inm = req.find(bhttp::field::if_none_match); inm != req.end()) {
        not_modified = etag_matches(inm->value(), etag);
    } else if (auto const ims = req.find(bhttp::field::if_modified_since); ims != req.end()) {
        auto const since = parse_http_date(ims->value());
        not_modified = since && mtime <= *since;
    }

    auto set_validators = [&](auto& res) {
        common_headers(req, res);
        res.set(bhttp::field::etag, etag);
        res.set(bhttp::field::last_modified, last_modified);
        // Revalidate every time: cheap 304s, and a deployed change shows at once.
        res.set(bhttp::field::cache_control, "no-cache");
        res.set("X-Content-Type-Options", "nosniff");
    };

    if (not_modified) {
        string_response res{bhttp::status::not_modified, req.version()};
        set_validators(res);
        return res;
    }

    if (req.method() == bhttp::verb::head) {
        string_response res{bhttp::status::ok, req.version()};
        set_validators(res);
        res.set(bhttp::field::content_type, file.content_type);
        res.content_length(size);
        return res;
    }
    bhttp::file_body::value_type body;
    beast::error_code open_ec;
    body.open(file.path.c_str(), beast::file_mode::scan, open_ec);
    if (open_ec) {
        return make_text(req, bhttp::status::not_found, "text/plain; charset=utf-8", "not found\n");
    }
    auto const body_size = body.size();
    file_response res{bhttp::status::ok, req.version()};
    set_validators(res);
    res.set(bhttp::field::content_type, file.content_type);
    res.body() = std::move(body);
    res.content_length(body_size);
    return res;
}

}  // namespace duet::http
