-- The HTTP layer as a Lua user sees it: kept-alive connections shared by
-- the accounts of a PBX (src/pool.rs), bounded answers.
local helper = require("spec.helper")

describe("connections", function()
  it("should open at most one connection for 100 consecutive calls on an account", function()
    local before = helper.stats().connections
    local wildix = helper.configured()
    for i = 1, 100 do
      if i % 2 == 0 then wildix.list_users({ limit = 5 }) else wildix.get_current_user() end
    end
    -- one connection (none when an earlier account's is idle in the pool),
    -- and the stats call's own
    assert.is_true(helper.stats().connections <= before + 2)
  end)

  it("should share a PBX's connection between its accounts", function()
    local before = helper.stats().connections
    for i = 1, 20 do
      helper.fresh().configure("shared" .. i, { url = helper.url, token = helper.token }).get_current_user()
    end
    assert.is_true(helper.stats().connections <= before + 2)
  end)
end)

describe("max_response_bytes", function()
  it("should fail with a decode error when an answer is larger", function()
    local wildix = helper.configured({ max_response_bytes = 2048 })
    local err = helper.error_of(wildix.list_calls, { limit = 100 })
    assert.equals("decode", err.kind)
    assert.truthy(err.message:find("max_response_bytes", 1, true))
    assert.is_table(wildix.get_current_user())
  end)
end)
