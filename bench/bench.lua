-- make bench: wildix against the Lua clients a user would otherwise write,
-- and against the floor (the same requests in Rust, no Lua), in one run,
-- against one sandbox serving every answer from memory. Each contender and
-- workload runs in a process of its own (bench/run.lua), one warm-up round,
-- then REPEATS rounds; we report the median, min and max per operation,
-- operations per second, peak RSS and the ratio to wildix. Also writes
-- bench/results.md.
local REPEATS = tonumber(os.getenv("BENCH_REPEATS") or "5")
local TARGET = os.getenv("WILDIX_TARGET_DIR") or "target"
local SANDBOX = TARGET .. "/release/wildix-sandbox"
local FLOOR = TARGET .. "/release/wildix-bench-floor"
local TOKEN = "bench-token-0123456789"

local function sh(cmd)
  local p = assert(io.popen(cmd))
  local out = p:read("*a")
  p:close()
  return out
end

local function has_module(lua, module)
  return sh(lua .. " -e 'require(\"" .. module .. "\")' 2>/dev/null && echo yes") :find("yes") ~= nil
end

-- The sandbox: 100,000 calls, answers from memory; it exits with us. No
-- call-history cap, so a 1,000-record page is one request for every
-- contender, as in earlier runs.
local out = os.tmpname()
local lifeline = assert(io.popen(
  ("exec %s --port 0 --token %s --cache --call-cap 0 --calls 100000 --exit-on-stdin-eof > %s")
  :format(SANDBOX, TOKEN, out), "w"))
local url
for _ = 1, 400 do
  local f = io.open(out)
  url = f and (f:read("*l") or ""):match("^listening on (%S+)")
  if f then f:close() end
  if url then break end
  os.execute("sleep 0.05")
end
assert(url, "the sandbox did not start")

-- W5's body: one 1,000-record page, as the PBX sends it.
local body_file = os.tmpname()
sh(("lua5.4 -e 'local http = require(\"socket.http\"); local ltn12 = require(\"ltn12\"); local t = {}; "
  .. "http.request{ url = \"%s/api/v1/PBX/CallHistory/?start=0&count=1000&sort=start&dir=DESC\", "
  .. "headers = { Authorization = \"Bearer %s\" }, sink = ltn12.sink.table(t) }; "
  .. "local f = io.open(\"%s\", \"wb\"); f:write(table.concat(t)); f:close()'"):format(url, TOKEN, body_file))

local ENV = ("WILDIX_URL=%s WILDIX_TOKEN=%s BENCH_BODY=%s"):format(url, TOKEN, body_file)

-- Contenders: name, interpreter (nil: Rust), what run.lua calls it, needs.
local CONTENDERS = {
  { name = "wildix", lua = "lua5.4", runner = "wildix" },
  { name = "wildix", lua = "luajit", runner = "wildix" },
  { name = "luasocket+cjson", lua = "lua5.4", runner = "luasocket", needs = { "socket.http", "cjson" } },
  { name = "luasocket+cjson", lua = "luajit", runner = "luasocket", needs = { "socket.http", "cjson" } },
  { name = "lua-curl+cjson", lua = "luajit", runner = "luacurl", needs = { "curl", "cjson" } },
  { name = "floor (Rust: ureq+serde_json)" },
}
local WORKLOADS = {
  { id = "W1", what = "get_current_user ×2,000 (latency)" },
  { id = "W2", what = "list_calls limit=100 ×500" },
  { id = "W3", what = "list_calls limit=1000 ×100 (decode-bound)" },
  { id = "W4", what = "scan 20,000 calls in pages of 1,000 (iterator)", unit = "scan" },
  { id = "W4big", what = "scan 100,000 calls in pages of 1,000 (iterator)", unit = "scan" },
  { id = "W5", what = "decode one 1,000-record page (no request)", unit = "decode" },
  { id = "W7", what = "decode 1,000,000 empty records, a 3 MB body, once per process (no request; the figure "
    .. "is the peak RSS of that decode; the Lua baselines are cjson.decode alone)", unit = "decode" },
}

-- `make bench BASELINE=<rev>`: the module built at <rev> (tools/baseline.sh)
-- runs as one more contender, so a regression shows as a ratio in one run.
local baseline = os.getenv("BENCH_BASELINE") and io.open("build/baseline/REV")
if baseline then
  local rev = baseline:read("*l")
  baseline:close()
  for i, lua in ipairs({ "lua5.4", "luajit" }) do
    table.insert(CONTENDERS, 2 + i, { name = "wildix @" .. rev, lua = lua, runner = "wildix",
      cpath = "build/baseline/" .. lua })
  end
