#include <duet/logging/setup.hpp>

#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <array>
#include <memory>

namespace duet::logging {
namespace {

/// `%*` in the pattern: the log message as the body of a JSON string.
class json_escaped_message : public spdlog::custom_flag_formatter {
public:
    void format(spdlog::details::log_msg const& msg, std::tm const&, spdlog::memory_buf_t& dest) override {
        static constexpr char hex[] = "0123456789abcdef";
        for (char c : std::string_view(msg.payload.data(), msg.payload.size())) {
            switch (c) {
            case '"': dest.append(std::string_view("\\\"")); break;
            case '\\': dest.append(std::string_view("\\\\")); break;
            case '\n': dest.append(std::string_view("\\n")); break;
            case '\r': dest.append(std::string_view("\\r")); break;
            case '\t': dest.append(std::string_view("\\t")); break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    char const escaped[] = {'\\', 'u', '0', '0', hex[(c >> 4) & 0xf], hex[c & 0xf]};
                    dest.append(escaped, escaped + sizeof escaped);
                } else {
                    dest.push_back(c);
                }
            }
        }
    }

    std::unique_ptr<custom_flag_formatter> clone() const override {
        return std::make_unique<json_escaped_message>();
    }
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

void setup(std::string const& level, std::string const& format) {
    auto logger = std::make_shared<spdlog::logger>("duetd", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    std::unique_ptr<spdlog::pattern_formatter> formatter;
    if (format == "json") {
        formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
        formatter->add_flag<json_escaped_message>('*');
        formatter->add_flag<settings_level_name>('L', false);
        formatter->set_pattern(R"({"time":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%L","thread":%t,"msg":"%*"})");
    } else {
        formatter = std::make_unique<spdlog::pattern_formatter>();
        formatter->add_flag<settings_level_name>('L', true);
        formatter->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%L%$ %v");
    }
    logger->set_formatter(std::move(formatter));
    logger->set_level(spdlog::level::from_str(level));
    logger->flush_on(spdlog::level::info);
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
