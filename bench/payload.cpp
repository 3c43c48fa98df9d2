#include "payload.hpp"

#include <charconv>

namespace duet::bench {
namespace {

constexpr std::string_view alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
constexpr std::string_view seq_key = R"({"seq":)";
constexpr std::string_view sent_key = R"(,"sent_ns":)";
constexpr std::string_view pad_key = R"(,"pad":")";
constexpr std::string_view tail = R"("})";
constexpr std::size_t fixed_length = seq_key.size() + sent_key.size() + pad_key.size() + tail.size();

bool consume(std::string_view& text, std::string_view expected) {
    if (text.substr(0, expected.size()) != expected) {
        return false;
    }
    text.remove_prefix(expected.size());
    return true;
}

/// Parses a decimal number at the front of `text`; returns its digit count (0: none).
template <class Number>
std::size_t consume_number(std::string_view& text, Number& value) {
    auto const [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{}) {
        return 0;
    }
    auto const used = static_cast<std::size_t>(end - text.data());
    text.remove_prefix(used);
    return used;
}

template <class Number>
std::size_t digits(Number value) {
    char buffer[24];
    auto const result = std::to_chars(std::begin(buffer), std::end(buffer), value);
    return static_cast<std::size_t>(result.ptr - buffer);
}

}  // namespace

payload_format::payload_format(std::size_t bytes) : bytes_(bytes) {
    while (cycle_.size() < bytes + alphabet.size()) {
        cycle_ += alphabet;
    }
}

std::size_t payload_format::pad_length(std::size_t number_digits) const {
    auto const used = fixed_length + number_digits;
    return bytes_ > used ? bytes_ - used : 0;
}

std::string_view payload_format::pad(std::uint64_t seq, std::size_t length) const {
    return std::string_view(cycle_).substr(seq % alphabet.size(), length);
}

std::string payload_format::encode(std::uint64_t seq, std::int64_t sent_ns) const {
    char seq_text[24];
    char sent_text[24];
    auto const seq_end = std::to_chars(std::begin(seq_text), std::end(seq_text), seq).ptr;
    auto const sent_end = std::to_chars(std::begin(sent_text), std::end(sent_text), sent_ns).ptr;
    std::string_view const seq_view(seq_text, static_cast<std::size_t>(seq_end - seq_text));
    std::string_view const sent_view(sent_text, static_cast<std::size_t>(sent_end - sent_text));
    auto const pad_text = pad(seq, pad_length(seq_view.size() + sent_view.size()));

    std::string out;
    out.reserve(fixed_length + seq_view.size() + sent_view.size() + pad_text.size());
    out += seq_key;
    out += seq_view;
    out += sent_key;
    out += sent_view;
    out += pad_key;
    out += pad_text;
    out += tail;
    return out;
}

std::optional<payload_format::fields> payload_format::check(fields value, std::string_view pad_text,
                                                            std::size_t number_digits, std::string& problem) const {
    if (pad_text != pad(value.seq, pad_length(number_digits))) {
        problem = "seq " + std::to_string(value.seq) + ": pad changed (" + std::to_string(pad_text.size()) +
                  " bytes, " + std::to_string(pad_length(number_digits)) + " expected)";
        return std::nullopt;
    }
    return value;
}

std::optional<payload_format::fields> payload_format::decode(std::string_view data_json, std::string& problem) const {
    std::string_view text = data_json;
    fields value;
    std::size_t seq_digits = 0;
    std::size_t sent_digits = 0;
    bool const exact = consume(text, seq_key) && (seq_digits = consume_number(text, value.seq)) != 0 &&
                       consume(text, sent_key) && (sent_digits = consume_number(text, value.sent_ns)) != 0 &&
                       consume(text, pad_key) && text.size() >= tail.size() &&
                       text.substr(text.size() - tail.size()) == tail;
    if (exact) {
        auto const pad_text = text.substr(0, text.size() - tail.size());
        // A quote or backslash inside would mean a different JSON text: let the parser judge.
        if (pad_text.find_first_of("\"\\") == std::string_view::npos) {
            return check(value, pad_text, seq_digits + sent_digits, problem);
        }
    }
    auto const json = nlohmann::json::parse(data_json, nullptr, false);
    if (json.is_discarded()) {
        problem = "data is not JSON";
        return std::nullopt;
    }
    return decode(json, problem);
}

std::optional<payload_format::fields> payload_format::decode(nlohmann::json const& data, std::string& problem) const {
    if (!data.is_object() || data.size() != 3) {
        problem = "data is not the object sent";
        return std::nullopt;
    }
    auto const seq = data.find("seq");
    auto const sent = data.find("sent_ns");
    auto const pad_member = data.find("pad");
    if (seq == data.end() || !seq->is_number_unsigned() || sent == data.end() || !sent->is_number_integer() ||
        pad_member == data.end() || !pad_member->is_string()) {
        problem = "data lost or changed a member";
        return std::nullopt;
    }
    fields const value{seq->get<std::uint64_t>(), sent->get<std::int64_t>()};
    auto const& pad_text = pad_member->get_ref<std::string const&>();
    return check(value, pad_text, digits(value.seq) + digits(value.sent_ns), problem);
}

}  // namespace duet::bench
