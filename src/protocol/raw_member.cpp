#include <duet/protocol/raw_member.hpp>

#include <nlohmann/json.hpp>

namespace duet::protocol {
namespace {

bool is_space(char c) noexcept {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::size_t skip_space(std::string_view text, std::size_t i) noexcept {
    while (i < text.size() && is_space(text[i])) {
        ++i;
    }
    return i;
}

/// `i` is at an opening quote; returns the index just past the closing one.
std::size_t skip_string(std::string_view text, std::size_t i) noexcept {
    for (++i; i < text.size(); ++i) {
        if (text[i] == '\\') {
            ++i;
        } else if (text[i] == '"') {
            return i + 1;
        }
    }
    return text.size();
}

/// `i` is at the first character of a value; returns the index just past it.
std::size_t skip_value(std::string_view text, std::size_t i) noexcept {
    if (i >= text.size()) {
        return i;
    }
    if (text[i] == '"') {
        return skip_string(text, i);
    }
    if (text[i] == '{' || text[i] == '[') {
        int depth = 0;
        for (; i < text.size(); ++i) {
            char const c = text[i];
            if (c == '"') {
                i = skip_string(text, i) - 1;
            } else if (c == '{' || c == '[') {
                ++depth;
            } else if ((c == '}' || c == ']') && --depth == 0) {
                return i + 1;
            }
        }
        return i;
    }
    // A number or a literal: up to the next delimiter.
    while (i < text.size() && text[i] != ',' && text[i] != '}' && text[i] != ']' && !is_space(text[i])) {
        ++i;
    }
    return i;
}

/// Whether the raw key token (quotes included) spells `key`, escapes decoded.
bool key_equals(std::string_view raw_key, std::string_view key) {
    auto const inner = raw_key.substr(1, raw_key.size() - 2);
    if (inner.find('\\') == std::string_view::npos) {
        return inner == key;
    }
    auto const decoded = nlohmann::json::parse(raw_key, nullptr, false);
    return decoded.is_string() && decoded.get_ref<std::string const&>() == key;
}

}  // namespace

std::optional<std::string_view> raw_member(std::string_view object_text, std::string_view key) {
    std::optional<std::string_view> found;
    // The parser accepts (and skips) a leading UTF-8 byte order mark; so do we.
    std::size_t i = object_text.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;
    i = skip_space(object_text, i);
    if (i >= object_text.size() || object_text[i] != '{') {
        return std::nullopt;
    }
    i = skip_space(object_text, i + 1);
    while (i < object_text.size() && object_text[i] == '"') {
        std::size_t const key_end = skip_string(object_text, i);
        auto const raw_key = object_text.substr(i, key_end - i);
        i = skip_space(object_text, key_end);
        if (i >= object_text.size() || object_text[i] != ':') {
            return std::nullopt;
        }
        i = skip_space(object_text, i + 1);
        std::size_t const value_end = skip_value(object_text, i);
        if (key_equals(raw_key, key)) {
            found = object_text.substr(i, value_end - i);
        }
        i = skip_space(object_text, value_end);
        if (i < object_text.size() && object_text[i] == ',') {
            i = skip_space(object_text, i + 1);
        }
    }
    return found;
}

}  // namespace duet::protocol
