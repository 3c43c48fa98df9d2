#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace duet::testing {

/// What the helpers that start a real server for a test (nginx_front, redis_server)
/// share: a port to offer it, a folder of its own, its files read back, its exit in words.

/// A loopback port that was free a moment ago. Another process may take it before the
/// child binds it: the caller retries with another one when the child says so.
std::uint16_t free_loopback_port();

/// A new folder under the temp directory, readable by this user only; `prefix` names
/// it (`duet-nginx` gives /tmp/duet-nginx-XXXXXX).
std::filesystem::path make_private_dir(std::string_view prefix);

/// The whole file, or "" when it cannot be read.
std::string read_file(std::filesystem::path const& path);

/// The last `count` lines of `text`, each indented by two spaces: a log's tail for a
/// failure message.
std::string last_lines(std::string const& text, std::size_t count);

/// A wait() status as words, for a failure message: "exited with status 1".
std::string describe_exit(int status);

}  // namespace duet::testing
