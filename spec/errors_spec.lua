-- Error objects: kinds, fields, the string behaviour KosmoKrator scripts rely
-- on, and argument errors raised before any request is sent.
local helper = require("spec.helper")

describe("argument errors", function()
  local wildix = helper.configured()

  -- Each case must fail with kind "argument" and send nothing.
  local cases = {
    -- The seed's four first, then every other key it takes.
    { "list_calls", { limt = 5 }, "unknown parameter 'limt' (expected: limit, page, date_from, date_to, status, "
      .. "type, search, extension, fields)" },
    { "list_calls", { limit = 0 }, "'limit'" },
    { "list_calls", { limit = 1001 }, "'limit'" },
    { "list_calls", { limit = 2.5 }, "'limit'" },
    { "list_calls", { limit = "many" }, "'limit'" },
    { "list_calls", { page = 0 }, "'page'" },
    { "list_calls", { page = -1 }, "'page'" },
    { "list_calls", { page = 0 / 0 }, "'page'" },
    { "list_calls", { limit = math.huge }, "'limit'" },
    { "list_calls", { date_from = "2026-02-30" }, "'date_from'" },
    { "list_calls", { date_to = "01/31/2026" }, "'date_to'" },
    { "list_calls", { date_from = "example_date_from" }, "'date_from'" },
    { "list_calls", { date_from = "2026-02-01", date_to = "2026-01-31" }, "later than" },
    { "list_calls", { "positional" }, "unknown parameter [1]" },
    { "list_calls", "x", "expected a table of parameters" },
    { "list_calls", 42, "expected a table of parameters" },
    { "list_extensions", { date_from = "2026-01-01" }, "(expected: limit, page, search, fields)" },
    { "list_users", { limit = {} }, "'limit'" },
    { "get_call", {}, "missing required parameter 'id'" },
    { "get_call", nil, "missing required parameter 'id'" },
    { "get_call", { id = "" }, "'id'" },
    { "get_call", { id = "." }, "'id'" },
    { "get_call", { id = ".." }, "'id'" },
    { "get_call", { id = "1/2" }, "'id'" },
    { "get_call", { id = "1?x=2" }, "'id'" },
    { "get_call", { id = "1#2" }, "'id'" },
    { "get_call", { id = "1\\2" }, "'id'" },
    { "get_call", { id = "1\n2" }, "'id'" },
    { "get_call", { id = 1.5 }, "'id'" },
    { "get_call", { id = true }, "'id'" },
    { "get_extension", { id = "../PBX/Colleagues" }, "'id'" },
    { "get_current_user", { x = 1 }, "unknown parameter 'x'" },
    { "get_current_user", "me", "expected a table of parameters" },
    { "get_call", { id = string.rep("7", 1000000) }, "too long" },
    { "list_calls", { date_from = string.rep("2", 1000000) }, "'date_from'" },
    { "list_calls", { limit = string.rep("9", 100000) }, "'limit'" },
    { "list_calls", { limit = 1000, page = 2 ^ 62 }, "too large" },
    { "list_calls", { page = -math.huge }, "'page'" },
    { "list_calls", { [string.rep("k", 100000)] = 1 }, "unknown parameter" },
    { "list_calls", { [true] = 1 }, "unknown parameter [true]" },
    { "list_calls", { [{}] = 1 }, "unknown parameter [a table]" },
    { "list_calls", { limit = print }, "'limit'" },
    { "list_calls", { date_to = { "2026-01-01" } }, "'date_to'" },
  }

  for _, case in ipairs(cases) do
    local fname, params, expected = case[1], case[2], case[3]
    it("should refuse " .. fname .. " with " .. tostring(expected) .. " before any request", function()
      local before = helper.stats().requests
      local err = helper.error_of(wildix[fname], params)
      assert.equals("argument", err.kind)
      assert.truthy(err.message:find(expected, 1, true), err.message)
      assert.truthy(err.message:find(fname, 1, true), "message names the function: " .. err.message)
      assert.is_false(err.retryable)
      assert.is_nil(err.status)
      -- one request: the stats call itself
      assert.equals(before + 1, helper.stats().requests)
    end)
  end

  it("should raise argument errors before config errors", function()
    local fresh = helper.fresh()
    assert.equals("argument", helper.error_of(fresh.list_calls, { limt = 1 }).kind)
  end)

  it("should refuse a colon call", function()
    local err = helper.error_of(function() return wildix:list_calls({}) end)
    assert.equals("argument", err.kind)
    assert.truthy(err.message:find("dot", 1, true))
  end)

  it("should refuse an unknown function on a namespace", function()
    local err = helper.error_of(function() return wildix.default.list_call({}) end)
    assert.equals("argument", err.kind)
  end)
end)

