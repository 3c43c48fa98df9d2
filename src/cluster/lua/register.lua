-- A node (re)registers: at start, and when it reaches Redis again after losing it. It
-- renews its liveness key, releases the seats Redis still gives it but it no longer
-- holds (members that left or dropped while it was cut off), and takes back the seats of
-- the members it still holds: an up seat stays, a held one (the reaper ran) comes up
-- again with its keep delivered ('k') and the others hear `peerup`, a missing one (its
-- lease ended, or Redis lost its data) is seated again if there is room (`otherjoin`).
-- A seat missing because Redis lost its data (a restart without persistence: its epoch key
-- is new) comes back silently, since the others were never told it went; one missing
-- because its lease ended comes back with `otherjoin`, since they heard `bye`.
-- ARGV: prefix, node, ttl ms, capacity, the epoch this node knows ('' at first), a new
--       epoch in case Redis has none, then per member: room, peer, role, secret hash
-- Returns the epoch, then the peers that could not be seated again (the seat went
-- elsewhere, or no room).
local node, ttl, capacity = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local epoch = redis.call('GET', P .. 'epoch')
if not epoch then
  epoch = ARGV[6]
  redis.call('SET', P .. 'epoch', epoch)
end
local data_lost = ARGV[5] ~= '' and ARGV[5] ~= epoch
redis.call('SET', P .. 'alive:' .. node, '1', 'PX', ttl)
redis.call('SADD', nodes_key, node)
local claimed = {}
for i = 7, #ARGV, 4 do claimed[ARGV[i] .. ' ' .. ARGV[i + 1]] = true end
for _, member in ipairs(redis.call('SMEMBERS', seats_key(node))) do
  if not claimed[member] then
    local space = string.find(member, ' ', 1, true)
    local room, peer = string.sub(member, 1, space - 1), string.sub(member, space + 1)
    local raw = redis.call('HGET', room_key(room), peer)
    if raw then
      local seat = cjson.decode(raw)
      if seat.s == 'up' and seat.n == node then release(room, peer, seat) end
    end
    redis.call('SREM', seats_key(node), member)
  end
end
local gone = { epoch }
for i = 7, #ARGV, 4 do
  local room, peer, role, hash = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local seats, order = seats_of(room)
  local seat = seats[peer]
  if seat and seat.s == 'up' and seat.n ~= node then
    gone[#gone + 1] = peer
  elseif seat and seat.s == 'held' then
    redis.call('ZREM', leases_key, room .. ' ' .. peer)
    seat.n, seat.s, seat.e, seat.q = node, 'up', 0, 0
    save_seat(room, peer, seat)
    redis.call('SADD', seats_key(node), room .. ' ' .. peer)
    for _, frame in ipairs(redis.call('LRANGE', keep_key(room, peer), 0, -1)) do
      redis.call('XADD', inbox_key(node), '*', 'to', peer, 'e', 'k', 'room', room, 'f', frame)
    end
    redis.call('DEL', keep_key(room, peer))
    notify_others(room, seats, order, peer, 'u', peer)
  elseif not seat then
    if #order >= capacity then
      gone[#gone + 1] = peer
    else
      save_seat(room, peer, { n = node, r = role, s = 'up', e = 0, h = hash, q = 0 })
      redis.call('SADD', rooms_key, room)
      redis.call('SADD', seats_key(node), room .. ' ' .. peer)
      if not data_lost then notify_others(room, seats, order, peer, 'j', peer) end
    end
  end
end
return gone
