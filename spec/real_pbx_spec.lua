-- What real PBXs do, against a sandbox that does it too (docs/pbx.md):
-- call history served 100 records a request, history that grows while it
-- is read, a by-id route that sees only the token
-- owner's calls, errors inside HTTP 200, Basic auth, company keys without a
-- user, UTC offsets in `timezone`. Nothing lost, nothing doubled.
local helper = require("spec.helper")

-- Scans all of `wildix`'s calls at page sizes 1000, 100 and 37: each call
-- once, as many as `total` says.
local function scans_every_call_once(wildix, label)
  local total = wildix.list_calls{ limit = 1 }.total
  for _, size in ipairs({ 1000, 100, 37 }) do
    local seen, n = {}, 0
    for call in wildix.each_call{ page_size = size } do
      assert.is_nil(seen[call.id], label .. "yielded twice: " .. call.id)
      seen[call.id], n = true, n + 1
    end
    assert.equals(total, n, label .. "page_size " .. size)
  end
end

describe("paging on a PBX that serves 100 calls a request", function()
  local wildix = helper.configured()

  it("should return the whole page asked for, in the PBX's order", function()
    local before = helper.stats().requests
    local page = wildix.list_calls{ limit = 250, page = 2 }
    assert.equals(250, #page.calls)
    -- Three requests of 100, each starting on the calls sharing a second
    -- that the one before ended on (a fourth if such a run is longer than
    -- two); and the stats request itself.
    local requests = helper.stats().requests - before - 1
    assert.is_true(requests == 3 or requests == 4, requests .. " requests")
    local seen = {}
    for call in wildix.each_call{ page_size = 100 } do
      seen[#seen + 1] = call
      if #seen == 500 then break end
    end
    helper.assert_same_calls(helper.slice(seen, 251, 500), page.calls)
    assert.is_true(page.has_more)
    assert.equals(2, page.page)
    assert.equals(250, page.limit)
  end)

  it("should stop at the end with the records that exist", function()
    local total = wildix.list_calls{ limit = 1 }.total
    local last = wildix.list_calls{ limit = 1000, page = math.floor(total / 1000) + 1 }
    assert.equals(total % 1000, #last.calls)
    assert.is_false(last.has_more)
  end)

  it("should scan every call exactly once, whatever the page size", function()
    scans_every_call_once(wildix, "")
  end)
end)

describe("a PBX that orders calls sharing a second its own way on each request", function()
  -- Call legs share a `start`; SQL returns such rows in any order, and not
  -- the same one for two LIMIT/OFFSET requests: a run cut by a page
  -- boundary may come back reordered.
  local url = helper.url -- every sandbox does, as SQL does

  it("should still scan every call exactly once, pages asked for ahead or not", function()
    for _, concurrency in ipairs({ 1, 4 }) do
      local wildix = helper.fresh()
      wildix.configure{ url = url, token = helper.token, concurrency = concurrency }
      scans_every_call_once(wildix, ("concurrency %d, "):format(concurrency))
    end
  end)
end)

describe("a run of calls sharing one second, longer than a page", function()
  -- A dialer's campaign or an import: 250 calls in one second, among the
  -- newest few hundred (`--burst`). Offset paging cannot start on such a
  -- run; a PBX that orders it anew on each request is read one record on
  -- a request until the run ends.
  local function reads_the_burst(flags, most_requests)
    local url = helper.sandbox(flags)
    local wildix = helper.fresh()
    wildix.configure{ url = url, token = helper.token }
    local before = helper.stats(url).requests
    local calls = wildix.list_calls{ limit = 1000 }.calls
    local requests = helper.stats(url).requests - before - 1
    assert.equals(1000, #calls)
    local seen, burst = {}, 0
    for _, call in ipairs(calls) do
      assert.is_nil(seen[call.id], flags .. ": listed twice: " .. call.id)
      seen[call.id] = true
      if call.id:find("^burst%-") then burst = burst + 1 end
    end
    assert.equals(250, burst, flags)
    assert.is_true(requests <= most_requests, flags .. ": " .. requests .. " requests")
    scans_every_call_once(wildix, flags .. ", ")
  end

  it("should list each of its calls once, from a PBX that reorders it", function()
    -- A request per call of the run at most.
    reads_the_burst("--burst 250", 250)
  end)

  it("should page straight through it on a PBX that keeps its order", function()
    -- Ten answers of 100, and as many again where one did not join.
    reads_the_burst("--burst 250 --stable-ties", 22)
  end)
end)

describe("a scan over call history that grows while it is read", function()
  -- Every request finds new calls on top and one logged late, in the
  -- middle; calls sharing a second come in each request's own order.
  local function scans_every_call_at_start_once(url, sizes)
    local wildix = helper.fresh()
    wildix.configure{ url = url, token = helper.token }
    local at_start = {}
    for _, call in ipairs(wildix.list_calls{ limit = 1000 }.calls) do
      at_start[call.id] = true
    end
    for _, size in ipairs(sizes) do
      local seen, missing = {}, 0
      for call in wildix.each_call{ page_size = size } do
        assert.is_nil(seen[call.id], "page_size " .. size .. ": yielded twice: " .. call.id)
        seen[call.id] = true
      end
      for id in pairs(at_start) do
        if not seen[id] then missing = missing + 1 end
      end
      assert.equals(0, missing, "page_size " .. size)
    end
  end

  it("should yield every call that existed at its start exactly once", function()
    scans_every_call_at_start_once(helper.sandbox("--live --calls 300"), { 4, 25, 100 })
  end)

  it("should do so in pages of 2, more calls arriving between two requests than a page holds", function()
    -- Each page can only start at the offset, not on the calls sharing a
    -- second before it: a PBX that also reorders those is beyond offset
    -- paging at this size (docs/reference.md, each_call).
    scans_every_call_at_start_once(helper.sandbox("--live --calls 300 --stable-ties"), { 2 })
  end)
end)

describe("a list call over call history that grows while it is read", function()
  -- The same pager as a scan's: its first answer pins the window, so calls
  -- that arrive on top between its requests push nothing into a later one.
  it("should list each call once, and every call there was when it began", function()
    local url = helper.sandbox("--live --calls 200")
    for _, concurrency in ipairs({ 1, 4 }) do
      local wildix = helper.fresh()
      wildix.configure{ url = url, token = helper.token, concurrency = concurrency }
      local before = wildix.list_calls{ limit = 1 }.total
      local calls = wildix.list_calls{ limit = 1000 }.calls
      local seen = {}
      for _, call in ipairs(calls) do
        assert.is_nil(seen[call.id], "concurrency " .. concurrency .. ": listed twice: " .. call.id)
        seen[call.id] = true
      end
      assert.is_true(#calls >= before, ("concurrency %d: %d of %d"):format(concurrency, #calls, before))
    end
  end)
end)

describe("get_call", function()
  local wildix = helper.configured()

  it("should find a PBX call the token owner was not in", function()
    local me = wildix.get_current_user()
    for call in wildix.each_call{} do
      if call.from ~= me.extension and call.to ~= me.extension then
        local found = wildix.get_call{ id = call.id }
        assert.equals(call.id, found.id)
        assert.equals(call.start, found.start)
        return
      end
    end
    error("no call without the owner")
  end)

  it("should name the id when the PBX answers the lookup with 404", function()
    local err = helper.error_of(helper.faulty("404", { retries = 0 }).get_call, { id = "7" })
    assert.equals("not_found", err.kind)
    assert.equals(404, err.status)
    assert.equals("get_call: no call with id '7'", err.message)
  end)

  it("should look only at the owner's calls in personal scope", function()
    local me = wildix.get_current_user()
    local personal = helper.configured{ scope = "personal" }
    local mine = personal.list_calls{ limit = 1 }.calls[1]
    assert.equals(mine.id, personal.get_call{ id = mine.id }.id)
    for call in wildix.each_call{} do
      if call.from ~= me.extension and call.to ~= me.extension then
        local err = helper.error_of(personal.get_call, { id = call.id })
        assert.equals("not_found", err.kind)
        assert.equals(404, err.status)
        assert.equals("get_call: no call with id '" .. call.id .. "'", err.message)
        return
      end
    end
  end)
end)

describe("get_extension", function()
  local wildix = helper.configured()

  it("should look a colleague up by extension number", function()
    local ext = wildix.get_extension{ extension = "105" }
    assert.equals("105", ext.number)
    assert.equals(ext.id, wildix.get_extension{ id = ext.id }.id)
    assert.equals("105", wildix.get_extension{ extension = 105 }.number)
  end)

  it("should want exactly one of id and extension", function()
    for _, params in ipairs({ {}, { id = "1", extension = "105" } }) do
      local err = helper.error_of(wildix.get_extension, params)
      assert.equals("argument", err.kind)
    end
  end)

  it("should say not_found with status 404 for an unknown number", function()
    local err = helper.error_of(wildix.get_extension, { extension = "99999" })
    assert.equals("not_found", err.kind)
    assert.equals(404, err.status)
    assert.equals("get_extension: no colleague with extension '99999'", err.message)
  end)

  it("should point at extension = when an id looks like a number", function()
    local err = helper.error_of(wildix.get_extension, { id = "9999" })
    assert.equals(404, err.status)
    assert.truthy(err.message:find('pass extension = "9999"', 1, true), err.message)
  end)
end)

describe("errors inside HTTP 200", function()
  it("should raise the kind the envelope's code means", function()
    for code, kind in pairs({ [401] = "auth", [404] = "not_found", [429] = "rate_limited", [500] = "http" }) do
      local wildix = helper.faulty("in200-" .. code, { retries = 0 })
      local err = helper.error_of(wildix.list_users, {})
      assert.equals(kind, err.kind)
      assert.equals(code, err.status)
      if code ~= 404 then assert.truthy(err.message:find("Injected", 1, true), err.message) end
    end
  end)
end)

describe("credentials", function()
  it("should log in with a username and password (HTTP Basic)", function()
    local wildix = helper.fresh()
    wildix.configure{ url = helper.url, username = helper.username, password = helper.password }
    assert.equals("1", wildix.get_current_user().id)
    local text = tostring(wildix.default)
    assert.is_nil(text:find(helper.password, 1, true))
  end)

  it("should read username and password from the environment", function()
    local out, ok = helper.run([[
      local wildix = require("wildix")
      print(wildix.get_current_user().id)
      print(wildix.office.get_current_user().id)
    ]], {
      WILDIX_URL = helper.url, WILDIX_USERNAME = helper.username, WILDIX_PASSWORD = helper.password,
      WILDIX_OFFICE_URL = helper.url, WILDIX_OFFICE_USERNAME = helper.username,
      WILDIX_OFFICE_PASSWORD = helper.password,
    })
    assert.is_true(ok, out)
    assert.equals("1\n1\n", out)
  end)

  it("should want exactly one of token and username + password", function()
    local wildix = helper.fresh()
    for _, options in ipairs({
      { url = helper.url, token = helper.token, username = "a", password = "b" },
      { url = helper.url, username = "a" },
      { url = helper.url, password = "b" },
    }) do
      local err = helper.error_of(wildix.configure, options)
      assert.equals("config", err.kind)
      assert.is_nil(err.message:find("b\"", 1, true))
    end
  end)

  it("should keep a refused password out of the error", function()
    local wildix = helper.fresh()
    wildix.configure{ url = helper.url, username = "admin", password = "not-the-password-42" }
    local err = helper.error_of(wildix.list_users, {})
    assert.equals("auth", err.kind)
    assert.is_nil(tostring(err):find("not-the-password-42", 1, true))
    assert.truthy(err.message:find("'username' and 'password'", 1, true), err.message)
  end)

  it("should sign every request as an S2S app, from options or the environment", function()
    local wildix = helper.fresh()
    wildix.configure{ url = helper.url, app_id = helper.app.app_id, app_name = helper.app.app_name,
      secret = helper.app.secret }
    -- Nested date filters and paging: the query the signature covers.
    local page = wildix.list_calls{ date_from = "2020-01-01", date_to = "2030-12-31", status = "answered",
      limit = 120 }
    assert.equals(120, #page.calls)
    assert.is_table(wildix.list_contacts{ limit = 1 }.contacts)
    local text = tostring(wildix.default)
    assert.is_nil(text:find(helper.app.secret, 1, true), text)
    local out, ok = helper.run([[
      local wildix = require("wildix")
      print(#wildix.list_users{ limit = 3 }.users, #wildix.office.list_users{ limit = 2 }.users)
    ]], {
      WILDIX_URL = helper.url, WILDIX_APP_ID = helper.app.app_id, WILDIX_APP_NAME = helper.app.app_name,
      WILDIX_APP_SECRET = helper.app.secret,
      WILDIX_OFFICE_URL = helper.url, WILDIX_OFFICE_APP_ID = helper.app.app_id,
      WILDIX_OFFICE_APP_NAME = helper.app.app_name, WILDIX_OFFICE_APP_SECRET = helper.app.secret,
    })
    assert.is_true(ok, out)
    assert.equals("3\t2\n", out)
  end)

  it("should refuse a wrong S2S secret and say to check the clock and the app", function()
    local wildix = helper.fresh()
    wildix.configure{ url = helper.url, app_id = helper.app.app_id, app_name = helper.app.app_name,
      secret = "not-the-app-secret-42", retries = 0 }
    local err = helper.error_of(wildix.list_users, {})
    assert.equals("auth", err.kind)
    assert.equals(401, err.status)
    assert.truthy(err.message:find("clock", 1, true), err.message)
    assert.truthy(err.message:find("'app_id', 'app_name' and 'secret'", 1, true), err.message)
    assert.is_nil(tostring(err):find("not-the-app", 1, true))
    assert.is_nil(tostring(err):find("eyJ", 1, true))
    wildix.configure("other", { url = helper.url, app_id = helper.app.app_id, app_name = "another-app",
      secret = helper.app.secret, retries = 0 })
    assert.equals("auth", helper.error_of(wildix.other.list_users, {}).kind)
  end)

  it("should want the whole S2S form, and no other beside it", function()
    local wildix = helper.fresh()
    for options, says in pairs({
      [{ url = helper.url, app_id = "1", app_name = "n" }] = "'app_id' and 'app_name' need 'secret'",
      [{ url = helper.url, secret = "s3cr3t-value" }] = "'secret' needs 'app_id' and 'app_name'",
      [{ url = helper.url, token = helper.token, app_id = "1", app_name = "n", secret = "s3cr3t-value" }] =
        "give one kind of credentials",
      [{ url = helper.url, app_id = "has space", app_name = "n", secret = "s3cr3t-value" }] = "'app_id' must be",
    }) do
      local err = helper.error_of(wildix.configure, options)
      assert.equals("config", err.kind)
      assert.truthy(err.message:find(says, 1, true), err.message)
      assert.is_nil(err.message:find("s3cr3t", 1, true), err.message)
    end
  end)

  it("should say what a refused credential must check: expiry and scope, or Basic on WMS 5", function()
    local key = helper.configured{ token = helper.company_key, retries = 0 }
    local err = helper.error_of(key.get_presence, { extension = "201" })
    assert.equals("auth", err.kind)
    assert.truthy(err.message:find("expire", 1, true), err.message)
    assert.truthy(err.message:find("pbx:read", 1, true), err.message)
    local basic = helper.fresh()
    basic.configure{ url = helper.url, username = "admin", password = "wrong-password-1", retries = 0 }
    err = helper.error_of(basic.list_users, {})
    assert.truthy(err.message:find("WMS 5", 1, true), err.message)
  end)

  it("should say that an expired key may have expired, and how it is renewed", function()
    local wildix = helper.configured{ token = "wsk-v1-sandbox-expired-key-0123456789", retries = 0 }
    local err = helper.error_of(wildix.list_users, {})
    assert.equals("auth", err.kind)
    assert.truthy(err.message:find("token expired", 1, true), err.message)
    assert.truthy(err.message:find("company API keys expire", 1, true), err.message)
    assert.is_nil(err.message:find("expired-key-0123", 1, true), err.message)
  end)

  it("should explain that a company key has no user", function()
    local wildix = helper.configured{ token = helper.company_key }
    assert.is_table(wildix.list_users{ limit = 1 }.users)
    assert.is_table(wildix.list_calls{ limit = 1 }.calls)
    local err = helper.error_of(wildix.get_current_user)
    assert.equals("auth", err.kind)
    assert.truthy(err.message:find("company API keys (wsk-v1-…) have no user", 1, true), err.message)
    local personal = helper.configured{ token = helper.company_key, scope = "personal" }
    err = helper.error_of(personal.list_calls, {})
    assert.truthy(err.message:find("have no user", 1, true), err.message)
  end)
end)

describe("times with UTC offsets", function()
  local wildix = helper.configured()

  it("should add RFC 3339 times when timezone is an offset, and only then", function()
    local with, without = 0, 0
    for _, call in ipairs(wildix.list_calls{ limit = 100 }.calls) do
      if call.timezone == "+0100" then
        with = with + 1
        assert.equals(call.start:gsub(" ", "T") .. "+01:00", call.start_iso)
        assert.equals(call["end"]:gsub(" ", "T") .. "+01:00", call.end_iso)
        if call.answer ~= "" then
          assert.equals(call.answer:gsub(" ", "T") .. "+01:00", call.answer_iso)
        else
          assert.is_nil(call.answer_iso)
        end
      else
        without = without + 1
        assert.is_nil(call.start_iso)
      end
    end
    assert.is_true(with > 0 and without > 0)
  end)
end)

describe("on_request", function()
  it("should see every request a call makes, retries included, and never a secret", function()
    local seen = {}
    local wildix = helper.fresh()
    wildix.configure{ url = helper.fault_url("503,ok"), token = helper.token, on_request = function(event)
      seen[#seen + 1] = event
    end }
    local page = wildix.list_calls{ limit = 150 }
    assert.equals(150, #page.calls)
    assert.is_true(#seen >= 3, #seen) -- a 503, its retry, the second page
    assert.equals(503, seen[1].status)
    assert.equals(1, seen[1].attempt)
    assert.equals(200, seen[2].status)
    assert.equals(2, seen[2].attempt)
    for _, event in ipairs(seen) do
      assert.equals("GET", event.method)
      assert.matches("/api/v1/PBX/CallHistory/$", event.path)
      assert.matches("start=%d+&count=%d+", event.query)
      assert.is_number(event.seconds)
      local text = require("wildix").dump(event)
      assert.is_nil(text:find(helper.token, 1, true))
    end
    assert.is_true(seen[2].bytes > 0)
    -- Iterators hand theirs over step by step.
    seen = {}
    for _ in wildix.each_user{ page_size = 100 } do end
    assert.is_true(#seen >= 4, #seen)
  end)

  it("should ignore an error the hook raises", function()
    local wildix = helper.fresh()
    wildix.configure{ url = helper.url, token = helper.token, on_request = function() error("hook broke") end }
    assert.equals(3, #wildix.list_users{ limit = 3 }.users)
    assert.equals("config", helper.error_of(wildix.configure, { url = helper.url, token = helper.token,
      on_request = "yes" }).kind)
  end)
end)

describe("a Devices route that ignores start and count", function()
  local url = helper.sandbox("--devices-unpaged")
  local unpaged = helper.configured({ url = url })
  local paged = helper.configured()

  local function ids(list)
    local out = {}
    for i, d in ipairs(list.devices) do out[i] = d.id end
    return out
  end

  it("should still give each page the records that page holds", function()
    for _, p in ipairs({ { limit = 5, page = 1 }, { limit = 5, page = 2 }, { limit = 7, page = 6 },
                         { limit = 100, page = 2 } }) do
      local want, got = paged.list_devices(p), unpaged.list_devices(p)
      assert.same(ids(want), ids(got), "page " .. p.page .. " of " .. p.limit)
      assert.equals(want.total, got.total)
      assert.equals(want.has_more, got.has_more)
    end
  end)

  it("should give each device once, walking the pages to the end", function()
    local seen, n, page = {}, 0, 1
    repeat
      local list = unpaged.list_devices{ limit = 6, page = page }
      for _, d in ipairs(list.devices) do
        assert.is_nil(seen[d.id], "given twice: " .. tostring(d.id))
        seen[d.id], n = true, n + 1
      end
      page = page + 1
    until not list.has_more
    assert.equals(paged.list_devices{ limit = 1 }.total, n)
  end)
end)

describe("lookup_number on a PBX that serves one record a request", function()
  local url = helper.sandbox("--list-cap 1")
  local capped = helper.configured({ url = url })
  local whole = helper.configured()

  it("should read on until it has every candidate, and find what a whole answer finds", function()
    local asked = { "0039 02 5551 2003", "+39 (02) 5551-2001", "+390255512002", "+1 555 0000" }
    local ext = whole.list_extensions{ limit = 1, page = 2 }.extensions[1]
    asked[#asked + 1] = ext.officePhone
    local before = helper.stats(url).requests
    for _, number in ipairs(asked) do
      assert.same(whole.lookup_number{ number = number }, capped.lookup_number{ number = number }, number)
    end
    -- Two searches a number; one record an answer makes more requests
    -- than that wherever a search has several candidates.
    assert.is_true(helper.stats(url).requests - before > 2 * #asked)
  end)
end)
