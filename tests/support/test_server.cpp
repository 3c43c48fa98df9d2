#include "support/test_server.hpp"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <random>
#include <stdexcept>
#include <thread>
#include <unistd.h>

namespace duet::testing {
namespace {

void write_file(std::filesystem::path const& path, std::string const& text) {
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
}

std::filesystem::path unique_base() {
    static std::atomic<int> counter{0};
    std::random_device rd;
    return std::filesystem::temp_directory_path() /
           ("duet-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" + std::to_string(rd()));
}

enum class front_kind { none, nginx, cluster };

/// The front named by DUET_TEST_FRONT: none when it is unset or empty.
front_kind front_wanted() {
    char const* front = std::getenv("DUET_TEST_FRONT");
    if (front == nullptr || *front == '\0') {
        return front_kind::none;
    }
    if (std::string_view(front) == "nginx") {
        return front_kind::nginx;
    }
    if (std::string_view(front) == "cluster") {
        return front_kind::cluster;
    }
    throw std::runtime_error(std::string("DUET_TEST_FRONT: unknown front '") + front + "' (known: nginx, cluster)");
}

constexpr std::size_t cluster_nodes = 3;

/// Waits until every node of a cluster has registered in Redis (its /healthz says ok).
void wait_until_registered(std::vector<app::server*> const& nodes) {
    auto const deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    for (auto* node : nodes) {
        while (node->gauges().degraded) {
            if (std::chrono::steady_clock::now() > deadline) {
                throw std::runtime_error("a cluster node did not register in Redis within 20 s");
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    }
}

}  // namespace

test_server::test_server(tweak adjust) : base_(unique_base()) {
    public_dir_ = base_ / "public";
    outside_dir_ = base_ / "outside";
    write_file(public_dir_ / "index.html", "<!doctype html><title>duet test</title>\n");
    write_file(public_dir_ / "room.html", "<!doctype html><title>room</title>\n");
    write_file(public_dir_ / "sub" / "index.html", "sub index\n");
    write_file(public_dir_ / "js" / "app.js", "export const x = 1;\n");
    write_file(public_dir_ / "css" / "main.css", "body{}\n");
    write_file(public_dir_ / "img" / "logo.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>\n");
    write_file(public_dir_ / ".secret", "hidden\n");
    write_file(outside_dir_ / "secret.txt", "OUTSIDE-SECRET\n");
    std::filesystem::create_symlink(outside_dir_ / "secret.txt", public_dir_ / "leak.txt");
    std::filesystem::create_directory_symlink(outside_dir_, public_dir_ / "leakdir");

    char const* level = std::getenv("DUET_TEST_LOG");
    spdlog::set_level(spdlog::level::from_str(level != nullptr ? level : "off"));

    config::settings s;
    s.address = "127.0.0.1";
    s.port = 0;
    s.public_dir = public_dir_.string();
    s.shutdown_grace = std::chrono::seconds(5);
    // Every test client comes from 127.0.0.1: the per-client limits are out of the way
    // unless a test about them sets its own.
    s.max_connections_per_client = 1'000'000;
    s.max_http_connections_per_client = 1'000'000;
    s.handshake_rate_per_client = 1e9;
    s.handshake_burst_per_client = 1e9;
    if (adjust) {
        adjust(s);
    }
    auto const front = front_wanted();
    if (front == front_kind::cluster) {
        redis_ = std::make_unique<redis_server>(redis_server::options{.tcp = true, .requirepass = {}});
        s.cluster_redis_url = redis_->tcp_url();
        s.cluster_name = base_.filename().string();
    }
    auto const options = app::server::options{.handle_signals = false, .reload = {}};
    server_ = std::make_unique<app::server>(s, options);
    server_->start();
    try {
        if (front == front_kind::nginx) {
            front_ = std::make_unique<nginx_front>(server_->port());
        } else if (front == front_kind::cluster) {
            std::vector<std::uint16_t> ports = {server_->port()};
            std::vector<app::server*> nodes = {server_.get()};
            while (nodes.size() < cluster_nodes) {
                more_nodes_.push_back(std::make_unique<app::server>(s, options));
                more_nodes_.back()->start();
                ports.push_back(more_nodes_.back()->port());
                nodes.push_back(more_nodes_.back().get());
            }
            wait_until_registered(nodes);
            front_ = std::make_unique<nginx_front>(ports, std::string());
        }
    } catch (...) {
        stop_and_wait();
        std::error_code ignored;
        std::filesystem::remove_all(base_, ignored);
        throw;
    }
}

test_server::~test_server() {
    stop_and_wait();
    if (front_) {
        // A test that failed behind the proxy shows what nginx saw (a broken pipe, an
        // upstream reset), next to the daemon's log that DUET_TEST_LOG shows. nginx
        // logs a connection when it ends, so stop it first.
        front_->stop();
        if (::testing::Test::HasFailure()) {
            std::cerr << front_->log_tail();
        }
        front_.reset();
    }
    std::error_code ignored;
    std::filesystem::remove_all(base_, ignored);
}

void test_server::stop_and_wait() {
    if (!stopped_) {
        stopped_ = true;
        server_->stop();
        for (auto& node : more_nodes_) {
            node->stop();
        }
        server_->wait();
        for (auto& node : more_nodes_) {
            node->wait();
        }
    }
}

}  // namespace duet::testing
