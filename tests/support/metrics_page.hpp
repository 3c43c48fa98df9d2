#pragma once

#include <cstdint>
#include <string>

namespace duet::testing {

/// The value of one sample of the daemon's /metrics page at 127.0.0.1:port, named as it
/// is written (`duet_joins_total`, `duet_errors_total{code="full"}`); -1 when the page
/// has no such sample.
long long metric(std::uint16_t port, std::string const& series);

}  // namespace duet::testing
