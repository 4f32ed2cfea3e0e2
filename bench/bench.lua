-- make bench: wildix against the Lua clients a user would otherwise write,
-- and against the floor (the same requests in Rust, no Lua), in one run,
-- against one sandbox serving every answer from memory. REPEATS rounds per
-- workload; each round runs every contender once, in a process of its own
-- (bench/run.lua: a warm-up round, then one measured round), in an order
-- that rotates from round to round. A slow spell on this shared machine
-- then hits every contender of a round alike, and the ratio to wildix is
-- taken within each round (paired), its median reported. Also reports the
-- median, min and max per operation, operations per second and peak RSS,
-- and writes bench/results.md.
local REPEATS = tonumber(os.getenv("BENCH_REPEATS") or "7")
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
local function start_sandbox(flags)
  local out = os.tmpname()
  local lifeline = assert(io.popen(
    ("exec %s --port 0 --token %s --cache --call-cap 0 --calls 100000 --exit-on-stdin-eof %s > %s")
    :format(SANDBOX, TOKEN, flags or "", out), "w"))
  for _ = 1, 400 do
    local f = io.open(out)
    local url = f and (f:read("*l") or ""):match("^listening on (%S+)")
    if f then f:close() end
    if url then
      os.remove(out)
      return url, lifeline
    end
    os.execute("sleep 0.05")
  end
  error("the sandbox did not start")
end
local url, lifeline = start_sandbox()
-- W6's remote PBX: every answer takes 50 ms, as a cloud PBX tens of
-- milliseconds away that spends time on each page.
local remote_url, remote_lifeline = start_sandbox("--latency 50")

-- W5's body: one 1,000-record page, as the PBX sends it.
local body_file = os.tmpname()
sh(("lua5.4 -e 'local http = require(\"socket.http\"); local ltn12 = require(\"ltn12\"); local t = {}; "
  .. "http.request{ url = \"%s/api/v1/PBX/CallHistory/?start=0&count=1000&sort=start&dir=DESC\", "
  .. "headers = { Authorization = \"Bearer %s\" }, sink = ltn12.sink.table(t) }; "
  .. "local f = io.open(\"%s\", \"wb\"); f:write(table.concat(t)); f:close()'"):format(url, TOKEN, body_file))

local ENV = ("WILDIX_URL=%s WILDIX_TOKEN=%s BENCH_BODY=%s"):format(url, TOKEN, body_file)
local REMOTE_ENV = ("WILDIX_URL=%s WILDIX_TOKEN=%s"):format(remote_url, TOKEN)

