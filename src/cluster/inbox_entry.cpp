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

// Takes the strings out of `r` (moved, not copied: a relayed frame is the bulk of it).
std::optional<inbox_entry> parse_entry(redis::reply&& r) {
    if (r.type() != redis::reply::kind::array || r.elements().size() != 2) {
        return std::nullopt;
    }
    auto parts = std::move(r).elements();
    if (parts[1].type() != redis::reply::kind::array || parts[1].elements().size() % 2 != 0) {
        return std::nullopt;
    }
    inbox_entry e;
    e.id = std::move(parts[0]).text();
    auto fields = std::move(parts[1]).elements();
    for (std::size_t i = 0; i + 1 < fields.size(); i += 2) {
        auto const& name = fields[i].text();
        auto& value = fields[i + 1];
        if (name == "to") {
            e.to = std::move(value).text();
        } else if (name == "e") {
            e.event = value.text().empty() ? 0 : value.text()[0];
        } else if (name == "room") {
            e.room = std::move(value).text();
        } else if (name == "f") {
            e.frame = std::move(value).text();
        } else if (name == "w") {
            e.who = std::move(value).text();
        } else if (name == "st") {
            e.status = std::move(value).text();
        } else if (name == "id") {
            e.seat = std::move(value).text();
        } else if (name == "peers") {
            auto const& digits = value.text();
            std::from_chars(digits.data(), digits.data() + digits.size(), e.peers);
        } else if (name == "role") {
            e.role = std::move(value).text();
        } else if (name == "held") {
            e.held = value.text() == "1";
        } else if (name == "others") {
            e.others = split_words(value.text());
        }
    }
    return e;
}

}  // namespace

std::optional<std::vector<inbox_entry>> parse_inbox(redis::reply&& r) {
    std::vector<inbox_entry> entries;
    if (r.is_nil()) {
        return entries;
    }
    if (r.type() != redis::reply::kind::array || r.elements().size() != 1) {
        return std::nullopt;
    }
    auto stream = std::move(std::move(r).elements()[0]).elements();
    if (stream.size() != 2 || stream[1].type() != redis::reply::kind::array) {
        return std::nullopt;
    }
    for (auto& raw : std::move(stream[1]).elements()) {
        auto entry = parse_entry(std::move(raw));
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
