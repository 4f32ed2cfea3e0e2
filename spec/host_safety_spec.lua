-- The decoder never lets a Lua error unwind across Rust (src/lua_push.rs):
-- finalizers that raise while big pages are built, on every interpreter
-- (LuaJIT aborted the whole process once), give a catchable error or the
-- result, and the process goes on. Each case runs in a process of its own:
-- a raising finalizer can fire in any allocation, the test runner's too.
local helper = require("spec.helper")

local SCENARIO = [[
local wildix = require("wildix")
wildix.configure{ url = %q, token = %q }
local armed = true
local function garbage(n)
  for _ = 1, n do
    if newproxy then -- Lua 5.1 and LuaJIT: userdata are the only values with __gc
      local p = newproxy(true)
      getmetatable(p).__gc = function() if armed then error("finalizer failed") end end
    else
      setmetatable({}, { __gc = function() if armed then error("finalizer failed") end end })
    end
  end
end
local records = {}
for i = 1, 1000 do
  records[i] = ('{"id":"%%d","start":"2026-01-01 10:00:00","from_number":"101","disposition":"ANSWERED",'
    .. '"billsec":"%%d","note":"record %%d"}'):format(i, i, i)
end
local body = '{"type":"result","result":{"total":"1000","records":[' .. table.concat(records, ",") .. ']}}'
local results, errors, other, early = 0, 0, 0, 0
local function step()
  garbage(200) -- may raise itself: a finalizer runs in any allocation
  local ok, result = pcall(%s)
  if ok and #result.calls == 1000 then
    results = results + 1
  elseif not ok and tostring(result):find("finalizer failed", 1, true) then
    errors = errors + 1
  else
    other = other + 1
    print("unexpected: " .. tostring(result))
  end
end
-- no allocation in this loop itself, so nothing raises outside pcall
for _ = 1, 50 do
  if not pcall(step) then early = early + 1 end
end
armed = false
collectgarbage()
collectgarbage()
local after = wildix.list_calls{ limit = 5 }
print(("done %%d %%d %%d %%d %%d"):format(results, errors, other, early, #after.calls))
]]

local function _run(call)
  local out, ok = helper.run(SCENARIO:format(helper.url, helper.token, call))
  assert.is_true(ok, out)
  local results, errors, other, early, after = out:match("done (%d+) (%d+) (%d+) (%d+) (%d+)")
  assert.truthy(results, out)
  assert.equals(0, tonumber(other), out)
  assert.equals(50, tonumber(results) + tonumber(errors) + tonumber(early), out)
  assert.is_true(tonumber(results) + tonumber(errors) > 0, out)
  assert.equals(5, tonumber(after), out)
end

describe("a finalizer that raises while a page is decoded", function()
  it("should give a catchable error or the result, and the process lives", function()
    _run('wildix._decode, "list_calls", body')
  end)

  it("should do the same for pages fetched from the PBX", function()
    _run("wildix.list_calls, { limit = 1000 }")
  end)
end)

-- The peak resident memory of the process a memory spec runs in, in bytes
-- (Linux: /proc/self/status), for the scripts below.
local PEAK = [[
local function peak()
  local f = assert(io.open("/proc/self/status"))
  local kib = f:read("*a"):match("VmHWM:%s*(%d+)")
  f:close()
  return tonumber(kib) * 1024
end
]]

-- Memory proportional to the result: a 3 MB body of 1,000,000 empty
-- records once made the peak grow by 95 times its size, and by 60 times
-- while the Rust copy stayed whole until the Lua tables were built; lua-cjson
-- grows by about 25 times (it adds no field). With `status` alone added,
-- 43 (Lua 5.4) to 50 (LuaJIT) times; each record now also gains
-- `direction` and `missed`, three fields in a table per 3 bytes of body:
-- 68 (LuaJIT), 72 (Lua 5.4), 96 (Lua 5.1) times. The bound stays a
-- bound on memory per record, not per request.
describe("a body of 1,000,000 empty records", function()
  local status = io.open("/proc/self/status")
  local linux = status ~= nil
  if status then status:close() end

  local it_linux = linux and it or pending
  it_linux("should cost at most 110 times its size in peak memory", function()
    local out, ok = helper.run(PEAK .. [[
      local n = 1000000
      local body = '{"type":"result","result":{"total":' .. n .. ',"records":['
        .. string.rep('{},', n - 1) .. '{}]}}'
      local wildix = require("wildix")
      collectgarbage()
      local before = peak()
      local result = wildix._decode("list_calls", body)
      print(("records %d status %s bytes %d grew %d"):format(#result.calls, result.calls[n].status, #body,
        peak() - before))
    ]])
    assert.is_true(ok, out)
    local records, status_text, bytes, grew = out:match("records (%d+) status (%S+) bytes (%d+) grew (%d+)")
    assert.equals("1000000", records, out)
    assert.equals("unknown", status_text)
    assert.is_true(tonumber(grew) <= 110 * tonumber(bytes),
      ("peak memory grew by %.0f MB for a %.1f MB body"):format(grew / 2 ^ 20, bytes / 2 ^ 20))
  end)
end)

-- Registrations come grouped by extension, and each record gains its
-- group's key: one 4 KiB key over 100,000 registrations (a 300 KB body)
-- once cost 2,860 times the body, a copy of the key a record. The key is
-- now held once, one Lua string for the group: 53 (LuaJIT), 58 (5.4), 63
-- (5.3), 68 (5.2) and 74 (5.1) times, about what empty records cost (each
-- record here gains two fields).
describe("a registrations body with one long key for many records", function()
  local status = io.open("/proc/self/status")
  local it_linux = status and it or pending
  if status then status:close() end

  it_linux("should cost at most 90 times its size in peak memory", function()
    local out, ok = helper.run(PEAK .. [[
      local n = 100000
      local key = string.rep("7", 4096)
      local body = '{"type":"result","result":{"' .. key .. '":[' .. string.rep('{},', n - 1) .. '{}]}}'
      local wildix = require("wildix")
      collectgarbage()
      local before = peak()
      local list = wildix._decode("list_registrations", body).registrations
      print(("records %d key %d same %s bytes %d grew %d"):format(#list, #list[n].extension,
        tostring(list[1].extension == key), #body, peak() - before))
    ]])
    assert.is_true(ok, out)
    local records, key, same, bytes, grew = out:match("records (%d+) key (%d+) same (%S+) bytes (%d+) grew (%d+)")
    assert.equals("100000", records, out)
    assert.equals("4096", key)
    assert.equals("true", same)
    assert.is_true(tonumber(grew) <= 90 * tonumber(bytes),
      ("peak memory grew by %.0f MB for a %.1f MB body"):format(grew / 2 ^ 20, bytes / 2 ^ 20))
  end)
end)

-- Idle connections are bounded for the process (src/pool.rs), not kept
-- one per account forever: under a low limit on open files, 400 accounts
-- each make a call.
describe("many accounts", function()
  it("should each make a call under ulimit -n 256", function()
    local out, ok = helper.run(([[
      local wildix = require("wildix")
      local done = 0
      for i = 1, 400 do
        local ns = wildix.configure("account" .. i, { url = %q, token = %q })
        local ok, err = pcall(ns.get_current_user)
        if not ok then print("account " .. i .. ": " .. tostring(err)) break end
        done = done + 1
      end
      print("done " .. done)
    ]]):format(helper.url, helper.token), nil, "ulimit -n 256")
    assert.is_true(ok, out)
    assert.equals("done 400", out:match("done %d+"), out)
  end)
end)
