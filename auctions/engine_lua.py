"""The auction rules of `rules.py` as Redis Lua scripts: one atomic step per bid, open, close and cancel.

Redis runs one script at a time, so each auction's decisions are serialized without a database
lock. The test suite runs these scripts and the pure model side by side and checks they agree.

KEYS of every script, all with the auction's hash tag so they live on one Redis node:
  1 state (hash), 2 maxes (hash bidder → max), 3 refs (hash "bidder:ref" → outcome JSON),
  4 rate (hash bidder → "second:count"), 5 log (stream of accepted bids, read by the writer that
  makes them durable in PostgreSQL).
Integers leave Lua through string.format('%d'): Lua's numbers are doubles and tostring would
write a millisecond timestamp in exponent form.
"""

COMMON = r"""
local function int(v) return string.format('%d', v) end
local function num(h, k) return tonumber(h[k] or '0') or 0 end
local function load(key)
  local raw = redis.call('HGETALL', key)
  if #raw == 0 then return nil end
  local h = {}
  for i = 1, #raw, 2 do h[raw[i]] = raw[i + 1] end
  return h
end
local function increment_at(incs, price)
  local step = 0
  local first = true
  for row in string.gmatch(incs, '[^,]+') do
    local from, s = string.match(row, '(%d+):(%d+)')
    from = tonumber(from); s = tonumber(s)
    if first then step = s; first = false end
    if from > price then break end
    step = s
  end
  return step
end
local function outcome(h, code, extra)
  local o = {code = code, seq = 0, price = num(h, 'price'), leader = num(h, 'leader'),
             ends_at = num(h, 'ends'), extended = false, displaced = 0, minimum = 0}
  if extra then for k, v in pairs(extra) do o[k] = v end end
  return o
end
"""

# ARGV: bidder, amount (0 for buy-it-now), ref, now (ms), confirm (0/1), rate limit per second,
# confirm factor, source, key TTL (s). Returns the outcome as JSON, fields as rules.Outcome.
BID = (
    COMMON
    + r"""
local h = load(KEYS[1])
if not h then return cjson.encode({code = 'missing'}) end
local bidder = tonumber(ARGV[1]); local amount = tonumber(ARGV[2]); local ref = ARGV[3]
local now = tonumber(ARGV[4]); local confirm = ARGV[5] == '1'
local is_buy_now = amount == 0
local refkey = ARGV[1] .. ':' .. ref
local replay = redis.call('HGET', KEYS[3], refkey)
if replay then
  local o = cjson.decode(replay); o.replayed = true
  return cjson.encode(o)
end
local status = h.status
if status == 'closed' or status == 'cancelled' or (status == 'open' and now >= num(h, 'ends')) then
  return cjson.encode(outcome(h, 'ended'))
end
if status == 'scheduled' and h.prebids ~= '1' then return cjson.encode(outcome(h, 'not_open')) end
local second = math.floor(now / 1000)
local placed = 1
local last = redis.call('HGET', KEYS[4], ARGV[1])
if last then
  local s, c = string.match(last, '(%d+):(%d+)')
  if tonumber(s) == second then placed = tonumber(c) + 1 end
end
redis.call('HSET', KEYS[4], ARGV[1], int(second) .. ':' .. int(placed))
if placed > tonumber(ARGV[6]) then return cjson.encode(outcome(h, 'rate_limited')) end

local price = num(h, 'price'); local leader = num(h, 'leader'); local lmax = num(h, 'lmax')
local rmax = num(h, 'rmax'); local starting = num(h, 'starting'); local incs = h.incs
local displaced = 0
local code
if is_buy_now then
  local bin = num(h, 'bin')
  if status ~= 'open' or bin == 0 or price >= bin then
    return cjson.encode(outcome(h, 'buy_now_unavailable'))
  end
  if leader ~= bidder then displaced = leader end
  leader = bidder; lmax = bin; price = bin; amount = bin
  status = 'closed'; code = 'bought_now'
  -- The auction ends the moment it is bought: countdowns stop there.
  h.ends = int(now)
  redis.call('HSET', KEYS[1], 'ends', int(now), 'bought', '1')
else
  if bidder == leader then
    if amount < price then return cjson.encode(outcome(h, 'max_below_price', {minimum = price})) end
  else
    local minimum = starting
    if leader ~= 0 then minimum = price + increment_at(incs, price) end
    if amount < minimum then return cjson.encode(outcome(h, 'too_low', {minimum = minimum})) end
  end
  if amount >= tonumber(ARGV[7]) * math.max(price, starting) and not confirm then
    return cjson.encode(outcome(h, 'confirm_required', {minimum = amount}))
  end
  if bidder == leader then
    lmax = amount
  elseif leader == 0 or amount > lmax then
    displaced = leader; rmax = lmax; leader = bidder; lmax = amount
  else
    rmax = math.max(rmax, amount)
  end
  local base = starting
  if rmax > 0 then base = math.max(base, rmax + increment_at(incs, rmax)) end
  local reserve = num(h, 'reserve')
  if reserve > 0 and lmax >= reserve then base = math.max(base, reserve) end
  local before = price
  price = math.min(lmax, base)
  if leader == bidder then code = 'leading' else code = 'outbid' end
  local ends = num(h, 'ends')
  local window = num(h, 'window')
  if price ~= before and status == 'open' and h.soft == '1' and num(h, 'ext') < num(h, 'maxext')
     and ends - now < window then
    local new_end = math.min(now + window, num(h, 'hard'))
    if new_end > ends then
      h.ends = int(new_end)
      redis.call('HSET', KEYS[1], 'ends', int(new_end), 'ext', int(num(h, 'ext') + 1))
      h.extended = '1'
    end
  end
end
local seq = num(h, 'count') + 1
redis.call('HSET', KEYS[1], 'status', status, 'price', int(price), 'leader', int(leader), 'lmax', int(lmax),
           'rmax', int(rmax), 'count', int(seq))
redis.call('HSET', KEYS[2], ARGV[1], int(amount))
local ext = num(h, 'ext') + (h.extended == '1' and 1 or 0)
local o = {code = code, seq = seq, price = price, leader = leader, ends_at = num(h, 'ends'),
           extended = h.extended == '1', displaced = displaced, minimum = 0, status = status, extensions = ext}
redis.call('HSET', KEYS[3], refkey, cjson.encode(o))
redis.call('XADD', KEYS[5], '*', 'seq', int(seq), 'bidder', ARGV[1], 'max', int(amount), 'price', int(price),
           'leader', int(leader), 'ref', ref, 'at', int(now), 'ends', int(num(h, 'ends')), 'ext', int(ext),
           'buy_now', is_buy_now and '1' or '0', 'status', status, 'source', ARGV[8])
for i = 1, 5 do redis.call('EXPIRE', KEYS[i], tonumber(ARGV[9])) end
return cjson.encode(o)
"""
)

