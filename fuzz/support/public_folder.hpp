#pragma once

// The temporary public folder of the static-file and HTTP fuzz targets, and the checks
// that any file served from it must pass. Created once per process, under $TMPDIR,
// beside things a request must never reach: a secret file and a sibling folder whose
// name starts with the root's ("public2"), both also reachable through symlinks inside.

#include <duet/http/static_files.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include <unistd.h>

namespace duet::fuzz {

namespace fs = std::filesystem;

class public_folder {
public:
    public_folder() : base_(make_base()), files_(build(base_)) {
        // The fixture must give the fuzzer something to find, or every run passes.
        check_fixture("/", "index.html");
        check_fixture("/css/site.css", "css/site.css");
        check_fixture("/sub/", "sub/index.html");
        check_fixture("/link-in", "index.html");
        check_refused("/.env");
        check_refused("/link-out");
        check_refused("/sibling/x.html");
        check_refused("/dir-out/x.html");
    }
    ~public_folder() {
        std::error_code ec;
        fs::remove_all(base_, ec);
    }
    public_folder(public_folder const&) = delete;
    public_folder& operator=(public_folder const&) = delete;

    http::static_files const& files() const noexcept { return files_; }
    fs::path const& root() const noexcept { return files_.root(); }

    /// Aborts unless `path` is a canonical regular file strictly inside the root and no
    /// segment below the root is hidden ("." or ".." included).
    void check_served(fs::path const& path, std::string_view what, std::string_view input) const {
        auto const& r = root().native();
        auto const& p = path.native();
        if (p.size() <= r.size() + 1 || p.compare(0, r.size(), r) != 0 || p[r.size()] != '/') {
            fail("served a file outside the public folder", path, what, input);
        }
        std::error_code ec;
        if (fs::canonical(path, ec) != path || ec) {
            fail("served a path that is not canonical", path, what, input);
        }
        if (!fs::is_regular_file(path, ec)) {
            fail("served something that is not a regular file", path, what, input);
        }
        for (auto const& segment : path.lexically_relative(root())) {
            if (segment.empty() || segment.native().front() == '.') {
                fail("served a hidden or dot segment", path, what, input);
            }
        }
    }

    [[noreturn]] static void fail(std::string_view why, fs::path const& path, std::string_view what,
                                  std::string_view input) {
        std::fprintf(stderr, "\n=== %.*s: %.*s\npath : %s\ninput: ", static_cast<int>(what.size()), what.data(),
                     static_cast<int>(why.size()), why.data(), path.c_str());
        for (char const ch : input.substr(0, 4096)) {
            auto const c = static_cast<unsigned char>(ch);
            if (c >= 0x20 && c < 0x7f && c != '\\') {
                std::fputc(c, stderr);
            } else {
                std::fprintf(stderr, "\\x%02x", c);
            }
        }
        std::fputc('\n', stderr);
        std::abort();
    }

private:
    static fs::path make_base() {
        std::string pattern = (fs::temp_directory_path() / "duet-fuzz-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) {
            std::perror("mkdtemp");
            std::abort();
        }
        return fs::canonical(pattern);
    }

    static void write(fs::path const& path, std::string_view text) {
        fs::create_directories(path.parent_path());
        std::ofstream(path, std::ios::binary) << text;
    }

    static fs::path build(fs::path const& base) {
        auto const root = base / "public";
        write(root / "index.html", "<!doctype html><title>duet</title>\n");
        write(root / "room.html", "<!doctype html><title>room</title>\n");
        write(root / "favicon.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>\n");
        write(root / "css/site.css", "body{margin:0}\n");
        write(root / "js/room.js", "export {};\n");
        write(root / "js/signaling.js", "export {};\n");
        write(root / "sub/index.html", "<p>sub</p>\n");
        write(root / "sub/deeper/page.html", "<p>deep</p>\n");
        write(root / "hello world.txt", "hello\n");
        write(root / "caf\xc3\xa9.txt", "caf\xc3\xa9\n");
        write(root / "x..y.txt", "dots inside a name are fine\n");
        fs::create_directories(root / "empty");
        // Hidden files and folders: never served.
        write(root / ".env", "SECRET=1\n");
        write(root / ".git/config", "[core]\n");
        write(root / "sub/.hidden.html", "hidden\n");
        // Outside the root.
        write(base / "secret.txt", "outside\n");
        write(base / "public2/x.html", "a sibling whose name starts like the root's\n");
        write(base / "outside/x.html", "outside\n");
        fs::create_symlink("../secret.txt", root / "link-out");
        fs::create_symlink("../../secret.txt", root / "sub/link-out");
        fs::create_directory_symlink("../outside", root / "dir-out");
        fs::create_directory_symlink("../public2", root / "sibling");
        fs::create_symlink("/etc/passwd", root / "passwd");
        fs::create_symlink("index.html", root / "link-in");
        fs::create_symlink("loop", root / "loop");
        return root;
    }

    void check_fixture(std::string_view target, char const* relative) const {
        auto const file = files_.resolve(target);
        if (!file || file->path != root() / relative) {
            fail("fixture: expected a file", root() / relative, "public_folder", target);
        }
    }

    void check_refused(std::string_view target) const {
        if (auto const file = files_.resolve(target)) {
            fail("fixture: expected no file", file->path, "public_folder", target);
        }
    }

    fs::path base_;
    http::static_files files_;
};

}  // namespace duet::fuzz
