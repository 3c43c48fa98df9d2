// The rules log the limits they hit at warn (STYLE.md); in the unit tests those lines are
// noise around the results. DUET_TEST_LOG=debug (as for the integration tests) shows them.
#include <spdlog/spdlog.h>

#include <cstdlib>

namespace {

struct log_level_for_tests {
    log_level_for_tests() {
        char const* level = std::getenv("DUET_TEST_LOG");
        spdlog::set_level(spdlog::level::from_str(level != nullptr ? level : "off"));
    }
} const set_at_start;

}  // namespace
