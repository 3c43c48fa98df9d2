// The daemon as operators run it: the real duetd binary as a child process. Port 0
// and the logged port, SIGTERM and rule 11 (1001, exit 0), bind failures. The
// in-process shutdown sequence is in shutdown_test.cpp.
#include "support/http_client.hpp"
#include "support/test_server.hpp"
#include "support/ws_client.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <fcntl.h>
#include <poll.h>
#include <optional>
#include <regex>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace duet::testing {
namespace {

/// duetd started with `args`, its stderr captured; with `open_files`, under that
/// RLIMIT_NOFILE (soft and hard, as `ulimit -n` sets them).
class child_daemon {
public:
    explicit child_daemon(std::vector<std::string> args, std::optional<rlim_t> open_files = std::nullopt) {
        int fds[2];
        if (::pipe(fds) != 0) {
            throw std::runtime_error("pipe failed");
        }
        pid_ = ::fork();
        if (pid_ == 0) {
            if (open_files) {
                rlimit const limit{*open_files, *open_files};
                ::setrlimit(RLIMIT_NOFILE, &limit);
            }
            ::dup2(fds[1], STDERR_FILENO);
            ::dup2(fds[1], STDOUT_FILENO);
            ::close(fds[0]);
            ::close(fds[1]);
            std::vector<char*> argv{const_cast<char*>(DUETD_PATH)};
            for (auto& a : args) {
                argv.push_back(a.data());
            }
            argv.push_back(nullptr);
            ::execv(DUETD_PATH, argv.data());
            ::_exit(127);
        }
        ::close(fds[1]);
        out_ = fds[0];
    }

    ~child_daemon() {
        if (pid_ > 0 && !reaped_) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
        ::close(out_);
    }

    /// Reads output until `pattern` matches a line; returns the match (empty on timeout).
    std::smatch wait_for(std::regex const& pattern, std::chrono::milliseconds timeout = 10s) {
        auto const deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            std::size_t newline;
            while ((newline = pending_.find('\n')) != std::string::npos) {
                line_ = pending_.substr(0, newline);
                pending_.erase(0, newline + 1);
                output_ += line_ + "\n";
                std::smatch m;
                if (std::regex_search(line_, m, pattern)) {
                    return m;
                }
            }
            pollfd p{out_, POLLIN, 0};
            auto const left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            if (::poll(&p, 1, static_cast<int>(std::max<long>(1, left.count()))) <= 0) {
                continue;
            }
            char buffer[4096];
            auto const n = ::read(out_, buffer, sizeof buffer);
            if (n <= 0) {
                break;
            }
            pending_.append(buffer, static_cast<std::size_t>(n));
        }
        return {};
    }

    /// Waits for the exit; returns the exit status, or -1 on timeout / signal.
    int wait_exit(std::chrono::milliseconds timeout) {
        auto const deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                reaped_ = true;
                return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
            }
            std::this_thread::sleep_for(10ms);  // polling a child's exit, bounded
        }
        return -1;
    }

    void signal(int sig) { ::kill(pid_, sig); }
    std::string const& output() const { return output_; }
    std::string rest() {
        wait_for(std::regex("$^"), 200ms);
        return output_ + pending_;
    }

private:
    pid_t pid_ = -1;
    int out_ = -1;
    bool reaped_ = false;
    std::string pending_, line_, output_;
};

std::regex const listening{R"(listening on 127\.0\.0\.1:(\d+))"};

TEST(Process, PortZeroLogsTheBoundPortAndSigtermClosesWith1001AndExitsZero) {
    test_server folder;  // only for its temporary public folder
    // A long grace: the daemon must exit when its clients are gone, not when it ends.
    child_daemon duetd({"--address", "127.0.0.1", "--port", "0", "--public-dir", folder.public_dir().string(),
                        "--shutdown-grace", "30"});
    auto m = duetd.wait_for(listening);
    ASSERT_FALSE(m.empty()) << duetd.rest();
    auto const port = static_cast<std::uint16_t>(std::stoi(m[1].str()));
    ASSERT_NE(port, 0);
    EXPECT_EQ(http_get(port, "/").status, 200);

    ws_client a(port), b(port);
    a.join("demo");
    b.join("demo");
    a.expect("otherjoin");
    auto const started = std::chrono::steady_clock::now();
    duetd.signal(SIGTERM);
    auto closed_a = a.expect_close(5s);
    auto closed_b = b.expect_close(5s);
    EXPECT_EQ(closed_a.code, 1001);
    EXPECT_EQ(closed_a.reason, "server shutting down");
    EXPECT_EQ(closed_b.code, 1001);
    EXPECT_EQ(duetd.wait_exit(10s), 0) << duetd.rest();
    EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
    // It no longer accepts.
    EXPECT_EQ(http_get(port, "/").status, 0);
}

