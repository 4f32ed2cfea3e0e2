-- One contender, one workload, in this process: prints
-- `RESULT median min max peak_rss_kib` (microseconds per operation over the
-- repeats, after one warm-up round). bench/bench.lua runs it for every pair.
--
-- usage: <lua> bench/run.lua CONTENDER WORKLOAD REPEATS
--   CONTENDER: wildix | luasocket | luacurl   (WILDIX_URL, WILDIX_TOKEN, BENCH_BODY in env;
--   for W6, BENCH_PAGE: the page size, and BENCH_CONCURRENCY: wildix's concurrency)
local contender, workload, repeats = arg[1], arg[2], tonumber(arg[3] or "5")
local URL, TOKEN = os.getenv("WILDIX_URL"), os.getenv("WILDIX_TOKEN")
local now = require("socket").gettime  -- wall clock, microsecond resolution

local function read_file(path)
  local f = assert(io.open(path, "rb"))
  local body = f:read("*a")
  f:close()
  return body
end

local function peak_rss_kib()
  local status = read_file("/proc/self/status")
  return tonumber(status:match("VmHWM:%s*(%d+)"))
end

-- What a competent Lua user adds to each call record: the same fields, by
-- the same rules, as wildix (interface.md).
local STATUS = { ANSWERED = "answered", ["NO ANSWER"] = "no_answer", BUSY = "busy", FAILED = "failed" }

local function seconds(t)
  local y, mo, d, h, mi, s = t:match("^(%d%d%d%d)-(%d%d)-(%d%d)[ T](%d%d):(%d%d):(%d%d)")
  if not y then return nil end
  y, mo = tonumber(y), tonumber(mo)
  if mo <= 2 then y, mo = y - 1, mo + 12 end
  local days = 365 * y + math.floor(y / 4) - math.floor(y / 100) + math.floor(y / 400)
    + math.floor((153 * (mo - 3) + 2) / 5) + tonumber(d)
  return ((days * 24 + tonumber(h)) * 60 + tonumber(mi)) * 60 + tonumber(s)
end

local function normalise_call(c)
  c.id = tostring(c.id)
  local from = c.from_number
  if from == nil or from == "" then from = c.src or from end
  c.from = from
  local to = c.to_number
  if to == nil or to == "" then to = c.dst or to end
  c.to = to
  local d = c.disposition
  c.status = d and (STATUS[d] or d:lower()) or "unknown"
  local billsec = tonumber(c.billsec)
  if billsec then billsec = math.floor(billsec) end
  c.billsec = billsec
  local duration = tonumber(c.duration)
  if not duration and c.start and c["end"] then
    local s, e = seconds(c.start), seconds(c["end"])
    if s and e and e >= s then duration = e - s end
  end
  c.duration = duration and math.floor(duration) or billsec
end

local function list_target(limit, page)
  return ("/api/v1/PBX/CallHistory/?start=%d&count=%d&sort=start&dir=DESC"):format(page * limit, limit)
end

local cjson_decode
local function decode_page(body)
  local doc = cjson_decode(body)
  local result = doc.result
  local records = result.records
  for i = 1, #records do normalise_call(records[i]) end
  return { calls = records, total = tonumber(result.total) }
end

local function decode_record(body)
  local record = cjson_decode(body).result
  record.id = tostring(record.id)
  return record
end

-- Each contender: get(target) -> body, and how it decodes.
local client = {}
if contender == "wildix" then
  local wildix = require("wildix")
  -- concurrency only for W6: builds from before it (BASELINE) refuse the option.
  wildix.configure({ url = URL, token = TOKEN, concurrency = tonumber(os.getenv("BENCH_CONCURRENCY") or "") })
  client.me = function() return wildix.get_current_user() end
  client.list = function(limit, page) return wildix.list_calls({ limit = limit, page = page + 1 }) end
  client.scan = function(rows, page_size)
    local n = 0
    for _ in wildix.each_call({ page_size = page_size or 1000 }) do
      n = n + 1
      if n == rows then break end
    end
    return n
  end
  client.decode = function(body) return wildix._decode("list_calls", body) end
  client.decode_plain = client.decode
else
  local cjson = require("cjson")
  cjson_decode = cjson.decode
  local get
  if contender == "luasocket" then
    local http, ltn12 = require("socket.http"), require("ltn12")
    local headers = { Authorization = "Bearer " .. TOKEN }
    get = function(target)
      local chunks = {}
      local ok, code = http.request({ url = URL .. target, headers = headers, sink = ltn12.sink.table(chunks) })
      assert(ok and code == 200, "request failed: " .. tostring(code))
      return table.concat(chunks)
    end
  elseif contender == "luacurl" then
    local curl = require("curl")
    local handle = curl.easy_init()  -- reused: libcurl keeps the connection alive
    local chunks, n = {}, 0
    handle:setopt(curl.OPT_HTTPHEADER, { "Authorization: Bearer " .. TOKEN })
    handle:setopt(curl.OPT_WRITEFUNCTION, function(buffer)
      n = n + 1
      chunks[n] = buffer
      return #buffer
    end)
    get = function(target)
      n = 0
      handle:setopt(curl.OPT_URL, URL .. target)
      assert(handle:perform())
      return table.concat(chunks, "", 1, n)
    end
  else
    error("unknown contender " .. tostring(contender))
  end
  client.me = function() return decode_record(get("/api/v1/personal/info")) end
  client.list = function(limit, page) return decode_page(get(list_target(limit, page))) end
  client.scan = function(rows, page_size)
    page_size = page_size or 1000
    local n, page = 0, 0
    while n < rows do
      local result = decode_page(get(list_target(page_size, page)))
      for _ in ipairs(result.calls) do
        n = n + 1
        if n == rows then break end
      end
      page = page + 1
    end
    return n
  end
  client.decode = decode_page
  client.decode_plain = function(body) return cjson_decode(body) end -- W7: nothing to normalise
end

local body = os.getenv("BENCH_BODY") and read_file(os.getenv("BENCH_BODY"))
-- W7's body: 1,000,000 empty records (3 MB), built here, before the peak is read.
local empty = workload == "W7"
  and '{"type":"result","result":{"total":1000000,"records":[' .. string.rep("{},", 999999) .. "{}]}}"
local WORKLOADS = {
  W1 = { 2000, function() client.me() end },
  W2 = { 500, function(i) client.list(100, i % 50) end },
  W3 = { 100, function(i) client.list(1000, i % 20) end },
  W4 = { 1, function() assert(client.scan(20000) == 20000) end },
  W4big = { 1, function() assert(client.scan(100000) == 100000) end },
  -- A remote PBX (the sandbox answers after 50 ms): one scan, no warm-up.
  W6 = { 1, function() assert(client.scan(20000, tonumber(os.getenv("BENCH_PAGE"))) == 20000) end, once = true },
  W5 = { 100, function() client.decode(body) end },
  -- Once, with no warm-up: the figure is the peak RSS of one decode.
  W7 = { 1, function() client.decode_plain(empty) end, once = true },
}
local spec = assert(WORKLOADS[workload], "unknown workload " .. tostring(workload))
local ops, op = spec[1], spec[2]

local per_op = {}
if spec.once then repeats = 1 end
for round = spec.once and 1 or 0, repeats do
  collectgarbage("collect")
  local started = now()
  for i = 1, ops do op(i) end
  if round > 0 then per_op[#per_op + 1] = (now() - started) * 1e6 / ops end
end
table.sort(per_op)
print(("RESULT %.1f %.1f %.1f %d"):format(per_op[math.floor(#per_op / 2) + 1], per_op[1], per_op[#per_op],
  peak_rss_kib()))
