#pragma once

#include <filesystem>
#include <string>

namespace duet::config {

/// The call pages' folder when no public_dir is set. It is found from where the running
/// binary is (/proc/self/exe), never from a path baked in at build time, so a package
/// built on one machine and a tree moved after `cmake --install` both work.
std::string default_public_dir();

/// The search behind default_public_dir(), from a given path of the binary:
///  1. installed: <prefix>/bin/duetd serves <prefix>/share/duet/public (the relative
///     path comes from GNUInstallDirs, see build_info::public_dir_from_bindir);
///  2. a build folder inside the source tree: the nearest folder above the binary that
///     holds public/index.html beside a CMakeLists.txt, the repository's public/.
/// When neither has an index.html, the installed location, so that the start-up error
/// names the folder where the pages were expected.
std::filesystem::path find_public_dir(std::filesystem::path const& executable);

}  // namespace duet::config
