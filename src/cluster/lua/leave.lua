-- A leave (rule 6), or the end of a connection without a lease: the seat goes at once
-- and the others hear `bye`. Nothing happens unless `node` holds the seat (it may have
-- been resumed elsewhere, or held by the reaper, meanwhile), or drains it (drop.lua: a
-- `leave` its client sent before it saw a planned stop's close).
-- ARGV: prefix, room, peer, node
local room, peer, node = ARGV[2], ARGV[3], ARGV[4]
local raw = redis.call('HGET', room_key(room), peer)
if not raw then return 0 end
local seat = cjson.decode(raw)
local holds = seat.s == 'up' and seat.n == node
local drains = seat.s == 'held' and seat.d == node
if not holds and not drains then return 0 end
release(room, peer, seat)
return 1
