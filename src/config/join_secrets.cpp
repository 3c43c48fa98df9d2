#include <duet/config/join_secrets.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>

namespace duet::config {
namespace {

constexpr std::size_t max_kid_length = 64;
// RFC 7518 section 3.2: an HS256 key is at least as long as the hash output.
constexpr std::size_t min_secret_length = 32;

bool is_kid(std::string_view text) {
    return !text.empty() && text.size() <= max_kid_length &&
           std::all_of(text.begin(), text.end(), [](char c) {
               return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                      c == '.' || c == '-';
           });
}

std::string_view trimmed(std::string_view text) {
    auto const first = text.find_first_not_of(" \t\r");
    if (first == std::string_view::npos) {
        return {};
    }
    auto const last = text.find_last_not_of(" \t\r");
    return text.substr(first, last - first + 1);
}

}  // namespace

join_secret split_join_secret(std::string_view entry) {
    auto const equals = entry.find('=');
    if (equals != std::string_view::npos && equals + 1 < entry.size() && is_kid(entry.substr(0, equals))) {
        return {std::string(entry.substr(0, equals)), std::string(entry.substr(equals + 1))};
    }
    return {{}, std::string(entry)};
}

std::vector<join_secret> split_join_secrets(std::vector<std::string> const& entries) {
    std::vector<join_secret> out;
    out.reserve(entries.size());
    for (auto const& entry : entries) {
        out.push_back(split_join_secret(entry));
    }
    return out;
}

secrets_file read_join_secrets_file(std::string const& path) {
    secrets_file out;
    struct ::stat info {};
    if (::stat(path.c_str(), &info) != 0) {
        out.errors.push_back("join_secrets_file: cannot read '" + path + "': " + std::strerror(errno));
        return out;
    }
    if ((info.st_mode & (S_IROTH | S_IWOTH)) != 0) {
        out.errors.push_back("join_secrets_file: '" + path +
                             "' is readable or writable by every user; make it private (chmod 600, or 640 "
                             "with duetd's group)");
        return out;
    }
    std::ifstream file(path);
    if (!file) {
        out.errors.push_back("join_secrets_file: cannot read '" + path + "'");
        return out;
    }
    std::string line;
    while (std::getline(file, line)) {
        auto const entry = trimmed(line);
        if (entry.empty() || entry.front() == '#') {
            continue;
        }
        out.entries.emplace_back(entry);
    }
    if (file.bad()) {
        out.errors.push_back("join_secrets_file: cannot read '" + path + "'");
    }
    return out;
}

std::vector<std::string> check_join_secrets(std::vector<join_secret> const& secrets) {
    std::vector<std::string> errors;
    std::set<std::string> names;
    for (auto const& s : secrets) {
        // Name the secret by its kid, or by its place: never by its text.
        std::string const which = s.kid.empty() ? "a secret without a name" : "secret '" + s.kid + "'";
        if (s.secret.size() < min_secret_length) {
            errors.push_back("join_secrets: " + which + " is shorter than " + std::to_string(min_secret_length) +
                             " characters (make one with: openssl rand -hex 32)");
        }
        if (!s.kid.empty() && !names.insert(s.kid).second) {
            errors.push_back("join_secrets: the name '" + s.kid + "' is used twice");
        }
    }
    return errors;
}

std::string join_secret_names(std::vector<join_secret> const& secrets) {
    std::string out;
    for (auto const& s : secrets) {
        out += (out.empty() ? "" : ", ") + (s.kid.empty() ? std::string("(unnamed)") : s.kid);
    }
    return out;
}

}  // namespace duet::config
