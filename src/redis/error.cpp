#include <duet/redis/error.hpp>

#include <string>

namespace duet::redis {

namespace {

// Boost gives error_category a protected non-virtual destructor on purpose (categories
// are static objects, never deleted through the base), which -Wnon-virtual-dtor flags.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class category final : public boost::system::error_category {
public:
    char const* name() const noexcept override { return "redis"; }

    std::string message(int value) const override {
        switch (static_cast<error>(value)) {
        case error::not_connected: return "not connected to Redis";
        case error::closed: return "the Redis connection was closed";
        case error::connection_lost: return "the Redis connection was lost";
        case error::connect_failed: return "could not connect to Redis";
        case error::connect_timeout: return "connecting to Redis timed out";
        case error::resolve_failed: return "the Redis host name did not resolve";
        case error::auth_failed: return "Redis refused AUTH";
        case error::select_failed: return "Redis refused SELECT";
        }
        return "unknown Redis error";
    }
};
#pragma GCC diagnostic pop

}  // namespace

boost::system::error_category const& error_category() noexcept {
    static category const instance;
    return instance;
}

}  // namespace duet::redis