TEST(Process, ShutdownGraceBoundsAClientThatNeverAnswersTheClose) {
    test_server folder;
    child_daemon duetd({"--port", "0", "--public-dir", folder.public_dir().string(), "--shutdown-grace", "1",
                        "--request-timeout", "30"});
    auto m = duetd.wait_for(listening);
    ASSERT_FALSE(m.empty()) << duetd.rest();
    auto const port = static_cast<std::uint16_t>(std::stoi(m[1].str()));
    ws_client stuck(port);  // never reads again: never answers the close frame
    stuck.join("demo");
    auto const started = std::chrono::steady_clock::now();
    duetd.signal(SIGINT);
    EXPECT_EQ(duetd.wait_exit(5s), 0) << duetd.rest();
    auto const took = std::chrono::steady_clock::now() - started;
    EXPECT_GE(took, 900ms);
    EXPECT_LT(took, 3s);
}

TEST(Process, UnderALowOpenFilesLimitHandshakesPastWhatFitsGet503AndHealthzAnswers) {
    // ulimit -n 120 against the default 10,000 + 1,000 connections: without fitting, the
    // daemon would run out of descriptors mid-accept and new clients would hang.
    test_server folder;  // only for its temporary public folder
    // Every client here is 127.0.0.1: the per-client limits are not what this is about.
    child_daemon duetd({"--port", "0", "--public-dir", folder.public_dir().string(), "--max-connections-per-client",
                        "100000", "--handshake-burst-per-client", "100000"},
                       120);
    auto const fit = duetd.wait_for(std::regex(R"(open-files limit \(120\) fits (\d+) WebSockets and (\d+) HTTP)"));
    ASSERT_FALSE(fit.empty()) << duetd.rest();
    auto const websockets = std::stoul(fit[1].str());
    EXPECT_EQ(websockets + std::stoul(fit[2].str()), 120u - 64u);
    auto const m = duetd.wait_for(listening);
    ASSERT_FALSE(m.empty()) << duetd.rest();
    auto const port = static_cast<std::uint16_t>(std::stoi(m[1].str()));
    std::vector<std::unique_ptr<ws_client>> open;
    for (std::size_t i = 0; i < websockets; ++i) {
        open.push_back(std::make_unique<ws_client>(port));
    }
    auto const start = std::chrono::steady_clock::now();
    EXPECT_EQ(ws_client::handshake_status(port, {}), 503);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 4s) << "the refusal was not quick";
    EXPECT_EQ(http_get(port, "/healthz").status, 200);
    // The WebSockets that fitted still work.
    open.front()->send_json({{"type", "ping"}});
    open.front()->expect("pong");
}

