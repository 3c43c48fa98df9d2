#include <duet/metrics/process_stats.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>

namespace duet::metrics {
namespace {

/// The next space-separated field of `text` from `pos` (pos moves past it).
std::string_view next_field(std::string_view text, std::size_t& pos) {
    while (pos < text.size() && text[pos] == ' ') {
        ++pos;
    }
    auto const begin = pos;
    while (pos < text.size() && text[pos] != ' ' && text[pos] != '\n') {
        ++pos;
    }
    return text.substr(begin, pos - begin);
}

bool to_number(std::string_view field, std::uint64_t& out) {
    auto const [end, ec] = std::from_chars(field.data(), field.data() + field.size(), out);
    return ec == std::errc{} && end == field.data() + field.size() && !field.empty();
}

std::optional<std::string> read_text(char const* path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return std::nullopt;
    }
    return std::string(std::istreambuf_iterator<char>(in), {});
}

std::uint64_t count_open_fds() {
    std::error_code ec;
    std::uint64_t n = 0;
    for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end; it.increment(ec)) {
        ++n;
    }
    // The listing's own descriptor is among those counted, as in client_golang, which
    // reads the same directory: the figures compare.
    return n;
}

}  // namespace

std::optional<proc_stat_fields> parse_proc_pid_stat(std::string_view text) {
    auto const name_end = text.rfind(')');
    if (name_end == std::string_view::npos || text.find('(') > name_end) {
        return std::nullopt;
    }
    // proc(5) numbers the fields from 1 (pid), 2 (comm), 3 (state): after ')' comes field 3.
    std::size_t pos = name_end + 1;
    proc_stat_fields f;
    bool ok = true;
    for (int field = 3; field <= 24; ++field) {
        auto const value = next_field(text, pos);
        if (value.empty()) {
            return std::nullopt;
        }
        switch (field) {
        case 14: ok = ok && to_number(value, f.utime_ticks); break;
        case 15: ok = ok && to_number(value, f.stime_ticks); break;
        case 22: ok = ok && to_number(value, f.starttime_ticks); break;
        case 23: ok = ok && to_number(value, f.vsize_bytes); break;
        case 24: ok = ok && to_number(value, f.rss_pages); break;
        default: break;
        }
    }
    return ok ? std::optional(f) : std::nullopt;
}

std::optional<std::uint64_t> parse_boot_time(std::string_view proc_stat) {
    constexpr std::string_view key = "btime ";
    for (std::size_t line = 0; line < proc_stat.size();) {
        auto const end = std::min(proc_stat.find('\n', line), proc_stat.size());
        auto const text = proc_stat.substr(line, end - line);
        if (text.starts_with(key)) {
            std::size_t pos = key.size();
            std::uint64_t value = 0;
            return to_number(next_field(text, pos), value) ? std::optional(value) : std::nullopt;
        }
        line = end + 1;
    }
    return std::nullopt;
}

process_stats combine(proc_stat_fields const& f, std::uint64_t boot_time, long ticks_per_second, long page_size) {
    auto const ticks = static_cast<double>(ticks_per_second);
    return {
        .cpu_seconds = static_cast<double>(f.utime_ticks + f.stime_ticks) / ticks,
        .start_time_seconds = static_cast<double>(boot_time) + static_cast<double>(f.starttime_ticks) / ticks,
        .virtual_memory_bytes = f.vsize_bytes,
        .resident_memory_bytes = f.rss_pages * static_cast<std::uint64_t>(page_size),
    };
}

std::optional<process_stats> read_process_stats() {
    auto const self = read_text("/proc/self/stat");
    auto const system = read_text("/proc/stat");
    if (!self || !system) {
        return std::nullopt;
    }
    auto const fields = parse_proc_pid_stat(*self);
    auto const boot = parse_boot_time(*system);
    long const ticks = ::sysconf(_SC_CLK_TCK);
    long const page = ::sysconf(_SC_PAGESIZE);
    if (!fields || !boot || ticks <= 0 || page <= 0) {
        return std::nullopt;
    }
    auto stats = combine(*fields, *boot, ticks, page);
    stats.open_fds = count_open_fds();
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0) {
        stats.max_fds = limit.rlim_cur == RLIM_INFINITY ? UINT64_MAX : std::uint64_t{limit.rlim_cur};
    }
    return stats;
}

}  // namespace duet::metrics
