#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <csignal>
#include <sys/types.h>

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

/// How spawn_child starts a server for a test.
struct child_spec {
    std::vector<std::string> argv;  // argv[0] is looked up in PATH when it has no '/'
    std::string fallback;           // tried when argv[0] is not found ("" for none)
    std::filesystem::path output;   // its stdout and stderr; empty: /dev/null
    bool append_output = false;     // O_APPEND rather than O_TRUNC
    int death_signal = SIGTERM;     // what it gets if the test process dies first
    bool own_process_group = false; // so that a signal to -pid reaches its children too
};

/// fork() and exec() of `spec`: stdin from /dev/null, the signal mask cleared, and every
/// descriptor past stderr closed (Asio opens its sockets without close-on-exec: a server
/// must not inherit a test's connection, or closing it would not end it). Everything
/// the child needs is prepared before fork(), since between fork() and exec() a child
/// of a multi-threaded process may only make async-signal-safe calls. Returns the pid,
/// or -1 when fork() failed.
pid_t spawn_child(child_spec const& spec);

}  // namespace duet::testing
