-- Messages to members on other nodes or held (rules 4, 5, 12), a batch of them: what one
-- node's members sent in one turn of its event loop, in the order they sent it. For each,
-- the caller delivered it itself to the members it holds (its ids delivered locally);
-- every other seat that is up gets it through its node's inbox, a held one keeps it (up
-- to the limit). In one step, so each receiver's inbox has one sender's messages in the
-- order they were sent.
-- The hottest script (one run per batch of cross-node messages): it reads a seat's
-- state and node with string.match instead of decoding it, decodes only a held seat it
-- keeps for, and stands alone, without common.lua, whose functions would be defined
-- anew on every run.
-- ARGV: prefix, node, keep limit, then per message:
--       room, sender, to ('' for all), frame, n, then n ids delivered locally
-- Returns per message: status (0 relayed, 1 not_in_room, 2 no_such_peer), sent, not kept.
local P, node, limit = ARGV[1], ARGV[2], tonumber(ARGV[3])
local function state(text) return string.match(text, '"s":"(%a+)"') end
local function node_of(text) return string.match(text, '"n":"([^"]*)"') end
-- A held seat's drainer: the node whose closing connection may still send from it (drop.lua).
local function drainer_of(text) return string.match(text, '"d":"([^"]*)"') end
local out = {}
local rooms = {}  -- room -> its seats (peer -> text), read once per batch

local i = 4
while i <= #ARGV do
  local room, from, to, frame, n = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], tonumber(ARGV[i + 4])
  local local_ids = {}
  for k = 1, n do local_ids[ARGV[i + 4 + k]] = true end
  i = i + 5 + n
  local room_key = P .. 'room:' .. room
  local raw = rooms[room]
  if not raw then
    raw = {}
    local flat = redis.call('HGETALL', room_key)
    for k = 1, #flat, 2 do raw[flat[k]] = flat[k + 1] end
    rooms[room] = raw
  end
  local self = raw[from]
  local status, sent, not_kept = 0, 0, 0
  local speaks = self and ((state(self) == 'up' and node_of(self) == node) or
                           (state(self) == 'held' and drainer_of(self) == node))
  if not speaks then
    status = 1
  elseif to ~= '' and (not raw[to] or to == from) then
    status = 2
  else
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
            text = cjson.encode(seat)
            raw[peer] = text
            redis.call('HSET', room_key, peer, text)
            redis.call('RPUSH', P .. 'keep:' .. room .. ':' .. peer, frame)
            sent = sent + 1
          end
        end
      end
    end
  end
  out[#out + 1] = status
  out[#out + 1] = sent
  out[#out + 1] = not_kept
end
return out
