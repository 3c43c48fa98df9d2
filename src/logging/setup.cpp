#include <duet/logging/setup.hpp>

#include "line_format.hpp"

#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <memory>

namespace duet::logging {
namespace {

/// `%*` in the JSON pattern: the line's members after time, level and thread. A line
/// from write() brings them ready (its fields and "msg"); any other line is a message
/// only, written as "msg".
class message_members : public spdlog::custom_flag_formatter {
public:
    void format(spdlog::details::log_msg const& msg, std::tm const&, spdlog::memory_buf_t& dest) override {
        std::string_view const payload(msg.payload.data(), msg.payload.size());
        if (detail::payload_is_members()) {
            dest.append(payload);
            return;
        }
        dest.append(std::string_view(R"("msg":")"));
        detail::append_json_escaped(dest, payload);
        dest.push_back('"');
    }

    std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<message_members>(); }
};

/// `%L` in the pattern: the level as the settings name it.
class settings_level_name : public spdlog::custom_flag_formatter {
public:
    /// `padded`: to five characters, so text lines stay aligned.
    explicit settings_level_name(bool padded) : padded_(padded) {}

    void format(spdlog::details::log_msg const& msg, std::tm const&, spdlog::memory_buf_t& dest) override {
        static constexpr std::string_view names[] = {"trace", "debug", "info", "warn", "error", "critical", "off"};
        auto const name = names[static_cast<std::size_t>(msg.level)];
        dest.append(name.data(), name.data() + name.size());
        if (padded_) {
            for (auto i = name.size(); i < 5; ++i) {
                dest.push_back(' ');
            }
        }
    }
    std::unique_ptr<custom_flag_formatter> clone() const override {
        return std::make_unique<settings_level_name>(padded_);
    }

private:
    bool padded_;
};

std::atomic<bool> json_format{false};

/// The key of room_tag, drawn once per process.
std::array<unsigned char, 32> const& room_key() {
    static auto const key = [] {
        std::array<unsigned char, 32> k{};
        RAND_bytes(k.data(), static_cast<int>(k.size()));
        return k;
    }();
    return key;
}

}  // namespace

namespace detail {

bool json_lines() noexcept {
    return json_format.load(std::memory_order_relaxed);
}

bool& payload_is_members() noexcept {
    thread_local bool members = false;
    return members;
}

}  // namespace detail

void setup(std::string const& level, std::string const& format) {
    auto logger = std::make_shared<spdlog::logger>("duetd", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    std::unique_ptr<spdlog::pattern_formatter> formatter;
    if (format == "json") {
        formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
        formatter->add_flag<message_members>('*');
        formatter->add_flag<settings_level_name>('L', false);
        formatter->set_pattern(R"({"time":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%L","thread":%t,%*})");
    } else {
        formatter = std::make_unique<spdlog::pattern_formatter>();
        formatter->add_flag<settings_level_name>('L', true);
        formatter->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%L%$ %v");
    }
    logger->set_formatter(std::move(formatter));
    logger->set_level(spdlog::level::from_str(level));
    logger->flush_on(spdlog::level::info);
    json_format.store(format == "json", std::memory_order_relaxed);
    spdlog::set_default_logger(std::move(logger));
}

std::string_view short_id(std::string_view id) noexcept {
    return id.substr(0, 6);
}

std::string room_tag(std::string_view room) {
    auto const& key = room_key();
    unsigned char digest[32];
    unsigned int size = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<unsigned char const*>(room.data()),
         room.size(), digest, &size);
    static constexpr char hex[] = "0123456789abcdef";
    std::string tag;
    for (int i = 0; i < 4; ++i) {
        tag += hex[digest[i] >> 4];
        tag += hex[digest[i] & 0xF];
    }
    return tag;
}

}  // namespace duet::logging
