#include <duet/protocol/json_scan.hpp>

#include <duet/protocol/json_unescape.hpp>

#include <array>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <system_error>
#include <vector>

namespace duet::protocol {
namespace {

/// The kinds of the open containers, one bit per level (set: an object). Ordinary
/// frames nest a few levels: 1024 fit inline, so only an adversarial frame ever
/// spills to the heap.
class nesting_stack {
public:
    bool empty() const noexcept { return depth_ == 0; }

    void push(bool object) {
        std::size_t const word = depth_ / 64;
        std::uint64_t const bit = std::uint64_t{1} << (depth_ % 64);
        std::uint64_t& bits = word < inline_words ? inline_[word] : spilled(word - inline_words);
        bits = object ? (bits | bit) : (bits & ~bit);
        ++depth_;
    }

    bool top_is_object() const noexcept {
        std::size_t const level = depth_ - 1;
        std::size_t const word = level / 64;
        std::uint64_t const bits = word < inline_words ? inline_[word] : spill_[word - inline_words];
        return ((bits >> (level % 64)) & 1U) != 0;
    }

    void pop() noexcept { --depth_; }

private:
    static constexpr std::size_t inline_words = 16;

    std::uint64_t& spilled(std::size_t k) {
        if (k >= spill_.size()) {
            spill_.resize(k + 1);
        }
        return spill_[k];
    }

    std::array<std::uint64_t, inline_words> inline_{};
    std::vector<std::uint64_t> spill_;
    std::size_t depth_ = 0;
};

/// Which wanted key `name` (a key as decoded) is, if any.
std::optional<member_key> match_key(std::string_view name) noexcept {
    switch (name.size()) {
    case 2:
        if (name == "to") return member_key::to;
        break;
    case 4:
        if (name == "type") return member_key::type;
        if (name == "room") return member_key::room;
        if (name == "data") return member_key::data;
        break;
    case 5:
        if (name == "token") return member_key::token;
        break;
    case 6:
        if (name == "resume") return member_key::resume;
        break;
    default:
        break;
    }
    return std::nullopt;
}

// A number from 10^308 up is at or past DBL_MAX (1.797...e308); below that it is finite.
constexpr std::int64_t max_finite_magnitude = 308;
// Exponent digits past this change nothing: the number is infinite or zero either way.
constexpr std::int64_t exponent_cap = 1'000'000'000'000;

/// A cursor over the frame; every scan_* returns false on malformed input.
class scanner {
public:
    explicit scanner(std::string_view text) : text_(text) {}

    std::size_t pos() const noexcept { return i_; }
    bool at_end() const noexcept { return i_ >= text_.size(); }
    char peek() const noexcept { return text_[i_]; }

    void skip_bom() noexcept {
        if (text_.substr(0, 3) == "\xEF\xBB\xBF") {
            i_ = 3;
        }
    }

    void skip_space() noexcept {
        while (i_ < text_.size() && (text_[i_] == ' ' || text_[i_] == '\t' || text_[i_] == '\n' || text_[i_] == '\r')) {
            ++i_;
        }
    }

    bool eat(char c) noexcept {
        if (i_ < text_.size() && text_[i_] == c) {
            ++i_;
            return true;
        }
        return false;
    }

    /// Any value, nested ones included; iterative, so deep nesting cannot overflow the
    /// stack. `escaped` tells whether a string value held an escape.
    bool scan_value(json_kind& kind, bool& escaped) {
        if (at_end()) {
            return false;
        }
        char const c = peek();
        if (c == '{' || c == '[') {
            kind = c == '{' ? json_kind::object : json_kind::array;
            return scan_container();
        }
        if (c == '"') {
            kind = json_kind::string;
            return scan_string(escaped);
        }
        if (c == '-' || (c >= '0' && c <= '9')) {
            kind = json_kind::number;
            return scan_number();
        }
        kind = json_kind::literal;
        return scan_literal();
    }

    bool scan_string(bool& escaped) {
        ++i_;  // the opening quote
        while (i_ < text_.size()) {
            skip_plain_ascii();
            if (i_ >= text_.size()) {
                break;
            }
            auto const c = static_cast<unsigned char>(text_[i_]);
            if (c == '"') {
                ++i_;
                return true;
            }
            if (c < 0x20) {
                return false;  // control characters must be escaped
            }
            if (c == '\\') {
                escaped = true;
                if (!scan_escape()) {
                    return false;
                }
            } else if (c < 0x80) {
                ++i_;
            } else if (!scan_utf8()) {
                return false;
            }
        }
        return false;
    }

private:
    /// Skips string characters that need no check beyond "plain", eight at a time:
    /// relayed `data` is mostly long SDP text, and this cut the scanner's cost per
    /// byte several times over. Stops at the first block holding a quote, a
    /// backslash, a control character or a non-ASCII byte; the caller looks at those
    /// one at a time.
    void skip_plain_ascii() noexcept {
        constexpr std::uint64_t ones = 0x0101010101010101ULL;
        constexpr std::uint64_t highs = 0x8080808080808080ULL;
        auto const has_zero_byte = [](std::uint64_t v) { return ((v - ones) & ~v & highs) != 0; };
        while (i_ + 8 <= text_.size()) {
            std::uint64_t block;
            std::memcpy(&block, text_.data() + i_, sizeof block);
            bool const special = (block & highs) != 0                    // non-ASCII
                                 || ((block - 0x20 * ones) & ~block & highs) != 0  // below 0x20
                                 || has_zero_byte(block ^ ('"' * ones))
                                 || has_zero_byte(block ^ ('\\' * ones));
            if (special) {
                return;
            }
            i_ += 8;
        }
    }

