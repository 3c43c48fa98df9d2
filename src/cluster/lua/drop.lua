-- A connection ended without `leave` (rule 12): with a lease the seat is held and the
-- others hear `peerdown`; without one it goes (`bye`). Entries for the seat that its
-- node had not handled yet (after ARGV[6]) move to its keep.
-- At a planned stop (ARGV[8] = 'drain') the connection is closing but still reads what
-- its client sent before it saw the close: the held seat records its node as the
-- drainer (d), whose relays from it relay.lua still takes, and whose `leave` leave.lua
-- does, until drained.lua or a resume ends that.
-- ARGV: prefix, room, peer, node, lease ms, last inbox id handled ('' for none), keep
--       limit, 'drain' or '', then the frames that waited for the seat's marker
--       (common.lua's hold), if any
local room, peer, node = ARGV[2], ARGV[3], ARGV[4]
local lease_ms = tonumber(ARGV[5])
local raw = redis.call('HGET', room_key(room), peer)
if not raw then return 0 end
local seat = cjson.decode(raw)
if seat.s ~= 'up' or seat.n ~= node then return 0 end
if lease_ms <= 0 then
  release(room, peer, seat)
  return 1
end
local after = ARGV[6]
if after == '' then after = nil end
if ARGV[8] == 'drain' then seat.d = node end
local settling = nil
if #ARGV > 8 then
  settling = {}
  for i = 9, #ARGV do settling[#settling + 1] = ARGV[i] end
end
hold(room, peer, seat, lease_ms, tonumber(ARGV[7]), after, settling)
return 1