TEST(Process, SighupReloadsTheConfigFileKeepsTheCallsAndRefusesABadFile) {
    test_server folder;  // only for its temporary public folder
    auto const config = folder.outside_dir() / "duetd.toml";
    auto write_config = [&](std::string const& text) { std::ofstream(config) << text; };
    write_config("allowed_origins = [\"https://a.example\"]\n");
    child_daemon duetd({"--config", config.string(), "--port", "0", "--public-dir", folder.public_dir().string()});
    auto const m = duetd.wait_for(listening);
    ASSERT_FALSE(m.empty()) << duetd.rest();
    auto const port = static_cast<std::uint16_t>(std::stoi(m[1].str()));
    ws_client::options from_b;
    from_b.headers["Origin"] = "https://b.example";
    EXPECT_EQ(ws_client::handshake_status(port, from_b), 403);
    ws_client::options from_a;
    from_a.headers["Origin"] = "https://a.example";
    ws_client call(port, from_a);
    call.join("kept");

    // A new origin and a room capacity (which needs a restart), then SIGHUP.
    write_config("allowed_origins = [\"https://a.example\", \"https://b.example\"]\nroom_capacity = 3\n");
    duetd.signal(SIGHUP);
    ASSERT_FALSE(duetd.wait_for(std::regex("SIGHUP: settings reloaded; changed: allowed_origins")).empty())
        << duetd.rest();
    ASSERT_FALSE(duetd.wait_for(std::regex("SIGHUP: needs a restart to change: room_capacity; the running values stay")).empty())
        << duetd.rest();
    EXPECT_EQ(ws_client::handshake_status(port, from_b), 101);
    // The call opened before the reload goes on.
    call.send_json({{"type", "ping"}});
    call.expect("pong");

    // A bad file is refused and the running settings stay.
    write_config("allowed_origins = [\"ftp://nope\"]\n");
    duetd.signal(SIGHUP);
    ASSERT_FALSE(duetd.wait_for(std::regex("SIGHUP: the settings are refused, the running ones stay")).empty())
        << duetd.rest();
    EXPECT_EQ(ws_client::handshake_status(port, from_b), 101);
    call.send_json({{"type", "ping"}});
    call.expect("pong");
    EXPECT_EQ(http_get(port, "/healthz").status, 200);
}

TEST(Process, SighupChangesTrustedProxiesAndPerClientLimits) {
    test_server folder;  // only for its temporary public folder
    auto const config = folder.outside_dir() / "duetd.toml";
    auto write_config = [&](std::string const& text) { std::ofstream(config) << text; };
    write_config("max_connections_per_client = 1\n");
    child_daemon duetd({"--config", config.string(), "--port", "0", "--public-dir", folder.public_dir().string()});
    auto const m = duetd.wait_for(listening);
    ASSERT_FALSE(m.empty()) << duetd.rest();
    auto const port = static_cast<std::uint16_t>(std::stoi(m[1].str()));
    ws_client::options alice;
    alice.headers["X-Forwarded-For"] = "198.51.100.1";
    ws_client::options bob;
    bob.headers["X-Forwarded-For"] = "198.51.100.2";
    ws_client const first(port, alice);
    // Nobody is trusted yet: both are 127.0.0.1, which has its one WebSocket.
    EXPECT_EQ(ws_client::handshake_status(port, bob), 503);

    write_config("max_connections_per_client = 1\ntrusted_proxies = [\"127.0.0.1/32\"]\n");
    duetd.signal(SIGHUP);
    ASSERT_FALSE(duetd.wait_for(std::regex("SIGHUP: settings reloaded; changed: trusted_proxies")).empty())
        << duetd.rest();
    // Now the header names the client: bob is someone else than 127.0.0.1, and has
    // one WebSocket at most. (The first connection stays counted for 127.0.0.1, where it
    // was admitted.)
    ws_client const second(port, bob);
    EXPECT_EQ(ws_client::handshake_status(port, bob), 503);

    write_config("max_connections_per_client = 2\ntrusted_proxies = [\"127.0.0.1/32\"]\n");
    duetd.signal(SIGHUP);
    ASSERT_FALSE(duetd.wait_for(std::regex("SIGHUP: settings reloaded; changed: max_connections_per_client")).empty())
        << duetd.rest();
    ws_client const third(port, bob);
    EXPECT_EQ(ws_client::handshake_status(port, bob), 503);
}

