#pragma once

#include <duet/redis/reply.hpp>

#include <optional>
#include <string>
#include <vector>

namespace duet::cluster {

/// One entry of a node's inbox stream, as the cluster scripts write it (src/cluster/lua):
/// for member `to` of `room`, an `event`:
///   'm' a relayed message (frame), 'k' a frame kept for a held seat (frame),
///   'j' / 'l' / 'd' / 'u' member `who` joined, left, went down, came up,
///   'x' the seat was resumed on another connection (replaced),
///   'J' the answer to `to`'s join (status: joined, full, room_limit; peers, role, others),
///   'R' the answer to `to`'s resume (status: resumed or bad; id, peers, role, others),
///   'S' the node's own marker: what was sent to `to` before it came in has arrived.
/// A pure value.
struct inbox_entry {
    std::string id;     // the stream id, "ms-seq"
    std::string to;
    char event = 0;
    std::string room;
    std::string frame;
    std::string who;
    std::string status;
    std::string seat;   // 'R': the seat's peer id
    std::size_t peers = 0;
    std::string role;
    std::vector<std::string> others;  // 'J', 'R': the other seats' ids
    bool held = false;                // 'R': the seat was held (not still connected: replaced)
};

/// The entries of an XREAD reply for one stream, in order; empty for a nil reply (the
/// block timed out); nullopt when the reply is not shaped like one. Takes the reply's
/// strings rather than copying them.
std::optional<std::vector<inbox_entry>> parse_inbox(redis::reply&& xread_reply);

/// The id just after `id` ("ms-seq" -> "ms-(seq+1)"): XTRIM MINID with it drops `id`.
std::string next_stream_id(std::string const& id);

}  // namespace duet::cluster
