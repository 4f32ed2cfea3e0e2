-- make soak: 20,000 mixed calls through 10% injected transient faults
-- (503, 502, 504, reset, close, 429, a body cut short; every 10th request)
-- with retries = 3. Passes when no error reaches Lua and resident memory
-- after the run is within 10 MiB of its value after the first 1,000 calls.
local wildix = require("wildix")

local CALLS = tonumber(os.getenv("SOAK_CALLS") or "20000")
local LIMIT_KIB = 10 * 1024

wildix.configure({
  url = assert(os.getenv("WILDIX_URL"), "WILDIX_URL") .. "/_fault/every10",
  token = assert(os.getenv("WILDIX_TOKEN"), "WILDIX_TOKEN"),
  retries = 3,
})

local function rss_kib()
  collectgarbage("collect")
  local f = assert(io.open("/proc/self/status"))
  local status = f:read("*a")
  f:close()
  return tonumber(status:match("VmRSS:%s*(%d+)"))
end

local first = wildix.list_calls({ limit = 100 }).calls
local users = wildix.list_users({ limit = 100 }).users
local operations = {
  function(i) return wildix.list_calls({ limit = 50, page = 1 + i % 100 }) end,
  function(i) return wildix.get_call({ id = first[1 + i % #first].id }) end,
  function(i) return wildix.list_extensions({ limit = 25, page = 1 + i % 12 }) end,
  function(i) return wildix.get_extension({ id = users[1 + i % #users].id }) end,
  function(i) return wildix.list_users({ limit = 100, page = 1 + i % 3 }) end,
  function() return wildix.get_current_user() end,
}

local started, errors, rss_after_1000 = os.time(), 0, nil
for i = 1, CALLS do
  local ok, err = pcall(operations[1 + i % #operations], i)
  if not ok then
    errors = errors + 1
    if errors <= 5 then io.stderr:write("error: ", tostring(err), "\n") end
  end
  if i == 1000 then rss_after_1000 = rss_kib() end
  if i % 5000 == 0 then io.stderr:write(("%d calls, %d errors\n"):format(i, errors)) end
end
local rss_end = rss_kib()
local growth = rss_end - (rss_after_1000 or rss_end)

print(("calls:                 %d (%d s, retries = 3, 10%% of requests faulted)"):format(CALLS, os.time() - started))
print(("errors reaching Lua:   %d"):format(errors))
print(("RSS after 1,000 calls: %.1f MiB"):format((rss_after_1000 or 0) / 1024))
print(("RSS after the run:     %.1f MiB (%+.1f MiB)"):format(rss_end / 1024, growth / 1024))
if errors > 0 or growth > LIMIT_KIB then
  print("soak: FAILED")
  os.exit(1)
end
print("soak: passed")
