#include <duet/metrics/process_stats.hpp>

#include <gtest/gtest.h>

#include <string>

namespace duet::metrics {
namespace {

// A real /proc/<pid>/stat line (cat's own), fields 14/15 (utime, stime), 22 (starttime),
// 23 (vsize) and 24 (rss) changed to recognisable values.
std::string const cat_stat =
    "19666 (cat) R 19497 19497 15417 0 -1 4194304 99 0 0 0 250 50 0 0 20 0 1 0 1619130 3133440 360 "
    "18446744073709551615 94361706467328 94361706487209 140723000703920 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 "
    "94361706503216 94361706504832 94361750323200 140723000711804 140723000711824 140723000711824 "
    "140723000713195 0\n";

TEST(process_stats, ParsesTheFieldsOfAStatLine) {
    auto const f = parse_proc_pid_stat(cat_stat);
    ASSERT_TRUE(f);
    EXPECT_EQ(f->utime_ticks, 250U);
    EXPECT_EQ(f->stime_ticks, 50U);
    EXPECT_EQ(f->starttime_ticks, 1619130U);
    EXPECT_EQ(f->vsize_bytes, 3133440U);
    EXPECT_EQ(f->rss_pages, 360U);
}

TEST(process_stats, ACommandNameWithSpacesAndParenthesesDoesNotShiftTheFields) {
    // The kernel writes comm as it is (up to 15 bytes): ") R 1 2" inside it must not count.
    std::string const odd = "42 (a b) R 1 2) S 1 1 1 0 -1 0 0 0 0 0 7 8 0 0 20 0 1 0 99 4096 3 18446744073709551615\n";
    auto const f = parse_proc_pid_stat(odd);
    ASSERT_TRUE(f);
    EXPECT_EQ(f->utime_ticks, 7U);
    EXPECT_EQ(f->stime_ticks, 8U);
    EXPECT_EQ(f->starttime_ticks, 99U);
    EXPECT_EQ(f->vsize_bytes, 4096U);
    EXPECT_EQ(f->rss_pages, 3U);
}

TEST(process_stats, RefusesWhatIsNotAStatLine) {
    EXPECT_FALSE(parse_proc_pid_stat(""));
    EXPECT_FALSE(parse_proc_pid_stat("19666 cat R 1 2 3"));
    EXPECT_FALSE(parse_proc_pid_stat("19666 (cat) R 19497 19497"));                // cut short
    EXPECT_FALSE(parse_proc_pid_stat("1 (x) R 1 1 1 0 -1 0 0 0 0 0 u 8 0 0 20 0 1 0 9 9 9"));  // not a number
}

TEST(process_stats, FindsTheBootTimeInProcStat) {
    std::string const proc_stat =
        "cpu  1 2 3 4 5 6 7 0 0 0\ncpu0 1 2 3 4 5 6 7 0 0 0\nintr 12345 0 0\nctxt 999\n"
        "btime 1764639000\nprocesses 20000\nprocs_running 2\n";
    EXPECT_EQ(parse_boot_time(proc_stat), 1764639000U);
    EXPECT_FALSE(parse_boot_time("cpu 1 2 3\nctxt 9\n"));
    EXPECT_FALSE(parse_boot_time("btime soon\n"));
}

TEST(process_stats, CombinesTicksAndPagesIntoSecondsAndBytes) {
    proc_stat_fields const f{
        .utime_ticks = 250, .stime_ticks = 50, .starttime_ticks = 1619130, .vsize_bytes = 3133440, .rss_pages = 360};
    auto const s = combine(f, 1764639000, 100, 4096);
    EXPECT_DOUBLE_EQ(s.cpu_seconds, 3.0);
    EXPECT_DOUBLE_EQ(s.start_time_seconds, 1764639000.0 + 16191.30);
    EXPECT_EQ(s.virtual_memory_bytes, 3133440U);
    EXPECT_EQ(s.resident_memory_bytes, 360U * 4096U);
}

TEST(process_stats, ReadsThisProcess) {
    auto const s = read_process_stats();
    ASSERT_TRUE(s) << "/proc is mounted on every machine duet runs on";
    EXPECT_GT(s->resident_memory_bytes, 0U);
    EXPECT_GE(s->virtual_memory_bytes, s->resident_memory_bytes);
    EXPECT_GE(s->open_fds, 3U);  // stdin, stdout, stderr at least
    EXPECT_GE(s->max_fds, s->open_fds);
    EXPECT_GT(s->start_time_seconds, 1.5e9);
}

}  // namespace
}  // namespace duet::metrics
