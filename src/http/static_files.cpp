#include <duet/http/static_files.hpp>

#include <duet/http/mime_types.hpp>
#include <duet/net/percent_decode.hpp>

#include <stdexcept>
#include <system_error>

namespace duet::http {
namespace {

/// True when `inner` is `outer` or lies below it; both canonical.
bool is_within(std::filesystem::path const& outer, std::filesystem::path const& inner) {
    auto const& o = outer.native();
    auto const& i = inner.native();
    return i == o || (i.size() > o.size() && i.compare(0, o.size(), o) == 0 &&
                      (o.back() == '/' || i[o.size()] == '/'));
}

}  // namespace

static_files::static_files(std::filesystem::path const& root) {
    std::error_code ec;
    root_ = std::filesystem::canonical(root, ec);
    if (ec || !std::filesystem::is_directory(root_, ec)) {
        throw std::runtime_error("public_dir: '" + root.string() + "' is not a readable folder");
    }
}

std::optional<resolved_file> static_files::resolve(std::string_view target) const {
    auto const end = target.find_first_of("?#");
    auto const raw_path = target.substr(0, end);
    if (raw_path.empty() || raw_path.front() != '/') {
        return std::nullopt;
    }
    auto const decoded = net::percent_decode(raw_path);
    if (!decoded || decoded->find('\0') != std::string::npos || decoded->find('\\') != std::string::npos) {
        return std::nullopt;
    }

    std::filesystem::path candidate = root_;
    std::string_view rest = *decoded;
    while (!rest.empty()) {
        auto const slash = rest.find('/');
        auto const segment = rest.substr(0, slash);
        rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
        if (segment.empty() || segment == ".") {
            continue;
        }
        // ".." never climbs, and hidden files (.git, .env) are never served.
        if (segment.front() == '.') {
            return std::nullopt;
        }
        candidate /= std::string(segment);
    }

    std::error_code ec;
    if (std::filesystem::is_directory(candidate, ec)) {
        candidate /= "index.html";
    } else if (decoded->back() == '/') {
        return std::nullopt;  // "/index.html/" names a folder, and there is none
    }
    // canonical() resolves symlinks: a link pointing out of the folder is caught here.
    auto const real = std::filesystem::canonical(candidate, ec);
    if (ec || !is_within(root_, real) || !std::filesystem::is_regular_file(real, ec)) {
        return std::nullopt;
    }
    return resolved_file{real, mime_type(real.filename().native())};
}

}  // namespace duet::http
