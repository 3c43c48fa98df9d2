// static_files::resolve() against arbitrary request targets, over a temporary public
// folder with files, subfolders, hidden entries and symlinks leading out of it. Whatever
// it resolves must be a canonical regular file inside the canonical root, with no hidden
// or dot segment; and a target whose decoded path has a hidden or dot segment, a NUL, a
// backslash or a malformed %-escape must resolve to nothing (docs: static_files.hpp).

#include "support/public_folder.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace {

duet::fuzz::public_folder const& folder() {
    static duet::fuzz::public_folder const instance;
    return instance;
}

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/// The decoded path of a target, or nothing when it may not name a file at all: an
/// independent reading of the rules, not the code under test.
std::optional<std::string> servable_path(std::string_view target) {
    auto const path = target.substr(0, target.find_first_of("?#"));
    if (path.empty() || path.front() != '/') {
        return std::nullopt;
    }
    std::string decoded;
    for (std::size_t i = 0; i < path.size(); ++i) {
        if (path[i] != '%') {
            decoded += path[i];
            continue;
        }
        if (path.size() - i < 3 || hex_digit(path[i + 1]) < 0 || hex_digit(path[i + 2]) < 0) {
            return std::nullopt;
        }
        decoded += static_cast<char>(hex_digit(path[i + 1]) * 16 + hex_digit(path[i + 2]));
        i += 2;
    }
    if (decoded.find('\0') != std::string::npos || decoded.find('\\') != std::string::npos) {
        return std::nullopt;
    }
    std::string_view rest = decoded;
    while (!rest.empty()) {
        auto const slash = rest.find('/');
        auto const segment = rest.substr(0, slash);
        rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
        // "." alone is harmless (it names the same folder); anything else starting with
        // a dot is ".." or a hidden entry.
        if (!segment.empty() && segment.front() == '.' && segment != ".") {
            return std::nullopt;
        }
    }
    return decoded;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    folder();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* bytes, std::size_t size) {
    std::string_view const target(reinterpret_cast<char const*>(bytes), size);
    auto const& f = folder();
    auto const file = f.files().resolve(target);
    if (!file) {
        return 0;
    }
    f.check_served(file->path, "fuzz_static_path", target);
    if (!servable_path(target)) {
        f.fail("resolved a target that must name nothing", file->path, "fuzz_static_path", target);
    }
    if (file->content_type.empty()) {
        f.fail("no content type", file->path, "fuzz_static_path", target);
    }
    return 0;
}
