-- A node renews its liveness key; false when it had already expired (the node was cut
-- off or stalled past the TTL, and may have been reaped: it must register again).
-- ARGV: prefix, node, ttl ms
local alive = P .. 'alive:' .. ARGV[2]
local was = redis.call('EXISTS', alive) == 1 and redis.call('SISMEMBER', nodes_key, ARGV[2]) == 1
redis.call('SET', alive, '1', 'PX', tonumber(ARGV[3]))
if was then return 1 end
return 0
