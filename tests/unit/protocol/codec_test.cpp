#include <duet/protocol/codec.hpp>

#include <duet/protocol/identifiers.hpp>

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <cstddef>
#include <optional>
#include <ostream>
#include <random>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

namespace duet::protocol {
namespace {

/// Names each instantiated test after its row.
struct row_name {
    template <class Row>
    std::string operator()(::testing::TestParamInfo<Row> const& row_info) const {
        return row_info.param.name;
    }
};

// ---------------------------------------------------------------------------------------
// Valid frames: one row per message type, each with the exact fields expected.

enum class kind : std::size_t { join, leave, relay, ping };

struct valid_row {
    char const* name;
    std::string text;
    kind expected_kind;
    std::string room;                // join, leave, relay
    std::string data;                // relay: the exact text of `data`
    std::optional<std::string> to;   // relay
};

void PrintTo(valid_row const& row, std::ostream* os) {
    *os << row.name << ": " << row.text;
}

class codec_valid : public ::testing::TestWithParam<valid_row> {};

TEST_P(codec_valid, ParsesToTheExpectedMessage) {
    auto const& row = GetParam();
    auto const result = parse_client_message(row.text);
    ASSERT_TRUE(result) << "refused with " << wire_name(result.error.code) << ": " << result.error.message;
    ASSERT_TRUE(result.message.has_value());
    auto const& message = *result.message;
    ASSERT_EQ(message.index(), static_cast<std::size_t>(row.expected_kind));
    switch (row.expected_kind) {
    case kind::join:
        EXPECT_EQ(std::get<join_request>(message).room, row.room);
        break;
    case kind::leave:
        EXPECT_EQ(std::get<leave_request>(message).room, row.room);
        break;
    case kind::relay: {
        auto const& relay = std::get<relay_request>(message);
        EXPECT_EQ(relay.room, row.room);
        EXPECT_EQ(relay.data, row.data);
        EXPECT_EQ(relay.to, row.to);
        break;
    }
    case kind::ping:
        break;
    }
}

std::string const room_64(64, 'r');

/// `plain` (ASCII) with every character written as a \u escape.
std::string escaped(std::string const& plain) {
    std::string out;
    for (char const c : plain) {
        out += "\\u00" + std::string{"0123456789abcdef"[(c >> 4) & 0xF], "0123456789abcdef"[c & 0xF]};
    }
    return out;
}

std::string const escaped_room_64 = escaped(room_64);

INSTANTIATE_TEST_SUITE_P(
    Rows, codec_valid,
    ::testing::Values(
        valid_row{"join", R"({"type":"join","room":"demo"})", kind::join, "demo", "", std::nullopt},
        valid_row{"join_room_first", R"({"room":"demo","type":"join"})", kind::join, "demo", "", std::nullopt},
        valid_row{"join_whitespace", " \n{ \"type\" : \"join\" ,\t\"room\" : \"demo\" }\r\n", kind::join, "demo", "",
                  std::nullopt},
        valid_row{"join_dot_dot_is_a_valid_room", R"({"type":"join","room":".."})", kind::join, "..", "",
                  std::nullopt},
        valid_row{"join_every_allowed_punctuation", R"({"type":"join","room":"A-z_0.9~"})", kind::join, "A-z_0.9~",
                  "", std::nullopt},
        valid_row{"join_room_of_1", R"({"type":"join","room":"x"})", kind::join, "x", "", std::nullopt},
        valid_row{"join_room_of_64", R"({"type":"join","room":")" + room_64 + R"("})", kind::join, room_64, "",
                  std::nullopt},
        valid_row{"join_escaped_room", R"({"type":"join","room":"\u0061b"})", kind::join, "ab", "", std::nullopt},
        valid_row{"join_extra_members_ignored",
                  R"({"type":"join","room":"demo","to":5,"data":[1],"extra":{"x":null}})", kind::join, "demo", "",
                  std::nullopt},
        valid_row{"leave", R"({"type":"leave","room":"demo"})", kind::leave, "demo", "", std::nullopt},
        valid_row{"leave_extra_members_ignored", R"({"type":"leave","room":"demo","id":"abc","reason":1})",
                  kind::leave, "demo", "", std::nullopt},
        valid_row{"message_without_to", R"({"type":"message","room":"demo","data":{"type":"offer","sdp":"v=0"}})",
                  kind::relay, "demo", R"({"type":"offer","sdp":"v=0"})", std::nullopt},
        valid_row{"message_with_to", R"({"type":"message","room":"demo","to":"Q9x_-1","data":1})", kind::relay,
                  "demo", "1", std::string("Q9x_-1")},
        valid_row{"message_extra_members_ignored",
                  R"({"type":"message","room":"demo","data":"x","from":"spoofed","id":7})", kind::relay, "demo",
                  R"("x")", std::nullopt},
        valid_row{"ping", R"({"type":"ping"})", kind::ping, "", "", std::nullopt},
        valid_row{"ping_extra_members_ignored", R"({"type":"ping","room":5,"data":null,"nonce":"x"})", kind::ping,
                  "", "", std::nullopt},
        // Escaped keys and values: decoded once, by the codec's own unescaper.
        valid_row{"join_escaped_type_key_and_value", R"({"\u0074ype":"\u006aoin","r\u006fom":"demo"})", kind::join,
                  "demo", "", std::nullopt},
        valid_row{"join_escaped_room_of_64", R"({"type":"join","room":")" + escaped_room_64 + R"("})", kind::join,
                  room_64, "", std::nullopt},
        valid_row{"leave_escaped_room", R"({"type":"leave","room":"d\u0065m\u006F"})", kind::leave, "demo", "",
                  std::nullopt},
        valid_row{"message_escaped_to", R"({"type":"message","room":"demo","to":"Q\u0039x","data":1})", kind::relay,
                  "demo", "1", std::string("Q9x")},
        valid_row{"message_escaped_to_and_room", R"({"type":"message","room":"\u0064emo","to":"\/x\u00e9","data":1})",
                  kind::relay, "demo", "1", std::string("/x\xc3\xa9")},
        valid_row{"message_duplicates_last_wins_across_spellings",
                  R"({"type":"message","room":"a","r\u006fom":"demo","data":1,"d\u0061ta":2,"t\u006f":"x","to":"y"})",
                  kind::relay, "demo", "2", std::string("y")},
        valid_row{"message_plain_spelling_wins_when_last",
                  R"({"typ\u0065":"ping","type":"message","r\u006fom":"a","room":"demo","data":[1]})", kind::relay,
                  "demo", "[1]", std::nullopt},
        valid_row{"protocol_1_1_members_ignored",
                  R"({"type":"join","room":"demo","token":1,"resume":"r7Tq","\u0074oken":"a.b.c"})", kind::join,
                  "demo", "", std::nullopt}),
    row_name{});

// Rule 14: a join's optional token, read as the client wrote it (decoded if escaped),
// checked for its type here and for everything else by signaling::connection.
TEST(codec_join_token, AbsentTokenIsNone) {
    auto const result = parse_client_message(R"({"type":"join","room":"demo"})");
    ASSERT_TRUE(result);
    EXPECT_FALSE(std::get<join_request>(*result.message).token.has_value());
}

TEST(codec_join_token, TokenIsCarried) {
    auto const result = parse_client_message(R"({"type":"join","token":"aa.bb.cc","room":"demo"})");
    ASSERT_TRUE(result);
    auto const& join = std::get<join_request>(*result.message);
    EXPECT_EQ(join.room, "demo");
    ASSERT_TRUE(join.token.has_value());
    EXPECT_EQ(*join.token, "aa.bb.cc");
    EXPECT_FALSE(join.resume.has_value());
}

// Rule 12: a join's optional resume secret, a string, carried as written.
TEST(codec_join_resume, ResumeIsCarried) {
    auto const result = parse_client_message(R"({"type":"join","resume":"r7Tq-_9","room":"demo","token":"a.b.c"})");
    ASSERT_TRUE(result);
    auto const& join = std::get<join_request>(*result.message);
    ASSERT_TRUE(join.resume.has_value());
    EXPECT_EQ(*join.resume, "r7Tq-_9");
    EXPECT_EQ(join.token, "a.b.c");
}

TEST(codec_join_resume, NonStringResumeIsBadRequest) {
    for (auto const* text : {R"({"type":"join","room":"demo","resume":5})", R"({"type":"join","room":"demo","resume":null})",
                             R"({"type":"join","room":"a b","resume":["x"]})"}) {
        auto const result = parse_client_message(text);
        ASSERT_FALSE(result) << text;
        EXPECT_EQ(result.error.code, error_code::bad_request) << text;
        EXPECT_EQ(result.error.ref, "join") << text;
    }
}

TEST(codec_join_token, EscapedTokenAndRoomAreDecoded) {
    auto const result = parse_client_message(R"({"type":"join","room":"d\u0065mo","token":"a\u0061.b\/b.cc"})");
    ASSERT_TRUE(result);
    auto const& join = std::get<join_request>(*result.message);
    EXPECT_EQ(join.room, "demo");
    ASSERT_TRUE(join.token.has_value());
    EXPECT_EQ(*join.token, "aa.b/b.cc");
}

TEST(codec_join_token, NonStringTokenIsBadRequest) {
    for (auto const* text : {R"({"type":"join","room":"demo","token":5})", R"({"type":"join","room":"demo","token":null})",
                             R"({"type":"join","room":"demo","token":{"t":"a.b.c"}})",
                             // bad_request comes before invalid_room (rule 9)
                             R"({"type":"join","room":"a b","token":true})"}) {
        auto const result = parse_client_message(text);
        ASSERT_FALSE(result) << text;
        EXPECT_EQ(result.error.code, error_code::bad_request) << text;
        EXPECT_EQ(result.error.ref, "join");
    }
}

TEST(codec_join_token, InvalidRoomWithAGoodTypedTokenIsInvalidRoom) {
    auto const result = parse_client_message(R"({"type":"join","room":"a b","token":"a.b.c"})");
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error.code, error_code::invalid_room);
}

// ---------------------------------------------------------------------------------------
// Refused frames: one row per error the codec produces, with the expected `ref`.

struct error_row {
    char const* name;
    std::string text;
    error_code code;
    std::string ref;
};

void PrintTo(error_row const& row, std::ostream* os) {
    *os << row.name << ": " << row.text;
}

class codec_error : public ::testing::TestWithParam<error_row> {};

TEST_P(codec_error, RefusesWithTheExpectedCodeAndRef) {
    auto const& row = GetParam();
    auto const result = parse_client_message(row.text);
    ASSERT_FALSE(result);
    EXPECT_FALSE(result.message.has_value());
    EXPECT_EQ(wire_name(result.error.code), wire_name(row.code));
    EXPECT_EQ(result.error.ref, row.ref);
    EXPECT_FALSE(result.error.message.empty());
}

std::string const room_65(65, 'r');
std::string const type_100(100, 't');

INSTANTIATE_TEST_SUITE_P(
    BadJson, codec_error,
    ::testing::Values(
        error_row{"not_json", "hello", error_code::bad_json, ""},
        error_row{"empty_frame", "", error_code::bad_json, ""},
        error_row{"truncated_object", R"({"type":"join","room":"demo")", error_code::bad_json, ""},
        error_row{"trailing_garbage", R"({"type":"ping"} x)", error_code::bad_json, ""},
        error_row{"two_objects", R"({"type":"ping"}{"type":"ping"})", error_code::bad_json, ""},
        error_row{"array", R"([{"type":"ping"}])", error_code::bad_json, ""},
        error_row{"string", R"("ping")", error_code::bad_json, ""},
        error_row{"number", "42", error_code::bad_json, ""},
        error_row{"null", "null", error_code::bad_json, ""},
        error_row{"object_without_type", R"({"room":"demo"})", error_code::bad_json, ""},
        error_row{"empty_object", "{}", error_code::bad_json, ""},
        error_row{"type_number", R"({"type":1,"room":"demo"})", error_code::bad_json, ""},
        error_row{"type_null", R"({"type":null})", error_code::bad_json, ""},
        error_row{"type_object", R"({"type":{"name":"join"}})", error_code::bad_json, ""},
        error_row{"type_array", R"({"type":["join"]})", error_code::bad_json, ""},
        error_row{"invalid_utf8_in_room", std::string(R"({"type":"join","room":")") + "\xff" + R"("})",
                  error_code::bad_json, ""},
        error_row{"invalid_utf8_in_type", std::string(R"({"type":"jo)") + "\xc3\x28" + R"(in"})",
                  error_code::bad_json, ""},
        error_row{"invalid_utf8_in_data",
                  std::string(R"({"type":"message","room":"r","data":")") + "\xed\xa0\x80" + R"("})",
                  error_code::bad_json, ""},
        // The type check comes first: an unknown type with no string `type` is bad_json.
        error_row{"bad_json_before_bad_request", R"({"room":5})", error_code::bad_json, ""},
        // Numbers must be finite as a double, anywhere in the frame: a receiver parsing
        // with nlohmann would refuse the relayed frame ("number overflow").
        error_row{"number_overflow_in_data", R"({"type":"message","room":"r","data":1e999})", error_code::bad_json,
                  ""},
        error_row{"negative_overflow_nested_in_data",
                  R"({"type":"message","room":"r","data":{"sdp":"v=0","x":[[-1E+999]]}})", error_code::bad_json, ""},
        error_row{"integer_of_400_digits_in_data",
                  R"({"type":"message","room":"r","data":)" + std::string(400, '9') + "}", error_code::bad_json, ""},
        error_row{"number_overflow_in_an_ignored_member", R"({"type":"ping","n":1e309})", error_code::bad_json, ""},
        error_row{"number_overflow_before_unknown_type", R"({"type":"hello","n":[1e999]})", error_code::bad_json,
                  ""},
        error_row{"escaped_type_key_number", R"({"\u0074ype":1})", error_code::bad_json, ""},
        error_row{"type_only_in_nested_object", R"({"data":{"type":"ping"}})", error_code::bad_json, ""}),
    row_name{});

INSTANTIATE_TEST_SUITE_P(
    UnknownType, codec_error,
    ::testing::Values(
        error_row{"unknown", R"({"type":"hello"})", error_code::unknown_type, "hello"},
        error_row{"empty_type", R"({"type":""})", error_code::unknown_type, ""},
        error_row{"case_matters", R"({"type":"JOIN","room":"demo"})", error_code::unknown_type, "JOIN"},
        error_row{"server_type_from_client", R"({"type":"joined","room":"demo"})", error_code::unknown_type,
                  "joined"},
        // unknown_type is checked before the members (bad_request) and the room rule.
        error_row{"unknown_before_bad_request", R"({"type":"offer","room":5})", error_code::unknown_type, "offer"},
        error_row{"unknown_before_invalid_room", R"({"type":"offer","room":"a b"})", error_code::unknown_type,
                  "offer"},
        // The echoed type is capped at 64 characters.
        error_row{"long_type_ref_is_capped", R"({"type":")" + type_100 + R"("})", error_code::unknown_type,
                  std::string(64, 't')},
        // An escaped type is echoed decoded, and capped the same way.
        error_row{"escaped_type_ref_is_decoded", R"({"type":"h\u0065llo"})", error_code::unknown_type, "hello"},
        error_row{"long_escaped_type_ref_is_capped", R"({"type":")" + escaped(type_100) + R"("})",
                  error_code::unknown_type, std::string(64, 't')},
        error_row{"escaped_type_one_byte_more", R"({"type":"pin\u0067\u0000"})", error_code::unknown_type,
                  std::string("ping\0", 5)},
        // The last `type` wins, whichever spelling it has.
        error_row{"duplicated_type_last_wins", R"({"type":"ping","typ\u0065":"pong"})", error_code::unknown_type,
                  "pong"}),
    row_name{});

INSTANTIATE_TEST_SUITE_P(
    BadRequest, codec_error,
    ::testing::Values(
        error_row{"join_room_missing", R"({"type":"join"})", error_code::bad_request, "join"},
        error_row{"join_room_number", R"({"type":"join","room":42})", error_code::bad_request, "join"},
        error_row{"join_room_null", R"({"type":"join","room":null})", error_code::bad_request, "join"},
        error_row{"join_room_array", R"({"type":"join","room":["demo"]})", error_code::bad_request, "join"},
        error_row{"join_room_object", R"({"type":"join","room":{}})", error_code::bad_request, "join"},
        error_row{"leave_room_missing", R"({"type":"leave"})", error_code::bad_request, "leave"},
        error_row{"leave_room_bool", R"({"type":"leave","room":true})", error_code::bad_request, "leave"},
        error_row{"message_room_missing", R"({"type":"message","data":1})", error_code::bad_request, "message"},
        error_row{"message_room_number", R"({"type":"message","room":1,"data":1})", error_code::bad_request,
                  "message"},
        error_row{"message_data_missing", R"({"type":"message","room":"demo"})", error_code::bad_request,
                  "message"},
        error_row{"message_to_number", R"({"type":"message","room":"demo","data":1,"to":7})",
                  error_code::bad_request, "message"},
        error_row{"message_to_null", R"({"type":"message","room":"demo","data":1,"to":null})",
                  error_code::bad_request, "message"},
        error_row{"message_to_object", R"({"type":"message","room":"demo","data":1,"to":{"id":"a"}})",
                  error_code::bad_request, "message"},
        // bad_request is checked before the room-name rule.
        error_row{"message_data_missing_before_invalid_room", R"({"type":"message","room":"a b"})",
                  error_code::bad_request, "message"},
        error_row{"message_to_not_string_before_invalid_room",
                  R"({"type":"message","room":"a/b","data":1,"to":1})", error_code::bad_request, "message"}),
    row_name{});

INSTANTIATE_TEST_SUITE_P(
    InvalidRoom, codec_error,
    ::testing::Values(
        error_row{"join_empty", R"({"type":"join","room":""})", error_code::invalid_room, "join"},
        error_row{"join_65_chars", R"({"type":"join","room":")" + room_65 + R"("})", error_code::invalid_room,
                  "join"},
        error_row{"join_space", R"({"type":"join","room":"my room"})", error_code::invalid_room, "join"},
        error_row{"join_slash", R"({"type":"join","room":"a/b"})", error_code::invalid_room, "join"},
        error_row{"join_unicode", R"({"type":"join","room":"caf\u00e9"})", error_code::invalid_room, "join"},
        error_row{"join_raw_unicode", R"({"type":"join","room":"café"})", error_code::invalid_room, "join"},
        error_row{"join_percent", R"({"type":"join","room":"a%20b"})", error_code::invalid_room, "join"},
        error_row{"join_nul", R"({"type":"join","room":"a\u0000b"})", error_code::invalid_room, "join"},
        error_row{"leave_slash", R"({"type":"leave","room":"../x"})", error_code::invalid_room, "leave"},
        error_row{"leave_empty", R"({"type":"leave","room":""})", error_code::invalid_room, "leave"},
        error_row{"message_space", R"({"type":"message","room":"a b","data":1})", error_code::invalid_room,
                  "message"},
        error_row{"message_with_to_65_chars", R"({"type":"message","room":")" + room_65 + R"(","data":1,"to":"x"})",
                  error_code::invalid_room, "message"},
        error_row{"join_escaped_65_chars", R"({"type":"join","room":")" + escaped(room_65) + R"("})",
                  error_code::invalid_room, "join"},
        error_row{"join_escaped_slash", R"({"type":"join","room":"a\/b"})", error_code::invalid_room, "join"},
        error_row{"leave_escaped_surrogate_pair", R"({"type":"leave","room":"a\ud83d\ude00"})",
                  error_code::invalid_room, "leave"}),
    row_name{});

// ---------------------------------------------------------------------------------------
// `data` is relayed as the sender wrote it (rule 5): the codec keeps its exact text.

struct data_row {
    char const* name;
    std::string text;
    std::string data;
};

void PrintTo(data_row const& row, std::ostream* os) {
    *os << row.name << ": " << row.text;
}

class codec_data : public ::testing::TestWithParam<data_row> {};

TEST_P(codec_data, KeepsTheSendersExactText) {
    auto const& row = GetParam();
    auto const result = parse_client_message(row.text);
    ASSERT_TRUE(result) << "refused with " << wire_name(result.error.code) << ": " << result.error.message;
    auto const* relay = std::get_if<relay_request>(&*result.message);
    ASSERT_NE(relay, nullptr);
    EXPECT_EQ(relay->room, "r");
    EXPECT_EQ(relay->data, row.data);
}

INSTANTIATE_TEST_SUITE_P(
    Rows, codec_data,
    ::testing::Values(
        data_row{"object_key_order", R"({"type":"message","room":"r","data":{"b":1,"a":2}})", R"({"b":1,"a":2})"},
        data_row{"object_inner_spacing", R"({"type":"message","room":"r","data":{ "b" : 1 ,  "a":[ 1, 2 ] }})",
                 R"({ "b" : 1 ,  "a":[ 1, 2 ] })"},
        data_row{"number_exponent", R"({"type":"message","room":"r","data":1e2})", "1e2"},
        data_row{"number_spellings", R"({"type":"message","room":"r","data":[1.50,-0,1E+2,0.1e-3]})",
                 "[1.50,-0,1E+2,0.1e-3]"},
        data_row{"big_integer", R"({"type":"message","room":"r","data":123456789012345678901234567890})",
                 "123456789012345678901234567890"},
        data_row{"string_with_escapes", R"({"type":"message","room":"r","data":"caf\u00e9 \"q\" \\ \/ \n"})",
                 R"("caf\u00e9 \"q\" \\ \/ \n")"},
        data_row{"string_with_braces", R"({"type":"message","room":"r","data":"}{][,:"})", R"("}{][,:")"},
        data_row{"array", R"({"type":"message","room":"r","data":[1, "two", {"3":null}]})",
                 R"([1, "two", {"3":null}])"},
        data_row{"null", R"({"type":"message","room":"r","data":null})", "null"},
        data_row{"true", R"({"type":"message","room":"r","data":true})", "true"},
        data_row{"empty_object", R"({"type":"message","room":"r","data":{}})", "{}"},
        data_row{"nested",
                 R"({"type":"message","room":"r","data":{"sdp":{"type":"offer","lines":["a=1","b={2}"]},"n":[[[]]]}})",
                 R"({"sdp":{"type":"offer","lines":["a=1","b={2}"]},"n":[[[]]]})"},
        data_row{"nested_data_key", R"({"type":"message","room":"r","data":{"data":1,"type":"x"}})",
                 R"({"data":1,"type":"x"})"},
        data_row{"data_first", R"({"data":{"z":0},"type":"message","room":"r"})", R"({"z":0})"},
        data_row{"spaces_around_value", "{\"type\":\"message\",\"room\":\"r\",\"data\" :  \t{\"a\" :1}  \n}",
                 R"({"a" :1})"},
        data_row{"data_text_inside_another_string",
                 R"({"type":"message","note":"\"data\":2","room":"r","data":3})", "3"},
        data_row{"duplicated_data_last_wins", R"({"type":"message","room":"r","data":1,"data":{"x":2}})",
                 R"({"x":2})"},
        data_row{"duplicated_data_first_is_object",
                 R"({"type":"message","room":"r","data":{"data":0},"to":"p","data":"last"})", R"("last")"},
        data_row{"escaped_key_name", R"({"type":"message","room":"r","d\u0061ta":1e2})", "1e2"},
        // Underflow is not overflow: nlohmann reads 1e-999 as 0 and accepts it.
        data_row{"number_underflow", R"({"type":"message","room":"r","data":[1e-999,-1e-999]})", "[1e-999,-1e-999]"},
        data_row{"largest_double", R"({"type":"message","room":"r","data":1.7976931348623157e308})",
                 "1.7976931348623157e308"},
        // RFC 8259 lets a parser accept a leading byte order mark, and nlohmann does:
        // the frame is accepted, so its data must still be the sender's text.
        data_row{"byte_order_mark", "\xEF\xBB\xBF" R"({"type":"message","room":"r","data":1e2})", "1e2"}),
    row_name{});

// ---------------------------------------------------------------------------------------
// Where the views point, and how long they stay valid.

/// Whether `view` lies inside `text`.
bool points_into(std::string_view view, std::string const& text) {
    return view.data() >= text.data() && view.data() + view.size() <= text.data() + text.size();
}

TEST(codec_views, PlainStringsPointIntoTheFrame) {
    std::string const text = R"({"type":"message","room":"demo","to":"Q9x","data":{"sdp":"v=0"}})";
    auto const result = parse_client_message(text);
    ASSERT_TRUE(result);
    auto const& relay = std::get<relay_request>(*result.message);
    EXPECT_TRUE(points_into(relay.room, text));
    EXPECT_TRUE(points_into(relay.data, text));
    ASSERT_TRUE(relay.to.has_value());
    EXPECT_TRUE(points_into(*relay.to, text));
    EXPECT_EQ(result.decoded, nullptr);
}

TEST(codec_views, DecodedStringsSurviveMovesAndCopies) {
    std::string const text = R"({"type":"message","room":"d\u0065mo","to":"Q\u0039x_\u00e9","data":"x"})";
    std::optional<parse_result> original(parse_client_message(text));
    ASSERT_TRUE(*original);
    EXPECT_NE(original->decoded, nullptr);
    auto const& first = std::get<relay_request>(*original->message);
    EXPECT_FALSE(points_into(first.room, text));
    EXPECT_TRUE(points_into(first.data, text));

    parse_result moved = std::move(*original);
    original.reset();  // the result the views were made in is gone
    parse_result const copy = moved;
    {
        parse_result const sink = std::move(moved);  // and so is the moved-to one
    }
    auto const& relay = std::get<relay_request>(*copy.message);
    EXPECT_EQ(relay.room, "demo");
    EXPECT_EQ(relay.to, std::optional<std::string_view>("Q9x_\xc3\xa9"));
    EXPECT_EQ(relay.data, R"("x")");
}

TEST(codec_views, EscapedRoomOfAJoinSurvivesAMove) {
    std::string const text = R"({"type":"join","room":"\u0061b"})";
    auto result = parse_client_message(text);
    parse_result const moved = std::move(result);
    ASSERT_TRUE(moved);
    EXPECT_EQ(std::get<join_request>(*moved.message).room, "ab");
}

// ---------------------------------------------------------------------------------------
// The codec against a reference built on nlohmann (the codec as it was before the
// scanner): the same verdict, code, `ref` and fields for every frame, whatever the
// spelling of the keys and values.

struct reference_outcome {
    std::optional<error_code> code;  // empty: accepted
    std::string ref;
    std::size_t kind = 0;
    std::string room;
    nlohmann::json data;
    std::optional<std::string> to;  // a message's `to`, or a join's `token`
};

reference_outcome reference_parse(std::string const& text) {
    auto const refused = [](error_code code, std::string ref = {}) {
        return reference_outcome{code, ref.substr(0, 64), 0, {}, {}, {}};
    };
    auto const j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("type") || !j["type"].is_string()) {
        return refused(error_code::bad_json);
    }
    auto const type = j["type"].get<std::string>();
    if (type == "ping") {
        return reference_outcome{std::nullopt, {}, static_cast<std::size_t>(kind::ping), {}, {}, {}};
    }
    if (type != "join" && type != "leave" && type != "message") {
        return refused(error_code::unknown_type, type);
    }
    reference_outcome out{std::nullopt, {}, 0, {}, {}, {}};
    if (type == "message") {
        if (!j.contains("data")) {
            return refused(error_code::bad_request, type);
        }
        if (j.contains("to") && !j["to"].is_string()) {
            return refused(error_code::bad_request, type);
        }
        out.kind = static_cast<std::size_t>(kind::relay);
        out.data = j["data"];
        if (j.contains("to")) {
            out.to = j["to"].get<std::string>();
        }
    } else {
        out.kind = static_cast<std::size_t>(type == "join" ? kind::join : kind::leave);
        // Rule 14: a join's token, when present, is a string.
        if (type == "join" && j.contains("token")) {
            if (!j["token"].is_string()) {
                return refused(error_code::bad_request, type);
            }
            out.to = j["token"].get<std::string>();
        }
        // Rule 12: so is its resume.
        if (type == "join" && j.contains("resume") && !j["resume"].is_string()) {
            return refused(error_code::bad_request, type);
        }
    }
    if (!j.contains("room") || !j["room"].is_string()) {
        return refused(error_code::bad_request, type);
    }
    out.room = j["room"].get<std::string>();
    if (!is_valid_room_name(out.room)) {
        return refused(error_code::invalid_room, type);
    }
    return out;
}