end

local function run(contender, workload)
  local cmd
  if contender.lua then
    for _, module in ipairs(contender.needs or {}) do
      if not has_module(contender.lua, module) then return nil, "no " .. module end
    end
    cmd = ("%s LUA_CPATH='%s/?.so;;' %s bench/run.lua %s %s %d 2>&1")
      :format(ENV, contender.cpath or ("build/" .. contender.lua), contender.lua, contender.runner, workload, REPEATS)
  else
    cmd = ("%s %s %s %d 2>&1"):format(ENV, FLOOR, workload, REPEATS)
  end
  local output = sh(cmd)
  local median, min, max, rss = output:match("RESULT (%S+) (%S+) (%S+) (%d+)")
  if not median then return nil, output:match("[^\n]*") end
  return { median = tonumber(median), min = tonumber(min), max = tonumber(max), rss = tonumber(rss) }
end

local rows = {}
for _, w in ipairs(WORKLOADS) do
  local wildix_by_lua = {}
  for _, c in ipairs(CONTENDERS) do
    io.stderr:write(("%-6s %-32s %-7s ..."):format(w.id, c.name, c.lua or ""))
    local r, why = run(c, w.id)
    io.stderr:write(r and (" %.1f µs\n"):format(r.median) or (" skipped: " .. tostring(why) .. "\n"))
    if r and c.runner == "wildix" and not c.cpath then wildix_by_lua[c.lua] = r end
    rows[#rows + 1] = { w = w, c = c, r = r, why = why, wildix = wildix_by_lua }
  end
end
lifeline:close()
os.remove(out)
os.remove(body_file)

local function fmt_us(us)
  if us >= 1000 then return ("%.2f ms"):format(us / 1000) end
  return ("%.1f µs"):format(us)
end

local lines = {
  "| workload | contender | Lua | median | min | max | ops/s | peak RSS | × wildix |",
  "|---|---|---|---:|---:|---:|---:|---:|---:|",
}
for _, row in ipairs(rows) do
  local r, c = row.r, row.c
  if r then
    -- Lua baselines compare with wildix on the same interpreter; the floor with wildix on Lua 5.4.
    local ref = row.wildix[c.lua or "lua5.4"]
    local ratio = ref and ("%.2f"):format(r.median / ref.median) or "—"
    lines[#lines + 1] = ("| %s | %s | %s | %s | %s | %s | %.0f | %.1f MiB | %s |"):format(
      row.w.id, c.name, c.lua or "—", fmt_us(r.median), fmt_us(r.min), fmt_us(r.max), 1e6 / r.median,
      r.rss / 1024, ratio)
  else
    lines[#lines + 1] = ("| %s | %s | %s | skipped: %s | | | | | |"):format(row.w.id, c.name, c.lua or "—", row.why)
  end
end
local table_text = table.concat(lines, "\n")
print(table_text)

local cpu = sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"):gsub("^%s+", ""):gsub("%s+$", "")
local machine = ("%s, %s cores, %s, %s"):format(cpu, sh("nproc"):gsub("%s+", ""),
  sh("uname -sr"):gsub("%s+$", ""), sh("date -u +%Y-%m-%d"):gsub("%s+", ""))
local doc = {}
for _, w in ipairs(WORKLOADS) do doc[#doc + 1] = ("- **%s**: %s"):format(w.id, w.what) end

local results = assert(io.open("bench/results.md", "r"))
local previous = results:read("*a")
results:close()
-- Keep the hand-written part (profiles, notes) after the generated table.
local notes = previous:match("\n(## Profile.*)$") or ""
results = assert(io.open("bench/results.md", "w"))
results:write("# Benchmark results\n\n",
  "Generated by `make bench` (bench/bench.lua). Machine: ", machine, ".\n",
  ("One sandbox serving answers from memory; each cell one process: a warm-up round, then %d rounds; "
    .. "times are per operation (per scan for W4, per decode for W5). "
    .. "`× wildix`: this contender's median over wildix's on the same interpreter "
    .. "(the floor: over wildix on Lua 5.4); above 1 means wildix is faster.\n\n"):format(REPEATS),
  table.concat(doc, "\n"), "\n\n", table_text, "\n\n", notes)
results:close()
print("\nwritten to bench/results.md")
