#pragma once

#include <optional>
#include <string_view>

namespace duet::protocol {

/// The exact text of the value of member `key` of the top-level JSON object
/// `object_text`, which must already be known to be valid JSON (the codec parses it
/// first). With a duplicated key the last one wins, as in the parser. Pure.
///
/// Relaying this text, instead of re-serialising a parsed value, keeps `data`
/// byte-for-byte as the sender wrote it (PROTOCOL.md rule 5): key order, number
/// spelling and escapes included.
std::optional<std::string_view> raw_member(std::string_view object_text, std::string_view key);

}  // namespace duet::protocol