void expect_same_as_reference(std::string const& text) {
    auto const expected = reference_parse(text);
    auto const result = parse_client_message(text);
    ASSERT_EQ(result.message.has_value(), !expected.code.has_value()) << text;
    if (expected.code) {
        EXPECT_EQ(wire_name(result.error.code), wire_name(*expected.code)) << text;
        EXPECT_EQ(result.error.ref, expected.ref) << text;
        return;
    }
    ASSERT_EQ(result.message->index(), expected.kind) << text;
    std::visit(
        [&](auto const& request) {
            using request_type = std::decay_t<decltype(request)>;
            if constexpr (std::is_same_v<request_type, relay_request>) {
                EXPECT_EQ(request.room, expected.room) << text;
                EXPECT_EQ(nlohmann::json::parse(request.data), expected.data) << text;
                EXPECT_EQ(request.to, expected.to) << text;
            } else if constexpr (std::is_same_v<request_type, join_request>) {
                EXPECT_EQ(request.room, expected.room) << text;
                EXPECT_EQ(request.token, expected.to) << text;  // the oracle keeps a join's token in `to`
            } else if constexpr (!std::is_same_v<request_type, ping_request>) {
                EXPECT_EQ(request.room, expected.room) << text;
            }
        },
        *result.message);
}

TEST(codec_vs_reference, RandomFramesGetTheSameAnswer) {
    std::vector<std::string> const keys{
        "type", "\\u0074ype", "typ\\u0065", "room", "r\\u006fom", "to", "t\\u006f", "data", "d\\u0061ta",
        "token", "resume", "typ", "Room", "\\/", "\\/\\/\\/\\/\\/\\/\\/\\/", "x"};
    std::vector<std::string> const values{
        R"("join")", R"("j\u006fin")", R"("leave")", R"("message")", R"("m\u0065ssage")", R"("ping")",
        R"("pong")", R"("demo")", R"("d\u0065mo")", R"("a b")", R"("")", R"("a\/b")", R"("Q9x")",
        "\"" + std::string(65, 'r') + "\"", "1", "null", "[1,{\"type\":\"join\"}]", R"({"room":"x"})",
        "1e999", "1e-999", "-0.5E+3", R"("\ud83d\ude00")"};
    std::mt19937 random(5);
    auto const pick = [&random](std::vector<std::string> const& pool) -> std::string const& {
        return pool[std::uniform_int_distribution<std::size_t>(0, pool.size() - 1)(random)];
    };
    for (int n = 0; n < 20000; ++n) {
        std::string text = "{";
        int const members = std::uniform_int_distribution<int>(0, 6)(random);
        for (int m = 0; m < members; ++m) {
            text += (m == 0 ? "\"" : ",\"") + pick(keys) + "\":" + pick(values);
        }
        text += "}";
        expect_same_as_reference(text);
    }
}

}  // namespace
}  // namespace duet::protocol
