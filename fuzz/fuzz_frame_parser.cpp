// Differential fuzzing of the client frame parser against nlohmann::json, the reference
// the hand-written scanner promises to agree with (json_scan.hpp). For every input the
// verdict that nlohmann's tree implies, per docs/protocol.md "The order in which a
// request is checked" (bad_json, unknown_type, bad_request, invalid_room), must be the
// parser's; an accepted request must carry nlohmann's decoded room and to, and a `data`
// text that nlohmann parses to the very value it found in the whole frame. Refusals and
// relays are also encoded as the session would, and must stay valid JSON. Each input is
// checked twice: as a frame, and spliced in as the `data` of a relay frame.
//
// One exception to "what nlohmann accepts": its lexer reads a NUL byte as the end of the
// input, so it accepts `{"type":"ping"}` followed by a NUL and anything at all. RFC 8259
// allows a NUL nowhere outside a \u escape, so such a frame is not JSON and must get
// bad_json (the protocol's rule); the scanner agrees with the RFC.
//
// Written against the request types' public members only, through std::string_view
// conversions, so it builds whether they are std::string or std::string_view.

#include <duet/protocol/codec.hpp>
#include <duet/protocol/server_message.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

namespace {

using nlohmann::json;
using duet::protocol::error_code;

/// What nlohmann's reading of the frame says the parser must answer.
struct expectation {
    std::optional<error_code> refusal;  // nothing: accepted
    std::string type;
    json const* room = nullptr;
    json const* data = nullptr;
    json const* to = nullptr;
    json const* token = nullptr;  // a join's (rule 14)
};

/// The room-name rule of docs/protocol.md, written out again rather than borrowed from
/// the code under test: 1 to 64 of A-Z a-z 0-9 _ . ~ -.
bool is_room_name(std::string const& name) {
    if (name.empty() || name.size() > 64) {
        return false;
    }
    for (char const c : name) {
        bool const ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
                        c == '.' || c == '~' || c == '-';
        if (!ok) {
            return false;
        }
    }
    return true;
}

json const* member(json const& object, char const* key) {
    auto const it = object.find(key);
    return it == object.end() ? nullptr : &*it;
}

expectation expect_from(json const& frame, std::string_view input) {
    expectation e;
    bool const has_nul = input.find('\0') != std::string_view::npos;
    if (frame.is_discarded() || !frame.is_object() || has_nul) {
        e.refusal = error_code::bad_json;
        return e;
    }
    auto const* type = member(frame, "type");
    if (type == nullptr || !type->is_string()) {
        e.refusal = error_code::bad_json;
        return e;
    }
    e.type = type->get<std::string>();
    if (e.type != "join" && e.type != "leave" && e.type != "message" && e.type != "ping") {
        e.refusal = error_code::unknown_type;
        return e;
    }
    if (e.type == "ping") {
        return e;
    }
    e.room = member(frame, "room");
    if (e.type == "message") {
        e.data = member(frame, "data");
        e.to = member(frame, "to");
        if (e.data == nullptr || (e.to != nullptr && !e.to->is_string())) {
            e.refusal = error_code::bad_request;
            return e;
        }
    }
    if (e.type == "join") {
        e.token = member(frame, "token");
        if (e.token != nullptr && !e.token->is_string()) {
            e.refusal = error_code::bad_request;
            return e;
        }
    }
    if (e.room == nullptr || !e.room->is_string()) {
        e.refusal = error_code::bad_request;
        return e;
    }
    if (!is_room_name(e.room->get<std::string>())) {
        e.refusal = error_code::invalid_room;
    }
    return e;
}

std::string printable(std::string_view bytes) {
    std::string out;
    for (char const ch : bytes.substr(0, 4096)) {
        auto const c = static_cast<unsigned char>(ch);
        if (c >= 0x20 && c < 0x7f && c != '\\') {
            out += static_cast<char>(c);
        } else {
            char hex[8];
            std::snprintf(hex, sizeof hex, "\\x%02x", c);
            out += hex;
        }
    }
    if (bytes.size() > 4096) {
        out += "...(" + std::to_string(bytes.size()) + " bytes)";
    }
    return out;
}

std::string dump(json const& j) {
    return j.is_discarded() ? "<not JSON>" : j.dump(-1, ' ', false, json::error_handler_t::replace);
}

/// A std::string from a member that is a std::string or a std::string_view.
template <class Text>
std::string text_of(Text const& t) {
    return std::string(std::string_view(t));
}

[[noreturn]] void disagree(std::string_view what, std::string_view input, json const& reference,
                           duet::protocol::parse_result const& result, std::string_view detail = {}) {
    std::fprintf(stderr, "\n=== fuzz_frame_parser: DISAGREEMENT: %.*s\n", static_cast<int>(what.size()), what.data());
    std::fprintf(stderr, "input    (%zu bytes): %s\n", input.size(), printable(input).c_str());
    std::fprintf(stderr, "nlohmann: %s\n", printable(dump(reference)).c_str());
    if (result) {
        std::fprintf(stderr, "parser  : accepted (alternative %zu)\n", result.message->index());
    } else {
        auto const code = duet::protocol::wire_name(result.error.code);
        std::fprintf(stderr, "parser  : %.*s (%s) ref='%s'\n", static_cast<int>(code.size()), code.data(),
                     text_of(result.error.message).c_str(), printable(text_of(result.error.ref)).c_str());
    }
    if (!detail.empty()) {
        std::fprintf(stderr, "detail  : %s\n", printable(detail).c_str());
    }
    std::abort();
}

/// Checks one frame against the reference; aborts on any disagreement.
void check_frame(std::string_view input) {
    auto const result = duet::protocol::parse_client_message(input);
    json const reference = json::parse(input.data(), input.data() + input.size(), nullptr, false);
    auto const want = expect_from(reference, input);

    if (want.refusal) {
        if (result) {
            disagree("the parser accepted what nlohmann refuses", input, reference, result);
        }
        if (result.error.code != *want.refusal) {
            auto const name = duet::protocol::wire_name(*want.refusal);
            disagree("wrong refusal", input, reference, result, "expected " + std::string(name));
        }
        // What the session sends back must be JSON whatever the client wrote.
        auto const reply = json::parse(duet::protocol::encode_error(result.error), nullptr, false);
        if (reply.is_discarded() || reply.value("code", "") != duet::protocol::wire_name(result.error.code)) {
            disagree("the error reply is not valid JSON", input, reference, result, dump(reply));
        }
        return;
    }
    if (!result) {
        disagree("the parser refused what nlohmann accepts", input, reference, result);
    }

    std::visit(
        [&](auto const& request) {
            using request_type = std::decay_t<decltype(request)>;
            using namespace duet::protocol;
            std::string const expected_type = std::is_same_v<request_type, join_request>    ? "join"
                                              : std::is_same_v<request_type, leave_request> ? "leave"
                                              : std::is_same_v<request_type, relay_request> ? "message"
                                                                                            : "ping";
            if (expected_type != want.type) {
                disagree("wrong request type", input, reference, result, "nlohmann's type: " + want.type);
            }
            if constexpr (!std::is_same_v<request_type, ping_request>) {
                auto const room = text_of(request.room);
                if (room != want.room->get<std::string>()) {
                    disagree("room differs", input, reference, result, "parser's room: " + room);
                }
            }
            if constexpr (std::is_same_v<request_type, join_request>) {
                if (request.token.has_value() != (want.token != nullptr)) {
                    disagree("'token' present in one only", input, reference, result);
                }
                if (request.token && text_of(*request.token) != want.token->get<std::string>()) {
                    disagree("'token' differs", input, reference, result, "parser's token: " + text_of(*request.token));
                }
            }
            if constexpr (std::is_same_v<request_type, relay_request>) {
                auto const data_text = text_of(request.data);
                auto const data = json::parse(data_text, nullptr, false);
                if (data.is_discarded() || data != *want.data) {
                    disagree("data differs", input, reference, result, "parser's data text: " + data_text);
                }
                if (request.to.has_value() != (want.to != nullptr)) {
                    disagree("'to' present in one only", input, reference, result);
                }
                if (request.to && text_of(*request.to) != want.to->get<std::string>()) {
                    disagree("'to' differs", input, reference, result, "parser's to: " + text_of(*request.to));
                }
                // Rule 5: the relayed frame splices `data` in as written; it must still
                // be JSON and carry the same value.
                auto const relayed = encode_relay(text_of(request.room), "fuzzpeer", data_text);
                auto const frame = json::parse(relayed, nullptr, false);
                if (frame.is_discarded() || !frame.contains("data") || frame["data"] != *want.data) {
                    disagree("the relayed frame lost data", input, reference, result, relayed);
                }
            }
        },
        *result.message);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* bytes, std::size_t size) {
    std::string_view const input(reinterpret_cast<char const*>(bytes), size);
    check_frame(input);
    // The input again as the `data` of a well-formed relay: most mutations of a whole
    // frame break its outer object, and then both sides say bad_json. Spliced in here,
    // any JSON value on which the two disagree (a number, a string, a nesting) reaches
    // the verdict, and a valid one the data comparison.
    static constexpr std::string_view head = R"({"type":"message","room":"demo","data":)";
    std::string wrapped;
    wrapped.reserve(head.size() + input.size() + 1);
    wrapped.append(head).append(input).append("}");
    check_frame(wrapped);
    return 0;
}
