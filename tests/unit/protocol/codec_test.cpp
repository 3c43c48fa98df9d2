#include <duet/protocol/codec.hpp>

#include <gtest/gtest.h>

#include <cstddef>
#include <optional>
#include <ostream>
#include <string>
#include <variant>

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
                  "", "", std::nullopt}),
    row_name{});

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
        error_row{"bad_json_before_bad_request", R"({"room":5})", error_code::bad_json, ""}),
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
                  std::string(64, 't')}),
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
                  error_code::invalid_room, "message"}),
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
        // RFC 8259 lets a parser accept a leading byte order mark, and nlohmann does:
        // the frame is accepted, so its data must still be the sender's text.
        data_row{"byte_order_mark", "\xEF\xBB\xBF" R"({"type":"message","room":"r","data":1e2})", "1e2"}),
    row_name{});

}  // namespace
}  // namespace duet::protocol
