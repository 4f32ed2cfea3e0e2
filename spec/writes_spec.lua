-- Writes (docs/reference.md, "Acting on the PBX"): off unless the account
-- allows them, a dry run that sends nothing, the before_write veto, the
-- requests exactly as the PBX takes them, make_call's fallback, and at
-- most once: checked against what the sandbox received (helper.writes).
local helper = require("spec.helper")

-- A sandbox that serves call control and acts on writes.
local url = helper.sandbox("--call-control")

local function account(options)
  local wildix = helper.fresh()
  local opts = { url = url, token = helper.token, writes = true }
  for k, v in pairs(options or {}) do opts[k] = v end
  wildix.configure(opts)
  return wildix
end

local function received(at)
  return helper.writes(at or url)
end

local function last(at)
  local list = received(at)
  return list[#list], #list
end

describe("writes", function()
  it("should refuse a write the account does not allow, sending nothing", function()
    local _, before = last()
    local wildix = account({ writes = false })
    local err = helper.error_of(wildix.send_sms, { to = "+39 333 1234567", text = "hello" })
    assert.equals("refused", err.kind)
    assert.is_false(err.retryable)
    assert.truthy(err.message:find("writes", 1, true), err.message)
    -- Only the writes listed.
    local some = account({ writes = { "send_sms" } })
    assert.equals("refused", helper.error_of(some.hangup_call, { call_id = "x", extension = "201" }).kind)
    local _, after = last()
    assert.equals(before, after)
  end)

  it("should return the exact request on a dry run, whatever writes says, and send nothing", function()
    local _, before = last()
    local wildix = account({ writes = false })
    local request = wildix.make_call{ to = "+39 (02) 1234-5678", extension = "201", dry_run = true }
    assert.same({ dry_run = true, account = "default", ["function"] = "make_call", method = "POST",
      path = "/api/v2/call-control/make-call", query = { user = "201" },
      body = { destination = "+390212345678" } }, request)
    -- Without an extension, what goes instead where there is no call control.
    request = wildix.make_call{ to = "201", dry_run = true }
    assert.same({ method = "POST", path = "/api/v1/Originate/Call", body = { number = "201" } }, request.fallback)
    request = wildix.create_contact{ phonebook_id = "2", name = "A", dry_run = true }
    assert.same({ data = { phonebook_id = "2", name = "A" } }, request.body)
    assert.is_nil(require("wildix").dump(request):find(helper.token, 1, true))
    local _, after = last()
    assert.equals(before, after)
  end)

  it("should let before_write see the request and stop it", function()
    local seen
    local wildix = account({ before_write = function(request)
      seen = request
      return request.body.number ~= "+390000000000", "never that number"
    end })
    local _, before = last()
    local err = helper.error_of(wildix.send_sms, { to = "+39 000 000 0000", text = "x" })
    assert.equals("refused", err.kind)
    assert.truthy(err.message:find("never that number", 1, true), err.message)
    assert.equals("/api/v1/originate/sms", seen.path)
    assert.is_nil(seen.dry_run)
    local _, after = last()
    assert.equals(before, after)
    -- A hook that raises stops it too.
    local raising = account({ before_write = function() error("no writes today") end })
    err = helper.error_of(raising.send_sms, { to = "12", text = "x" })
    assert.equals("argument", err.kind) -- "12" has too few digits: checked first
    err = helper.error_of(raising.send_sms, { to = "+39 333 1234567", text = "x" })
    assert.equals("refused", err.kind)
    assert.truthy(err.message:find("no writes today", 1, true), err.message)
    -- Allowed: sent.
    assert.same({ ok = true }, wildix.send_sms{ to = "+39 333 1234567", text = "Your order shipped" })
    local sms = last()
    assert.equals("POST", sms.method)
    assert.equals("application/json", sms.content_type)
    assert.truthy(sms.body:find('"message":"Your order shipped"', 1, true), sms.body)
    assert.truthy(sms.body:find('"number":"+393331234567"', 1, true), sms.body)
  end)

  it("should check parameters before anything is sent", function()
    local wildix = account()
    for name, params in pairs({
      make_call = { to = "call me" },
      send_dtmf = { call_id = "x", digits = "12a", extension = "201" },
      send_sms = { to = "+39 333 1234567", text = string.rep("x", 1601) },
      set_presence = { status = "busy" },
      create_contact = { name = "no book" },
      update_contact = { id = "401" },
      hangup_call = { call_id = "a/../b\n", extension = "201" },
    }) do
      assert.equals("argument", helper.error_of(wildix[name], params).kind, name)
    end
    -- A company key has no user: call control needs the extension.
    local key = account({ token = helper.company_key })
    local err = helper.error_of(key.make_call, { to = "201" })
    assert.equals("argument", err.kind)
    assert.truthy(err.message:find("'extension'", 1, true), err.message)
  end)

  it("should dial, hold, resume, transfer and hang up a call, which then is in history", function()
    local wildix = account()
    assert.same({ ok = true, via = "call_control" }, wildix.make_call{ to = "+39 02 555 0100", extension = "201" })
    local sent = last()
    assert.equals("/api/v2/call-control/make-call", sent.path)
    assert.equals("user=201", sent.query)
    assert.equals('{"destination":"+39025550100"}', sent.body)
    local call
    for _, c in ipairs(wildix.list_active_calls{ extension = "201" }.calls) do
      if c.calleeNumber == "+39025550100" then call = c end
    end
    assert.is_table(call)
    assert.matches("^%x+$", call.sipCallId)
    local id = call.sipCallId
    assert.same({ ok = true }, wildix.answer_call{ call_id = id, extension = "201" })
    assert.equals("/api/v2/call-control/answer", last().path)
    wildix.hold_call{ call_id = id, extension = "201" }
    assert.equals("/api/v2/call-control/hold", last().path)
    wildix.resume_call{ call_id = id, extension = "201" }
    assert.equals("/api/v2/call-control/unhold", last().path)
    wildix.send_dtmf{ call_id = id, digits = "1#", extension = "201" }
    wildix.transfer_call{ call_id = id, to = "202", extension = "201" }
    sent = last()
    assert.equals("/api/v2/call-control/blind-transfer", sent.path)
    assert.truthy(sent.body:find('"destination":"202"', 1, true), sent.body)
    wildix.hangup_call{ call_id = id, extension = "201" }
    -- Each once.
    local count = 0
    for _, w in ipairs(received()) do
      if w.body:find(id, 1, true) then count = count + 1 end
    end
    assert.equals(6, count)
    local found = false
    for c in wildix.each_call{ page_size = 50 } do
      if c.to_number == "202" and c.from_number == "201" then found = true break end
    end
    assert.is_true(found)
    local err = helper.error_of(wildix.hangup_call, { call_id = id, extension = "201" })
    assert.equals("not_found", err.kind)
    assert.truthy(err.message:find("no call '" .. id .. "' in progress", 1, true), err.message)
  end)

  it("should set presence and see it read back", function()
    local wildix = account()
    wildix.set_presence{ extension = "201", status = "dnd", message = "In a meeting", ["until"] = "2026-12-24 18:30" }
    local sent = last()
    assert.equals("PUT", sent.method)
    assert.equals("/api/v1/User/201/Presence", sent.path)
    assert.truthy(sent.body:find('"until":"24/12/2026 18:30"', 1, true), sent.body)
    local presence = wildix.get_presence{ extension = "201" }
    assert.equals("dnd", presence.show)
    assert.equals("In a meeting", presence.message)
    wildix.set_presence{ status = "available" }
    assert.equals("/api/v1/Personal/Presence", last().path)
  end)

  it("should create, find, change and delete a contact, as a form", function()
    local wildix = account()
    local c = wildix.create_contact{ phonebook_id = "2", name = "Zoë + Co", mobile = "+39 333 777 8888",
      type = "blacklist" }
    assert.is_string(c.id)
    assert.equals("Zoë + Co", c.name)
    local sent = last()
    assert.equals("application/x-www-form-urlencoded", sent.content_type)
    assert.truthy(sent.body:find('"name":"Zoë + Co"', 1, true), sent.body)
    local who = wildix.lookup_number{ number = "+39 333 777 8888" }
    assert.equals(c.id, who.matches[1] and who.matches[1].id)
    assert.same({ ok = true }, wildix.update_contact{ id = c.id, name = "Known spam" })
    assert.equals("PUT", last().method)
    assert.same({ ok = true }, wildix.delete_contact{ id = c.id })
    assert.equals("DELETE", last().method)
    assert.equals(0, #wildix.lookup_number{ number = "+39 333 777 8888" }.matches)
  end)

  it("should place the call through Originate/Call on a PBX without call control", function()
    local wildix = helper.fresh()
    wildix.configure{ url = helper.url, token = helper.token, writes = true }
    assert.same({ ok = true, via = "originate" }, wildix.make_call{ to = "0255550123" })
    local sent = last(helper.url)
    assert.equals("/api/v1/Originate/Call", sent.path)
    assert.equals('{"number":"0255550123"}', sent.body)
  end)

  it("should send a write at most once, and say whether the PBX may have acted", function()
    for steps, expect in pairs({ ["503,ok"] = false, ["close,ok"] = false, ["429s0,ok"] = true }) do
      local _, before = last()
      local wildix = account({ url = helper.fault_url(steps, url), retries = 5 })
      local err = helper.error_of(wildix.send_sms, { to = "+39 333 1234567", text = "once" })
      assert.equals(expect, err.retryable, steps .. ": " .. err.message)
      local says = expect and "nothing reached the PBX" or "may have carried it out"
      assert.truthy(err.message:find(says, 1, true), steps .. ": " .. err.message)
      local _, after = last()
      assert.equals(before, after, steps .. ": a retry reached the PBX")
    end
  end)

  it("should be on every namespace, safe and aliased, and in the catalogue as writes", function()
    local wildix = account()
    local kinds = {}
    for _, f in ipairs(wildix.functions()) do kinds[f.name] = f.kind end
    for _, name in ipairs({ "make_call", "answer_call", "hangup_call", "hold_call", "resume_call", "transfer_call",
      "send_dtmf", "send_sms", "set_presence", "create_contact", "update_contact", "delete_contact" }) do
      assert.equals("write", kinds[name], name)
      assert.is_function(wildix["wildix_" .. name])
      assert.is_function(wildix.default[name])
    end
    local result, err = wildix.safe.hangup_call{ call_id = "no-such-call", extension = "201" }
    assert.is_nil(result)
    assert.equals("not_found", err.kind)
    local off = helper.fresh()
    off.configure{ url = url, token = helper.token }
    result, err = off.safe.default.delete_contact{ id = "401" }
    assert.is_nil(result)
    assert.equals("refused", err.kind)
  end)

  it("should read WILDIX_WRITES from the environment", function()
    local out, ok = helper.run([[
      local wildix = require("wildix")
      local r = wildix.send_sms{ to = "+39 333 1234567", text = "env" }
      print(r.ok, pcall(wildix.office.send_sms, { to = "+39 333 1234567", text = "env" }))
    ]], { WILDIX_URL = url, WILDIX_TOKEN = helper.token, WILDIX_WRITES = "send_sms,make_call",
      WILDIX_OFFICE_URL = url, WILDIX_OFFICE_TOKEN = helper.token })
    assert.is_true(ok, out)
    assert.matches("^true\tfalse\twildix: refused: ", out)
  end)
end)
