#include <duet/redis/reply.hpp>

#include <ostream>

namespace duet::redis {

reply reply::integer(std::int64_t value) {
    reply r;
    r.kind_ = kind::integer;
    r.integer_ = value;
    return r;
}

reply reply::status(std::string text) {
    reply r;
    r.kind_ = kind::status;
    r.text_ = std::move(text);
    return r;
}

reply reply::error(std::string text) {
    reply r;
    r.kind_ = kind::error;
    r.text_ = std::move(text);
    return r;
}

reply reply::string(std::string bytes) {
    reply r;
    r.kind_ = kind::string;
    r.text_ = std::move(bytes);
    return r;
}

reply reply::array(std::vector<reply> elements) {
    reply r;
    r.kind_ = kind::array;
    r.elements_ = std::move(elements);
    return r;
}

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
