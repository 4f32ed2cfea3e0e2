-- Call history: list_calls paging and dates, get_call, and the call record's
-- added fields, against the sandbox PBX.
local helper = require("spec.helper")

-- The four `status` takes, and a disposition the sandbox has beyond them
-- (CONGESTION, lower-cased).
local STATUSES = { answered = true, no_answer = true, busy = true, failed = true, congestion = true }

local function is_integer(n)
  if math.type then return math.type(n) == "integer" end
  return type(n) == "number" and n == math.floor(n)
end

describe("list_calls", function()
  local wildix = helper.configured()

  it("should return a page with calls, total, page, limit and has_more", function()
    local result = wildix.list_calls({ limit = 10, page = 1 })
    assert.equals(10, #result.calls)
    assert.equals(6001, result.total)
    assert.equals(1, result.page)
    assert.equals(10, result.limit)
    assert.is_true(result.has_more)
    assert.is_true(is_integer(result.total) and is_integer(result.page) and is_integer(result.limit))
  end)

  it("should default to 25 records on page 1", function()
    local result = wildix.list_calls()
    assert.equals(25, #result.calls)
    assert.equals(25, result.limit)
    assert.equals(1, result.page)
    assert.same(result.calls[1], wildix.list_calls({}).calls[1])
  end)

  it("should return calls newest first, pages following each other", function()
    local first = wildix.list_calls({ limit = 5, page = 1 }).calls
    local second = wildix.list_calls({ limit = 5, page = 2 }).calls
    local ten = wildix.list_calls({ limit = 10 }).calls
    helper.assert_same_calls(helper.slice(ten, 1, 5), first, "page 1: ")
    helper.assert_same_calls(helper.slice(ten, 6, 10), second, "page 2: ")
    for i = 2, 10 do
      assert.is_true(ten[i - 1].start >= ten[i].start)
    end
  end)

  it("should give an empty sequence past the last page", function()
    local result = wildix.list_calls({ limit = 1000, page = 100 })
    assert.same({}, result.calls)
    assert.is_false(result.has_more)
    assert.equals(6001, result.total)
  end)

  it("should say has_more is false on the last page", function()
    local result = wildix.list_calls({ limit = 1000, page = 7 })
    assert.equals(1, #result.calls)
    assert.is_false(result.has_more)
  end)

  it("should filter by date, a bare date_to meaning the whole day", function()
    local result = wildix.list_calls({ date_from = "2026-01-10", date_to = "2026-01-10", limit = 1000 })
    assert.is_true(#result.calls > 0)
    assert.equals(#result.calls, result.total)
    for _, call in ipairs(result.calls) do
      assert.equals("2026-01-10", call.start:sub(1, 10))
    end
    local late = 0
    for _, call in ipairs(result.calls) do
      if call.start >= "2026-01-10 12:00:00" then late = late + 1 end
    end
    assert.is_true(late > 0)
  end)

  it("should accept times with a space or a T", function()
    local a = wildix.list_calls({ date_from = "2026-02-01 08:00", date_to = "2026-02-01T09:30:00", limit = 1000 })
    for _, call in ipairs(a.calls) do
      assert.is_true(call.start >= "2026-02-01 08:00:00" and call.start <= "2026-02-01 09:30:00")
    end
  end)

  it("should read the personal history with scope = 'personal'", function()
    local mine = helper.configured({ scope = "personal" }).list_calls({ limit = 1000 })
    local me = wildix.get_current_user()
    assert.is_true(mine.total > 0 and mine.total < 6001)
    for _, call in ipairs(mine.calls) do
      assert.is_true(call.from == me.extension or call.to == me.extension)
    end
  end)
end)

describe("call records", function()
  local wildix = helper.configured()
  local calls = wildix.list_calls({ limit = 1000 }).calls

  it("should add id, from, to, status, duration and billsec to every call", function()
    for _, call in ipairs(calls) do
      assert.is_string(call.id)
      assert.is_string(call.from)
      assert.is_string(call.to)
      assert.is_true(STATUSES[call.status], call.status)
      assert.is_true(is_integer(call.duration) and call.duration >= 0)
      assert.is_true(is_integer(call.billsec))
      assert.is_string(call.start)
      assert.is_string(call["end"])
      assert.is_string(call.disposition)
    end
  end)

  it("should map from/to from src/dst when the PBX sent those", function()
    local seen = 0
    for _, call in ipairs(calls) do
      if call.src then
        seen = seen + 1
        assert.equals(call.src, call.from)
        assert.equals(call.dst, call.to)
        assert.equals(tonumber(call.duration), call.duration)
      elseif call.from_number then
        assert.equals(call.from_number, call.from)
      end
    end
    assert.is_true(seen > 0)
  end)

  it("should compute duration as end - start when the PBX sent no duration", function()
    for _, call in ipairs(calls) do
      if not call.src then
        -- Seconds on the PBX's own clock (days from civil; no time zone).
        local function secs(t)
          local y, mo, d, h, mi, s = t:match("(%d+)-(%d+)-(%d+) (%d+):(%d+):(%d+)")
          y, mo = tonumber(y), tonumber(mo)
          if mo <= 2 then y, mo = y - 1, mo + 12 end
          local days = 365 * y + math.floor(y / 4) - math.floor(y / 100) + math.floor(y / 400)
            + math.floor((153 * (mo - 3) + 2) / 5) + tonumber(d)
          return ((days * 24 + h) * 60 + mi) * 60 + s
        end
        assert.equals(secs(call["end"]) - secs(call.start), call.duration)
        return
      end
    end
  end)

  it("should keep all PBX fields, with null never a sentinel", function()
    local call = calls[1]
    for _, field in ipairs({ "disposition", "lastapp", "channel", "dstchannel", "type", "cost", "userfield" }) do
      assert.is_not_nil(call[field], field)
    end
    assert.equals("", call.userfield)
    for _, value in pairs(call) do
      assert.is_true(type(value) ~= "userdata" and type(value) ~= "lightuserdata")
    end
  end)

  it("should map every disposition", function()
    local seen = {}
    for _, call in ipairs(calls) do seen[call.status] = true end
    assert.same(STATUSES, seen)
  end)

  it("should keep non-ASCII names intact", function()
    local found = false
    for _, call in ipairs(calls) do
      if (call.from_name or ""):find("[\128-\255]") then found = true end
    end
    assert.is_true(found)
  end)
end)

describe("get_call", function()
  local wildix = helper.configured()
  local listed = wildix.list_calls({ limit = 50 }).calls

  it("should return the call a list returned", function()
    local call = wildix.get_call({ id = listed[1].id })
    assert.same(listed[1], call)
  end)

  it("should find Asterisk-style dotted ids", function()
    for _, c in ipairs(listed) do
      if c.id:find(".", 1, true) then
        assert.equals(c.id, wildix.get_call({ id = c.id }).id)
        return
      end
    end
    error("no dotted id in the first page")
  end)

  it("should accept a number id as its decimal string", function()
    for _, c in ipairs(listed) do
      if c.id:match("^%d+$") then
        assert.equals(c.id, wildix.get_call({ id = tonumber(c.id) }).id)
        return
      end
    end
    error("no numeric id in the first page")
  end)

  it("should raise not_found naming the id for an unknown id", function()
    local err = helper.error_of(wildix.get_call, { id = "does-not-exist" })
    assert.equals("not_found", err.kind)
    assert.equals(404, err.status)
    assert.equals("GET", err.method)
    -- found by filtering the PBX's call history: the path has no id
    assert.equals("/api/v1/PBX/CallHistory/", err.path)
    assert.is_false(err.retryable)
    assert.equals("get_call: no call with id 'does-not-exist'", err.message)
  end)

  it("should send odd ids as a filter value, not a path", function()
    local err = helper.error_of(wildix.get_call, { id = "a b%c" })
    assert.equals("/api/v1/PBX/CallHistory/", err.path)
    assert.equals("get_call: no call with id 'a b%c'", err.message)
  end)
end)

describe("a call the network could not place", function()
  it("should have status congestion, from the PBX's CONGESTION", function()
    local wildix = helper.configured()
    for call in wildix.each_call{ page_size = 500 } do
      if call.disposition == "CONGESTION" then
        assert.equals("congestion", call.status)
        assert.is_false(call.status == "answered")
        return
      end
    end
    error("no CONGESTION call in the sandbox")
  end)
end)
