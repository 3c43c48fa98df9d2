// logging::write: the fields of a line in both formats, and JSON lines that stay JSON
// whatever the message holds.
#include <duet/logging/event.hpp>
#include <duet/logging/setup.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace duet::logging {
namespace {

using json = nlohmann::json;

/// Sets up the daemon's logger in `format` for one test, captures what it writes to
/// stderr, and puts the tests' quiet logger back afterwards.
class captured_log {
public:
    explicit captured_log(std::string const& format) {
        setup("debug", format);
        ::testing::internal::CaptureStderr();
    }
    ~captured_log() {
        if (!taken_) {
            take();
        }
        spdlog::set_level(spdlog::level::off);
    }
    std::vector<std::string> take() {
        spdlog::default_logger()->flush();
        taken_ = true;
        std::istringstream text(::testing::internal::GetCapturedStderr());
        std::vector<std::string> lines;
        for (std::string line; std::getline(text, line);) {
            lines.push_back(line);
        }
        return lines;
    }

private:
    bool taken_ = false;
};

TEST(LogEvent, JsonLinesCarryEachSetFieldBesideTheMessage) {
    captured_log log("json");
    warn(event("ws.closed").conn(12).peer("abc123").room("0123abcd").remote("192.0.2.7").code(1008).reason(
             "slow_consumer").duration_ms(1500),
         "closing: send queue passed {} bytes", 1024);
    auto const lines = log.take();
    ASSERT_EQ(lines.size(), 1u);
    auto const line = json::parse(lines[0]);
    EXPECT_EQ(line["level"], "warn");
    EXPECT_EQ(line["event"], "ws.closed");
    EXPECT_EQ(line["conn"], 12);
    EXPECT_EQ(line["peer"], "abc123");
    EXPECT_EQ(line["room"], "0123abcd");
    EXPECT_EQ(line["remote"], "192.0.2.7");
    EXPECT_EQ(line["code"], 1008);
    EXPECT_EQ(line["reason"], "slow_consumer");
    EXPECT_EQ(line["duration_ms"], 1500);
    EXPECT_EQ(line["msg"], "closing: send queue passed 1024 bytes");
}

TEST(LogEvent, FieldsNotSetAreLeftOut) {
    captured_log log("json");
    info(event("start"), "up");
    auto const lines = log.take();
    ASSERT_EQ(lines.size(), 1u);
    auto const line = json::parse(lines[0]);
    EXPECT_EQ(line["event"], "start");
    for (char const* absent : {"conn", "peer", "room", "remote", "code", "reason", "duration_ms"}) {
        EXPECT_FALSE(line.contains(absent)) << absent << " in " << lines[0];
    }
}

TEST(LogEvent, QuotesNewlinesAndControlCharactersStayInsideTheJsonStrings) {
    captured_log log("json");
    std::string const nasty = "a \"quoted\"\nline\\ with \x01 and \t";
    error(event("request.refused").reason(nasty), "{}", nasty);
    spdlog::info("a plain line: {}", nasty);  // not through write(): still one JSON object
    auto const lines = log.take();
    ASSERT_EQ(lines.size(), 2u);
    auto const structured = json::parse(lines[0]);
    EXPECT_EQ(structured["reason"], nasty);
    EXPECT_EQ(structured["msg"], nasty);
    auto const plain = json::parse(lines[1]);
    EXPECT_EQ(plain["msg"], "a plain line: " + nasty);
    EXPECT_FALSE(plain.contains("event"));
}

TEST(LogEvent, TextLinesPutTheFieldsAfterTheMessageAsKeyValuePairs) {
    captured_log log("text");
    info(event("join.full").conn(3).reason("full"), "the room is full");
    auto const lines = log.take();
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_TRUE(std::regex_search(lines[0], std::regex(R"( info  the room is full event=join\.full conn=3 reason=full$)")))
        << lines[0];
}

TEST(LogEvent, ADisabledLevelWritesNothing) {
    captured_log log("json");
    spdlog::set_level(spdlog::level::info);
    debug(event("ws.open"), "not shown");
    EXPECT_TRUE(log.take().empty());
}

}  // namespace
}  // namespace duet::logging
