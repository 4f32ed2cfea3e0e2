-- Iterators: each_call, each_extension, each_user walk every record across
-- pages, fetching a page only when the loop needs it.
local helper = require("spec.helper")

describe("each_call", function()
  local wildix = helper.configured()

  it("should yield every call of a date range, in list order", function()
    local range = { date_from = "2026-01-10", date_to = "2026-01-16" }
    local expected = wildix.list_calls({ date_from = range.date_from, date_to = range.date_to, limit = 1000 })
    assert.is_true(expected.total > 100 and expected.total <= 1000)
    local scanned = {}
    for call in wildix.each_call({ date_from = range.date_from, date_to = range.date_to, page_size = 50 }) do
      scanned[#scanned + 1] = call
    end
    assert.equals(expected.total, #scanned)
    helper.assert_same_calls(expected.calls, scanned)
  end)

  it("should fetch pages only when needed", function()
    local before = helper.stats().requests
    local next_call = wildix.each_call({ page_size = 10 })
    assert.equals(before + 1, helper.stats().requests)  -- only the stats call
    for _ = 1, 10 do assert.is_table(next_call()) end
    assert.equals(before + 3, helper.stats().requests)  -- one page, two stats calls
    assert.is_table(next_call())
    assert.equals(before + 5, helper.stats().requests)  -- the second page
  end)

  it("should keep returning nil once done", function()
    local next_call = wildix.each_call({ date_from = "2026-03-31 23:00", date_to = "2026-03-31" })
    while next_call() do end
    assert.is_nil(next_call())
    assert.is_nil(next_call())
  end)

  it("should yield nothing for an empty range", function()
    for _ in wildix.each_call({ date_from = "2025-01-01", date_to = "2025-01-02" }) do
      error("no call expected")
    end
  end)

  it("should refuse bad parameters at once, naming them", function()
    for params, expected in pairs({
      [{ page_size = 0 }] = "'page_size'",
      [{ page_size = 1001 }] = "'page_size'",
      [{ limit = 10 }] = "unknown parameter 'limit'",
      [{ date_from = "soon" }] = "'date_from'",
    }) do
      local err = helper.error_of(wildix.each_call, params)
      assert.equals("argument", err.kind)
      assert.truthy(err.message:find("each_call", 1, true), err.message)
      assert.truthy(err.message:find(expected, 1, true), err.message)
    end
    assert.equals("argument", helper.error_of(wildix.each_call, "x").kind)
  end)

  it("should retry the failed page, not skip it, when called again after an error", function()
    local listed = wildix.list_calls({ limit = 10, page = 2 }).calls
    local faulty = helper.faulty("ok,500,ok", { retries = 0 })
    local next_call = faulty.each_call({ page_size = 10 })
    local yielded = {}
    for _ = 1, 10 do yielded[next_call().id] = true end
    assert.equals(500, helper.error_of(next_call).status)
    -- The 11th call (of the same second as the listed one: the PBX orders
    -- calls sharing a second its own way on each request), not one yielded.
    local eleventh = next_call()
    assert.equals(listed[1].start, eleventh.start)
    assert.is_nil(yielded[eleventh.id])
  end)

  it("should raise request errors where the loop is", function()
    local faulty = helper.faulty("500,500,500", { retries = 0 })
    local next_call = faulty.each_call()
    local err = helper.error_of(next_call)
    assert.equals("http", err.kind)
    assert.equals(500, err.status)
  end)
end)

describe("each_extension and each_user", function()
  local wildix = helper.configured()

  it("should walk every extension and user once", function()
    for _, name in ipairs({ "each_extension", "each_user" }) do
      local seen, n = {}, 0
      for record in wildix[name]({ page_size = 100 }) do
        assert.is_nil(seen[record.id])
        seen[record.id], n = true, n + 1
      end
      assert.equals(321, n, name)
    end
  end)

  it("should add number and user_name to extensions", function()
    local first = wildix.each_extension()()
    assert.equals(first.extension, first.number)
    assert.equals(first.name, first.user_name)
  end)

  it("should be on every account namespace", function()
    wildix.configure("office", { url = helper.url, token = helper.token })
    for _, name in ipairs({ "each_call", "each_extension", "each_user" }) do
      assert.is_function(wildix.office[name], name)
      assert.is_function(wildix.default[name], name)
    end
    assert.is_table(wildix.office.each_user({ page_size = 1 })())
  end)
end)

describe("a scan of a remote PBX", function()
  -- A PBX that takes 20 ms to answer: pages asked for ahead overlap.
  local url = helper.sandbox("--latency 20")

  -- A fresh module whose default account is `pbx` (default: the one above).
  local function account(concurrency, pbx)
    local wildix = helper.fresh()
    wildix.configure{ url = pbx or url, token = helper.token, concurrency = concurrency }
    return wildix
  end

  it("should keep up to concurrency pages in flight, and yield every record once, in order", function()
    local expected = account(1).list_calls{ limit = 1000 }.calls
    assert.equals(1, helper.stats(url).in_flight_max) -- one request at a time
    local wildix = account(4)
    local scanned = {}
    for call in wildix.each_call{ page_size = 100 } do
      scanned[#scanned + 1] = call
      if #scanned == #expected then break end
    end
    helper.assert_same_calls(expected, scanned)
    local most = helper.stats(url).in_flight_max
    assert.is_true(most >= 2 and most <= 4, "in flight at most: " .. most)
  end)

  it("should ask for nothing ahead until the loop needs its second page", function()
    local wildix = account(4)
    local next_call = wildix.each_call{ page_size = 100 }
    local before = helper.stats(url).requests -- counts its own request too
    for _ = 1, 100 do assert.is_table(next_call()) end
    local after_first = helper.stats(url).requests
    assert.equals(before + 2, after_first)       -- the first page (and one stats call)
    -- Record 101: the second page, asked for with the next ones; once it
    -- is taken, up to concurrency (4) pages stay in flight after it (those
    -- the PBX has not seen yet are not counted).
    assert.is_table(next_call())
    local asked = helper.stats(url).requests - after_first - 1
    assert.is_true(asked >= 1 and asked <= 5, "pages asked for: " .. asked)
  end)

  it("should ask at once for the requests a long list_calls needs, and give the same list", function()
    -- The PBX serves 100 calls a request: limit = 1000 takes 10.
    local pbx = helper.sandbox("--latency 10 --seed 3")
    local one = account(1, pbx)
    local sequential = one.list_calls{ limit = 1000, page = 2 }
    assert.equals(1, helper.stats(pbx).in_flight_max)
    local four = account(4, pbx)
    local parallel = four.list_calls{ limit = 1000, page = 2 }
    local most = helper.stats(pbx).in_flight_max
    assert.is_true(most >= 2 and most <= 4, "in flight at most: " .. most)
    assert.equals(1000, #parallel.calls)
    helper.assert_same_calls(sequential.calls, parallel.calls)
    assert.equals(sequential.total, parallel.total)
    assert.equals(sequential.has_more, parallel.has_more)
  end)

  it("should keep at most concurrency requests in flight for the whole account", function()
    -- Two scans of one account, read in turns: they share its 4 places.
    local pbx = helper.sandbox("--latency 20 --seed 5")
    local wildix = account(4, pbx)
    local calls, users = wildix.each_call{ page_size = 100 }, wildix.each_extension{ page_size = 20 }
    local n = 0
    for _ = 1, 1200 do
      if calls() then n = n + 1 end
      if users() then n = n + 1 end
    end
    assert.is_true(n > 1200)
    local most = helper.stats(pbx).in_flight_max
    assert.is_true(most >= 2 and most <= 4, "in flight at most: " .. most)
  end)

  it("should ask for one page at a time with concurrency 1", function()
    local quiet = helper.sandbox("--latency 5")
    local wildix = account(1, quiet)
    local n = 0
    for _ in wildix.each_call{ page_size = 100 } do n = n + 1 end
    assert.equals(wildix.list_calls{ limit = 1 }.total, n)
    assert.equals(1, helper.stats(quiet).in_flight_max)
  end)

  it("should meet an error where it happens, after every record before it", function()
    -- One page, then every request fails: the second page and those asked
    -- for ahead with it.
    local wildix = helper.faulty("ok" .. string.rep(",500", 12), { retries = 0, concurrency = 4 })
    local next_call, n = wildix.each_call{ page_size = 100 }, 0
    local ok, err = pcall(function()
      while next_call() do n = n + 1 end
    end)
    assert.is_false(ok)
    assert.equals(500, err.status)
    assert.equals(100, n)
  end)

  -- This process's threads, and a count of them once none is ending (the
  -- threads of earlier tests may still be).
  local function threads()
    local f = io.open("/proc/self/stat")
    if not f then return nil end
    local pid = f:read("*l"):match("^(%d+)")
    f:close()
    local p = assert(io.popen("ls /proc/" .. pid .. "/task | wc -l"))
    local count = tonumber(p:read("*a"))
    p:close()
    return count
  end
  local function settled_threads()
    collectgarbage()
    collectgarbage()
    local baseline, waited = threads(), 0
    repeat
      os.execute("sleep 0.1")
      local now = threads()
      local settled = now == baseline
      baseline, waited = now, waited + 1
    until settled or waited == 20
    return baseline
  end
  -- Waits up to a second for the thread count to fall back to `baseline`.
  local function back_to(baseline)
    local waited = 0
    while threads() > baseline and waited < 10 do
      os.execute("sleep 0.1")
      waited = waited + 1
    end
    return threads()
  end
  -- One page at once, then every answer takes 2 s: the loop waits for the
  -- second page, asked for with the next ones, and leaves with the page
  -- asked for after it in flight. Whether more threads ran than `baseline`
  -- just before it left; `closing`: the loop gets the iterator's
  -- to-be-closed value (Lua 5.4), else the iterator alone.
  local function leave_in_flight(baseline, closing)
    local scanning = helper.faulty("ok" .. string.rep(",delay2000", 20), { concurrency = 4 })
    local f, s, c, closer = scanning.each_call{ page_size = 100 }
    if not closing then closer = nil end
    local n, ahead = 0, nil
    for _ in f, s, c, closer do
      n = n + 1
      if n == 101 then
        ahead = threads() > baseline
        break
      end
    end
    return ahead
  end

  it("should stop what is in flight when the iterator is collected", function()
    if not threads() then return pending("needs /proc") end
    local baseline = settled_threads()
    assert.is_true(leave_in_flight(baseline, false), "no page was asked for ahead")
    -- A compiled LuaJIT loop holds the iterator it called for as long as
    -- its trace lives: let go of the traces, as the VM does in time.
    if jit then jit.flush() end
    collectgarbage()
    collectgarbage()
    -- Stopped, a request ends within its 0.1 s wait slice, not after 2 s.
    assert.equals(baseline, back_to(baseline))
  end)

  if _VERSION == "Lua 5.4" then
    it("should stop what is in flight at once when the loop is left (Lua 5.4)", function()
      if not threads() then return pending("needs /proc") end
      local baseline = settled_threads()
      -- The loop is left with the collector stopped: only closing can help.
      collectgarbage("stop")
      local ok, err = pcall(function()
        assert.is_true(leave_in_flight(baseline, true), "no page was asked for ahead")
        assert.equals(baseline, back_to(baseline))
      end)
      collectgarbage("restart")
      assert(ok, err)
    end)

    it("should refuse to go on once its loop has closed it (Lua 5.4)", function()
      local scanning = helper.configured()
      local f, s, c, closing = scanning.each_call{ page_size = 10 }
      for _ in f, s, c, closing do break end  -- luacheck: ignore 512 (left at once, on purpose)
      local ok, err = pcall(f)
      assert.is_false(ok)
      assert.equals("argument", err.kind)
      assert.matches("closed when its loop was left", err.message)
      -- The safe iterator is closed the same way, and says so as it fails.
      f, s, c, closing = scanning.safe.each_call{ page_size = 10 }
      for _ in f, s, c, closing do break end  -- luacheck: ignore 512 (left at once, on purpose)
      local record, failure = f()
      assert.is_nil(record)
      assert.equals("argument", failure.kind)
      -- A loop that ran to its end closes the scan too, and it stays ended.
      f, s, c, closing = scanning.each_extension{}
      local n = 0
      for _ in f, s, c, closing do n = n + 1 end
      assert.is_true(n > 0)
      assert.is_nil(f())
    end)
  else
    it("should return the iterator alone, where for closes nothing", function()
      local scanning = helper.configured()
      assert.equals(1, select("#", scanning.each_call{ page_size = 100 }))
      assert.equals(2, select("#", scanning.safe.each_call{ page_size = 100 }))
    end)
  end
end)

describe("each_call's direction and missed filters", function()
  local wildix = helper.configured()
  local range = { date_from = "2026-03-01", date_to = "2026-03-10" }

  local function collect(extra)
    local params = { page_size = 200 }
    for k, v in pairs(range) do params[k] = v end
    for k, v in pairs(extra or {}) do params[k] = v end
    local ids = {}
    for call in wildix.each_call(params) do ids[#ids + 1] = call end
    return ids
  end

  it("should keep exactly the records whose own fields match", function()
    local all = collect()
    local expect_missed, expect_out = {}, {}
    for _, c in ipairs(all) do
      assert.equals(c.direction == "inbound" and c.status ~= "answered", c.missed)
      if c.missed then expect_missed[#expect_missed + 1] = c.id end
      if c.direction == "outbound" then expect_out[#expect_out + 1] = c.id end
    end
    assert.is_true(#expect_missed > 0 and #expect_out > 0)
    -- Calls that share a second come in each request's own order: compare
    -- the sets.
    table.sort(expect_missed)
    table.sort(expect_out)
    local got = {}
    for i, c in ipairs(collect({ missed = true })) do got[i] = c.id end
    table.sort(got)
    assert.same(expect_missed, got)
    got = {}
    for i, c in ipairs(collect({ direction = "outbound", fields = { "start" } })) do
      got[i] = c.id
      assert.is_nil(c.status) -- fields still apply; the filter's own field is built
    end
    table.sort(got)
    assert.same(expect_out, got)
    assert.equals("argument", helper.error_of(wildix.each_call, { direction = "sideways" }).kind)
    -- On list_calls they are fields, not filters: a page stays the PBX's page.
    assert.equals("argument", helper.error_of(wildix.list_calls, { missed = true }).kind)
  end)
end)

describe("one extension's calls", function()
  local wildix = helper.configured()

  it("should have their direction from that extension's side, in lists and scans", function()
    local checked = 0
    local function check(call)
      if call.from == "100" then
        assert.equals("outbound", call.direction)
        checked = checked + 1
      elseif call.to == "100" then
        assert.equals("inbound", call.direction)
        assert.equals(call.status ~= "answered", call.missed)
        checked = checked + 1
      end
    end
    for _, call in ipairs(wildix.list_calls{ extension = "100", limit = 200 }.calls) do check(call) end
    for call in wildix.each_call{ extension = "100", page_size = 50 } do check(call) end
    assert.is_true(checked >= 10, checked)
  end)
end)
