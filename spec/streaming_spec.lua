-- Large answers (64 KB and more) are built in Lua while another thread
-- decodes the rest of them (src/decode/stream.rs, src/lua_push.rs): the
-- records are the ones a whole decode gives, the last `records` key still
-- wins, and an answer that fails after its records fails the call.
local helper = require("spec.helper")

local function record(i)
  return ('{"id":"%d","start":"2026-11-30 10:%02d:00","src":"10%d","dst":"+4930 \\u00e9%d",'
    .. '"disposition":"%s","billsec":"%d","note":"line\\nbreak %d"}'):format(
      i, i % 60, i % 10, i, i % 3 == 0 and "NO ANSWER" or "ANSWERED", i % 7, i)
end

local function body_of(first, last, after)
  local records = {}
  for i = first, last do records[#records + 1] = record(i) end
  return '{"type":"result","result":{"total":' .. last .. ',"records":[' .. table.concat(records, ",")
    .. "]" .. (after or "") .. "}}"
end

describe("a large answer, built while it is decoded", function()
  local wildix = helper.fresh()
  local BIG = body_of(1, 1000)

  it("should give each record as a small answer gives it", function()
    assert.is_true(#BIG > 64 * 1024)
    local big = wildix._decode("list_calls", BIG)
    assert.equals(1000, #big.calls)
    assert.equals(1000, big.total)
    assert.is_false(big.has_more)
    for i = 1, 1000, 37 do
      local small = wildix._decode("list_calls", body_of(i, i))
      assert.same(small.calls[1], big.calls[i])
    end
    -- Written down: escapes, and the fields the rules add.
    assert.same({
      id = "999", start = "2026-11-30 10:39:00", src = "109", dst = "+4930 é999",
      disposition = "NO ANSWER", billsec = 5, note = "line\nbreak 999",
      from = "109", to = "+4930 é999", status = "no_answer", duration = 5, direction = "outbound",
      missed = false,
    }, big.calls[999])
  end)

  it("should let a second records key replace the first", function()
    local decoded = wildix._decode("list_calls", body_of(1, 1000, ',"records":[' .. record(7) .. "]"))
    assert.equals(1, #decoded.calls)
    assert.equals("7", decoded.calls[1].id)
    assert.is_nil(decoded.calls[2])
  end)

  it("should fail as a whole when the answer fails after its records", function()
    local refused = BIG:sub(1, -2) .. ',"type":"error","code":403,"reason":"no access"}'
    local err = helper.error_of(wildix._decode, "list_calls", refused)
    assert.equals("auth", err.kind)
    assert.equals("decode", helper.error_of(wildix._decode, "list_calls", BIG:sub(1, -3)).kind)
  end)

  it("should give list_calls the page a PBX serves in one answer", function()
    local url = helper.sandbox("--call-cap 0")
    wildix.configure{ url = url, token = helper.token }
    local before = helper.stats(url).requests
    local page = wildix.list_calls{ limit = 1000 }
    assert.equals(1 + 1, helper.stats(url).requests - before) -- and the stats request
    assert.equals(1000, #page.calls)
    assert.is_true(page.has_more)
    for k = 1, 10 do
      local part = wildix.list_calls{ limit = 100, page = k }.calls
      helper.assert_same_calls(helper.slice(page.calls, (k - 1) * 100 + 1, k * 100), part, "page " .. k .. ": ")
    end
  end)
end)
