#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace duet::bench {

/// Memory of a process, from /proc/PID/status (kernel figures in KiB).
struct memory_sample {
    std::uint64_t rss_kib = 0;   // VmRSS: resident now
    std::uint64_t hwm_kib = 0;   // VmHWM: the peak of VmRSS
    unsigned threads = 0;        // Threads: OS threads, the main one included
    std::string cpus_allowed;    // Cpus_allowed_list: the affinity taskset gave it
};

/// Reads another process's statistics from /proc: pure reads, any thread. A pid of 0
/// (not given) or a process that has gone gives nullopt.
std::optional<memory_sample> read_memory(int pid);

/// CPU time of every thread of a process so far, in seconds: utime and stime of
/// /proc/PID/stat (fields 14 and 15, in sysconf(_SC_CLK_TCK) ticks: 10 ms resolution).
struct cpu_times {
    double user = 0;
    double system = 0;

    double total() const { return user + system; }
    friend cpu_times operator-(cpu_times a, cpu_times b) { return {a.user - b.user, a.system - b.system}; }
};

std::optional<cpu_times> read_cpu_times(int pid);

/// The CPU time of several processes read one after the other (a cluster's nodes and its
/// Redis, counted together): the sum, and each process's in the order given.
struct group_cpu_times {
    cpu_times total;
    std::vector<cpu_times> each;

    friend group_cpu_times operator-(group_cpu_times const& a, group_cpu_times const& b);
};

/// nullopt when `pids` is empty or any of them cannot be read (gone, or 0).
std::optional<group_cpu_times> read_cpu_times(std::vector<int> const& pids);

/// The process's command name (/proc/PID/comm), empty when unreadable.
std::string process_name(int pid);

/// The 1, 5 and 15-minute load averages (/proc/loadavg); empty when unreadable.
std::vector<double> read_loadavg();

/// The affinity of this process (Cpus_allowed_list of /proc/self/status).
std::string own_cpus_allowed();

}  // namespace duet::bench