/// Join secrets for the token tests: a config file naming a private secrets file.
struct token_config {
    explicit token_config(std::filesystem::path const& folder, std::string const& secrets_text,
                          bool require = true)
        : config(folder / "duetd.toml"), secrets(folder / "join-secrets") {
        write_secrets(secrets_text);
        std::ofstream(config) << "join_secrets_file = \"" << secrets.string() << "\"\nrequire_token = "
                              << (require ? "true" : "false") << "\n";
    }
    void write_secrets(std::string const& text) const {
        std::ofstream(secrets) << text;
        std::filesystem::permissions(secrets, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    }
    std::filesystem::path config;
    std::filesystem::path secrets;
};

std::string const secret_1 = "process-secret-1-0123456789abcdef0123456789";
std::string const secret_2 = "process-secret-2-0123456789abcdef0123456789";

/// Runs `duetd ARGS` to its end; returns its output's last line (exit status 0 expected).
std::string run_to_end(std::vector<std::string> args) {
    child_daemon run(std::move(args));
    auto const line = run.wait_for(std::regex(R"(^(\S+)$)"), 5s);
    EXPECT_EQ(run.wait_exit(5s), 0) << run.rest();
    return line.empty() ? std::string() : line[1].str();
}

TEST(Process, TokenAndInviteSubcommandsPrintWhatTheDaemonAccepts) {
    test_server folder;
    token_config const cfg(folder.outside_dir(), "# two keys\nk1=" + secret_1 + "\nk2=" + secret_2 + "\n");
    auto const token = run_to_end({"token", "--config", cfg.config.string(), "--room", "demo", "--ttl", "1h", "--kid",
                                   "k2"});
    ASSERT_EQ(std::count(token.begin(), token.end(), '.'), 2) << token;
    auto const invite = run_to_end({"--config", cfg.config.string(), "invite", "--room", "call", "--ttl", "10m",
                                    "--once", "--base", "https://duet.example.org/"});
    std::smatch parts;
    ASSERT_TRUE(std::regex_match(invite, parts, std::regex(R"(^https://duet\.example\.org/room\.html\?room=call#t=(\S+)$)")))
        << invite;
    auto const invite_token = parts[1].str();
    // The call page exists under that name.
    EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(DUET_SOURCE_PUBLIC_DIR) / "room.html"));

    child_daemon duetd({"--config", cfg.config.string(), "--port", "0", "--public-dir", folder.public_dir().string()});
    auto const m = duetd.wait_for(listening);
    ASSERT_FALSE(m.empty()) << duetd.rest();
    auto const port = static_cast<std::uint16_t>(std::stoi(m[1].str()));
    ws_client a(port), b(port), c(port);
    a.send_json({{"type", "join"}, {"room", "demo"}});
    a.expect_error("unauthorized", "join");  // require_token
    a.send_json({{"type", "join"}, {"room", "demo"}, {"token", token}});
    a.expect("joined");
    b.send_json({{"type", "join"}, {"room", "call"}, {"token", invite_token}});
    b.expect("joined");
    // --once: the invite's token admits one join.
    c.send_json({{"type", "join"}, {"room", "call"}, {"token", invite_token}});
    EXPECT_NE(c.expect_error("unauthorized", "join").value("message", "").find("already been used"), std::string::npos);
    // The log never shows a secret or a token.
    auto const log = duetd.rest();
    EXPECT_EQ(log.find(secret_1), std::string::npos);
    EXPECT_EQ(log.find(secret_2), std::string::npos);
    EXPECT_EQ(log.find(token), std::string::npos);
    EXPECT_NE(log.find("join_secrets=k1, k2"), std::string::npos) << log;
}

TEST(Process, MintingRefusesWhatItCannotSign) {
    test_server folder;
    token_config const cfg(folder.outside_dir(), "k1=" + secret_1 + "\n");
    child_daemon no_kid({"token", "--config", cfg.config.string(), "--room", "demo", "--kid", "k9"});
    EXPECT_EQ(no_kid.wait_exit(5s), 2);
    EXPECT_NE(no_kid.rest().find("k9"), std::string::npos);
    child_daemon bad_room({"token", "--config", cfg.config.string(), "--room", "no room"});
    EXPECT_EQ(bad_room.wait_exit(5s), 2);
    child_daemon no_secret({"token", "--room", "demo"});
    EXPECT_EQ(no_secret.wait_exit(5s), 2);
    EXPECT_NE(no_secret.rest().find("join_secrets"), std::string::npos);
    // A secrets file every user may read is refused, by the daemon and by minting.
    std::filesystem::permissions(cfg.secrets, std::filesystem::perms::others_read, std::filesystem::perm_options::add);
    child_daemon open_file({"token", "--config", cfg.config.string(), "--room", "demo"});
    EXPECT_EQ(open_file.wait_exit(5s), 2);
    EXPECT_NE(open_file.rest().find("every user"), std::string::npos);
}

