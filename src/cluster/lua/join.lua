-- A join (rules 1, 3, 13): decides the seat against the room's capacity (held seats
-- count) and max_rooms in one atomic step, so two joins racing on two nodes never both
-- get in. The answer goes to the joiner's node inbox ('J'), ahead of anything relayed to
-- the joiner afterwards (rule 3), and is also returned.
-- ARGV: prefix, room, peer, node, capacity, max_rooms, secret hash
local room, peer, node = ARGV[2], ARGV[3], ARGV[4]
local capacity, max_rooms = tonumber(ARGV[5]), tonumber(ARGV[6])
local seats, order = seats_of(room)

local function answer(status, peers, role, others)
  redis.call('XADD', inbox_key(node), '*', 'to', peer, 'e', 'J', 'room', room, 'st', status,
             'peers', tostring(peers), 'role', role, 'others', others)
  return status
end

if #order == 0 and redis.call('SCARD', rooms_key) >= max_rooms then
  return answer('room_limit', 0, '', '')
end
if #order >= capacity then
  return answer('full', 0, '', '')
end
-- Rule 13: only in rooms of two; the role the member there does not hold.
local role = ''
if capacity == 2 then
  role = 'impolite'
  if #order == 1 and seats[order[1]].r == 'impolite' then role = 'polite' end
end
save_seat(room, peer, { n = node, r = role, s = 'up', e = 0, h = ARGV[7], q = 0 })
redis.call('SADD', rooms_key, room)
redis.call('SADD', seats_key(node), room .. ' ' .. peer)
notify_others(room, seats, order, peer, 'j', peer)
return answer('joined', #order + 1, role, table.concat(order, ' '))
