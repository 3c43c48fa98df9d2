#include <duet/cluster/inbox_entry.hpp>

#include <charconv>

namespace duet::cluster {
namespace {

std::vector<std::string> split_words(std::string const& text) {
    std::vector<std::string> words;
    std::size_t start = 0;
    while (start < text.size()) {
        auto end = text.find(' ', start);
        if (end == std::string::npos) {
            end = text.size();
        }
        if (end > start) {
            words.push_back(text.substr(start, end - start));
        }
        start = end + 1;
    }
    return words;
}

std::optional<inbox_entry> parse_entry(redis::reply const& r) {
    auto const& parts = r.elements();
    if (r.type() != redis::reply::kind::array || parts.size() != 2 ||
        parts[1].type() != redis::reply::kind::array || parts[1].elements().size() % 2 != 0) {
        return std::nullopt;
    }
    inbox_entry e;
    e.id = parts[0].text();
    auto const& fields = parts[1].elements();
    for (std::size_t i = 0; i + 1 < fields.size(); i += 2) {
        auto const& name = fields[i].text();
        auto const& value = fields[i + 1].text();
        if (name == "to") {
            e.to = value;
        } else if (name == "e") {
            e.event = value.empty() ? 0 : value[0];
        } else if (name == "room") {
            e.room = value;
        } else if (name == "f") {
            e.frame = value;
        } else if (name == "w") {
            e.who = value;
        } else if (name == "st") {
            e.status = value;
        } else if (name == "id") {
            e.seat = value;
        } else if (name == "peers") {
            std::from_chars(value.data(), value.data() + value.size(), e.peers);
        } else if (name == "role") {
            e.role = value;
        } else if (name == "held") {
            e.held = value == "1";
        } else if (name == "others") {
            e.others = split_words(value);
        }
    }
    return e;
}

}  // namespace

std::optional<std::vector<inbox_entry>> parse_inbox(redis::reply const& r) {
    std::vector<inbox_entry> entries;
    if (r.is_nil()) {
        return entries;
    }
    if (r.type() != redis::reply::kind::array || r.elements().size() != 1) {
        return std::nullopt;
    }
    auto const& stream = r.elements()[0].elements();
    if (stream.size() != 2 || stream[1].type() != redis::reply::kind::array) {
        return std::nullopt;
    }
    for (auto const& raw : stream[1].elements()) {
        auto entry = parse_entry(raw);
        if (!entry) {
            return std::nullopt;
        }
        entries.push_back(std::move(*entry));
    }
    return entries;
}

std::string next_stream_id(std::string const& id) {
    auto const dash = id.find('-');
    if (dash == std::string::npos) {
        return id + "-1";
    }
    std::uint64_t seq = 0;
    std::from_chars(id.data() + dash + 1, id.data() + id.size(), seq);
    return id.substr(0, dash) + "-" + std::to_string(seq + 1);
}

}  // namespace duet::cluster
