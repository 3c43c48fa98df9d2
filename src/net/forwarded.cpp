#include <duet/net/forwarded.hpp>

#include <algorithm>
#include <cctype>
#include <string>

namespace duet::net {
namespace {

std::string_view trim(std::string_view text) {
    auto const blank = [](char c) { return c == ' ' || c == '\t'; };
    while (!text.empty() && blank(text.front())) {
        text.remove_prefix(1);
    }
    while (!text.empty() && blank(text.back())) {
        text.remove_suffix(1);
    }
    return text;
}

forwarded_hop address_of(std::string_view text) {
    if (text.empty() || text.size() > 64 || text.find('%') != std::string_view::npos) {
        return std::nullopt;  // longer than any address with a port, or with a scope: not a client's
    }
    error_code ec;
    auto address = asio::ip::make_address(std::string(text), ec);
    if (ec) {
        return std::nullopt;
    }
    return address;
}

bool is_port(std::string_view text) {
    return !text.empty() && text.size() <= 5 &&
           std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

/// Splits `text` at each `separator` outside a quoted string, calling `take` with each
/// part; false when a quoted string does not end.
template <class Take>
bool split_outside_quotes(std::string_view text, char separator, Take&& take) {
    bool quoted = false;
    std::size_t start = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char const c = text[i];
        if (quoted && c == '\\') {
            ++i;
        } else if (c == '"') {
            quoted = !quoted;
        } else if (c == separator && !quoted) {
            take(text.substr(start, i - start));
            start = i + 1;
        }
    }
    if (quoted) {
        return false;
    }
    take(text.substr(start));
    return true;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

/// The `for=` node of one Forwarded element, unquoted; nothing when absent or malformed.
forwarded_hop for_node(std::string_view element) {
    forwarded_hop hop;
    bool malformed = false;
    bool ok = split_outside_quotes(element, ';', [&](std::string_view pair) {
        pair = trim(pair);
        auto const equals = pair.find('=');
        if (equals == std::string_view::npos) {
            malformed = true;
            return;
        }
        if (!iequals(trim(pair.substr(0, equals)), "for")) {
            return;
        }
        auto value = trim(pair.substr(equals + 1));
        std::string unquoted;
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
            for (std::size_t i = 1; i + 1 < value.size(); ++i) {
                if (value[i] == '\\' && i + 2 < value.size()) {
                    ++i;
                }
                unquoted += value[i];
            }
            value = unquoted;
        }
        hop = parse_forwarded_node(value);
    });
    if (!ok || malformed) {
        return std::nullopt;
    }
    return hop;
}

}  // namespace

forwarded_hop parse_forwarded_node(std::string_view text) {
    text = trim(text);
    if (auto plain = address_of(text)) {
        return plain;  // 192.0.2.1, or a bare IPv6 address (whose colons are not a port)
    }
    if (!text.empty() && text.front() == '[') {
        auto const close = text.find(']');
        if (close == std::string_view::npos) {
            return std::nullopt;
        }
        auto const rest = text.substr(close + 1);
        if (!rest.empty() && !(rest.front() == ':' && is_port(rest.substr(1)))) {
            return std::nullopt;
        }
        auto inside = address_of(text.substr(1, close - 1));
        return inside && inside->is_v6() ? inside : std::nullopt;
    }
    auto const colon = text.rfind(':');
    if (colon != std::string_view::npos && is_port(text.substr(colon + 1))) {
        auto inside = address_of(text.substr(0, colon));
        return inside && inside->is_v4() ? inside : std::nullopt;  // IPv6 with a port needs brackets
    }
    return std::nullopt;
}

std::vector<forwarded_hop> x_forwarded_for_hops(std::vector<std::string_view> const& lines) {
    std::vector<forwarded_hop> hops;
    for (auto const line : lines) {
        std::size_t start = 0;
        while (true) {
            auto const comma = line.find(',', start);
            hops.push_back(parse_forwarded_node(line.substr(start, comma - start)));
            if (comma == std::string_view::npos) {
                break;
            }
            start = comma + 1;
        }
    }
    return hops;
}

std::vector<forwarded_hop> forwarded_for_hops(std::vector<std::string_view> const& lines) {
    std::vector<forwarded_hop> hops;
    for (auto const line : lines) {
        bool const ok = split_outside_quotes(line, ',', [&](std::string_view element) { hops.push_back(for_node(element)); });
        if (!ok) {
            // An unterminated quote: where its elements end is unknowable, so the line's
            // last hop is not an address and the walk stops there.
            hops.emplace_back(std::nullopt);
        }
    }
    return hops;
}

client_address resolve_client(asio::ip::address const& peer, proxy_trust const& trusted,
                              std::vector<std::string_view> const& x_forwarded_for,
                              std::vector<std::string_view> const& forwarded) {
    if (!trusted.trusts(peer)) {
        return client_address(peer);
    }
    auto const hops = !x_forwarded_for.empty() ? x_forwarded_for_hops(x_forwarded_for) : forwarded_for_hops(forwarded);
    auto client = peer;
    for (auto hop = hops.rbegin(); hop != hops.rend(); ++hop) {
        if (!hop->has_value()) {
            break;
        }
        client = **hop;
        if (!trusted.trusts(client)) {
            break;
        }
    }
    return client_address(client);
}

}  // namespace duet::net
