#include <duet/redis/reply.hpp>

#include <ostream>
#include <utility>

namespace duet::redis {

reply::reply(kind k, std::int64_t value, std::string text, std::vector<reply> elements)
    : kind_(k), integer_(value), text_(std::move(text)), elements_(std::move(elements)) {}

reply reply::integer(std::int64_t value) { return {kind::integer, value, {}, {}}; }
reply reply::status(std::string text) { return {kind::status, 0, std::move(text), {}}; }
reply reply::error(std::string text) { return {kind::error, 0, std::move(text), {}}; }
reply reply::string(std::string bytes) { return {kind::string, 0, std::move(bytes), {}}; }
reply reply::array(std::vector<reply> elements) { return {kind::array, 0, {}, std::move(elements)}; }

bool reply::is_error(std::string_view prefix) const noexcept {
    return kind_ == kind::error && std::string_view(text_).starts_with(prefix);
}

std::string to_string(reply const& r) {
    switch (r.type()) {
    case reply::kind::nil: return "(nil)";
    case reply::kind::integer: return "(integer) " + std::to_string(r.as_integer());
    case reply::kind::status: return r.text();
    case reply::kind::error: return "(error) " + r.text();
    case reply::kind::string: return '"' + r.text() + '"';
    case reply::kind::array: {
        std::string out = "[";
        for (auto const& element : r.elements()) {
            if (out.size() > 1) out += ", ";
            out += to_string(element);
        }
        return out + "]";
    }
    }
    return "(unknown)";
}

std::ostream& operator<<(std::ostream& out, reply const& r) { return out << to_string(r); }

}  // namespace duet::redis
