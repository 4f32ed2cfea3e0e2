-- Decoding alone, in one process: wildix._decode of one 1,000-record call
-- page (every field, and with `fields` naming three of them) against
-- cjson.decode of the same body (which builds the PBX's fields as sent,
-- and normalises nothing). ROUNDS rounds, each decoding REPEAT times with
-- each contender, in an order that rotates; a ratio is taken within each
-- round and the median reported. bench/bench.lua runs it on each Lua.
--
-- usage: <lua> bench/decode.lua BODY_FILE [ROUNDS] [REPEAT]
--   prints `DECODE contender median_us ratio_to_cjson` per contender
local path, ROUNDS, REPEAT = arg[1], tonumber(arg[2] or "15"), tonumber(arg[3] or "20")
local wildix, cjson = require("wildix"), require("cjson")
local now = require("socket").gettime
local median = require("bench.median")

local f = assert(io.open(path, "rb"))
local body = f:read("*a")
f:close()

local THREE = { fields = { "start", "status", "from" } }
local CONTENDERS = {
  { name = "wildix._decode", run = function() return wildix._decode("list_calls", body) end },
  { name = "wildix._decode fields=3", run = function() return wildix._decode("list_calls", body, THREE) end },
  { name = "cjson.decode", run = function() return cjson.decode(body) end },
}

local times = {}
for i = 1, #CONTENDERS do times[i] = {} end
for round = 0, ROUNDS do -- round 0 warms up
  for k = 0, #CONTENDERS - 1 do
    local i = (round + k) % #CONTENDERS + 1
    collectgarbage("collect")
    local started = now()
    for _ = 1, REPEAT do CONTENDERS[i].run() end
    if round > 0 then times[i][round] = (now() - started) * 1e6 / REPEAT end
  end
end

local CJSON = #CONTENDERS
for i, c in ipairs(CONTENDERS) do
  local ratios = {}
  for round = 1, ROUNDS do ratios[round] = times[i][round] / times[CJSON][round] end
  print(("DECODE %s\t%.1f\t%.3f"):format(c.name, median(times[i]), median(ratios)))
end
