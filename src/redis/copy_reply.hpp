#pragma once

// Private to redis/: the one place that reads hiredis's reply structure.

#include <duet/redis/reply.hpp>

#include <hiredis/hiredis.h>

#include <string>
#include <vector>

namespace duet::redis::detail {

/// An owned copy of `r`, recursively; hiredis frees `r` when its callback returns.
inline reply copy_reply(redisReply const& r) {
    switch (r.type) {
    case REDIS_REPLY_INTEGER: return reply::integer(r.integer);
    case REDIS_REPLY_STATUS: return reply::status(std::string(r.str, r.len));
    case REDIS_REPLY_ERROR: return reply::error(std::string(r.str, r.len));
    case REDIS_REPLY_STRING: return reply::string(std::string(r.str, r.len));
    case REDIS_REPLY_ARRAY: {
        std::vector<reply> elements;
        elements.reserve(r.elements);
        for (std::size_t i = 0; i < r.elements; ++i) elements.push_back(copy_reply(*r.element[i]));
        return reply::array(std::move(elements));
    }
    default: return reply{};  // REDIS_REPLY_NIL
    }
}

}  // namespace duet::redis::detail
