#pragma once

#include <duet/http/static_files.hpp>
#include <duet/net/asio.hpp>

#include <string>
#include <string_view>
#include <variant>

namespace duet::http {

using request = bhttp::request<bhttp::string_body>;
using string_response = bhttp::response<bhttp::string_body>;
using file_response = bhttp::response<bhttp::file_body>;

/// Any answer the HTTP session can write.
using response = std::variant<string_response, file_response>;

/// A small text answer: status, content type and body (a HEAD request gets the
/// headers only). `keep_alive` follows the request.
string_response make_text(request const& req, bhttp::status status, std::string_view content_type,
                          std::string body);

/// The answer for a static file: 200 with the file, or 304 when the request's
/// If-None-Match / If-Modified-Since say the client's copy is current. Falls back to
/// 404 if the file cannot be opened.
response make_file(request const& req, resolved_file const& file);

}  // namespace duet::http
