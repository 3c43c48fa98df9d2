#include <duet/config/default_public_dir.hpp>

#include <duet/build_info.hpp>

#include <system_error>

namespace duet::config {
namespace {

bool holds_pages(std::filesystem::path const& folder) {
    std::error_code ec;
    return std::filesystem::is_regular_file(folder / "index.html", ec);
}

}  // namespace

std::filesystem::path find_public_dir(std::filesystem::path const& executable) {
    auto const bindir = executable.parent_path();
    auto const installed = (bindir / build_info::public_dir_from_bindir).lexically_normal();
    if (holds_pages(installed)) {
        return installed;
    }
    // The CMakeLists.txt beside public/ tells the repository from an unrelated folder
    // that happens to be called public/ somewhere above a build folder.
    for (auto folder = bindir; !folder.empty(); folder = folder.parent_path()) {
        std::error_code ec;
        if (holds_pages(folder / "public") && std::filesystem::is_regular_file(folder / "CMakeLists.txt", ec)) {
            return folder / "public";
        }
        if (folder == folder.root_path()) {
            break;
        }
    }
    return installed;
}

std::string default_public_dir() {
    std::error_code ec;
    auto const executable = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec) {
        return "public";  // no /proc: the current folder's public/ is the only guess left
    }
    return find_public_dir(executable).string();
}

}  // namespace duet::config