-- Contenders: name, interpreter (nil: Rust), what run.lua calls it, needs.
local CONTENDERS = {
  { name = "wildix", lua = "lua5.4", runner = "wildix" },
  { name = "wildix", lua = "luajit", runner = "wildix" },
  { name = "luasocket+cjson", lua = "lua5.4", runner = "luasocket", needs = { "socket.http", "cjson" } },
  { name = "luasocket+cjson", lua = "luajit", runner = "luasocket", needs = { "socket.http", "cjson" } },
  { name = "lua-curl+cjson", lua = "luajit", runner = "luacurl", needs = { "curl", "cjson" } },
  { name = "floor (Rust: ureq+serde_json)" },
}
-- W6's contenders: wildix at its defaults and one page at a time, the
-- sequential Lua-cURL loop, and the transport floor: curl asking for the
-- same pages, N at a time (curl -Z).
local REMOTE_CONTENDERS = {
  { name = "wildix", lua = "lua5.4", runner = "wildix" },
  { name = "wildix concurrency=1", lua = "lua5.4", runner = "wildix", concurrency = 1 },
  { name = "wildix", lua = "luajit", runner = "wildix" },
  { name = "lua-curl+cjson", lua = "luajit", runner = "luacurl", needs = { "curl", "cjson" } },
  { name = "curl -Z --parallel-max 4 (transport)", runner = "curlz", parallel = 4 },
}
local WORKLOADS = {
  { id = "W1", what = "get_current_user ×2,000 (latency)" },
  { id = "W2", what = "list_calls limit=100 ×500" },
  { id = "W3", what = "list_calls limit=1000 ×100 (decode-bound)" },
  { id = "W4", what = "scan 20,000 calls in pages of 1,000 (iterator)", unit = "scan" },
  { id = "W4big", what = "scan 100,000 calls in pages of 1,000 (iterator)", unit = "scan" },
  { id = "W5", what = "decode one 1,000-record page (no request)", unit = "decode" },
  { id = "W6", label = "W6/100", page = 100, remote = true, rounds = 3, contenders = REMOTE_CONTENDERS,
    what = "scan 20,000 calls from a PBX that answers after 50 ms, pages of 100 (200 requests)", unit = "scan" },
  { id = "W6", label = "W6/1000", page = 1000, remote = true, rounds = 3, contenders = REMOTE_CONTENDERS,
    what = "the same, pages of 1,000 (20 requests)", unit = "scan" },
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

--- curl asking for W6's pages, `parallel` at a time: microseconds a scan.
local function run_curlz(contender, w)
  local config = os.tmpname()
  local f = assert(io.open(config, "w"))
  for page = 0, 20000 // w.page - 1 do
    f:write(('url = "%s/api/v1/PBX/CallHistory/?start=%d&count=%d&sort=start&dir=DESC"\noutput = "/dev/null"\n')
      :format(remote_url, page * w.page, w.page))
  end
  f:close()
  local out = sh(("s=$(date +%%s%%N); curl -sS --no-progress-meter --fail -Z --parallel-max %d "
    .. "-H 'Authorization: Bearer %s' -K %s "
    .. "&& e=$(date +%%s%%N) && echo RESULT $(( (e - s) / 1000 )) 0 0 0"):format(contender.parallel, TOKEN, config))
  os.remove(config)
  return out
end

local function run(contender, w)
  local workload = w.id
  local cmd
  if contender.runner == "curlz" then
    if not sh("command -v curl"):find("curl") then return nil, "no curl" end
    local output = run_curlz(contender, w)
    local us = output:match("RESULT (%S+)")
    if not us then return nil, output:match("[^\n]*") end
    return { us = tonumber(us), rss = 0 }
  elseif contender.lua then
    for _, module in ipairs(contender.needs or {}) do
      if not has_module(contender.lua, module) then return nil, "no " .. module end
    end
    local env = w.remote and ("%s BENCH_PAGE=%d BENCH_CONCURRENCY=%d"):format(REMOTE_ENV, w.page,
      contender.concurrency or 4) or ENV
    cmd = ("%s LUA_CPATH='%s/?.so;;' %s bench/run.lua %s %s 1 2>&1")
      :format(env, contender.cpath or ("build/" .. contender.lua), contender.lua, contender.runner, workload)
  else
    cmd = ("%s %s %s 1 2>&1"):format(ENV, FLOOR, workload)
  end
  local output = sh(cmd)
  local us, _, _, rss = output:match("RESULT (%S+) (%S+) (%S+) (%d+)")
  if not us then return nil, output:match("[^\n]*") end
  return { us = tonumber(us), rss = tonumber(rss) }
end

local median = require("bench.median")

-- The wildix contender each one is compared with: the one on the same
-- interpreter (the floor: wildix on Lua 5.4).
local function reference(c, contenders)
  for i, other in ipairs(contenders) do
    if other.runner == "wildix" and not other.cpath and not other.concurrency and other.lua == (c.lua or "lua5.4") then
      return i
    end
  end
end

-- BENCH_ONLY=W6: only the workloads whose id starts so (bench/results.md is
-- then not rewritten).
local only = os.getenv("BENCH_ONLY")
if only then
  local kept = {}
  for _, w in ipairs(WORKLOADS) do
    if w.id:sub(1, #only) == only then kept[#kept + 1] = w end
  end
  WORKLOADS = kept
end

local rows = {}
for _, w in ipairs(WORKLOADS) do
  local contenders, rounds = w.contenders or CONTENDERS, w.rounds or REPEATS
  -- per contender: the time of each round (by round number), peak RSS, why skipped
  local got = {}
  for i = 1, #contenders do got[i] = { times = {}, rss = 0 } end
  for round = 1, rounds do
    for k = 0, #contenders - 1 do
      local i = (round - 1 + k) % #contenders + 1
      local c, g = contenders[i], got[i]
      if not g.why then
        io.stderr:write(("%-7s round %d/%d %-36s %-7s ..."):format(w.label or w.id, round, rounds, c.name, c.lua or ""))
        local r, why = run(c, w)
        io.stderr:write(r and (" %.1f µs\n"):format(r.us) or (" skipped: " .. tostring(why) .. "\n"))
        if r then
          g.times[round] = r.us
          g.rss = math.max(g.rss, r.rss)
        else
          g.why = why
        end
      end
    end
  end
  for i, c in ipairs(contenders) do
    local g, ref = got[i], got[reference(c, contenders)]
    local all, ratios = {}, {}
    for round = 1, rounds do
      local t = g.times[round]
      if t then
        all[#all + 1] = t
        if ref and ref.times[round] then ratios[#ratios + 1] = t / ref.times[round] end
      end
    end
    if g.why or #all == 0 then
      rows[#rows + 1] = { w = w, c = c, why = g.why or "no result" }
    else
      table.sort(all)
      rows[#rows + 1] = { w = w, c = c, r = { median = median(all), min = all[1], max = all[#all], rss = g.rss,
        ratio = median(ratios) } }
    end
  end
end
lifeline:close()
remote_lifeline:close()

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
    local ratio = r.ratio and ("%.2f"):format(r.ratio) or "—"
    lines[#lines + 1] = ("| %s | %s | %s | %s | %s | %s | %.0f | %s | %s |"):format(
      row.w.label or row.w.id, c.name, c.lua or "—", fmt_us(r.median), fmt_us(r.min), fmt_us(r.max),
      1e6 / r.median, r.rss > 0 and ("%.1f MiB"):format(r.rss / 1024) or "—", ratio)
  else
    lines[#lines + 1] = ("| %s | %s | %s | skipped: %s | | | | | |"):format(row.w.label or row.w.id, c.name,
      c.lua or "—", row.why)
  end
end
local table_text = table.concat(lines, "\n")
print(table_text)

local cpu = sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"):gsub("^%s+", ""):gsub("%s+$", "")
local machine = ("%s, %s cores, %s, %s"):format(cpu, sh("nproc"):gsub("%s+", ""),
  sh("uname -sr"):gsub("%s+$", ""), sh("date -u +%Y-%m-%d"):gsub("%s+", ""))
local doc = {}
for _, w in ipairs(WORKLOADS) do doc[#doc + 1] = ("- **%s**: %s"):format(w.label or w.id, w.what) end

if only then
  os.remove(body_file)
  return
end

-- Decoding alone, in one process per interpreter (bench/decode.lua):
-- wildix._decode, with and without `fields`, against cjson.decode.
local decode_lines = {
  "| Lua | wildix._decode | × cjson.decode | with `fields` (3 of 22) | × cjson.decode | cjson.decode |",
  "|---|---:|---:|---:|---:|---:|",
}
for _, lua in ipairs({ "lua5.1", "lua5.4", "luajit" }) do
  io.stderr:write(("decode alone, %s ...\n"):format(lua))
  local out = sh(("LUA_CPATH='build/%s/?.so;;' %s bench/decode.lua %s 2>&1"):format(lua, lua, body_file))
  local got = {}
  for name, us, ratio in out:gmatch("DECODE ([^\t]+)\t(%S+)\t(%S+)") do
    got[name] = { tonumber(us), tonumber(ratio) }
  end
  local all, three, cjson = got["wildix._decode"], got["wildix._decode fields=3"], got["cjson.decode"]
  if all and three and cjson then
    decode_lines[#decode_lines + 1] = ("| %s | %s | %.2f | %s | %.2f | %s |"):format(lua, fmt_us(all[1]), all[2],
      fmt_us(three[1]), three[2], fmt_us(cjson[1]))
  else
    decode_lines[#decode_lines + 1] = ("| %s | skipped: %s | | | | |"):format(lua, out:match("[^\n]*"))
  end
end
os.remove(body_file)
local decode_text = table.concat(decode_lines, "\n")
print("\n" .. decode_text)

-- Politeness under load: 8 Lua states on 8 threads share one account at
-- max_requests_per_second = 50 (tests/lua_state.rs, an ignored test).
io.stderr:write("load check: 8 Lua states at max_requests_per_second = 50 ...\n")
local load = sh((os.getenv("CARGO") or "cargo")
  .. " test --release --features lua-tests --test lua_state -- --ignored --nocapture load_ 2>&1")
local rate = load:match("(RATE [^\n]*)") or ("load check failed: " .. (load:match("panicked[^\n]*") or "no result"))
print("\n" .. rate)

local results = assert(io.open("bench/results.md", "r"))
local previous = results:read("*a")
results:close()
-- Keep the hand-written part (profiles, notes) after the generated table.
local notes = previous:match("\n(## Profile.*)$") or ""
results = assert(io.open("bench/results.md", "w"))
results:write("# Benchmark results\n\n",
  "Generated by `make bench` (bench/bench.lua). Machine: ", machine, ".\n",
  ("One sandbox serving answers from memory; %d interleaved rounds, each running every contender once "
    .. "in its own process (a warm-up round, then one measured round); times are per operation (per scan "
    .. "for W4 and W6, per decode for W5), peak RSS the largest of the rounds. W6 runs 3 rounds, each "
    .. "a single scan with no warm-up, against a second sandbox that answers after 50 ms. "
    .. "`× wildix`: the median, over the rounds, of this contender's time over wildix's in the same round "
    .. "on the same interpreter (the floor: over wildix on Lua 5.4); above 1 means wildix is faster.\n\n")
    :format(REPEATS),
  table.concat(doc, "\n"), "\n\n", table_text, "\n\n",
  "Load check (`max_requests_per_second`, tests/lua_state.rs): ", rate:gsub("^RATE ", ""), ".\n\n",
  "Decoding alone (bench/decode.lua: W5's page, in one process per Lua, 15 interleaved rounds of 20 decodes "
    .. "each; `× cjson.decode` is the median of the ratios within a round; `fields` names start, status and "
    .. "from):\n\n", decode_text, "\n\n", notes)
results:close()
print("\nwritten to bench/results.md")
