-- The HTTP layer as a Lua user sees it: one kept-alive connection per
-- account, bounded answers.
local helper = require("spec.helper")

describe("connections", function()
  it("should reuse one connection for consecutive calls on an account", function()
    local wildix = helper.configured()
    wildix.get_current_user()
    local before = helper.stats().connections
    for _ = 1, 20 do
      wildix.list_users({ limit = 5 })
    end
    -- each stats call opens a connection of its own
    assert.equals(before + 1, helper.stats().connections)
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