TEST(Process, SighupRotatesJoinSecrets) {
    test_server folder;
    token_config const cfg(folder.outside_dir(), "k1=" + secret_1 + "\n");
    child_daemon duetd({"--config", cfg.config.string(), "--port", "0", "--public-dir", folder.public_dir().string()});
    auto const m = duetd.wait_for(listening);
    ASSERT_FALSE(m.empty()) << duetd.rest();
    auto const port = static_cast<std::uint16_t>(std::stoi(m[1].str()));
    // A token of a key the daemon does not have yet.
    auto const elsewhere = folder.outside_dir() / "minting";
    std::filesystem::create_directories(elsewhere);
    token_config const minting(elsewhere, "k2=" + secret_2 + "\n");
    auto const token = run_to_end({"token", "--config", minting.config.string(), "--room", "demo", "--kid", "k2"});
    ws_client a(port);
    a.send_json({{"type", "join"}, {"room", "demo"}, {"token", token}});
    a.expect_error("unauthorized", "join");
    // Rotation: add k2 to the file, SIGHUP; no restart.
    cfg.write_secrets("k1=" + secret_1 + "\nk2=" + secret_2 + "\n");
    duetd.signal(SIGHUP);
    ASSERT_FALSE(duetd.wait_for(std::regex("SIGHUP: settings reloaded; changed: join_secrets")).empty()) << duetd.rest();
    a.send_json({{"type", "join"}, {"room", "demo"}, {"token", token}});
    a.expect("joined");
}

TEST(Process, BindFailureNamesAddressAndPortAndExitsNonZero) {
    test_server holder;  // holds a port
    child_daemon duetd({"--port", std::to_string(holder.daemon_port()), "--public-dir", holder.public_dir().string()});
    EXPECT_EQ(duetd.wait_exit(5s), 1);
    EXPECT_NE(duetd.rest().find("127.0.0.1:" + std::to_string(holder.daemon_port())), std::string::npos) << duetd.rest();
}

TEST(Process, MissingPublicFolderIsNamed) {
    child_daemon duetd({"--port", "0", "--public-dir", "/nonexistent/duet-public"});
    EXPECT_EQ(duetd.wait_exit(5s), 1);
    EXPECT_NE(duetd.rest().find("/nonexistent/duet-public"), std::string::npos) << duetd.rest();
}

TEST(Process, EveryBadSettingIsReportedTogether) {
    child_daemon duetd({"--room-capacity", "1", "--log-format", "xml", "--ping-interval", "90"});
    EXPECT_EQ(duetd.wait_exit(5s), 2);
    auto const out = duetd.rest();
    EXPECT_NE(out.find("room_capacity"), std::string::npos) << out;
    EXPECT_NE(out.find("log_format"), std::string::npos) << out;
    EXPECT_NE(out.find("idle_timeout"), std::string::npos) << out;
}

