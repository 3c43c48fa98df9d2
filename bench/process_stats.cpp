#include "process_stats.hpp"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>
#include <string_view>

namespace duet::bench {
namespace {

std::optional<std::string> read_file(std::string const& path) {
    std::ifstream in(path);
    if (!in) {
        return std::nullopt;
    }
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::uint64_t leading_number(std::string_view text) {
    auto const start = text.find_first_not_of(" \t");
    if (start == std::string_view::npos) {
        return 0;
    }
    std::uint64_t value = 0;
    std::from_chars(text.data() + start, text.data() + text.size(), value);
    return value;
}

std::string trimmed(std::string_view text) {
    auto const start = text.find_first_not_of(" \t");
    auto const end = text.find_last_not_of(" \t\r\n");
    return start == std::string_view::npos ? std::string() : std::string(text.substr(start, end - start + 1));
}

std::optional<memory_sample> parse_status(std::string const& text) {
    memory_sample sample;
    bool seen_rss = false;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        auto const colon = line.find(':');
        if (colon == std::string::npos) {
            continue;
        }
        std::string_view const key(line.data(), colon);
        std::string_view const value(line.data() + colon + 1, line.size() - colon - 1);
        if (key == "VmRSS") {
            sample.rss_kib = leading_number(value);
            seen_rss = true;
        } else if (key == "VmHWM") {
            sample.hwm_kib = leading_number(value);
        } else if (key == "Threads") {
            sample.threads = static_cast<unsigned>(leading_number(value));
        } else if (key == "Cpus_allowed_list") {
            sample.cpus_allowed = trimmed(value);
        }
    }
    return seen_rss ? std::optional(sample) : std::nullopt;
}

}  // namespace

std::optional<memory_sample> read_memory(int pid) {
    if (pid <= 0) {
        return std::nullopt;
    }
    auto const text = read_file("/proc/" + std::to_string(pid) + "/status");
    return text ? parse_status(*text) : std::nullopt;
}

std::optional<cpu_times> read_cpu_times(int pid) {
    if (pid <= 0) {
        return std::nullopt;
    }
    auto const text = read_file("/proc/" + std::to_string(pid) + "/stat");
    if (!text) {
        return std::nullopt;
    }
    // Field 2 (comm) is in parentheses and may hold spaces: count fields after the last ')'.
    auto const paren = text->rfind(')');
    if (paren == std::string::npos) {
        return std::nullopt;
    }
    std::istringstream fields(text->substr(paren + 1));
    std::string field;
    std::uint64_t utime = 0;
    std::uint64_t stime = 0;
    // After ')' come field 3 (state) onwards: utime is field 14, stime field 15.
    for (int index = 3; index <= 15 && fields >> field; ++index) {
        if (index == 14) {
            utime = leading_number(field);
        } else if (index == 15) {
            stime = leading_number(field);
        }
    }
    if (!fields) {
        return std::nullopt;
    }
    auto const ticks = static_cast<double>(std::max(::sysconf(_SC_CLK_TCK), 1L));
    return cpu_times{static_cast<double>(utime) / ticks, static_cast<double>(stime) / ticks};
}

group_cpu_times operator-(group_cpu_times const& a, group_cpu_times const& b) {
    group_cpu_times out{a.total - b.total, {}};
    for (std::size_t i = 0; i < a.each.size() && i < b.each.size(); ++i) {
        out.each.push_back(a.each[i] - b.each[i]);
    }
    return out;
}

std::optional<group_cpu_times> read_cpu_times(std::vector<int> const& pids) {
    if (pids.empty()) {
        return std::nullopt;
    }
    group_cpu_times out;
    for (auto const pid : pids) {
        auto const one = read_cpu_times(pid);
        if (!one) {
            return std::nullopt;
        }
        out.total.user += one->user;
        out.total.system += one->system;
        out.each.push_back(*one);
    }
    return out;
}

std::string process_name(int pid) {
    auto const text = pid > 0 ? read_file("/proc/" + std::to_string(pid) + "/comm") : std::nullopt;
    return text ? trimmed(*text) : std::string();
}

std::vector<double> read_loadavg() {
    std::vector<double> out;
    if (auto const text = read_file("/proc/loadavg")) {
        std::istringstream fields(*text);
        double value = 0;
        while (out.size() < 3 && fields >> value) {
            out.push_back(value);
        }
    }
    return out;
}

std::string own_cpus_allowed() {
    auto const text = read_file("/proc/self/status");
    if (!text) {
        return {};
    }
    auto const sample = parse_status(*text);
    return sample ? sample->cpus_allowed : std::string();
}

}  // namespace duet::bench
