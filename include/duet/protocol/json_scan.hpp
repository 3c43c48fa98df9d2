#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace duet::protocol {

/// What a JSON value is, as far as routing cares.
enum class json_kind { object, array, string, number, literal };

/// The top-level members the codec routes on. `token` and `resume` are protocol 1.1's
/// (rule 12, rule 14): found already, not read yet.
enum class member_key : std::uint8_t { type, room, to, data, token, resume };

inline constexpr std::size_t member_key_count = 6;

/// The longest name among member_key's ("resume"): a key that decodes to more bytes
/// matches none, so its decoding can stop there.
inline constexpr std::size_t longest_member_key = 6;

/// One member's value exactly as the sender wrote it.
struct member_span {
    std::string_view value;  // the value's text; a string's quotes included
    json_kind kind = json_kind::literal;
    bool escaped = false;    // a string holding at least one backslash escape
};

/// The outcome of scanning one frame.
struct scanned_frame {
    bool valid = false;      // well-formed JSON (RFC 8259, UTF-8 checked, numbers finite)
    bool is_object = false;  // ... whose top-level value is an object
    // The last occurrence of each wanted top-level key (duplicates: the last wins, as
    // in nlohmann), indexed by member_key. Empty unless the frame is a valid object.
    std::array<std::optional<member_span>, member_key_count> members{};
    // Input bytes read while decoding escaped keys, over the whole frame: at most the
    // frame's length, and a bounded amount per key. For tests and the benchmark.
    std::size_t key_bytes_decoded = 0;

    /// The member spelled `key`, or null.
    member_span const* find(member_key key) const noexcept {
        auto const& member = members[static_cast<std::size_t>(key)];
        return member ? &*member : nullptr;
    }
};

/// Validates `text` as JSON in one pass, without building a tree or copying strings,
/// and in the same pass finds the wanted members of the top-level object. Pure; no
/// heap allocation unless containers nest more than a thousand levels deep; linear in
/// the frame's length whatever its content (each key is decoded at most once, and an
/// escaped key only as far as it could still match). Accepts what
/// nlohmann::json::parse accepts: a leading UTF-8 byte order mark, and numbers only
/// when they are finite as a double (1e999 is refused, 1e-999 underflows and is
/// accepted). One deliberate difference: a NUL byte outside a string is refused, as
/// RFC 8259 says; nlohmann stops reading at it and ignores what follows (the fuzz
/// target fuzz_frame_parser expects bad_json there). So the codec refuses the frames a
/// receiver parsing with nlohmann would, and a relayed `data` (an SDP, say) is
/// checked once and never decoded.
scanned_frame scan_json(std::string_view text);

}  // namespace duet::protocol
