-- wildix.safe: every function and namespace, returning nil, err instead of
-- raising, like cjson.safe.
local helper = require("spec.helper")

describe("wildix.safe", function()
  local wildix = helper.configured()
  local safe = wildix.safe

  it("should return results as the raising functions do", function()
    assert.same(wildix.get_current_user(), safe.get_current_user())
    local raising, safe_page = wildix.list_calls({ limit = 3 }), safe.wildix_list_calls({ limit = 3 })
    helper.assert_same_calls(raising.calls, safe_page.calls)
    raising.calls, safe_page.calls = nil, nil
    assert.same(raising, safe_page)
    assert.equals(wildix.version, safe.version)
  end)

  it("should return nil and the error object instead of raising", function()
    local result, err = safe.get_call({ id = "missing" })
    assert.is_nil(result)
    assert.equals("not_found", err.kind)
    assert.truthy(err:find("404"))
    result, err = safe.list_calls({ limt = 1 })
    assert.is_nil(result)
    assert.equals("argument", err.kind)
    result, err = safe.configure("x", { url = "http://example.com", token = "t-0123456789" })
    assert.is_nil(result)
    assert.equals("config", err.kind)
  end)

  it("should mirror account namespaces, configured or not", function()
    wildix.configure("office", { url = helper.url, token = helper.token })
    assert.equals("1", safe.office.get_current_user().id)
    local result, err = safe.offfice.list_calls({})
    assert.is_nil(result)
    assert.equals("config", err.kind)
  end)

  it("should give iterators that return nil, err on failure when called by hand", function()
    local n = 0
    for _ in safe.each_user({ page_size = 100 }) do n = n + 1 end
    assert.equals(321, n)
    local iterator, err = safe.each_call({ page_size = 0 })
    assert.is_nil(iterator)
    assert.equals("argument", err.kind)
    local faulty = helper.faulty("500,500", { retries = 0 })
    local next_call = faulty.safe.each_call()
    local record, failure = next_call()
    assert.is_nil(record)
    assert.equals(500, failure.status)
  end)

  it("should show a failure mid-scan to the generic for that runs it", function()
    -- Two pages, then the token is refused: the loop's body sees false, err
    -- once, after every record before it, and the loop ends.
    -- concurrency 1: the fault steps go to the pages in order.
    local faulty = helper.faulty("ok,ok,401", { retries = 0, concurrency = 1 })
    local users, seen = 0, {}
    for user, err in faulty.safe.each_user({ page_size = 100 }) do
      if user then
        users = users + 1
      else
        seen[#seen + 1] = err
      end
    end
    assert.equals(200, users)
    assert.equals(1, #seen)
    assert.equals("auth", seen[1].kind)
    assert.equals(401, seen[1].status)
    -- The loop that does not look for it fails loudly, never silently.
    local loud = helper.faulty("ok,401", { retries = 0, concurrency = 1 })
    local ok, problem = pcall(function()
      for user in loud.safe.each_user({ page_size = 100 }) do local _ = user.name end
    end)
    assert.is_false(ok)
    assert.matches("index", tostring(problem))
  end)

  it("should mirror every public function", function()
    for name, value in pairs(wildix) do
      if type(value) == "function" and name:sub(1, 1) ~= "_" then
        assert.is_function(safe[name], name)
      end
    end
  end)
end)
