#pragma once

#include <cstddef>
#include <string>

namespace duet::testing {

/// A relay request whose object carries `count` extra members named `key` (JSON text,
/// escapes and all): the shape of the reported attack on the parser, ~9,300 keys `"\/"`
/// in a 64 KiB frame, each to be decoded.
inline std::string relay_frame_with_keys(std::string const& key, std::size_t count) {
    std::string text = R"({"type":"message","room":"r","data":1)";
    for (std::size_t k = 0; k < count; ++k) {
        text += ",\"" + key + "\":1";
    }
    return text + "}";
}

}  // namespace duet::testing