    bool scan_container() {
        open_.push(text_[i_++] == '{');
        bool expect_value = true;  // right after '[' / ',' or ':'
        bool first = true;         // right after '{' or '['
        while (!open_.empty()) {
            skip_space();
            if (at_end()) {
                return false;
            }
            bool const in_object = open_.top_is_object();
            char const close = in_object ? '}' : ']';
            char const c = peek();
            if (first && c == close) {
                ++i_;
                open_.pop();
                first = false;
                expect_value = false;
                continue;
            }
            if (!expect_value) {
                // After a value: ',' or the closing bracket.
                if (c == ',') {
                    ++i_;
                    expect_value = true;
                    first = false;
                    continue;
                }
                if (c == close) {
                    ++i_;
                    open_.pop();
                    continue;
                }
                return false;
            }
            bool ignored_escape = false;
            if (in_object) {
                // A member: "key" : value
                if (c != '"' || !scan_string(ignored_escape)) {
                    return false;
                }
                skip_space();
                if (!eat(':')) {
                    return false;
                }
                skip_space();
                if (at_end()) {
                    return false;
                }
            }
            first = false;
            char const v = peek();
            if (v == '{' || v == '[') {
                open_.push(v == '{');
                ++i_;
                first = true;
                expect_value = true;
                continue;
            }
            json_kind ignored_kind{};
            if (!scan_value(ignored_kind, ignored_escape)) {
                return false;
            }
            expect_value = false;
        }
        return true;
    }

    bool scan_escape() {
        ++i_;  // the backslash
        if (at_end()) {
            return false;
        }
        char const c = text_[i_++];
        switch (c) {
        case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
            return true;
        case 'u': {
            std::uint32_t unit = 0;
            if (!read_hex4(unit)) {
                return false;
            }
            if (unit >= 0xDC00 && unit <= 0xDFFF) {
                return false;  // a low surrogate with no high one before it
            }
            if (unit >= 0xD800 && unit <= 0xDBFF) {
                // A high surrogate must be followed by an escaped low one.
                std::uint32_t low = 0;
                if (!eat('\\') || !eat('u') || !read_hex4(low) || low < 0xDC00 || low > 0xDFFF) {
                    return false;
                }
            }
            return true;
        }
        default:
            return false;
        }
    }

    bool read_hex4(std::uint32_t& value) {
        if (i_ + 4 > text_.size()) {
            return false;
        }
        for (int k = 0; k < 4; ++k) {
            char const h = text_[i_++];
            std::uint32_t digit = 0;
            if (h >= '0' && h <= '9') digit = static_cast<std::uint32_t>(h - '0');
            else if (h >= 'a' && h <= 'f') digit = static_cast<std::uint32_t>(h - 'a' + 10);
            else if (h >= 'A' && h <= 'F') digit = static_cast<std::uint32_t>(h - 'A' + 10);
            else return false;
            value = value * 16 + digit;
        }
        return true;
    }

    /// One multi-byte UTF-8 sequence (RFC 3629: no overlongs, no surrogates, <= U+10FFFF).
    bool scan_utf8() {
        auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text_[i_ + k]); };
        auto cont = [&](std::size_t k) { return i_ + k < text_.size() && (byte(k) & 0xC0) == 0x80; };
        unsigned char const b0 = byte(0);
        if (b0 >= 0xC2 && b0 <= 0xDF) {
            if (!cont(1)) return false;
            i_ += 2;
            return true;
        }
        if (b0 >= 0xE0 && b0 <= 0xEF) {
            if (!cont(1) || !cont(2)) return false;
            unsigned char const b1 = byte(1);
            if ((b0 == 0xE0 && b1 < 0xA0) || (b0 == 0xED && b1 > 0x9F)) return false;
            i_ += 3;
            return true;
        }
        if (b0 >= 0xF0 && b0 <= 0xF4) {
            if (!cont(1) || !cont(2) || !cont(3)) return false;
            unsigned char const b1 = byte(1);
            if ((b0 == 0xF0 && b1 < 0x90) || (b0 == 0xF4 && b1 > 0x8F)) return false;
            i_ += 4;
            return true;
        }
        return false;
    }

