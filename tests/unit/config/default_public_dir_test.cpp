#include <duet/config/default_public_dir.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>

namespace duet::config {
namespace {

namespace fs = std::filesystem;

/// A fresh folder in the temp folder, removed with everything in it.
class temp_tree {
public:
    temp_tree()
        : root_(fs::temp_directory_path() / ("duet-public-" + std::to_string(std::random_device{}()) + "-" +
                                             std::to_string(std::random_device{}()))) {
        fs::create_directories(root_);
    }
    ~temp_tree() {
        std::error_code ec;
        fs::remove_all(root_, ec);
    }
    temp_tree(temp_tree const&) = delete;
    temp_tree& operator=(temp_tree const&) = delete;

    /// Creates `relative` (and its folders) as a small file.
    fs::path add(fs::path const& relative) const {
        auto const path = root_ / relative;
        fs::create_directories(path.parent_path());
        std::ofstream(path) << "x\n";
        return path;
    }
    fs::path const& root() const { return root_; }

private:
    fs::path root_;
};

TEST(default_public_dir, InstalledTreeServesShareDuetPublic) {
    temp_tree t;
    t.add("prefix/share/duet/public/index.html");
    EXPECT_EQ(find_public_dir(t.root() / "prefix/bin/duetd"), t.root() / "prefix/share/duet/public");
}

TEST(default_public_dir, BuildFolderInsideTheSourceTreeFindsTheRepositorysPublic) {
    temp_tree t;
    t.add("src/CMakeLists.txt");
    t.add("src/public/index.html");
    EXPECT_EQ(find_public_dir(t.root() / "src/build/duetd"), t.root() / "src/public");
    EXPECT_EQ(find_public_dir(t.root() / "src/build/tests/unit/duet_unit_tests"), t.root() / "src/public");
}

TEST(default_public_dir, InstalledPagesWinOverASourceTreeAbove) {
    temp_tree t;
    t.add("CMakeLists.txt");
    t.add("public/index.html");
    t.add("stage/share/duet/public/index.html");
    EXPECT_EQ(find_public_dir(t.root() / "stage/bin/duetd"), t.root() / "stage/share/duet/public");
}

TEST(default_public_dir, APublicFolderWithoutCMakeListsBesideItIsNotTheSourceTree) {
    temp_tree t;
    t.add("public/index.html");
    EXPECT_EQ(find_public_dir(t.root() / "build/duetd"), t.root() / "share/duet/public");
}

TEST(default_public_dir, NothingFoundNamesTheInstalledLocation) {
    temp_tree t;
    EXPECT_EQ(find_public_dir(t.root() / "prefix/bin/duetd"), t.root() / "prefix/share/duet/public");
}

TEST(default_public_dir, TheRunningTestBinaryFindsThisRepositorysPages) {
    // The unit tests run from a build folder inside the source tree.
    EXPECT_TRUE(fs::is_regular_file(fs::path(default_public_dir()) / "index.html")) << default_public_dir();
}

}  // namespace
}  // namespace duet::config
