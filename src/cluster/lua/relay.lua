-- A message to members on other nodes or held (rules 4, 5, 12). The caller delivered it
-- itself to the members it holds (ARGV[8..]); every other seat that is up gets it through
-- its node's inbox, a held one keeps it (up to the limit). In one step, so each
-- receiver's inbox has one sender's messages in the order they were sent.
-- The hottest script (one run per cross-node message): it reads a seat's state and node
-- with string.match instead of decoding it, and decodes only a held seat it keeps for.
-- It is also the one script that runs without common.lua in front: defining that file's
-- functions on every call cost more than the relay itself. What it needs is here.
-- ARGV: prefix, room, sender, node, to ('' for all), frame, keep limit, ids delivered locally...
-- Returns {status, sent, not kept}: status 0 relayed, 1 not_in_room, 2 no_such_peer.
local room, from, node, to, frame = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local limit = tonumber(ARGV[7])
local P = ARGV[1]
local room_key = P .. 'room:' .. room
local flat = redis.call('HGETALL', room_key)
local raw = {}
for i = 1, #flat, 2 do raw[flat[i]] = flat[i + 1] end
local function state(text) return string.match(text, '"s":"(%a+)"') end
local function node_of(text) return string.match(text, '"n":"([^"]*)"') end
local self = raw[from]
if not self or state(self) ~= 'up' or node_of(self) ~= node then return { 1, 0, 0 } end
local local_ids = {}
for i = 8, #ARGV do local_ids[ARGV[i]] = true end
if to ~= '' and (not raw[to] or to == from) then return { 2, 0, 0 } end
local sent, not_kept = 0, 0
for peer, text in pairs(raw) do
  if peer ~= from and not local_ids[peer] and (to == '' or peer == to) then
    if state(text) == 'up' then
      redis.call('XADD', P .. 'inbox:' .. node_of(text), '*', 'to', peer, 'e', 'm', 'room', room, 'f', frame)
      sent = sent + 1
    else
      -- Held: kept within the limit, as common.lua's keep_message does.
      local seat = cjson.decode(text)
      if seat.q + #frame > limit then
        not_kept = not_kept + 1
      else
        seat.q = seat.q + #frame
        redis.call('HSET', room_key, peer, cjson.encode(seat))
        redis.call('RPUSH', P .. 'keep:' .. room .. ':' .. peer, frame)
        sent = sent + 1
      end
    end
  end
end
return { 0, sent, not_kept }
