#include <duet/http/mime_types.hpp>

#include <gtest/gtest.h>

#include <string_view>

namespace duet::http {
namespace {

using namespace std::string_view_literals;

TEST(mime_types, KnownExtensions) {
    EXPECT_EQ(mime_type("index.html"), "text/html; charset=utf-8"sv);
    EXPECT_EQ(mime_type("old.htm"), "text/html; charset=utf-8"sv);
    EXPECT_EQ(mime_type("app.js"), "text/javascript; charset=utf-8"sv);
    EXPECT_EQ(mime_type("mod.mjs"), "text/javascript; charset=utf-8"sv);
    EXPECT_EQ(mime_type("x.css"), "text/css; charset=utf-8"sv);
    EXPECT_EQ(mime_type("d.json"), "application/json"sv);
    EXPECT_EQ(mime_type("f.js.map"), "application/json"sv);
    EXPECT_EQ(mime_type("a.svg"), "image/svg+xml"sv);
    EXPECT_EQ(mime_type("b.png"), "image/png"sv);
    EXPECT_EQ(mime_type("p.jpg"), "image/jpeg"sv);
    EXPECT_EQ(mime_type("p.jpeg"), "image/jpeg"sv);
    EXPECT_EQ(mime_type("g.gif"), "image/gif"sv);
    EXPECT_EQ(mime_type("w.webp"), "image/webp"sv);
    EXPECT_EQ(mime_type("favicon.ico"), "image/x-icon"sv);
    EXPECT_EQ(mime_type("e.wasm"), "application/wasm"sv);
    EXPECT_EQ(mime_type("robots.txt"), "text/plain; charset=utf-8"sv);
    EXPECT_EQ(mime_type("font.woff2"), "font/woff2"sv);
    EXPECT_EQ(mime_type("site.webmanifest"), "application/manifest+json"sv);
}

TEST(mime_types, ExtensionIsCaseInsensitive) {
    EXPECT_EQ(mime_type("INDEX.HTML"), "text/html; charset=utf-8"sv);
    EXPECT_EQ(mime_type("App.Js"), "text/javascript; charset=utf-8"sv);
    EXPECT_EQ(mime_type("x.CsS"), "text/css; charset=utf-8"sv);
    EXPECT_EQ(mime_type("b.PNG"), "image/png"sv);
    EXPECT_EQ(mime_type("e.WASM"), "application/wasm"sv);
}

TEST(mime_types, OnlyTheLastExtensionCounts) {
    EXPECT_EQ(mime_type("archive.tar.gz"), "application/octet-stream"sv);
    EXPECT_EQ(mime_type("page.html.bak"), "application/octet-stream"sv);
    EXPECT_EQ(mime_type("data.txt.json"), "application/json"sv);
    EXPECT_EQ(mime_type("dir.js/file"), "application/octet-stream"sv);
}

TEST(mime_types, UnknownIsOctetStream) {
    EXPECT_EQ(mime_type(""), "application/octet-stream"sv);
    EXPECT_EQ(mime_type("README"), "application/octet-stream"sv);
    EXPECT_EQ(mime_type("file."), "application/octet-stream"sv);
    EXPECT_EQ(mime_type("x.exe"), "application/octet-stream"sv);
    EXPECT_EQ(mime_type("x.htmlx"), "application/octet-stream"sv);
    EXPECT_EQ(mime_type("x.ht"), "application/octet-stream"sv);
    EXPECT_EQ(mime_type("x.j"), "application/octet-stream"sv);
}

}  // namespace
}  // namespace duet::http
