#include <duet/protocol/identifiers.hpp>

#include <gtest/gtest.h>

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_set>

namespace duet::protocol {
namespace {

using namespace std::string_view_literals;

TEST(room_name, LengthBoundaries) {
    EXPECT_FALSE(is_valid_room_name(""));
    EXPECT_TRUE(is_valid_room_name("a"));
    EXPECT_TRUE(is_valid_room_name(std::string(63, 'a')));
    EXPECT_TRUE(is_valid_room_name(std::string(64, 'a')));
    EXPECT_FALSE(is_valid_room_name(std::string(65, 'a')));
    EXPECT_FALSE(is_valid_room_name(std::string(1000, 'a')));
}

TEST(room_name, EveryAllowedCharacter) {
    std::string const allowed = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.~-";
    for (char c : allowed) {
        EXPECT_TRUE(is_valid_room_name(std::string(1, c))) << "'" << c << "'";
    }
    EXPECT_TRUE(is_valid_room_name("_"));
    EXPECT_TRUE(is_valid_room_name("."));
    EXPECT_TRUE(is_valid_room_name(".."));
    EXPECT_TRUE(is_valid_room_name("~"));
    EXPECT_TRUE(is_valid_room_name("-"));
    EXPECT_TRUE(is_valid_room_name("Team-1_call.v2~x"));
}

TEST(room_name, EveryOtherByteIsRefused) {
    std::string const allowed = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.~-";
    int refused = 0;
    for (int b = 0; b < 256; ++b) {
        char const c = static_cast<char>(b);
        if (allowed.find(c) != std::string::npos) {
            continue;
        }
        std::string const name = std::string("ab") + c + "cd";
        EXPECT_FALSE(is_valid_room_name(name)) << "byte " << b;
        ++refused;
    }
    EXPECT_EQ(refused, 256 - 66);
}

TEST(room_name, TypicalDisallowedNames) {
    for (auto name : {"a b"sv, "a/b"sv, "a\\b"sv, "caf\xc3\xa9"sv, "a%20b"sv, "a?b"sv, "a#b"sv, "a+b"sv,
                      "a:b"sv, "<x>"sv, "a\0b"sv, " a"sv, "a "sv}) {
        EXPECT_FALSE(is_valid_room_name(name)) << name;
    }
}

TEST(peer_id, Validity) {
    EXPECT_TRUE(is_valid_peer_id("abcXYZ019_-"));
    EXPECT_TRUE(is_valid_peer_id("a"));
    EXPECT_FALSE(is_valid_peer_id(""));
    EXPECT_FALSE(is_valid_peer_id("a.b"));
    EXPECT_FALSE(is_valid_peer_id("a~b"));
    EXPECT_FALSE(is_valid_peer_id("a b"));
    EXPECT_FALSE(is_valid_peer_id("a+b"));
    EXPECT_FALSE(is_valid_peer_id("a/b"));
    EXPECT_FALSE(is_valid_peer_id("a=="));
    EXPECT_FALSE(is_valid_peer_id("caf\xc3\xa9"));
}

TEST(peer_id, MadeIdsHave22CharactersOfTheAlphabet) {
    for (int i = 0; i < 1000; ++i) {
        auto const id = make_peer_id();
        ASSERT_EQ(id.size(), 22U) << id;
        for (char c : id) {
            bool const ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
                            c == '-';
            ASSERT_TRUE(ok) << id;
        }
        ASSERT_TRUE(is_valid_peer_id(id)) << id;
    }
}

TEST(peer_id, TenThousandIdsAreDistinct) {
    std::unordered_set<std::string> ids;
    for (int i = 0; i < 10000; ++i) {
        ids.insert(make_peer_id());
    }
    EXPECT_EQ(ids.size(), 10000U);
}

TEST(peer_id, EveryCharacterPositionVaries) {
    // 128 random bits: over many ids each position takes many values, and the last
    // character (4 bits of data) takes 4 values at most in base64url without padding.
    std::array<std::unordered_set<char>, 22> seen{};
    for (int i = 0; i < 2000; ++i) {
        auto const id = make_peer_id();
        for (std::size_t p = 0; p < id.size() && p < seen.size(); ++p) {
            seen[p].insert(id[p]);
        }
    }
    for (std::size_t p = 0; p < 21; ++p) {
        EXPECT_GT(seen[p].size(), 40U) << "position " << p;
    }
    EXPECT_EQ(seen[21].size(), 4U);
}

// Rule 12: at least 128 random bits in [A-Za-z0-9_-]; 192 here (32 characters).
TEST(resume_secret, MadeSecretsHave32CharactersOfTheAlphabetAndDiffer) {
    std::unordered_set<std::string> seen;
    for (int i = 0; i < 2000; ++i) {
        auto const secret = make_resume_secret();
        EXPECT_EQ(secret.size(), 32U) << secret;
        EXPECT_TRUE(is_valid_peer_id(secret)) << secret;  // the same alphabet
        seen.insert(secret);
    }
    EXPECT_EQ(seen.size(), 2000U);
}

TEST(resume_secret, SameSecretComparesWholeStrings) {
    auto const secret = make_resume_secret();
    EXPECT_TRUE(same_secret(secret, secret));
    EXPECT_FALSE(same_secret(secret.substr(0, 31), secret));
    EXPECT_FALSE(same_secret(secret + "x", secret));
    auto other = secret;
    other.back() = other.back() == 'A' ? 'B' : 'A';
    EXPECT_FALSE(same_secret(other, secret));
    other = secret;
    other.front() = other.front() == 'A' ? 'B' : 'A';
    EXPECT_FALSE(same_secret(other, secret));
    // No lease: a seat's secret is empty, and nothing matches it.
    EXPECT_FALSE(same_secret("", ""));
}

}  // namespace
}  // namespace duet::protocol
