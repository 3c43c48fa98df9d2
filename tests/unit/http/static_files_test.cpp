#include <duet/http/static_files.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>

namespace duet::http {
namespace {

namespace fs = std::filesystem;

void write_file(fs::path const& path, std::string_view text) {
    fs::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary);
    out << text;
    ASSERT_TRUE(out.good()) << path;
}

/// A temporary tree, made once for the suite:
///   <base>/outside.txt              a file outside the public folder
///   <base>/public2/secret.txt       a sibling whose name starts like the public folder's
///   <base>/public/...               the public folder
class static_files_test : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        std::random_device random;
        base_ = fs::temp_directory_path() /
                ("duet-static-files-" + std::to_string(random()) + "-" + std::to_string(random()));
        root_ = base_ / "public";
        fs::create_directories(root_);
        write_file(base_ / "outside.txt", "outside");
        write_file(base_ / "public2" / "secret.txt", "sibling");
        write_file(root_ / "index.html", "<h1>root</h1>");
        write_file(root_ / "sub" / "index.html", "<h1>sub</h1>");
        write_file(root_ / "js" / "app.js", "app()");
        write_file(root_ / "css" / "x.css", "body{}");
        write_file(root_ / "a.svg", "<svg/>");
        write_file(root_ / "b.png", "png");
        write_file(root_ / "c.ico", "ico");
        write_file(root_ / "d.json", "{}");
        write_file(root_ / "e.wasm", "wasm");
        write_file(root_ / "f.map", "{}");
        write_file(root_ / "UPPER.HTML", "upper");
        write_file(root_ / "noext", "noext");
        write_file(root_ / "a b.txt", "space");
        write_file(root_ / ".hidden", "hidden");
        write_file(root_ / ".git" / "config", "git");
        write_file(root_ / "sub" / ".env", "env");
        fs::create_directories(root_ / "empty");  // a folder without index.html
        fs::create_symlink(base_ / "outside.txt", root_ / "link-out");
        fs::create_symlink("../outside.txt", root_ / "relative-link-out.txt");
        fs::create_directory_symlink(base_, root_ / "dir-out");
        fs::create_symlink(base_ / "public2" / "secret.txt", root_ / "link-sibling.txt");
        fs::create_symlink(root_ / "js" / "app.js", root_ / "link-in.js");
        fs::create_directory_symlink("sub", root_ / "sub-link");
        files_ = std::make_unique<static_files>(root_);
    }

    static void TearDownTestSuite() {
        files_.reset();
        std::error_code ec;
        fs::remove_all(base_, ec);
    }

    static fs::path canonical_in_root(fs::path const& relative) { return fs::canonical(root_ / relative); }

    static void expect_resolves(std::string_view target, fs::path const& relative, std::string_view type) {
        auto const file = files_->resolve(target);
        ASSERT_TRUE(file.has_value()) << target;
        EXPECT_EQ(file->path, canonical_in_root(relative)) << target;
        EXPECT_EQ(file->content_type, type) << target;
    }

    static void expect_nothing(std::string_view target) {
        auto const file = files_->resolve(target);
        EXPECT_FALSE(file.has_value()) << "'" << target << "' resolved to " << (file ? file->path.string() : "");
    }

    static inline fs::path base_;
    static inline fs::path root_;
    static inline std::unique_ptr<static_files> files_;
};

constexpr std::string_view html = "text/html; charset=utf-8";

TEST_F(static_files_test, RootIsCanonical) {
    EXPECT_EQ(files_->root(), fs::canonical(root_));
}

TEST_F(static_files_test, SlashServesIndexHtml) {
    expect_resolves("/", "index.html", html);
    expect_resolves("/?room=x", "index.html", html);
    expect_resolves("/#top", "index.html", html);
    expect_resolves("/index.html", "index.html", html);
}

TEST_F(static_files_test, FoldersServeTheirIndexHtml) {
    expect_resolves("/sub", "sub/index.html", html);
    expect_resolves("/sub/", "sub/index.html", html);
    expect_resolves("/sub/index.html", "sub/index.html", html);
    expect_resolves("//sub//", "sub/index.html", html);
}

TEST_F(static_files_test, QueryAndFragmentAreIgnored) {
    expect_resolves("/js/app.js?v=1#x", "js/app.js", "text/javascript; charset=utf-8");
    expect_resolves("/js/app.js#x?y", "js/app.js", "text/javascript; charset=utf-8");
    expect_resolves("/js/app.js?../../outside.txt", "js/app.js", "text/javascript; charset=utf-8");
}

TEST_F(static_files_test, PercentEncodedNamesResolve) {
    expect_resolves("/a%20b.txt", "a b.txt", "text/plain; charset=utf-8");
    expect_resolves("/%6As/app.js", "js/app.js", "text/javascript; charset=utf-8");
}