// Issue 10, item 6: JSON lines with fields a collector can index, level names as the
// settings spell them, and room names never in clear above debug.
TEST(Process, JsonLogsCarryEventFieldsAndNeverARoomNameAboveDebug) {
    test_server folder;
    child_daemon duetd({"--port", "0", "--public-dir", folder.public_dir().string(), "--log-format", "json",
                        "--max-connections", "3"});
    auto m = duetd.wait_for(std::regex(R"re(^\{"time":".*"event":"listen".*"msg":"listening on 127\.0\.0\.1:(\d+)"\}$)re"));
    ASSERT_FALSE(m.empty()) << duetd.rest();
    auto const port = static_cast<std::uint16_t>(std::stoi(m[1].str()));
    {
        // A third joiner of a full room (an info line about a room whose name is
        // secret), then a fourth connection past max_connections (a warn line).
        ws_client a(port), b(port), c(port);
        a.join("secret-room-name");
        b.join("secret-room-name");
        c.send_json({{"type", "join"}, {"room", "secret-room-name"}});
        c.expect("full");
        EXPECT_EQ(ws_client::handshake_status(port, {}), 503);
    }
    duetd.signal(SIGTERM);
    EXPECT_EQ(duetd.wait_exit(5s), 0);

    std::istringstream lines(duetd.rest());
    std::string line;
    std::vector<json> parsed_lines;
    while (std::getline(lines, line)) {
        EXPECT_EQ(line.find("secret-room-name"), std::string::npos) << "a room name in clear: " << line;
        auto parsed = json::parse(line, nullptr, false);
        ASSERT_TRUE(parsed.is_object()) << line;
        EXPECT_TRUE(parsed.contains("time") && parsed.contains("level") && parsed.contains("msg")) << line;
        EXPECT_TRUE(parsed.contains("event") && parsed["event"].is_string()) << "no event: " << line;
        parsed_lines.push_back(std::move(parsed));
    }
    auto find = [&](std::string const& event) -> json const* {
        for (auto const& l : parsed_lines) {
            if (l.value("event", "") == event) {
                return &l;
            }
        }
        return nullptr;
    };
    auto const* full = find("join.full");
    ASSERT_NE(full, nullptr) << "no join.full line in:\n" << duetd.output();
    EXPECT_EQ(full->value("level", ""), "info");
    EXPECT_TRUE(std::regex_match(full->value("room", ""), std::regex("[0-9a-f]{8}"))) << full->dump();
    EXPECT_GT(full->value("conn", 0), 0) << full->dump();
    EXPECT_EQ(full->value("peer", "").size(), 6u) << full->dump();
    EXPECT_EQ(full->value("remote", ""), "127.0.0.1") << full->dump();
    EXPECT_EQ(full->value("reason", ""), "full") << full->dump();

    auto const* refused = find("ws.refused");
    ASSERT_NE(refused, nullptr) << "no ws.refused line in:\n" << duetd.output();
    EXPECT_EQ(refused->value("level", ""), "warn") << "level named as in the settings";
    EXPECT_EQ(refused->value("code", 0), 503) << refused->dump();
    EXPECT_EQ(refused->value("reason", ""), "capacity") << refused->dump();
    EXPECT_EQ(refused->value("remote", ""), "127.0.0.1") << refused->dump();
    EXPECT_NE(refused->value("conn", 0), full->value("conn", 0)) << "each connection has its own number";
}

// At debug, a WebSocket's close line says how it ended and how long it lasted.
TEST(Process, DebugLogsTheCloseOfEachWebSocketWithItsCodeAndDuration) {
    test_server folder;
    child_daemon duetd({"--port", "0", "--public-dir", folder.public_dir().string(), "--log-format", "json",
                        "--log-level", "debug"});
    auto m = duetd.wait_for(std::regex(R"re("msg":"listening on 127\.0\.0\.1:(\d+)")re"));
    ASSERT_FALSE(m.empty()) << duetd.rest();
    auto const port = static_cast<std::uint16_t>(std::stoi(m[1].str()));
    {
        ws_client a(port);
        a.join("debug-room");
        a.close();
        auto closed = duetd.wait_for(std::regex(R"re(^.*"event":"ws\.closed".*$)re"));
        ASSERT_FALSE(closed.empty()) << duetd.rest();
        auto const line = json::parse(closed[0].str());
        EXPECT_EQ(line.value("level", ""), "debug");
        EXPECT_EQ(line.value("code", 0), 1000) << line.dump();
        EXPECT_EQ(line.value("reason", ""), "client_closed") << line.dump();
        EXPECT_TRUE(line.contains("duration_ms") && line["duration_ms"].is_number_integer()) << line.dump();
        EXPECT_GE(line.value("duration_ms", -1), 0) << line.dump();
        EXPECT_GT(line.value("conn", 0), 0) << line.dump();
        EXPECT_EQ(line.value("remote", ""), "127.0.0.1") << line.dump();
    }
    duetd.signal(SIGTERM);
    EXPECT_EQ(duetd.wait_exit(5s), 0);
}

// The text format carries the same fields as key=value pairs after the message.
TEST(Process, TextLogsAppendTheFieldsAsKeyValuePairs) {
    test_server folder;
    child_daemon duetd({"--port", "0", "--public-dir", folder.public_dir().string()});
    auto m = duetd.wait_for(std::regex(R"re( info  listening on 127\.0\.0\.1:(\d+) event=listen$)re"));
    ASSERT_FALSE(m.empty()) << duetd.rest();
    duetd.signal(SIGTERM);
    EXPECT_EQ(duetd.wait_exit(5s), 0);
}

}  // namespace
}  // namespace duet::testing
