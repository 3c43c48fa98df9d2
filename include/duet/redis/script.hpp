#pragma once

#include <duet/redis/connection.hpp>

#include <memory>
#include <string>
#include <vector>

namespace duet::redis {

/// A Lua script and its SHA1, run with EVALSHA. When the server does not know the script
/// (a restart, a failover, SCRIPT FLUSH) it answers NOSCRIPT, and run() sends the source
/// once with EVAL, which also loads it, and reports only that answer: the caller never
/// sees NOSCRIPT. A value, cheap to copy (the source is shared); run() is called on the
/// connection's thread, like connection::command.
///
/// Ordering: a run that falls back completes after commands sent behind its EVALSHA;
/// a caller that needs a strict order with them waits for run()'s handler first.
class script {
public:
    explicit script(std::string source);

    std::string const& source() const noexcept { return *source_; }
    std::string const& sha1() const noexcept { return sha1_; }

    /// EVALSHA sha1 numkeys keys... args..., falling back to EVAL on NOSCRIPT. The handler
    /// runs exactly once, as for connection::command (error::closed if the owner dropped
    /// `conn` before the fallback could be sent).
    void run(std::shared_ptr<connection> const& conn, std::vector<std::string> keys,
             std::vector<std::string> args, command_handler handler) const;

private:
    std::shared_ptr<std::string const> source_;
    std::string sha1_;  // lowercase hex, as SCRIPT LOAD returns it
};

}  // namespace duet::redis
