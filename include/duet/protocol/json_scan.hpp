#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace duet::protocol {

/// What a JSON value is, as far as routing cares.
enum class json_kind { object, array, string, number, literal };

/// One member of the top-level object: its key and value exactly as written.
struct raw_member_span {
    std::string_view key;    // the key token, quotes included
    std::string_view value;  // the value's text
    json_kind kind;
};

/// The outcome of scanning one frame.
struct scanned_frame {
    bool valid = false;           // well-formed JSON (RFC 8259, UTF-8 checked, numbers finite)
    bool is_object = false;       // ... whose top-level value is an object
    std::vector<raw_member_span> members;  // the object's members, in order
};

/// Validates `text` as JSON in one pass, without building a tree or copying strings,
/// and returns the spans of the top-level object's members. Pure. Accepts what
/// nlohmann::json::parse accepts (a leading UTF-8 byte order mark included, and
/// numbers only when finite as a double: 1e999 is refused, 1e-999 underflows and is
/// accepted), so the codec refuses the frames a receiver parsing with nlohmann would;
/// it is only much cheaper, since a relayed `data` (an SDP, say) is checked once and
/// never decoded.
scanned_frame scan_json(std::string_view text);

/// The value of a string token from a valid scan (quotes included), escapes decoded.
std::string decode_string_token(std::string_view token);

/// The last member of `frame` whose key spells `key` (duplicates: the last wins, as in
/// nlohmann), or null.
raw_member_span const* find_member(scanned_frame const& frame, std::string_view key);

}  // namespace duet::protocol
