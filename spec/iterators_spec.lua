-- Iterators: each_call, each_extension, each_user walk every record across
-- pages, fetching a page only when the loop needs it.
local helper = require("spec.helper")

describe("each_call", function()
  local wildix = helper.configured()

  it("should yield every call of a date range, in list order", function()
    local range = { date_from = "2026-01-10", date_to = "2026-01-16" }
    local expected = wildix.list_calls({ date_from = range.date_from, date_to = range.date_to, limit = 1000 })
    assert.is_true(expected.total > 100 and expected.total <= 1000)
    local i = 0
    for call in wildix.each_call({ date_from = range.date_from, date_to = range.date_to, page_size = 50 }) do
      i = i + 1
      assert.equals(expected.calls[i].id, call.id)
      assert.is_string(call.status)
    end
    assert.equals(expected.total, i)
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
    for _ = 1, 10 do next_call() end
    assert.equals(500, helper.error_of(next_call).status)
    assert.equals(listed[1].id, next_call().id)
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
