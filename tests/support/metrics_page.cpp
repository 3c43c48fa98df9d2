#include "support/metrics_page.hpp"

#include "support/http_client.hpp"

namespace duet::testing {

long long metric(std::uint16_t port, std::string const& series) {
    auto const page = "\n" + http_get(port, "/metrics").body;
    auto const at = page.find("\n" + series + " ");
    if (at == std::string::npos) {
        return -1;
    }
    return std::stoll(page.substr(at + series.size() + 2));
}

}  // namespace duet::testing
