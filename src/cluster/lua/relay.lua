-- A message to members on other nodes or held (rules 4, 5, 12). The caller delivered it
-- itself to the members it holds (ARGV[7..]); every other seat that is up gets it through
-- its node's inbox, a held one keeps it (up to the limit). In one step, so each
-- receiver's inbox has one sender's messages in the order they were sent.
-- ARGV: prefix, room, sender, node, to ('' for all), frame, keep limit, ids delivered locally...
-- Returns {status, sent, not kept}: status 0 relayed, 1 not_in_room, 2 no_such_peer.
local room, from, node, to, frame = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local limit = tonumber(ARGV[7])
local seats, order = seats_of(room)
local self = seats[from]
if not self or self.s ~= 'up' or self.n ~= node then return { 1, 0, 0 } end
local local_ids = {}
for i = 8, #ARGV do local_ids[ARGV[i]] = true end
local targets = order
if to ~= '' then
  if not seats[to] or to == from then return { 2, 0, 0 } end
  targets = { to }
end
local sent, not_kept = 0, 0
for _, peer in ipairs(targets) do
  local seat = seats[peer]
  if peer ~= from and not local_ids[peer] then
    if seat.s == 'up' then
      redis.call('XADD', inbox_key(seat.n), '*', 'to', peer, 'e', 'm', 'room', room, 'f', frame)
      sent = sent + 1
    elseif keep_message(room, peer, seat, frame, limit) then
      sent = sent + 1
    else
      not_kept = not_kept + 1
    end
  end
end
return { 0, sent, not_kept }