    /// A number, which must also be finite as a double: nlohmann refuses 1e999 and a
    /// 400-digit integer ("number overflow"), so a receiver parsing with it would
    /// refuse what we relayed. Underflow (1e-999) is accepted, as nlohmann does.
    /// Finiteness follows from the decimal exponent of the first significant digit
    /// (the number lies in [10^m, 10^(m+1))), which the scan computes on its way; only
    /// m == 308, around DBL_MAX, needs a correctly rounded conversion. So an ordinary
    /// number costs no conversion at all.
    bool scan_number() {
        std::size_t const start = i_;
        eat('-');
        std::int64_t magnitude = 0;
        bool nonzero = false;
        if (!eat('0')) {
            std::size_t const integer_digits = digits();
            if (integer_digits == 0) {
                return false;
            }
            magnitude = static_cast<std::int64_t>(integer_digits) - 1;
            nonzero = true;
        }
        if (eat('.')) {
            std::size_t const fraction_start = i_;
            if (digits() == 0) {
                return false;
            }
            if (!nonzero) {
                // 0.00123: the first significant digit is the third after the point.
                std::size_t const first = text_.find_first_not_of('0', fraction_start);
                if (first < i_) {
                    nonzero = true;
                    magnitude = -static_cast<std::int64_t>(first - fraction_start + 1);
                }
            }
        }
        if (i_ < text_.size() && (text_[i_] == 'e' || text_[i_] == 'E')) {
            ++i_;
            bool negative = false;
            if (!eat('+')) {
                negative = eat('-');
            }
            std::size_t const exponent_start = i_;
            std::int64_t exponent = 0;
            while (i_ < text_.size() && text_[i_] >= '0' && text_[i_] <= '9') {
                if (exponent < exponent_cap) {
                    exponent = exponent * 10 + (text_[i_] - '0');
                }
                ++i_;
            }
            if (i_ == exponent_start) {
                return false;
            }
            magnitude += negative ? -exponent : exponent;
        }
        if (!nonzero || magnitude < max_finite_magnitude) {
            return true;
        }
        if (magnitude > max_finite_magnitude) {
            return false;
        }
        // Between 1e308 and 1e309: finite up to DBL_MAX (and what rounds to it). Like
        // strtod, from_chars rounds correctly, and reports overflow as out of range.
        double value = 0;
        auto const [end, ec] = std::from_chars(text_.data() + start, text_.data() + i_, value);
        return ec == std::errc{} && end == text_.data() + i_;
    }

    std::size_t digits() {
        std::size_t const start = i_;
        while (i_ < text_.size() && text_[i_] >= '0' && text_[i_] <= '9') {
            ++i_;
        }
        return i_ - start;
    }

    bool scan_literal() {
        for (std::string_view word : {"true", "false", "null"}) {
            if (text_.substr(i_, word.size()) == word) {
                i_ += word.size();
                return true;
            }
        }
        return false;
    }

    std::string_view text_;
    std::size_t i_ = 0;
    nesting_stack open_;  // reused by every container of the frame
};

/// The wanted key a scanned key token names, if any. Decodes an escaped key once, and
/// only as far as it could still match: one byte past the longest wanted name.
std::optional<member_key> wanted_key(std::string_view token, bool escaped, std::size_t& bytes_decoded) {
    auto const inner = token.substr(1, token.size() - 2);
    if (!escaped) {
        return match_key(inner);
    }
    std::array<char, longest_member_key> name{};
    auto const decoded = unescape_json_string(inner, name);
    bytes_decoded += decoded.consumed;
    if (!decoded.complete) {
        return std::nullopt;
    }
    return match_key(std::string_view(name.data(), decoded.size));
}

}  // namespace

scanned_frame scan_json(std::string_view text) {
    scanned_frame out;
    scanner s(text);
    s.skip_bom();
    s.skip_space();
    if (s.at_end()) {
        return out;
    }
    if (s.peek() != '{') {
        json_kind kind{};
        bool escaped = false;
        if (!s.scan_value(kind, escaped)) {
            return out;
        }
        s.skip_space();
        out.valid = s.at_end();
        return out;
    }
    // The top-level object, member by member: each wanted key's latest value replaces
    // the one before, so when the scan ends they are the last occurrences.
    s.eat('{');
    s.skip_space();
    if (s.eat('}')) {
        s.skip_space();
        out.valid = s.at_end();
        out.is_object = out.valid;
        return out;
    }
    while (true) {
        s.skip_space();
        if (s.at_end() || s.peek() != '"') {
            break;
        }
        std::size_t const key_start = s.pos();
        bool key_escaped = false;
        if (!s.scan_string(key_escaped)) {
            break;
        }
        auto const key = wanted_key(text.substr(key_start, s.pos() - key_start), key_escaped, out.key_bytes_decoded);
        s.skip_space();
        if (!s.eat(':')) {
            break;
        }
        s.skip_space();
        std::size_t const value_start = s.pos();
        member_span member;
        if (!s.scan_value(member.kind, member.escaped)) {
            break;
        }
        if (key) {
            member.value = text.substr(value_start, s.pos() - value_start);
            out.members[static_cast<std::size_t>(*key)] = member;
        }
        s.skip_space();
        if (s.eat(',')) {
            continue;
        }
        if (s.eat('}')) {
            s.skip_space();
            out.valid = s.at_end();
            out.is_object = out.valid;
        }
        break;
    }
    if (!out.valid) {
        out.members = {};
    }
    return out;
}

}  // namespace duet::protocol
