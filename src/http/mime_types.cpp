#include <duet/http/mime_types.hpp>

#include <boost/beast/core/string.hpp>

#include <array>
#include <utility>

namespace duet::http {
namespace {

constexpr std::array<std::pair<std::string_view, std::string_view>, 18> types{{
    {"html", "text/html; charset=utf-8"},
    {"htm", "text/html; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"json", "application/json"},
    {"map", "application/json"},
    {"svg", "image/svg+xml"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},
    {"webp", "image/webp"},
    {"ico", "image/x-icon"},
    {"wasm", "application/wasm"},
    {"txt", "text/plain; charset=utf-8"},
    {"woff2", "font/woff2"},
    {"webmanifest", "application/manifest+json"},
}};

}  // namespace

std::string_view mime_type(std::string_view file_name) noexcept {
    auto const dot = file_name.rfind('.');
    if (dot != std::string_view::npos) {
        auto const extension = file_name.substr(dot + 1);
        for (auto const& [ext, type] : types) {
            if (boost::beast::iequals(ext, extension)) {
                return type;
            }
        }
    }
    return "application/octet-stream";
}

}  // namespace duet::http
