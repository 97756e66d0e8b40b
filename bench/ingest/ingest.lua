-- wrk script: signed API-channel messages, every request with a new external id.
--
-- Environment (set by bench/ingest/run.sh):
--   BENCH_PATH    request path, e.g. /webhooks/api/1
--   BENCH_SECRET  the inbox secret (HMAC-SHA256 key)
--   BENCH_RUN     a run nonce, part of every id
--   BENCH_KIND    "api" (default): API-channel messages signed with X-Parley-Signature;
--                 "whatsapp": WhatsApp Cloud API webhooks (one inbound text message each, as
--                 Meta documents the payload) signed with X-Hub-Signature-256, for
--                 BENCH_PHONE_NUMBER_ID
--
-- WHY SIGN IN LUA (and not a pre-signed pool): ids must never repeat within a run, and a run
-- against nginx sends ~1M requests in 15 s, so a pre-generated pool of signed ~1.2 KB requests
-- would need >1 GB per wrk thread. Signing a whole 1 KB body per request in pure Lua (~20
-- SHA-256 blocks) would instead make wrk the bottleneck. So the body is laid out as
--
--     <prefix: contact + 1 KB text, a multiple of 64 bytes> <tail: "id":"...">}
--
-- (JSON objects are unordered, so a WhatsApp message object can end with its "id" too.)
--
-- and the HMAC inner hash state after ipad||prefix (the SHA-256 "midstate") is computed once
-- per contact at start-up. Each request then costs two SHA-256 compressions: the tail block
-- of the inner hash and the single block of the outer hash (whose opad midstate is also
-- precomputed). Measured: ~10 us of wrk CPU per request, against ~7 us for a static request
-- and ~8.4 us for a Lua request() that only formats; the same cost in both runs. run.sh also
-- runs nginx with one static pre-signed request (BENCH_STATIC=1 below) to show the difference.
-- A self-test against RFC 4231 aborts the run if the Lua SHA-256 is wrong.
local bit = require("bit")
local band, bor, bxor, bnot = bit.band, bit.bor, bit.bxor, bit.bnot
local ror, rshift, lshift, tobit, tohex = bit.ror, bit.rshift, bit.lshift, bit.tobit, bit.tohex
local sbyte, srep, schar, sformat, concat = string.byte, string.rep, string.char, string.format, table.concat

local K = {
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
}
for i = 1, 64 do K[i] = tobit(K[i]) end
local H0 = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 }
for i = 1, 8 do H0[i] = tobit(H0[i]) end

local W = {}
-- One SHA-256 compression: state H (8 words) and the 16 words already in W[1..16] -> out.
local function compress(H, out)
  for i = 17, 64 do
    local w15, w2 = W[i - 15], W[i - 2]
    local s0 = bxor(ror(w15, 7), ror(w15, 18), rshift(w15, 3))
    local s1 = bxor(ror(w2, 17), ror(w2, 19), rshift(w2, 10))
    W[i] = tobit(W[i - 16] + s0 + W[i - 7] + s1)
  end
  local a, b, c, d, e, f, g, h = H[1], H[2], H[3], H[4], H[5], H[6], H[7], H[8]
  for i = 1, 64 do
    local S1 = bxor(ror(e, 6), ror(e, 11), ror(e, 25))
    local ch = bxor(band(e, f), band(bnot(e), g))
    local t1 = h + S1 + ch + K[i] + W[i]
    local S0 = bxor(ror(a, 2), ror(a, 13), ror(a, 22))
    local maj = bxor(band(a, b), band(a, c), band(b, c))
    h, g, f, e, d, c, b, a = g, f, e, tobit(d + t1), c, b, a, tobit(t1 + S0 + maj)
  end
  out[1], out[2], out[3], out[4] = tobit(H[1] + a), tobit(H[2] + b), tobit(H[3] + c), tobit(H[4] + d)
  out[5], out[6], out[7], out[8] = tobit(H[5] + e), tobit(H[6] + f), tobit(H[7] + g), tobit(H[8] + h)
  return out
end

-- Loads 64 bytes of s starting at byte `at` into W[1..16] (big-endian words).
local function load(s, at)
  for i = 1, 16 do
    local b1, b2, b3, b4 = sbyte(s, at, at + 3)
    W[i] = bor(lshift(b1, 24), lshift(b2, 16), lshift(b3, 8), b4)
    at = at + 4
  end
end

