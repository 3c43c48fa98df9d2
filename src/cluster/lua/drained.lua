-- A planned stop's hand-over of one seat is over (drop.lua with a drainer): the closing
-- connection on `node` relays from it no more, so a resume need not wait for it.
-- ARGV: prefix, room, peer, node
local room, peer, node = ARGV[2], ARGV[3], ARGV[4]
local raw = redis.call('HGET', room_key(room), peer)
if not raw then return 0 end
local seat = cjson.decode(raw)
if seat.d ~= node then return 0 end
seat.d = nil
save_seat(room, peer, seat)
return 1
