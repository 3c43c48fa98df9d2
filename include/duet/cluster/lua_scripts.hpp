#pragma once

#include <duet/redis/script.hpp>

namespace duet::cluster {

/// The cluster's Lua scripts (src/cluster/lua/*.lua, compiled in), each with the shared
/// part (common.lua) in front but relay.lua, the hot one, which stands alone. Every change to rooms in Redis is one of these, one
/// atomic step.
struct lua_scripts {
    lua_scripts();

    redis::script join;
    redis::script leave;
    redis::script drop;
    redis::script drained;
    redis::script resume;
    redis::script relay;
    redis::script expire;
    redis::script reap;
    redis::script enroll;     // register.lua
    redis::script heartbeat;
};

}  // namespace duet::cluster
