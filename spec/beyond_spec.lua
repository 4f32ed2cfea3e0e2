-- Beyond the six (issue 12): the read endpoints agents reach for, against
-- the sandbox, which serves them with the shapes ../shared/wildix-api-more.md
-- records.
local helper = require("spec.helper")

describe("list_calls filters", function()
  local wildix = helper.configured()

  it("should let the PBX filter by status, type and text", function()
    local missed = wildix.list_calls{ status = "no_answer", limit = 50 }
    assert.is_true(#missed.calls > 0)
    for _, call in ipairs(missed.calls) do assert.equals("no_answer", call.status) end
    local all = wildix.list_calls{ limit = 1 }
    assert.is_true(missed.total < all.total)

    local faxes = wildix.list_calls{ type = "fax", limit = 50 }
    for _, call in ipairs(faxes.calls) do assert.equals("fax", call.type) end

    local number = all.calls[1].from
    local found = wildix.list_calls{ search = number, limit = 50 }
    assert.is_true(#found.calls > 0)
    for _, call in ipairs(found.calls) do
      local text = table.concat({ call.from or "", call.to or "", call.from_name or "", call.to_name or "" }, " ")
      assert.truthy(text:find(number, 1, true), text)
    end
  end)

  it("should read one extension's calls from its own route", function()
    local ext = wildix.get_current_user().extension
    local calls = wildix.list_calls{ extension = ext, limit = 100 }
    assert.is_true(#calls.calls > 0)
    for _, call in ipairs(calls.calls) do
      assert.is_true(call.from == ext or call.to == ext or call.src == ext or call.dst == ext)
    end
    -- an iterator pages the same route, with the filters
    local n = 0
    for call in wildix.each_call{ extension = ext, status = "answered", page_size = 7 } do
      assert.equals("answered", call.status)
      n = n + 1
    end
    assert.equals(wildix.list_calls{ extension = ext, status = "answered", limit = 1 }.total, n)
  end)

  it("should refuse values the PBX would not understand, naming the allowed ones", function()
    local err = helper.error_of(wildix.list_calls, { status = "missed" })
    assert.equals("argument", err.kind)
    assert.truthy(err.message:find("'status' must be one of answered, no_answer, busy, failed", 1, true))
    err = helper.error_of(wildix.list_calls, { type = "sms" })
    assert.truthy(err.message:find("'type' must be one of call, fax", 1, true))
    err = helper.error_of(wildix.list_calls, { search = "" })
    assert.equals("argument", err.kind)
    err = helper.error_of(wildix.list_calls, { extension = "../x" })
    assert.equals("argument", err.kind)
  end)
end)

describe("wildix calls with filters", function()
  it("should pass --status, --type, --search and --extension to the PBX", function()
    local cli = helper.cli()
    local out = { text = "" }
    function out:write(...) self.text = self.text .. table.concat({ ... }) return true end
    local err = { text = "" }
    function err:write(...) self.text = self.text .. table.concat({ ... }) return true end
    local seen
    local fake = { version = "0" }
    function fake.list_calls(params)
      seen = params
      return { calls = {}, total = 0, page = 1, limit = params.limit, has_more = false }
    end
    local code = cli.main({ "calls", "--status", "no_answer", "--type", "call", "--search", "+39",
      "--extension", "201", "--format", "json" }, { wildix = fake, stdout = out, stderr = err,
      terminal = { stdout = false, stderr = false }, getenv = function() return nil end })
    assert.equals(0, code, err.text)
    assert.same({ limit = 25, page = 1, status = "no_answer", type = "call", search = "+39", extension = "201" }, seen)
  end)
end)