# ARGV: now, duration (ms), hard stop after the first end (ms). Returns the new end, or 0 if the
# auction was not waiting to open.
OPEN = (
    COMMON
    + r"""
local h = load(KEYS[1])
if not h or h.status ~= 'scheduled' then return 0 end
local ends = tonumber(ARGV[1]) + tonumber(ARGV[2])
redis.call('HSET', KEYS[1], 'status', 'open', 'ends', int(ends), 'hard', int(ends + tonumber(ARGV[3])))
return ends
"""
)

# ARGV: now. Returns 1 if this call closed the auction (it was open and due), else 0.
CLOSE = (
    COMMON
    + r"""
local h = load(KEYS[1])
if not h or h.status ~= 'open' or tonumber(ARGV[1]) < num(h, 'ends') then return 0 end
redis.call('HSET', KEYS[1], 'status', 'closed')
return 1
"""
)

# Returns 1 if this call cancelled the auction (no bid yet, not over), else 0.
CANCEL = (
    COMMON
    + r"""
local h = load(KEYS[1])
if not h or num(h, 'count') > 0 or (h.status ~= 'scheduled' and h.status ~= 'open') then return 0 end
redis.call('HSET', KEYS[1], 'status', 'cancelled')
return 1
"""
)

# Rebuild an auction's state from its durable copy, unless another process did it first.
# ARGV: TTL, then the state's field/value pairs; KEYS[2] gets the maxes as bidder/max pairs after
# the marker '--', KEYS[3] the refs of the accepted bids after a second '--'.
LOAD = r"""
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local target = 1
local i = 2
while i <= #ARGV do
  if ARGV[i] == '--' then
    target = target + 1; i = i + 1
  else
    redis.call('HSET', KEYS[target], ARGV[i], ARGV[i + 1]); i = i + 2
  end
end
for k = 1, 3 do
  if redis.call('EXISTS', KEYS[k]) == 1 then redis.call('EXPIRE', KEYS[k], tonumber(ARGV[1])) end
end
return 1
"""