describe("error objects", function()
  local wildix = helper.configured()
  local err = helper.error_of(wildix.get_call, { id = "missing-call" })

  it("should carry kind, message, status, retryable, method and path", function()
    assert.equals("not_found", err.kind)
    assert.is_string(err.message)
    assert.equals(404, err.status)
    assert.is_false(err.retryable)
    assert.equals("GET", err.method)
    assert.equals("/api/v1/PBX/CallHistory/", err.path)
  end)

  it("should print as wildix: <kind>: <message> with status and path", function()
    assert.equals("wildix: not_found: " .. err.message .. " (HTTP 404, GET /api/v1/PBX/CallHistory/)",
      tostring(err))
  end)

  it("should concatenate on either side like a string", function()
    assert.equals("Error: " .. tostring(err), "Error: " .. err)
    assert.equals(tostring(err) .. "!", err .. "!")
  end)

  it("should answer string methods on its text", function()
    assert.truthy(err:find("404"))
    assert.equals("404", err:match("HTTP (%d+)"))
    assert.equals(tostring(err):lower(), err:lower())
    assert.equals(tostring(err):upper(), err:upper())
    assert.equals(#tostring(err), err:len())
  end)

  it("should raise auth for a wrong token", function()
    local bad = helper.fresh()
    bad.configure({ url = helper.url, token = "not-the-token-0123456789" })
    local e = helper.error_of(bad.list_users, {})
    assert.equals("auth", e.kind)
    assert.equals(401, e.status)
    assert.truthy(e.message:find("list_users", 1, true))
    assert.falsy(tostring(e):find("not-the-token", 1, true))
  end)

  it("should raise network for a closed port, with attempts", function()
    local closed = helper.fresh()
    closed.configure({ url = "http://127.0.0.1:1", token = helper.token, retries = 0 })
    local e = helper.error_of(closed.get_current_user)
    assert.equals("network", e.kind)
    assert.is_true(e.retryable)
    assert.equals(1, e.attempts)
    assert.equals("/api/v1/personal/info", e.path)
  end)

  it("should raise not_found when the url is not a Wildix API", function()
    local wrong = helper.fresh()
    wrong.configure({ url = helper.url .. "/somewhere", token = helper.token })
    assert.equals("not_found", helper.error_of(wrong.list_calls).kind)
  end)
end)

-- What the README says works on each Lua version (section Errors, "Lua 5.1").
describe("error objects on this interpreter", function()
  it("should work with tostring, .. and string methods everywhere, and %s where the Lua has __tostring", function()
    local wildix = require("wildix")
    local ok, err = pcall(wildix.list_calls, { limt = 1 })
    assert.is_false(ok)
    assert.matches("^wildix: argument: list_calls: unknown parameter 'limt'", tostring(err))
    assert.matches("^x wildix: argument", "x " .. err)
    assert.truthy(err:find("limt", 1, true))
    local formatted, text = pcall(string.format, "%s", err)
    if _VERSION == "Lua 5.1" and not jit then
      assert.is_false(formatted) -- documented: use tostring(err)
    else
      assert.is_true(formatted)
      assert.equals(tostring(err), text)
    end
  end)

  it("should print the message when nothing catches it (except on PUC Lua 5.1, as documented)", function()
    local out = require("spec.helper").run('require("wildix").list_calls{ limt = 1 }')
    if _VERSION == "Lua 5.1" and not jit then
      assert.truthy(out:find("(error object is not a string)", 1, true), out)
    else
      assert.truthy(out:find("wildix: argument: list_calls: unknown parameter 'limt'", 1, true), out)
    end
  end)
end)
