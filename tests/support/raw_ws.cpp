#include "support/raw_ws.hpp"

#include <poll.h>

#include <stdexcept>

namespace duet::testing {
namespace {

using clock = std::chrono::steady_clock;

std::string const raw_upgrade_request =
    "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

}  // namespace

raw_ws::raw_ws(std::uint16_t port) : socket_(ioc_) {
    socket_.connect({asio::ip::make_address("127.0.0.1"), port});
    socket_.non_blocking(true);
    if (write(raw_upgrade_request)) {
        throw std::runtime_error("raw_ws: could not send the upgrade request");
    }
    auto const deadline = clock::now() + 5s;
    std::string head;
    char chunk[4096];
    while (head.find("\r\n\r\n") == std::string::npos) {
        if (!wait(POLLIN, deadline)) {
            throw std::runtime_error("raw_ws: no upgrade response within 5 s");
        }
        error_code ec;
        auto const n = socket_.read_some(asio::buffer(chunk), ec);
        if (ec == asio::error::would_block) {
            continue;
        }
        if (ec) {
            throw std::runtime_error("raw_ws: upgrade failed: " + ec.message());
        }
        head.append(chunk, n);
    }
    auto const end = head.find("\r\n\r\n") + 4;
    if (head.rfind("HTTP/1.1 101", 0) != 0) {
        throw std::runtime_error("raw_ws: upgrade refused: " + head.substr(0, head.find("\r\n")));
    }
    received_ = head.substr(end);
}

bool raw_ws::wait(short events, clock::time_point deadline) {
    for (;;) {
        auto const left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
        if (left.count() <= 0) {
            return false;
        }
        pollfd fd{socket_.native_handle(), events, 0};
        auto const ready = ::poll(&fd, 1, static_cast<int>(left.count()));
        if (ready > 0) {
            return true;
        }
        if (ready < 0 && errno != EINTR) {
            return false;
        }
    }
}

error_code raw_ws::write(std::string_view bytes, std::chrono::milliseconds timeout) {
    auto const deadline = clock::now() + timeout;
    while (!bytes.empty()) {
        error_code ec;
        auto const n = socket_.write_some(asio::buffer(bytes.data(), bytes.size()), ec);
        if (ec == asio::error::would_block) {
            if (!wait(POLLOUT, deadline)) {
                return asio::error::timed_out;
            }
            continue;
        }
        if (ec) {
            return ec;
        }
        bytes.remove_prefix(n);
    }
    return {};
}

raw_ws::ending raw_ws::read_to_end(std::chrono::milliseconds timeout) {
    auto const start = clock::now();
    auto const deadline = start + timeout;
    ending result;
    char chunk[16384];
    for (;;) {
        error_code ec;
        auto const n = socket_.read_some(asio::buffer(chunk), ec);
        if (ec == asio::error::would_block) {
            if (!wait(POLLIN, deadline)) {
                result.timed_out = true;
                break;
            }
            continue;
        }
        if (ec) {
            result.how = ec;
            break;
        }
        received_.append(chunk, n);
    }
    result.bytes = std::move(received_);
    received_.clear();
    result.after = std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - start);
    return result;
}

std::optional<int> raw_ws::wait_for_close(std::chrono::milliseconds timeout) {
    auto const deadline = clock::now() + timeout;
    char chunk[16384];
    while (!close_code_in(received_)) {
        error_code ec;
        auto const n = socket_.read_some(asio::buffer(chunk), ec);
        if (ec == asio::error::would_block) {
            if (!wait(POLLIN, deadline)) {
                return std::nullopt;
            }
            continue;
        }
        if (ec) {
            return std::nullopt;
        }
        received_.append(chunk, n);
    }
    return close_code_in(received_);
}

std::string raw_ws::frame(std::uint8_t opcode, std::string_view payload, std::optional<std::uint64_t> announced) {
    auto const size = announced.value_or(payload.size());
    std::string bytes;
    bytes += static_cast<char>(0x80 | opcode);
    if (size < 126) {
        bytes += static_cast<char>(0x80 | size);
    } else if (size <= 0xFFFF) {
        bytes += static_cast<char>(0x80 | 126);
        bytes += static_cast<char>(size >> 8);
        bytes += static_cast<char>(size & 0xFF);
    } else {
        bytes += static_cast<char>(0x80 | 127);
        for (int shift = 56; shift >= 0; shift -= 8) {
            bytes += static_cast<char>((size >> shift) & 0xFF);
        }
    }
    bytes.append(4, '\0');  // the mask key
    bytes += payload;
    return bytes;
}

std::string raw_ws::close_frame(int code) {
    std::string const payload{static_cast<char>(code >> 8), static_cast<char>(code & 0xFF)};
    return frame(0x8, payload);
}

std::optional<int> raw_ws::close_code_in(std::string_view bytes) {
    while (bytes.size() >= 2) {
        auto const opcode = static_cast<std::uint8_t>(bytes[0]) & 0x0F;
        std::uint64_t length = static_cast<std::uint8_t>(bytes[1]) & 0x7F;
        std::size_t header = 2;
        if (length >= 126) {
            std::size_t const extra = length == 126 ? 2 : 8;
            if (bytes.size() < 2 + extra) {
                return std::nullopt;
            }
            length = 0;
            for (std::size_t i = 0; i < extra; ++i) {
                length = (length << 8) | static_cast<std::uint8_t>(bytes[2 + i]);
            }
            header += extra;
        }
        if (bytes.size() < header + length) {
            return std::nullopt;
        }
        if (opcode == 0x8) {
            if (length < 2) {
                return 1005;  // no status code given
            }
            return (static_cast<std::uint8_t>(bytes[header]) << 8) | static_cast<std::uint8_t>(bytes[header + 1]);
        }
        bytes.remove_prefix(header + length);
    }
    return std::nullopt;
}

}  // namespace duet::testing
