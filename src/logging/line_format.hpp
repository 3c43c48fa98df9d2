#pragma once

// Shared by setup.cpp (the formatter) and event.cpp (the fields): private to logging.

#include <string>
#include <string_view>

namespace duet::logging::detail {

/// Appends `text` as the body of a JSON string (quotes, backslashes and control
/// characters escaped; other bytes as they are: the daemon logs UTF-8 or ASCII).
template <typename Buffer>
void append_json_escaped(Buffer& out, std::string_view text) {
    static constexpr char hex[] = "0123456789abcdef";
    for (char c : text) {
        switch (c) {
        case '"': out.append(std::string_view("\\\"")); break;
        case '\\': out.append(std::string_view("\\\\")); break;
        case '\n': out.append(std::string_view("\\n")); break;
        case '\r': out.append(std::string_view("\\r")); break;
        case '\t': out.append(std::string_view("\\t")); break;
        default:
            if (static_cast<unsigned char>(c) < 0x20) {
                char const escaped[] = {'\\', 'u', '0', '0', hex[(c >> 4) & 0xf], hex[c & 0xf]};
                out.append(std::string_view(escaped, sizeof escaped));
            } else {
                out.push_back(c);
            }
        }
    }
}

/// Whether setup() chose JSON lines (true) or text.
bool json_lines() noexcept;

/// True on this thread while write() hands the logger a payload that is already the
/// line's JSON members (fields and "msg"); the formatter then copies it as it is.
bool& payload_is_members() noexcept;

}  // namespace duet::logging::detail