TEST_F(static_files_test, MimeTypeForEachExtension) {
    expect_resolves("/index.html", "index.html", html);
    expect_resolves("/js/app.js", "js/app.js", "text/javascript; charset=utf-8");
    expect_resolves("/css/x.css", "css/x.css", "text/css; charset=utf-8");
    expect_resolves("/a.svg", "a.svg", "image/svg+xml");
    expect_resolves("/b.png", "b.png", "image/png");
    expect_resolves("/c.ico", "c.ico", "image/x-icon");
    expect_resolves("/d.json", "d.json", "application/json");
    expect_resolves("/e.wasm", "e.wasm", "application/wasm");
    expect_resolves("/f.map", "f.map", "application/json");
    expect_resolves("/UPPER.HTML", "UPPER.HTML", html);
    expect_resolves("/noext", "noext", "application/octet-stream");
}

TEST_F(static_files_test, MissingFilesGiveNothing) {
    expect_nothing("/missing.html");
    expect_nothing("/sub/missing");
    expect_nothing("/js/");  // a folder without index.html
    expect_nothing("/empty");
    expect_nothing("/index.html/x");
}

TEST_F(static_files_test, TraversalAttemptsGiveNothing) {
    for (auto target : {
             "/../outside.txt",
             "/..",
             "/../",
             "/%2e%2e/outside.txt",
             "/%2E%2E/outside.txt",
             "/.%2e/outside.txt",
             "/sub/../../outside.txt",
             "/sub/../index.html",
             "/%2E%2E%2Foutside.txt",
             "/..%2Foutside.txt",
             "/sub%2F..%2F..%2Foutside.txt",
             "/../public/index.html",
             "/../public2/secret.txt",
         }) {
        expect_nothing(target);
    }
}

TEST_F(static_files_test, BackslashesGiveNothing) {
    expect_nothing("..\\outside.txt");
    expect_nothing("/..\\outside.txt");
    expect_nothing("/sub\\index.html");
    expect_nothing("/..%5coutside.txt");
    expect_nothing("/..%5Coutside.txt");
    expect_nothing("/%5c..%5coutside.txt");
}

TEST_F(static_files_test, NulGivesNothing) {
    expect_nothing("/index.html%00");
    expect_nothing("/index.html%00.png");
    expect_nothing(std::string_view("/index.html\0.png", 16));
}

TEST_F(static_files_test, MalformedPercentEncodingGivesNothing) {
    expect_nothing("/%zz");
    expect_nothing("/%4");
    expect_nothing("/index.html%");
    expect_nothing("/index.html%4");
    expect_nothing("/%g0index.html");
    expect_nothing("/%%32%65%2e/outside.txt");
}

TEST_F(static_files_test, HiddenFilesGiveNothing) {
    expect_nothing("/.hidden");
    expect_nothing("/%2ehidden");
    expect_nothing("/.git/config");
    expect_nothing("/sub/.env");
    expect_nothing("/.git/");
}

TEST_F(static_files_test, SymlinksOutOfTheFolderGiveNothing) {
    expect_nothing("/link-out");
    expect_nothing("/relative-link-out.txt");
    expect_nothing("/dir-out/outside.txt");
    expect_nothing("/dir-out/public2/secret.txt");
    // The sibling "public2" shares the prefix "public": a string prefix check would pass.
    expect_nothing("/link-sibling.txt");
}

TEST_F(static_files_test, SymlinksInsideTheFolderResolve) {
    expect_resolves("/link-in.js", "js/app.js", "text/javascript; charset=utf-8");
    expect_resolves("/sub-link/", "sub/index.html", html);
    // dir-out leads out of the folder and back in: the real file is inside, so it is served.
    expect_resolves("/dir-out/public/index.html", "index.html", html);
}

TEST_F(static_files_test, TargetsNotStartingWithSlashGiveNothing) {
    expect_nothing("");
    expect_nothing("index.html");
    expect_nothing("?x");
    expect_nothing("#x");
    expect_nothing("http://example.org/index.html");
    expect_nothing("*");
}

TEST(static_files, MissingRootThrowsNamingIt) {
    auto const missing = fs::temp_directory_path() / "duet-no-such-folder-7c1f0e2a";
    try {
        static_files files(missing);
        FAIL() << "no exception";
    } catch (std::runtime_error const& e) {
        EXPECT_NE(std::string(e.what()).find(missing.string()), std::string::npos) << e.what();
    }
}

TEST(static_files, RootThatIsAFileThrows) {
    auto const file = fs::temp_directory_path() / ("duet-root-file-" + std::to_string(std::random_device{}()));
    { std::ofstream(file) << "x"; }
    EXPECT_THROW(static_files{file}, std::runtime_error);
    fs::remove(file);
}

}  // namespace
}  // namespace duet::http
