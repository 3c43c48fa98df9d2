#pragma once

#include <chrono>
#include <ostream>
#include <string>

#include <gtest/gtest.h>

namespace duet::testing {

/// What the other members hear when a connection ends without `leave`: `bye` at once
/// without a seat lease (1.0, rule 6), `peerdown` while its seat is held (rule 12). The
/// tests of such endings run in both modes (a value-parameterized suite over
/// both_drop_modes()).
struct drop_mode {
    std::string name;
    std::chrono::milliseconds seat_lease;
    std::string others_hear;

    friend void PrintTo(drop_mode const& m, std::ostream* out) { *out << m.name; }
};

inline drop_mode no_lease() {
    return {"no_lease", std::chrono::milliseconds(0), "bye"};
}
inline drop_mode leased_seats() {
    return {"leased", std::chrono::seconds(20), "peerdown"};
}
inline auto both_drop_modes() {
    return ::testing::Values(no_lease(), leased_seats());
}
inline std::string drop_mode_name(::testing::TestParamInfo<drop_mode> const& info) {
    return info.param.name;
}

}  // namespace duet::testing
