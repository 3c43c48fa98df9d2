#include <duet/protocol/server_message.hpp>

#include <duet/protocol/error_code.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>

namespace duet::protocol {
namespace {

using json = nlohmann::json;

/// Parses `text`, checks that it is one JSON object whose first member is `type`, and
/// returns it.
json parse_frame(std::string const& text, std::string const& type) {
    EXPECT_EQ(text.rfind(R"({"type":")" + type + '"', 0), 0U) << "'type' must come first: " << text;
    auto parsed = json::parse(text, nullptr, false);
    EXPECT_FALSE(parsed.is_discarded()) << text;
    EXPECT_TRUE(parsed.is_object()) << text;
    return parsed;
}

TEST(server_message, Joined) {
    auto const text = encode_joined("demo", "k3J_-x", 2, R"([{"urls":"stun:stun.example.org:3478"}])");
    EXPECT_EQ(text,
              R"({"type":"joined","room":"demo","id":"k3J_-x","peers":2,)"
              R"("iceServers":[{"urls":"stun:stun.example.org:3478"}]})");
    auto const j = parse_frame(text, "joined");
    EXPECT_EQ(j, (json{{"type", "joined"},
                       {"room", "demo"},
                       {"id", "k3J_-x"},
                       {"peers", 2},
                       {"iceServers", json::array({{{"urls", "stun:stun.example.org:3478"}}})}}));
}

TEST(server_message, JoinedWithNoIceServers) {
    auto const text = encode_joined("r", "a", 1, "[]");
    EXPECT_EQ(text, R"({"type":"joined","room":"r","id":"a","peers":1,"iceServers":[]})");
    auto const j = parse_frame(text, "joined");
    EXPECT_EQ(j.at("peers"), 1);
    EXPECT_EQ(j.at("iceServers"), json::array());
}

// Rules 12-13 (1.1): role, resume and resumed follow iceServers, in that order.
TEST(server_message, JoinedWithRoleResumeAndResumed) {
    auto const text = encode_joined("demo", "Q9x", 2, "[]", {role::polite, "Zc2w", true});
    EXPECT_EQ(text, R"({"type":"joined","room":"demo","id":"Q9x","peers":2,"iceServers":[],)"
                    R"("role":"polite","resume":"Zc2w","resumed":true})");
    parse_frame(text, "joined");
}

TEST(server_message, JoinedWithOnlyARole) {
    EXPECT_EQ(encode_joined("r", "a", 1, "[]", {role::impolite, {}, false}),
              R"({"type":"joined","room":"r","id":"a","peers":1,"iceServers":[],"role":"impolite"})");
}

TEST(server_message, PeerdownAndPeerup) {
    EXPECT_EQ(encode_peerdown("demo", "Q9x"), R"({"type":"peerdown","room":"demo","id":"Q9x"})");
    EXPECT_EQ(encode_peerup("demo", "Q9x"), R"({"type":"peerup","room":"demo","id":"Q9x"})");
}

TEST(server_message, Otherjoin) {
    auto const text = encode_otherjoin("demo", "Q9x");
    EXPECT_EQ(text, R"({"type":"otherjoin","room":"demo","id":"Q9x"})");
    EXPECT_EQ(parse_frame(text, "otherjoin"), (json{{"type", "otherjoin"}, {"room", "demo"}, {"id", "Q9x"}}));
}

TEST(server_message, Full) {
    auto const text = encode_full("demo");
    EXPECT_EQ(text, R"({"type":"full","room":"demo"})");
    EXPECT_EQ(parse_frame(text, "full"), (json{{"type", "full"}, {"room", "demo"}}));
}

TEST(server_message, Leaved) {
    auto const text = encode_leaved("demo", "Q9x");
    EXPECT_EQ(text, R"({"type":"leaved","room":"demo","id":"Q9x"})");
    EXPECT_EQ(parse_frame(text, "leaved"), (json{{"type", "leaved"}, {"room", "demo"}, {"id", "Q9x"}}));
}

TEST(server_message, Bye) {
    auto const text = encode_bye("a.b~c", "Q9x");
    EXPECT_EQ(text, R"({"type":"bye","room":"a.b~c","id":"Q9x"})");
    EXPECT_EQ(parse_frame(text, "bye"), (json{{"type", "bye"}, {"room", "a.b~c"}, {"id", "Q9x"}}));
}

TEST(server_message, RelaySplicesDataUnchanged) {
    auto const text = encode_relay("demo", "k3J", R"({ "sdp" : "v=0", "n":1e2 })");
    EXPECT_EQ(text, R"({"type":"message","room":"demo","from":"k3J","data":{ "sdp" : "v=0", "n":1e2 }})");
    auto const j = parse_frame(text, "message");
    EXPECT_EQ(j.at("room"), "demo");
    EXPECT_EQ(j.at("from"), "k3J");
    EXPECT_EQ(j.at("data"), (json{{"sdp", "v=0"}, {"n", 100.0}}));
    EXPECT_EQ(j.size(), 4U);
}

TEST(server_message, RelayOfScalars) {
    EXPECT_EQ(encode_relay("r", "p", "null"), R"({"type":"message","room":"r","from":"p","data":null})");
    EXPECT_EQ(encode_relay("r", "p", R"("caf\u00e9")"),
              R"({"type":"message","room":"r","from":"p","data":"caf\u00e9"})");
    EXPECT_EQ(parse_frame(encode_relay("r", "p", R"("caf\u00e9")"), "message").at("data"), "caf\xc3\xa9");
}

TEST(server_message, Pong) {
    EXPECT_EQ(encode_pong(), R"({"type":"pong"})");
    EXPECT_EQ(parse_frame(encode_pong(), "pong"), (json{{"type", "pong"}}));
}

TEST(server_message, ErrorWithoutRef) {
    auto const text = encode_error(request_error{error_code::bad_json, "the frame is not valid JSON", ""});
    EXPECT_EQ(text, R"({"type":"error","code":"bad_json","message":"the frame is not valid JSON"})");
    auto const j = parse_frame(text, "error");
    EXPECT_FALSE(j.contains("ref"));
    EXPECT_EQ(j.size(), 3U);
}

TEST(server_message, ErrorWithRef) {
    auto const text = encode_error(request_error{error_code::not_in_room, "not a member", "message"});
    EXPECT_EQ(text, R"({"type":"error","code":"not_in_room","message":"not a member","ref":"message"})");
    EXPECT_EQ(parse_frame(text, "error"),
              (json{{"type", "error"}, {"code", "not_in_room"}, {"message", "not a member"}, {"ref", "message"}}));
}

TEST(server_message, ErrorEscapesItsStrings) {
    auto const text = encode_error(request_error{error_code::unknown_type, "say \"no\"\n", "a\"b\\c"});
    auto const j = parse_frame(text, "error");
    EXPECT_EQ(j.at("message"), "say \"no\"\n");
    EXPECT_EQ(j.at("ref"), "a\"b\\c");
}

TEST(server_message, ErrorWithInvalidUtf8RefDoesNotThrow) {
    std::string text;
    ASSERT_NO_THROW(text = encode_error(request_error{error_code::unknown_type, "m", "ab\xc3"}));
    auto const j = parse_frame(text, "error");
    EXPECT_EQ(j.at("code"), "unknown_type");
    EXPECT_EQ(j.at("ref").get<std::string>().substr(0, 2), "ab");
}

TEST(server_message, ErrorCarriesEveryCodeByItsWireName) {
    for (auto const code : all_error_codes) {
        auto const j = parse_frame(encode_error(request_error{code, "m", ""}), "error");
        EXPECT_EQ(j.at("code"), std::string(wire_name(code)));
    }
}

TEST(error_code, WireNames) {
    EXPECT_EQ(wire_name(error_code::bad_json), "bad_json");
    EXPECT_EQ(wire_name(error_code::bad_request), "bad_request");
    EXPECT_EQ(wire_name(error_code::unknown_type), "unknown_type");
    EXPECT_EQ(wire_name(error_code::invalid_room), "invalid_room");
    EXPECT_EQ(wire_name(error_code::already_in_room), "already_in_room");
    EXPECT_EQ(wire_name(error_code::not_in_room), "not_in_room");
    EXPECT_EQ(wire_name(error_code::no_such_peer), "no_such_peer");
    EXPECT_EQ(wire_name(error_code::rate_limited), "rate_limited");
    EXPECT_EQ(wire_name(error_code::room_limit), "room_limit");
    EXPECT_EQ(wire_name(error_code::unauthorized), "unauthorized");
    EXPECT_EQ(wire_name(error_code::unavailable), "unavailable");
    EXPECT_EQ(wire_name(error_code::bad_resume), "bad_resume");
    EXPECT_EQ(wire_name(error_code::peer_unavailable), "peer_unavailable");
    EXPECT_EQ(all_error_codes.size(), 13U);
}

}  // namespace
}  // namespace duet::protocol
