#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace duet::redis {

/// One Redis reply as an owned C++ value, copied out of hiredis's redisReply inside its
/// callback so that no hiredis pointer outlives it. An error reply (-ERR, -WRONGTYPE,
/// -NOSCRIPT...) is a reply like any other: the command reached the server and was
/// answered. A pure value.
class reply {
public:
    enum class kind { nil, integer, status, error, string, array };

    reply() = default;  // nil
    static reply integer(std::int64_t value);
    static reply status(std::string text);
    static reply error(std::string text);
    static reply string(std::string bytes);
    static reply array(std::vector<reply> elements);

    kind type() const noexcept { return kind_; }
    bool is_nil() const noexcept { return kind_ == kind::nil; }
    bool is_error() const noexcept { return kind_ == kind::error; }

    /// The value of an integer reply (0 for any other kind).
    std::int64_t as_integer() const noexcept { return integer_; }
    /// The bytes of a string, the text of a status or an error (empty for the others).
    std::string const& text() const& noexcept { return text_; }
    /// The elements of an array (empty for the others).
    std::vector<reply> const& elements() const& noexcept { return elements_; }
    /// The same, taken out of a reply that is about to go (a relayed frame is then not
    /// copied once more).
    std::string&& text() && noexcept { return std::move(text_); }
    std::vector<reply>&& elements() && noexcept { return std::move(elements_); }

    /// For error replies: whether the text starts with `prefix` ("NOSCRIPT", "WRONGPASS").
    bool is_error(std::string_view prefix) const noexcept;

    friend bool operator==(reply const&, reply const&) = default;

private:
    // What the named constructors share; each fills the one member its kind uses.
    reply(kind k, std::int64_t value, std::string text, std::vector<reply> elements);

    kind kind_ = kind::nil;
    std::int64_t integer_ = 0;
    std::string text_;
    std::vector<reply> elements_;
};

/// Like redis-cli: (nil), (integer) 5, OK, (error) ERR ..., "bytes", [a, b].
std::string to_string(reply const& r);
std::ostream& operator<<(std::ostream& out, reply const& r);

}  // namespace duet::redis
