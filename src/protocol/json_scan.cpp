#include <duet/protocol/json_scan.hpp>

#include <nlohmann/json.hpp>

#include <charconv>
#include <cstdint>
#include <cstring>
#include <system_error>

namespace duet::protocol {
namespace {

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

    /// Any value, nested ones included; iterative, so deep nesting cannot overflow the stack.
    bool scan_value(json_kind& kind) {
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
            return scan_string();
        }
        if (c == '-' || (c >= '0' && c <= '9')) {
            kind = json_kind::number;
            return scan_number();
        }
        kind = json_kind::literal;
        return scan_literal();
    }

    bool scan_string() {
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
        // A stack of the open brackets: '{' or '['.
        std::vector<char> open;
        open.push_back(text_[i_++]);
        bool expect_value = true;  // right after '[' / ',' or ':'
        bool first = true;         // right after '{' or '['
        while (!open.empty()) {
            skip_space();
            if (at_end()) {
                return false;
            }
            char const top = open.back();
            char const c = peek();
            if (first && (c == (top == '{' ? '}' : ']'))) {
                ++i_;
                open.pop_back();
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
                if (c == (top == '{' ? '}' : ']')) {
                    ++i_;
                    open.pop_back();
                    continue;
                }
                return false;
            }
            if (top == '{') {
                // A member: "key" : value
                if (c != '"' || !scan_string()) {
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
                open.push_back(v);
                ++i_;
                first = true;
                expect_value = true;
                continue;
            }
            json_kind ignored{};
            if (!scan_value(ignored)) {
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
};

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
        if (!s.scan_value(kind)) {
            return out;
        }
        s.skip_space();
        out.valid = s.at_end();
        return out;
    }
    // The top-level object, member by member, keeping each member's spans.
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
            return out;
        }
        std::size_t const key_start = s.pos();
        if (!s.scan_string()) {
            return out;
        }
        auto const key = text.substr(key_start, s.pos() - key_start);
        s.skip_space();
        if (!s.eat(':')) {
            return out;
        }
        s.skip_space();
        std::size_t const value_start = s.pos();
        json_kind kind{};
        if (!s.scan_value(kind)) {
            return out;
        }
        out.members.push_back({key, text.substr(value_start, s.pos() - value_start), kind});
        s.skip_space();
        if (s.eat(',')) {
            continue;
        }
        if (s.eat('}')) {
            break;
        }
        return out;
    }
    s.skip_space();
    out.valid = s.at_end();
    out.is_object = out.valid;
    if (!out.valid) {
        out.members.clear();
    }
    return out;
}

}  // namespace duet::protocol

namespace duet::protocol {

std::string decode_string_token(std::string_view token) {
    auto const inner = token.substr(1, token.size() - 2);
    if (inner.find('\\') == std::string_view::npos) {
        return std::string(inner);
    }
    // Rare (escaped names): let the full parser decode the one short token.
    auto const decoded = nlohmann::json::parse(token, nullptr, false);
    return decoded.is_string() ? decoded.get<std::string>() : std::string{};
}

raw_member_span const* find_member(scanned_frame const& frame, std::string_view key) {
    for (auto it = frame.members.rbegin(); it != frame.members.rend(); ++it) {
        auto const inner = it->key.substr(1, it->key.size() - 2);
        bool const escaped = inner.find('\\') != std::string_view::npos;
        if ((!escaped && inner == key) || (escaped && decode_string_token(it->key) == key)) {
            return &*it;
        }
    }
    return nullptr;
}

}  // namespace duet::protocol
