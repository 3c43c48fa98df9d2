#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace duet::http {

/// A file of the public folder that a request target names.
struct resolved_file {
    std::filesystem::path path;   // canonical, inside the public folder
    std::string_view content_type;
};

/// Maps request targets to files of the public folder, and never to anything outside
/// it. Touches the file system but no sockets; immutable after construction, so any
/// thread may call it.
class static_files {
public:
    /// `root` must be an existing folder; throws std::runtime_error naming it otherwise.
    explicit static_files(std::filesystem::path const& root);

    /// The file for a request target such as "/js/room.js?v=2". The query and fragment
    /// are ignored; "/" and folders mean their index.html. Nothing for a missing file,
    /// a malformed percent-encoding, a NUL or backslash, a ".." segment, a hidden
    /// (dot) segment, or a path whose symlinks lead out of the folder.
    std::optional<resolved_file> resolve(std::string_view target) const;

    std::filesystem::path const& root() const noexcept { return root_; }

private:
    std::filesystem::path root_;  // canonical
};

}  // namespace duet::http
