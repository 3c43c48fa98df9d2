// access::base64url: RFC 4648 test vectors in the URL alphabet without padding, and
// every spelling a strict decoder must refuse.
#include <duet/access/base64url.hpp>

#include <gtest/gtest.h>

#include <string>

namespace duet::access {
namespace {

TEST(base64url, Rfc4648Vectors) {
    EXPECT_EQ(base64url_encode(""), "");
    EXPECT_EQ(base64url_encode("f"), "Zg");
    EXPECT_EQ(base64url_encode("fo"), "Zm8");
    EXPECT_EQ(base64url_encode("foo"), "Zm9v");
    EXPECT_EQ(base64url_encode("foob"), "Zm9vYg");
    EXPECT_EQ(base64url_encode("fooba"), "Zm9vYmE");
    EXPECT_EQ(base64url_encode("foobar"), "Zm9vYmFy");
}

TEST(base64url, UrlAlphabet) {
    EXPECT_EQ(base64url_encode("\xfb\xff\xbf"), "-_-_");
    EXPECT_EQ(base64url_decode("-_-_"), std::string("\xfb\xff\xbf"));
}

TEST(base64url, RoundTripsEveryByte) {
    std::string all;
    for (int i = 0; i < 256; ++i) {
        all += static_cast<char>(i);
    }
    for (std::size_t n = 0; n <= all.size(); n += 7) {
        auto const part = all.substr(0, n);
        EXPECT_EQ(base64url_decode(base64url_encode(part)), part) << n;
    }
}

TEST(base64url, RefusesWhatIsNotStrictBase64url) {
    for (auto const* bad : {"Zg==", "Zm9v+A", "Zm9v/A", "Z", "Zm9vY", "Zh", "Zm9", "Zm:v", "Zm v", "Zm9\n"}) {
        EXPECT_FALSE(base64url_decode(bad).has_value()) << bad;
    }
    // "Zm9" decodes only with its last bits zero: "Zm8" is "fo".
    EXPECT_EQ(base64url_decode("Zm8"), std::string("fo"));
}

}  // namespace
}  // namespace duet::access
