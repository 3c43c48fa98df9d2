#include <duet/http/mime_types.hpp>

#include <array>
#include <cctype>
#include <utility>

namespace duet::http {
namespace {

bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) {
            return false;
        }
    }
    return true;
}

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
            if (iequals(ext, extension)) {
                return type;
            }
        }
    }
    return "application/octet-stream";
}

}  // namespace duet::http
