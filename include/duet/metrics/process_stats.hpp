#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace duet::metrics {

/// The standard `process_*` figures, as the Prometheus client libraries define them
/// (client_golang's process collector): what an operator's existing dashboards and alerts
/// for "any process" expect to find.
struct process_stats {
    double cpu_seconds = 0;              // user + system time
    double start_time_seconds = 0;       // since the Unix epoch
    std::uint64_t virtual_memory_bytes = 0;
    std::uint64_t resident_memory_bytes = 0;
    std::uint64_t open_fds = 0;
    std::uint64_t max_fds = 0;           // the soft RLIMIT_NOFILE
};

/// The fields of /proc/<pid>/stat that process_stats needs, in the kernel's units.
struct proc_stat_fields {
    std::uint64_t utime_ticks = 0;
    std::uint64_t stime_ticks = 0;
    std::uint64_t starttime_ticks = 0;   // since boot
    std::uint64_t vsize_bytes = 0;
    std::uint64_t rss_pages = 0;
};

/// Parses the one line of /proc/<pid>/stat (proc(5)). The command name in parentheses
/// may hold spaces and ')' itself, so the fields are counted from its last ')'. Pure;
/// nullopt when the text is not such a line.
std::optional<proc_stat_fields> parse_proc_pid_stat(std::string_view text);

/// The boot time (the `btime` line of /proc/stat), in seconds since the epoch. Pure.
std::optional<std::uint64_t> parse_boot_time(std::string_view proc_stat);

/// Combines the parsed figures into process_stats (open_fds and max_fds left to the
/// caller). Pure: the clock rate and the page size are given.
process_stats combine(proc_stat_fields const& fields, std::uint64_t boot_time, long ticks_per_second,
                      long page_size);

/// This process's figures, read now from /proc/self/stat, /proc/stat, /proc/self/fd and
/// getrlimit. nullopt where /proc cannot be read (then the page leaves them out).
/// A few system calls and one directory listing: meant for a scrape, not a hot path.
std::optional<process_stats> read_process_stats();

}  // namespace duet::metrics
