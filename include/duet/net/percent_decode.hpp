#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace duet::net {

/// Decodes the %XX escapes of a URL part (RFC 3986 section 2.1), once: "%2541" is "%41".
/// Nothing when an escape is malformed (a '%' not followed by two hex digits). '+' stays
/// '+' (it means a space only in form data), and %00 gives a NUL: a caller for whom a
/// NUL is dangerous (a file path) refuses it itself. Pure.
std::optional<std::string> percent_decode(std::string_view text);

}  // namespace duet::net
