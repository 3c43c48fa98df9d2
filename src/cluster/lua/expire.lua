-- Ends the leases that are over at Redis's clock (rule 12): their keep is discarded and
-- the others hear `bye`. Any node may run it; each lease ends once.
-- ARGV: prefix, at most this many per run
local due = redis.call('ZRANGEBYSCORE', leases_key, '-inf', now_ms(), 'LIMIT', 0, tonumber(ARGV[2]))
local ended = 0
for _, member in ipairs(due) do
  local space = string.find(member, ' ', 1, true)
  local room, peer = string.sub(member, 1, space - 1), string.sub(member, space + 1)
  local raw = redis.call('HGET', room_key(room), peer)
  redis.call('ZREM', leases_key, member)
  if raw then
    local seat = cjson.decode(raw)
    if seat.s == 'held' then
      release(room, peer, seat)
      ended = ended + 1
    end
  end
end
return ended
