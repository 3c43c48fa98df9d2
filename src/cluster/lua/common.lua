-- Shared by every cluster script (prepended to each): the key names, a seat's record,
-- the frames kept for held seats, and the notices sent to other nodes' inboxes.
-- ARGV[1] is always the key prefix, "duet:{cluster_name}:".
--
-- A room is one hash, P.."room:"..name: peer id -> seat, a cjson object:
--   n: the node whose connection holds the seat (while up), r: role ("" if none),
--   s: "up" or "held", e: when the lease ends (ms, Redis clock; held only),
--   h: SHA-256 hex of the resume secret ("" without a lease), q: bytes of messages kept,
--   d: held at a planned stop, the node still draining its closing connection (drop.lua;
--   absent otherwise).
-- Keys are computed here, not passed in KEYS: one Redis (or a primary), not Redis Cluster.
local P = ARGV[1]

local function room_key(room) return P .. 'room:' .. room end
local function keep_key(room, peer) return P .. 'keep:' .. room .. ':' .. peer end
local function inbox_key(node) return P .. 'inbox:' .. node end
local function seats_key(node) return P .. 'seats:' .. node end
local rooms_key = P .. 'rooms'
local leases_key = P .. 'leases'
local nodes_key = P .. 'nodes'

local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function seats_of(room)
  local flat = redis.call('HGETALL', room_key(room))
  local seats, order = {}, {}
  for i = 1, #flat, 2 do
    seats[flat[i]] = cjson.decode(flat[i + 1])
    order[#order + 1] = flat[i]
  end
  table.sort(order)  -- a stable walk, the same on every run
  return seats, order
end

local function save_seat(room, peer, seat)
  redis.call('HSET', room_key(room), peer, cjson.encode(seat))
end

-- The frame a member would be sent for an event (docs/protocol.md); room names and peer
-- ids need no JSON escaping. The same bytes as protocol::encode_* in C++.
local event_types = { j = 'otherjoin', l = 'bye', d = 'peerdown', u = 'peerup' }
local function event_frame(event, room, who)
  return '{"type":"' .. event_types[event] .. '","room":"' .. room .. '","id":"' .. who .. '"}'
end

-- Tells seat `peer` of `room` that `who` joined (j), left (l), went down (d) or came up
-- (u): through its node's inbox when up, kept for its resume when held (events are
-- always kept: rule 12, as rooms::kept_messages).
local function notify(room, peer, seat, event, who)
  if seat.s == 'up' then
    redis.call('XADD', inbox_key(seat.n), '*', 'to', peer, 'e', event, 'room', room, 'w', who)
  else
    redis.call('RPUSH', keep_key(room, peer), event_frame(event, room, who))
  end
end

local function notify_others(room, seats, order, except, event, who)
  for _, peer in ipairs(order) do
    if peer ~= except and peer ~= who then
      notify(room, peer, seats[peer], event, who)
    end
  end
end

-- Keeps a relayed message for a held seat, within `limit` bytes; false past it.
local function keep_message(room, peer, seat, frame, limit)
  if seat.q + #frame > limit then
    return false
  end
  seat.q = seat.q + #frame
  save_seat(room, peer, seat)
  redis.call('RPUSH', keep_key(room, peer), frame)
  return true
end

-- Takes a seat out of its room for good and tells the rest `bye` (rule 6); an empty
-- room ceases to exist.
local function release(room, peer, seat)
  redis.call('HDEL', room_key(room), peer)
  redis.call('DEL', keep_key(room, peer))
  redis.call('ZREM', leases_key, room .. ' ' .. peer)
  if seat.s == 'up' then
    redis.call('SREM', seats_key(seat.n), room .. ' ' .. peer)
  end
  local seats, order = seats_of(room)
  if #order == 0 then
    redis.call('SREM', rooms_key, room)
    return
  end
  notify_others(room, seats, order, nil, 'l', peer)
end

-- Holds an up seat for its lease (rule 12): the others hear `peerdown`. Entries for it
-- still waiting in its node's inbox after `after` (the last one that node handled; nil:
-- all) move to its keep in order, so nothing sent to it just before the drop is lost:
-- messages, events, frames a resume brought along ('k'), and, where the node's marker
-- for a member that had just come in ('S') stands, the messages from members of that
-- node that waited for it (`settling`, a list of frames; the node never delivered them).
local function hold(room, peer, seat, lease_ms, limit, after, settling)
  local node = seat.n
  redis.call('SREM', seats_key(node), room .. ' ' .. peer)
  seat.s = 'held'
  seat.e = now_ms() + lease_ms
  seat.q = 0
  seat.n = ''
  local from = after and ('(' .. after) or '-'
  local pending = redis.call('XRANGE', inbox_key(node), from, '+')
  for _, entry in ipairs(pending) do
    local f = {}
    for i = 1, #entry[2], 2 do f[entry[2][i]] = entry[2][i + 1] end
    if f.to == peer and f.room == room then
      if f.e == 'm' then
        keep_message(room, peer, seat, f.f, limit)
      elseif f.e == 'k' then
        redis.call('RPUSH', keep_key(room, peer), f.f)
      elseif f.e == 'S' and settling then
        for _, frame in ipairs(settling) do keep_message(room, peer, seat, frame, limit) end
        settling = nil
      elseif event_types[f.e] then
        redis.call('RPUSH', keep_key(room, peer), event_frame(f.e, room, f.w))
      end
    end
  end
  -- No marker found (it was read already): they were the last to come.
  if settling then
    for _, frame in ipairs(settling) do keep_message(room, peer, seat, frame, limit) end
  end
  save_seat(room, peer, seat)
  redis.call('ZADD', leases_key, seat.e, room .. ' ' .. peer)
  local seats, order = seats_of(room)
  notify_others(room, seats, order, peer, 'd', peer)
end
