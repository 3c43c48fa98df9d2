#pragma once

#include <string_view>

namespace duet::http {

/// The Content-Type for a file name, by its extension (case-insensitive);
/// application/octet-stream when unknown. Pure.
std::string_view mime_type(std::string_view file_name) noexcept;

}  // namespace duet::http
