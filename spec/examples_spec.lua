-- The scripts in examples/ run against the sandbox, as a user would run them.
local helper = require("spec.helper")

local function run(script, args)
  local code = ("arg = { %s }\ndofile(%q)"):format(args or "", "examples/" .. script)
  return helper.run(code, { WILDIX_URL = helper.url, WILDIX_TOKEN = helper.token })
end

describe("examples", function()
  it("demo.lua (make demo) should run with a user's token and with a company key, which has no user", function()
    for _, token in ipairs({ helper.token, helper.company_key }) do
      local out, ok = helper.run('dofile("examples/demo.lua")', { WILDIX_URL = helper.url, WILDIX_TOKEN = token })
      assert.is_true(ok, out)
      assert.matches("Latest calls", out)
    end
    local keyed = { WILDIX_URL = helper.url, WILDIX_TOKEN = helper.company_key }
    local out = helper.run('dofile("examples/demo.lua")', keyed)
    assert.matches("No user behind this credential %(auth%)", out)
  end)

  it("missed_calls.lua should rank extensions by missed calls", function()
    local out, ok = run("missed_calls.lua", '"2026-03-01"')
    assert.is_true(ok, out)
    local total = tonumber(out:match("Missed calls 2026%-03%-01 to 2026%-03%-07: (%d+)"))
    assert.is_true(total and total > 0, out)
    assert.matches("\n%s*%d+  %S.- +%d+\n", out)
  end)

  it("export_csv.lua should write a month as CSV", function()
    local out, ok = run("export_csv.lua", '"2026-02"')
    assert.is_true(ok, out)
    local header = out:match("^[^\r\n]+")
    assert.equals("id,start,from,from_name,to,to_name,status,duration,billsec", header)
    local rows = 0
    for line in out:gmatch("[^\n]+\n") do
      if line:match("^[%w%.%-]+,2026%-02%-") then rows = rows + 1 end
    end
    assert.is_true(rows > 1000, tostring(rows))
    assert.matches("%d+ calls from 2026%-02%-01 to 2026%-02%-28", out)
  end)

  it("missed_me_today.lua should list an extension's missed calls and who made them", function()
    -- the day in the sandbox with the most missed calls to extension 100
    local wildix = helper.configured()
    local days = {}
    -- The module's own `missed` (inbound to 100, not answered): the example must agree with it.
    for call in wildix.each_call({ extension = "100", missed = true }) do
      days[call.start:sub(1, 10)] = (days[call.start:sub(1, 10)] or 0) + 1
    end
    local day, most = nil, 0
    for d, n in pairs(days) do if n > most then day, most = d, n end end
    assert.is_not_nil(day)
    local out, ok = run("missed_me_today.lua", ('"100", %q'):format(day))
    assert.is_true(ok, out)
    assert.matches(("%d missed call%%(s%%) for extension 100 on %s"):format(most, day:gsub("%-", "%%-")), out)
    local lines = 0
    for line in out:gmatch(day:gsub("%-", "%%-") .. "[^\n]+") do
      lines = lines + 1
      -- every caller named, as a colleague or a contact, or "unknown"
      assert.is_true(line:match("%((%a+)%)$") ~= nil or line:match("  unknown$") ~= nil, line)
    end
    assert.equals(most, lines)
  end)

  it("callback_missed.lua should call back missed callers, in a dry run unless told", function()
    -- The day with the most missed outside calls to extension 100.
    local wildix = helper.configured()
    local days = {}
    for call in wildix.each_call({ extension = "100" }) do
      if call.to == "100" and call.status ~= "answered" and call.from and #call.from > 6 then
        days[call.start:sub(1, 10)] = (days[call.start:sub(1, 10)] or 0) + 1
      end
    end
    local day, most = nil, 0
    for d, n in pairs(days) do if n > most then day, most = d, n end end
    assert.is_not_nil(day)
    local before = #helper.writes()
    local out, ok = run("callback_missed.lua", ('"100", %q'):format(day))
    assert.is_true(ok, out)
    assert.matches("would send POST /api/v2/call%-control/make%-call to %+?%d+", out)
    assert.matches("%d+ missed caller%(s%) to call back for extension 100 on .-%(dry run", out)
    assert.equals(before, #helper.writes())
    -- Without WILDIX_WRITES, --call is refused for each, and nothing is sent.
    out, ok = run("callback_missed.lua", ('"100", %q, "--call"'):format(day))
    assert.is_true(ok, out)
    assert.matches("not called: wildix: refused: make_call", out)
    assert.equals(before, #helper.writes())
  end)

  it("whois.lua should find colleagues by number and by name", function()
    local out, ok = run("whois.lua", '"100", "456", "nobody-by-this-name"')
    assert.is_true(ok, out)
    assert.matches("100: .-, extension 100", out)
    assert.matches("456: .-, extension 456", out)
    assert.matches("nobody%-by%-this%-name: nobody", out)
  end)
end)
