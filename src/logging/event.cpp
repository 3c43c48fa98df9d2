#include <duet/logging/event.hpp>

#include "line_format.hpp"

#include <string>
#include <type_traits>

namespace duet::logging {
namespace {

std::string as_json_members(fields const& what, std::string_view message) {
    std::string line;
    auto add = [&line](std::string_view key, auto value) {
        line += line.empty() ? "\"" : ",\"";
        line += key;
        line += "\":";
        if constexpr (std::is_same_v<decltype(value), std::string_view>) {
            line += '"';
            detail::append_json_escaped(line, value);
            line += '"';
        } else {
            line += std::to_string(value);
        }
    };
    what.each(add);
    add("msg", message);
    return line;
}

/// The text format: the message, then the fields as key=value, so a grep for
/// "conn=12" or "event=ws.closed" finds the lines of one connection or one kind.
std::string as_text(fields const& what, std::string_view message) {
    std::string line(message);
    what.each([&line](std::string_view key, auto value) {
        line += ' ';
        line += key;
        line += '=';
        if constexpr (std::is_same_v<decltype(value), std::string_view>) {
            line += value;
        } else {
            line += std::to_string(value);
        }
    });
    return line;
}

}  // namespace

void write(spdlog::level::level_enum level, fields const& what, std::string_view message) {
    auto* logger = spdlog::default_logger_raw();
    if (!detail::json_lines()) {
        logger->log(level, "{}", as_text(what, message));
        return;
    }
    auto const members = as_json_members(what, message);
    auto& raw = detail::payload_is_members();
    raw = true;
    logger->log(level, "{}", members);
    raw = false;
}

}  // namespace duet::logging
