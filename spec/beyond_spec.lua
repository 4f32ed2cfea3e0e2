-- Beyond the six: the read endpoints agents reach for, against
-- the sandbox, which serves them with the shapes docs/pbx.md
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

describe("contacts and phonebooks", function()
  local wildix = helper.configured()

  it("should page contacts, search them, and keep one phonebook's", function()
    local first = wildix.list_contacts{ limit = 10 }
    assert.equals(10, #first.contacts)
    assert.equals("number", type(first.total)) -- the PBX sends a number here
    assert.is_true(first.has_more)
    for _, c in ipairs(first.contacts) do assert.equals("string", type(c.id)) end
    local second = wildix.list_contacts{ limit = 10, page = 2 }
    assert.are_not.equal(first.contacts[1].id, second.contacts[1].id)

    local acme = wildix.list_contacts{ search = "ACME", limit = 100 }
    assert.is_true(#acme.contacts > 0)
    for _, c in ipairs(acme.contacts) do assert.equals("ACME Srl", c.organization) end

    local blocked = wildix.list_contacts{ phonebook_id = 20, limit = 100 }
    assert.is_true(#blocked.contacts > 0)
    for _, c in ipairs(blocked.contacts) do assert.equals("20", c.phonebook_id) end
  end)

  it("should list phonebooks with string ids", function()
    local books = wildix.list_phonebooks()
    assert.equals(3, books.total)
    for _, book in ipairs(books.phonebooks) do
      assert.equals("string", type(book.id))
      assert.equals("number", type(book.type)) -- other fields keep the PBX's type
    end
  end)
end)

describe("call groups", function()
  it("should return every group with its name and member extensions in order", function()
    local groups = helper.configured().list_call_groups()
    assert.equals(3, groups.total)
    assert.is_nil(groups.has_more)
    local support = groups.call_groups[1]
    assert.equals("5", support.id)
    assert.equals("Support", support.name)
    assert.equals("Support", support.title)
    assert.same({ "101", "102", "103" }, support.member_extensions)
    assert.same({ "101@internalcalls", "102@internalcalls,2", "103@internalcalls" }, support.members)
    assert.equals("ringall", support.settings.strategy)
    assert.same({}, groups.call_groups[3].member_extensions)
    -- Members sent bare, and as a number, are members too.
    assert.same({ "104", 105 }, groups.call_groups[2].members)
    assert.same({ "104", "105" }, groups.call_groups[2].member_extensions)
  end)
end)

describe("presence", function()
  local wildix = helper.configured()

  it("should say whose presence it is, and its state, keeping the PBX's own fields", function()
    local p = wildix.get_presence{ extension = "100" }
    assert.equals("100", p.extension)
    assert.equals("available", p.state)
    assert.is_true(p.online)
    p = wildix.get_presence{ extension = 101 }
    assert.equals("101", p.extension)
    assert.equals("dnd", p.state)
    assert.equals("dnd", p.show)
    assert.equals("Meeting", p.message)
    assert.equals("Meeting", p.status) -- the PBX's status: a message text
  end)

  it("should say offline for an offline user whose show is empty, never available", function()
    local p = wildix.get_presence{ extension = "103" }
    assert.equals("", p.show)
    assert.equals("unavailable", p.type)
    assert.is_false(p.online)
    assert.equals("offline", p.state)
  end)

  it("should need an extension, and say when there is no such one", function()
    assert.equals("argument", helper.error_of(wildix.get_presence, {}).kind)
    local err = helper.error_of(wildix.get_presence, { extension = "9999" })
    assert.equals("not_found", err.kind)
    assert.equals(404, err.status)
    assert.truthy(err.message:find("no extension '9999'", 1, true), err.message)
  end)
end)

describe("devices", function()
  it("should give string ids and the extension of each phone, nil when it has none", function()
    local devices = helper.configured().list_devices{ limit = 10 }
    assert.equals(10, #devices.devices)
    assert.equals(40, devices.total)
    for _, d in ipairs(devices.devices) do
      assert.equals("string", type(d.id))
      if d.user == "" then assert.is_nil(d.extension) else assert.equals(d.user, d.extension) end
    end
    assert.is_nil(devices.devices[4].extension)
    assert.equals("table", type(devices.devices[1].vendor))
  end)
end)

describe("the new functions", function()
  it("should be on namespaces, safe, and wildix_ aliases", function()
    local wildix = helper.configured()
    assert.equals(wildix.list_call_groups().total, wildix.wildix_list_call_groups().total)
    assert.equals(wildix.list_call_groups().total, wildix.default.list_call_groups().total)
    local devices, err = wildix.safe.list_devices{ limit = 0 }
    assert.is_nil(devices)
    assert.equals("argument", err.kind)
    assert.is_table(wildix.safe.get_presence{ extension = "100" })
  end)

  it("should refuse a company key outside its scopes, and say which scope is needed", function()
    local wildix = helper.fresh()
    wildix.configure{ url = helper.url, token = helper.company_key }
    -- The sandbox's key has phonebooks:read, as a phonebook sync's key has.
    assert.is_table(wildix.list_contacts{ limit = 1 }.contacts)
    assert.is_table(wildix.list_phonebooks{ limit = 1 }.phonebooks)
    for _, f in ipairs({ "list_call_groups", "list_devices" }) do
      local err = helper.error_of(wildix[f])
      assert.equals("auth", err.kind, f)
      assert.truthy(err.message:find("the scope pbx:read", 1, true), err.message)
    end
    assert.equals("auth", helper.error_of(wildix.get_presence, { extension = "100" }).kind)
  end)
end)

describe("wildix contacts, groups, presence, devices", function()
  local cli = helper.cli()
  local function run(args)
    local out, err = { text = "" }, { text = "" }
    function out:write(...) self.text = self.text .. table.concat({ ... }) return true end
    function err:write(...) self.text = self.text .. table.concat({ ... }) return true end
    local code = cli.main(args, { wildix = helper.configured(), stdout = out, stderr = err,
      terminal = { stdout = false, stderr = false }, getenv = function() return nil end })
    return out.text, err.text, code
  end

  it("should print each in the formats the rest use", function()
    local out, err, code = run({ "groups", "--format", "table" })
    assert.equals(0, code, err)
    assert.matches("\nSupport +101, 102, 103 +5\n", out)
    out, err, code = run({ "presence", "101", "--format", "table" })
    assert.equals(0, code, err)
    assert.matches("^extension +101\nstate +dnd\nonline +true\nmessage +Meeting\n", out)
    out, err, code = run({ "phonebooks", "--format", "csv" })
    assert.equals(0, code, err)
    assert.equals("name,type,id\r\nBlocked numbers,1,20\r\nCustomers,1,19\r\ndefault,2,1\r\n", out)
    out, err, code = run({ "devices", "--limit", "2", "--format", "csv" })
    assert.equals(0, code, err)
    assert.equals("extension,model,mac,state,id\r\n100,", out:sub(1, 34))
    out, err, code = run({ "contacts", "--search", "ACME", "--limit", "2", "--format", "json" })
    assert.equals(0, code, err)
    assert.equals(2, select(2, out:gsub('"organization":"ACME Srl"', "")))
  end)

  it("should look a number up", function()
    local out, err, code = run({ "lookup", "+39 02 5551 2003", "--format", "table" })
    assert.equals(0, code, err)
    assert.matches("\ncontact +François O'Brien +%+390255512003", out)
    assert.matches("1 match%(es%) for %+39 02 5551 2003\n$", err) -- piped: on stderr
    out, err, code = run({ "lookup", "+1 555 0000", "--format", "table" })
    assert.equals(0, code, err)
    assert.equals("", out)
    assert.equals("nobody has +1 555 0000\n", err)
  end)

  it("should show registrations, and calls in progress where the PBX has call control", function()
    local out, err, code = run({ "registrations", "--format", "table" })
    assert.equals(0, code, err)
    assert.matches("^extension +online +contact +user_agent\n100 +yes +sip:100@", out)
    out, err, code = run({ "registrations", "102", "--format", "csv" })
    assert.equals(0, code, err)
    assert.matches("^extension,online,contact,user_agent\r\n102,false,", out)
    out, err, code = run({ "active", "100" })
    assert.equals("", out)
    assert.equals(1, code)
    assert.matches("does not offer call control", err)
  end)

  it("should say what a command needs", function()
    local _, err, code = run({ "presence" })
    assert.equals(2, code)
    assert.equals("wildix: 'presence' needs an EXT: wildix presence EXT\n", err)
    _, err, code = run({ "presence", "9999" })
    assert.equals(1, code)
    assert.matches("not_found: get_presence: no extension '9999'", err)
  end)
end)

describe("lookup_number", function()
  local wildix = helper.configured()

  it("should find contacts whatever spelling the number is stored and asked in", function()
    -- stored as "+39…", "0039…" and "02 5551 2…" (sandbox contacts 3, 1, 2)
    local cases = { ["0039 02 5551 2003"] = "403", ["+39 (02) 5551-2001"] = "401", ["+390255512002"] = "402" }
    for asked, id in pairs(cases) do
      local r = wildix.lookup_number{ number = asked }
      assert.equals(asked, r.number)
      assert.equals(1, #r.matches, asked)
      assert.equals("contact", r.matches[1].source)
      assert.equals(id, r.matches[1].id)
      assert.is_string(r.matches[1].number)
    end
  end)

  it("should put colleagues first, with their extension as number", function()
    local ext = wildix.list_extensions{ limit = 1, page = 2 }.extensions[1]
    local r = wildix.lookup_number{ number = ext.officePhone }
    assert.equals("colleague", r.matches[1].source)
    assert.equals(ext.id, r.matches[1].id)
    assert.equals(ext.number, r.matches[1].number)
    r = wildix.lookup_number{ number = ext.number } -- an extension number is found too
    assert.equals(ext.id, r.matches[1].id)
  end)

  it("should give an empty list when nobody has the number, and refuse what is not one", function()
    assert.same({}, wildix.lookup_number{ number = "+1 555 0000" }.matches)
    assert.equals("argument", helper.error_of(wildix.lookup_number, {}).kind)
    assert.equals("argument", helper.error_of(wildix.lookup_number, { number = "call me" }).kind)
  end)
end)

describe("SIP registrations", function()
  local wildix = helper.configured()

  it("should flatten the PBX's lists by extension into one list", function()
    local all = wildix.list_registrations()
    assert.is_true(#all.registrations > 0)
    assert.equals(#all.registrations, all.total)
    local by_ext = {}
    for _, r in ipairs(all.registrations) do
      assert.equals("string", type(r.extension))
      assert.equals("boolean", type(r.online))
      assert.is_string(r.contact)
      assert.equals(r.useragent, r.user_agent)
      by_ext[r.extension] = (by_ext[r.extension] or 0) + 1
    end
    assert.equals(2, by_ext["100"]) -- desk phone and web
    assert.is_nil(by_ext["103"])    -- an extension with no registration
    local offline = wildix.list_registrations{ extension = "102" }.registrations
    assert.equals(1, #offline)
    assert.is_false(offline[1].online)
    assert.equals("102", offline[1].extension)
    assert.same({}, wildix.list_registrations{ extension = "9999" }.registrations)
  end)
end)

describe("active calls (experimental)", function()
  it("should read call control's calls, in either envelope", function()
    local wildix = helper.fresh()
    wildix.configure{ url = helper.sandbox("--call-control"), token = helper.token }
    local active = wildix.list_active_calls{ extension = "100" }
    assert.equals(2, #active.calls)
    assert.equals("+393481234567", active.calls[1].callerNumber)
    assert.equals(42, active.calls[1].duration)
    assert.same({}, wildix.list_active_calls{ extension = "101" }.calls)
    -- the other envelope, `result.calls`, through the same decoder
    local body = '{"type":"result","result":{"calls":[{"sipCallId":"x","duration":1}]}}'
    assert.equals("x", wildix._decode("list_active_calls", body).calls[1].sipCallId)
  end)

  it("should say a PBX without call control has none, not that nobody is calling", function()
    local err = helper.error_of(helper.configured().list_active_calls, { extension = "100" })
    assert.equals("not_found", err.kind)
    assert.equals(404, err.status)
    assert.truthy(err.message:find("does not offer call control", 1, true), err.message)
    assert.equals("argument", helper.error_of(helper.configured().list_active_calls, {}).kind)
  end)
end)

describe("max_requests_per_second", function()
  it("should space requests at the rate once the burst is spent", function()
    local wildix = helper.fresh()
    wildix.configure("polite", { url = helper.url, token = helper.token, max_requests_per_second = 10 })
    local elapsed, ok = helper.timed(function()
      for _ = 1, 16 do wildix.polite.get_current_user() end
    end)
    assert.is_true(ok)
    -- 10 at once, then 6 at 10 a second: at least 0.5 s (a lower bound only)
    assert.is_true(elapsed >= 0.5, elapsed)
  end)

  it("should let a scan finish when the pages it asks for ahead find no token free", function()
    -- Tokens 0.1 s apart, and a call may wait 0.3 s: four pages ahead that
    -- each queued for a token would wait past that and fail the scan.
    local wildix = helper.fresh()
    wildix.configure("paced", { url = helper.url, token = helper.token, max_requests_per_second = 10,
      timeout = 0.3, concurrency = 4 })
    local n = 0
    local ok, err = pcall(function()
      for _ in wildix.paced.each_user{ page_size = 20 } do n = n + 1 end
    end)
    assert.is_true(ok, tostring(err))
    assert.equals(helper.configured().list_users{ limit = 1 }.total, n)
  end)

  it("should be a number above 0", function()
    local wildix = helper.fresh()
    -- Below 0.01 (a request every 100 s) a wait outgrows any timeout, and
    -- 1e-19 once overflowed the bucket's arithmetic.
    for _, bad in ipairs({ 0, -1, "fast", 0 / 0, 1e9, 1e-19, 0.001 }) do
      local ok, err = pcall(wildix.configure, "polite2",
        { url = helper.url, token = helper.token, max_requests_per_second = bad })
      assert.is_false(ok)
      assert.equals("config", err.kind)
      assert.truthy(err.message:find("max_requests_per_second", 1, true))
    end
  end)
end)

describe("fields", function()
  local wildix = helper.configured()
  local function keys(record)
    local list = {}
    for k in pairs(record) do list[#list + 1] = k end
    table.sort(list)
    return table.concat(list, ",")
  end

  it("should build only the fields asked for, and id", function()
    local page = wildix.list_calls{ limit = 20, fields = { "start", "status", "duration" } }
    assert.equals(20, #page.calls)
    for _, call in ipairs(page.calls) do
      assert.is_true(keys(call) == "duration,id,start,status" or keys(call) == "id,start,status", keys(call))
    end
    -- Twice as many: each call of the page is among them, whatever order
    -- the PBX gave calls sharing a second this time.
    local full = {}
    for _, call in ipairs(wildix.list_calls{ limit = 40 }.calls) do full[call.id] = call end
    for _, call in ipairs(page.calls) do
      assert.equals(full[call.id].status, call.status) -- the rules still read what they need
      assert.equals(full[call.id].duration, call.duration)
    end
    local ext = wildix.list_extensions{ limit = 1, fields = { "number" } }.extensions[1]
    assert.equals("id,number", keys(ext))
    -- The benchmarks' decode-only entry takes the call's parameters too.
    local body = '{"type":"result","result":{"total":"1","records":[{"id":7,"start":"2026-01-02 10:00:00",'
      .. '"disposition":"BUSY","cost":"0.00"}]}}'
    local decoded = wildix._decode("list_calls", body, { fields = { "start", "status" } })
    assert.same({ id = "7", start = "2026-01-02 10:00:00", status = "busy" }, decoded.calls[1])
    assert.equals("argument", helper.error_of(wildix._decode, "list_calls", body, { fields = 3 }).kind)
  end)

  it("should keep iterators exact when start is not among them", function()
    local n, seen = 0, {}
    for call in wildix.each_call{ page_size = 100, fields = { "status" } } do
      assert.is_nil(seen[call.id])
      seen[call.id] = true
      assert.is_nil(call.start)
      n = n + 1
    end
    assert.equals(wildix.list_calls{ limit = 1 }.total, n)
  end)

  it("should be a list of names", function()
    for _, bad in ipairs({ {}, { 1 }, { "a,b" }, 42 }) do
      assert.equals("argument", helper.error_of(wildix.list_calls, { fields = bad }).kind)
    end
  end)
end)