-- Runs whole 64-byte blocks of s (#s must be a multiple of 64) from state H; returns a new state.
local function blocks(H, s)
  local state = { H[1], H[2], H[3], H[4], H[5], H[6], H[7], H[8] }
  for at = 1, #s, 64 do
    load(s, at)
    compress(state, state)
  end
  return state
end

-- Standard padding: s .. 0x80 .. zeros .. 64-bit big-endian bit length of `total` bytes
-- (always < 2^31 bits here, so the high word is zero).
local function pad(s, total)
  local bits = total * 8
  return s .. "\128" .. srep("\0", (55 - total) % 64) .. "\0\0\0\0" ..
         schar(band(rshift(bits, 24), 0xff), band(rshift(bits, 16), 0xff), band(rshift(bits, 8), 0xff), band(bits, 0xff))
end

local function hexstate(H)
  local parts = {}
  for i = 1, 8 do parts[i] = tohex(H[i], 8) end
  return concat(parts)
end

local function hmacMidstates(key)
  if #key > 64 then error("keys over 64 bytes are not supported") end
  key = key .. srep("\0", 64 - #key)
  local ipad, opad = {}, {}
  for i = 1, 64 do
    local k = sbyte(key, i)
    ipad[i], opad[i] = schar(bxor(k, 0x36)), schar(bxor(k, 0x5c))
  end
  return blocks(H0, concat(ipad)), blocks(H0, concat(opad))
end

local digest = {}
-- The outer hash: one block holding the 32-byte inner digest, from the opad midstate.
local function outer(opad_state, inner)
  for i = 1, 8 do W[i] = inner[i] end
  W[9] = tobit(0x80000000)
  for i = 10, 15 do W[i] = 0 end
  W[16] = (64 + 32) * 8
  return hexstate(compress(opad_state, digest))
end

-- HMAC of (already hashed prefix of prefix_len bytes) .. tail, from the prefix midstate.
local inner_out = {}
local function hmacTail(prefix_state, prefix_len, tail, opad_state)
  local padded = pad(tail, 64 + prefix_len + #tail)
  local state = prefix_state
  for at = 1, #padded, 64 do
    load(padded, at)
    state = compress(state, inner_out)
  end
  return outer(opad_state, state)
end

-- Self-test: RFC 4231 test case 2 (key "Jefe"), via the same midstate path.
do
  local data = "what do ya want for nothing?"
  local i, o = hmacMidstates("Jefe")
  local got = hmacTail(i, 0, data, o)
  local want = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
  if got ~= want then error("Lua HMAC-SHA256 self-test failed: " .. got) end
end

-- ---------------------------------------------------------------------------------------------
local path = os.getenv("BENCH_PATH") or "/webhooks/api/1"
local secret = os.getenv("BENCH_SECRET") or "secret"
local run = os.getenv("BENCH_RUN") or "run"
local host = os.getenv("BENCH_HOST") or "127.0.0.1"
local kind = os.getenv("BENCH_KIND") or "api"
local phone_number_id = os.getenv("BENCH_PHONE_NUMBER_ID") or "100000000000001"
local CONTACTS = 500  -- per wrk thread; messages spread over them (and their conversations)
if kind ~= "api" and kind ~= "whatsapp" then error("BENCH_KIND must be api or whatsapp") end
local signature_header = kind == "whatsapp" and "X-Hub-Signature-256" or "X-Parley-Signature"

local ipad_state, opad_state = hmacMidstates(secret)
local filler = "Hello, my order has not arrived yet and the tracking page shows no update since Monday. "

-- The body before the text, the text's closing, and the end after the id, per kind.
local function head(tid, c)
  if kind == "whatsapp" then
    -- A webhook of one inbound text message, as in Meta's "Webhooks payload examples: text".
    local wa_id = sformat("4930%07d", tid * 100000 + c)
    return sformat('{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"field":"messages",' ..
                   '"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881",' ..
                   '"phone_number_id":"%s"},"contacts":[{"profile":{"name":"Bench Contact %d"},"wa_id":"%s"}],' ..
                   '"messages":[{"from":"%s","timestamp":"1733090000","type":"text","text":{"body":"',
                   phone_number_id, c, wa_id, wa_id)
  end
  return sformat('{"contact":{"id":"bench-%d-%d","name":"Bench Contact %d","phone":"+4930%07d",' ..
                 '"email":"c%d.%d@bench.example"},"text":"', tid, c, c, tid * 100000 + c, tid, c)
end
local text_end = kind == "whatsapp" and '"},' or '",'
local body_end = kind == "whatsapp" and '"}]}}]}]}' or '"}'
local id_prefix = kind == "whatsapp" and "wamid." or ""

-- Per contact: a prefix of ~1 KB that is a multiple of 64 bytes, and its midstate.
local prefixes, states = {}, {}
local function buildPrefixes(tid)
  for c = 1, CONTACTS do
    local h = head(tid, c)
    local text_len = 960 - #h - #text_end
    if text_len < 64 then text_len = text_len + 1024 end
    text_len = text_len + (64 - (#h + text_len + #text_end) % 64) % 64
    local text = srep(filler, math.ceil(text_len / #filler)):sub(1, text_len)
    local prefix = h .. text .. text_end
    assert(#prefix % 64 == 0)
    prefixes[c], states[c] = prefix, blocks(ipad_state, prefix)
  end
end

local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

if os.getenv("BENCH_STATIC") == "1" then
  -- Informational only (run.sh's "nginx, static request" row): one pre-signed request that wrk
  -- sends over and over without calling Lua, to show what this script itself costs the client.
  function init(args)
    buildPrefixes(tid)
    local tail = sformat('"id":"%s%s-static%s', id_prefix, run, body_end)
    wrk.method, wrk.path, wrk.body = "POST", path, prefixes[1] .. tail
    wrk.headers["Content-Type"] = "application/json"
    wrk.headers[signature_header] = "sha256=" .. hmacTail(states[1], #prefixes[1], tail, opad_state)
  end
else
  function init(args)
    buildPrefixes(tid)
  end

  function request()
    counter = counter + 1
    local c = counter % CONTACTS + 1
    local prefix = prefixes[c]
    local tail = sformat('"id":"%s%s-%d-%d%s', id_prefix, run, tid, counter, body_end)
    local sig = hmacTail(states[c], #prefix, tail, opad_state)
    return concat({ "POST ", path, " HTTP/1.1\r\nHost: ", host, "\r\nContent-Type: application/json\r\n",
                    signature_header, ": sha256=", sig, "\r\nContent-Length: ", #prefix + #tail, "\r\n\r\n",
                    prefix, tail })
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  local non2xx = e.status
  -- Machine-readable, parsed by run.sh. wrk counts a response with status > 399 as a status
  -- error; this server sends no 1xx/3xx, so every other completed response is a 2xx.
  io.write(sformat("BENCH requests=%d duration_us=%d rps=%.1f ok2xx=%d non2xx=%d connect=%d read=%d " ..
                   "write=%d timeout=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d\n",
                   summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
                   summary.requests - non2xx, non2xx, e.connect, e.read, e.write, e.timeout,
                   latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
