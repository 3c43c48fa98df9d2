-- Finds the nodes whose liveness key has gone (killed, cut off, stalled past the TTL) and
-- treats each of their seats as a dropped connection (rule 12): held for its lease (the
-- others hear `peerdown`) with what waited in that node's inbox moved to its keep, or,
-- without a lease, released (`bye`). Any node may run it; a node is reaped once.
-- ARGV: prefix, lease ms, keep limit
-- Returns the ids of the nodes reaped.
local lease_ms, limit = tonumber(ARGV[2]), tonumber(ARGV[3])
local reaped = {}
for _, node in ipairs(redis.call('SMEMBERS', nodes_key)) do
  if redis.call('EXISTS', P .. 'alive:' .. node) == 0 then
    for _, member in ipairs(redis.call('SMEMBERS', seats_key(node))) do
      local space = string.find(member, ' ', 1, true)
      local room, peer = string.sub(member, 1, space - 1), string.sub(member, space + 1)
      local raw = redis.call('HGET', room_key(room), peer)
      if raw then
        local seat = cjson.decode(raw)
        if seat.s == 'up' and seat.n == node then
          if lease_ms > 0 then
            hold(room, peer, seat, lease_ms, limit, nil)
          else
            release(room, peer, seat)
          end
        end
      end
    end
    redis.call('DEL', seats_key(node), inbox_key(node))
    redis.call('SREM', nodes_key, node)
    reaped[#reaped + 1] = node
  end
end
return reaped
