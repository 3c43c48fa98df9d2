// config::join_secrets: how an entry splits into kid and secret, the secrets file
// (format and permissions), and the checks validate() applies.
#include <duet/config/join_secrets.hpp>

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace duet::config {
namespace {

std::string const long_secret = "0123456789abcdef0123456789abcdef";

TEST(join_secrets, SplitsNameAndSecret) {
    auto const s = split_join_secret("k1=" + long_secret);
    EXPECT_EQ(s.kid, "k1");
    EXPECT_EQ(s.secret, long_secret);
}

TEST(join_secrets, WithoutANameTheWholeEntryIsTheSecret) {
    EXPECT_EQ(split_join_secret(long_secret).kid, "");
    EXPECT_EQ(split_join_secret(long_secret).secret, long_secret);
    // base64 padding is not a name separator: nothing follows the '='.
    auto const padded = split_join_secret("c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0cw=");
    EXPECT_EQ(padded.kid, "");
    EXPECT_EQ(padded.secret, "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0cw=");
    // A '+' or '/' before the first '=' is no name either.
    auto const b64 = split_join_secret("ab+/cd=ef");
    EXPECT_EQ(b64.kid, "");
    EXPECT_EQ(b64.secret, "ab+/cd=ef");
    // Only the first '=' separates.
    auto const more = split_join_secret("k=a=b");
    EXPECT_EQ(more.kid, "k");
    EXPECT_EQ(more.secret, "a=b");
}

TEST(join_secrets, ChecksLengthAndDuplicateNamesWithoutShowingSecrets) {
    EXPECT_TRUE(check_join_secrets({{"k1", long_secret}, {"k2", long_secret}, {"", long_secret}}).empty());
    auto const short_one = check_join_secrets({{"k1", "tooshort"}});
    ASSERT_EQ(short_one.size(), 1U);
    EXPECT_NE(short_one[0].find("k1"), std::string::npos);
    EXPECT_EQ(short_one[0].find("tooshort"), std::string::npos);
    auto const twice = check_join_secrets({{"k1", long_secret}, {"k1", long_secret + "x"}});
    ASSERT_EQ(twice.size(), 1U);
    EXPECT_NE(twice[0].find("used twice"), std::string::npos);
}

TEST(join_secrets, NamesNeverSecrets) {
    auto const names = join_secret_names({{"k1", long_secret}, {"", long_secret}});
    EXPECT_EQ(names, "k1, (unnamed)");
}

class secrets_file_test : public ::testing::Test {
protected:
    void SetUp() override {
        path_ = std::filesystem::temp_directory_path() /
                ("duet-secrets-" + std::to_string(::getpid()) + "-" +
                 ::testing::UnitTest::GetInstance()->current_test_info()->name());
    }
    void TearDown() override { std::filesystem::remove(path_); }

    std::string write(std::string const& text, mode_t mode) {
        std::ofstream(path_) << text;
        ::chmod(path_.c_str(), mode);
        return path_.string();
    }

    std::filesystem::path path_;
};

TEST_F(secrets_file_test, ReadsOneEntryPerLineSkippingCommentsAndBlanks) {
    auto const path = write("# rotated 2026-12\n\nk1=" + long_secret + "\n  k2=" + long_secret + "x  \r\n" +
                                long_secret + "\n",
                            0600);
    auto const file = read_join_secrets_file(path);
    EXPECT_TRUE(file.errors.empty());
    ASSERT_EQ(file.entries.size(), 3U);
    EXPECT_EQ(file.entries[0], "k1=" + long_secret);
    EXPECT_EQ(file.entries[1], "k2=" + long_secret + "x");
    EXPECT_EQ(file.entries[2], long_secret);
}

TEST_F(secrets_file_test, GroupReadableIsAccepted) {
    auto const file = read_join_secrets_file(write("k1=" + long_secret + "\n", 0640));
    EXPECT_TRUE(file.errors.empty());
    EXPECT_EQ(file.entries.size(), 1U);
}

TEST_F(secrets_file_test, WorldReadableIsRefused) {
    auto const file = read_join_secrets_file(write("k1=" + long_secret + "\n", 0644));
    ASSERT_EQ(file.errors.size(), 1U);
    EXPECT_NE(file.errors[0].find("join_secrets_file"), std::string::npos);
    EXPECT_NE(file.errors[0].find("every user"), std::string::npos);
    EXPECT_EQ(file.errors[0].find(long_secret), std::string::npos);
    EXPECT_TRUE(file.entries.empty());
}

TEST_F(secrets_file_test, WorldWritableIsRefused) {
    auto const file = read_join_secrets_file(write("k1=" + long_secret + "\n", 0602));
    EXPECT_EQ(file.errors.size(), 1U);
}

TEST_F(secrets_file_test, MissingFileIsNamed) {
    auto const file = read_join_secrets_file(path_.string() + "-missing");
    ASSERT_EQ(file.errors.size(), 1U);
    EXPECT_NE(file.errors[0].find("-missing"), std::string::npos);
}

}  // namespace
}  // namespace duet::config
