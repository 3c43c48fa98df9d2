-- A resume (rule 12): the seat whose secret hashes to ARGV[5] moves to `node` under a new
-- secret. A held seat's keep follows its answer ('R') into the node's inbox, in order,
-- and the others hear `peerup`; a seat still up elsewhere is told 'x' (replaced: close
-- with 4000) and the others hear nothing. Returns 'resumed', 'bad', or 'wait' (nothing
-- changed: see below).
-- ARGV: prefix, room, asker (the new connection's own id), node, secret hash, new secret hash
local room, asker, node = ARGV[2], ARGV[3], ARGV[4]
local seats, order = seats_of(room)
local now = now_ms()
local id, seat
for _, peer in ipairs(order) do
  local s = seats[peer]
  if s.h ~= '' and s.h == ARGV[5] then id, seat = peer, s end
end
if not seat or (seat.s == 'held' and seat.e <= now) then
  redis.call('XADD', inbox_key(node), '*', 'to', asker, 'e', 'R', 'room', room, 'st', 'bad')
  return 'bad'
end
-- Held at a planned stop and still drained by its old node (drop.lua), which is alive:
-- messages its old connection sent may still be on their way, so the asker tries again
-- shortly (its node runs this again); the new connection's messages must come after them.
if seat.s == 'held' and seat.d and redis.call('EXISTS', P .. 'alive:' .. seat.d) == 1 then
  return 'wait'
end
local was_held = seat.s == 'held'
local old_node = seat.n
if was_held then
  redis.call('ZREM', leases_key, room .. ' ' .. id)
else
  redis.call('SREM', seats_key(seat.n), room .. ' ' .. id)
  redis.call('XADD', inbox_key(seat.n), '*', 'to', id, 'e', 'x', 'room', room)
end
seat.n = node
seat.s = 'up'
seat.d = nil
seat.e = 0
seat.q = 0
seat.h = ARGV[6]
save_seat(room, id, seat)
redis.call('SADD', seats_key(node), room .. ' ' .. id)
local others = {}
for _, peer in ipairs(order) do
  if peer ~= id then others[#others + 1] = peer end
end
redis.call('XADD', inbox_key(node), '*', 'to', asker, 'e', 'R', 'room', room, 'st', 'resumed', 'id', id,
           'peers', tostring(#order), 'role', seat.r, 'others', table.concat(others, ' '),
           'held', was_held and '1' or '0')
-- Replaced: what waits for the seat in its old node's inbox follows it here too (that
-- node's connection may be closing already and never read it), in order, before
-- anything sent from now on. The old node may still hand the same to the old
-- connection; the new one sees each once.
if not was_held then
  for _, entry in ipairs(redis.call('XRANGE', inbox_key(old_node), '-', '+')) do
    local f = {}
    for i = 1, #entry[2], 2 do f[entry[2][i]] = entry[2][i + 1] end
    if f.to == id and f.room == room then
      if f.e == 'm' then
        redis.call('XADD', inbox_key(node), '*', 'to', id, 'e', 'k', 'room', room, 'f', f.f)
      elseif event_types[f.e] then
        redis.call('XADD', inbox_key(node), '*', 'to', id, 'e', 'k', 'room', room, 'f', event_frame(f.e, room, f.w))
      end
    end
  end
end
local kept = redis.call('LRANGE', keep_key(room, id), 0, -1)
for _, frame in ipairs(kept) do
  redis.call('XADD', inbox_key(node), '*', 'to', id, 'e', 'k', 'room', room, 'f', frame)
end
redis.call('DEL', keep_key(room, id))
if was_held then
  notify_others(room, seats, order, id, 'u', id)
end
return 'resumed'
