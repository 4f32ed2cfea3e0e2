-- Faults a PBX or its proxies produce, injected per request by the sandbox
-- (/_fault/STEPS): what is retried, what is not, and how each one surfaces.
local helper = require("spec.helper")

-- Waits are timed with helper.timed: lower bounds, and an upper bound only
-- where the wrong behaviour takes several times as long.
local timed = helper.timed

describe("retries", function()
  it("should retry 503, 502 and 504 and succeed", function()
    for _, status in ipairs({ "503", "502", "504" }) do
      local wildix = helper.faulty(status .. "," .. status)
      assert.is_table(wildix.get_current_user())
    end
  end)

  it("should give up after retries + 1 attempts, saying how many", function()
    local err = helper.error_of(helper.faulty("503,503,503,503", { retries = 2 }).get_current_user)
    assert.equals("http", err.kind)
    assert.equals(503, err.status)
    assert.equals(3, err.attempts)
    assert.is_true(err.retryable)
  end)

  it("should not retry with retries = 0", function()
    local before = helper.stats().requests
    local err = helper.error_of(helper.faulty("503", { retries = 0 }).get_current_user)
    assert.equals(1, err.attempts)
    assert.equals(before + 2, helper.stats().requests)  -- the call, and the stats call
  end)

  it("should never retry other 4xx or 500", function()
    for status, kind in pairs({ ["400"] = "http", ["401"] = "auth", ["403"] = "auth",
                                ["404"] = "not_found", ["500"] = "http" }) do
      local err = helper.error_of(helper.faulty(status .. ",ok").list_users)
      assert.equals(kind, err.kind, status)
      assert.equals(1, err.attempts, status)
      assert.equals(tonumber(status), err.status)
    end
  end)

  it("should retry connection resets, closes and bodies cut short", function()
    for _, fault in ipairs({ "reset", "close", "midbody" }) do
      assert.is_table(helper.faulty(fault .. ",ok").list_calls({ limit = 5 }), fault)
      local err = helper.error_of(helper.faulty(fault, { retries = 0 }).list_calls, { limit = 5 })
      assert.equals("network", err.kind, fault)
      assert.is_true(err.retryable, fault)
    end
  end)
end)

describe("429 and Retry-After", function()
  it("should wait Retry-After seconds, then succeed", function()
    local elapsed, ok = timed(helper.faulty("429s1,ok").get_current_user)
    assert.is_true(ok)
    assert.is_true(elapsed >= 0.95, elapsed)
  end)

  it("should honour Retry-After as an HTTP date", function()
    -- An HTTP date counts whole seconds: two from now is 1 to 2 s away.
    local elapsed, ok = timed(helper.faulty("429d2,ok").get_current_user)
    assert.is_true(ok)
    assert.is_true(elapsed >= 0.95, elapsed)
  end)

  it("should fail at once when Retry-After is too long, saying how long", function()
    local elapsed, ok, err = timed(helper.faulty("429s120,ok").get_current_user)
    assert.is_false(ok)
    assert.equals("rate_limited", err.kind)
    assert.equals(429, err.status)
    assert.equals(120, err.retry_after)
    assert.equals(1, err.attempts)
    assert.is_true(elapsed < 10, elapsed) -- waiting would take the whole 30 s timeout
  end)

  it("should fail at once when Retry-After is more seconds than 64 bits hold", function()
    local elapsed, ok, err = timed(helper.faulty("429huge,ok").get_current_user)
    assert.is_false(ok)
    assert.equals("rate_limited", err.kind)
    assert.equals(1, err.attempts)
    assert.is_true(err.retry_after > 1e18)
    assert.is_true(elapsed < 10, elapsed) -- waiting would take the whole 30 s timeout
  end)
end)

describe("timeouts", function()
  it("should raise timeout when the call's timeout is spent, retries included", function()
    -- Three hangs, then answers: a timeout per attempt would reach the
    -- fourth attempt after 6 s and succeed; the call's timeout ends it at 2 s.
    local wildix = helper.faulty("hang,hang,hang", { timeout = 2, retries = 3 })
    local elapsed, ok, err = timed(wildix.list_calls)
    assert.is_false(ok)
    assert.equals("timeout", err.kind)
    assert.is_true(err.retryable)
    assert.truthy(err.message:find("timeout", 1, true))
    assert.is_true(elapsed >= 1.9, elapsed)
    assert.is_true(elapsed < 5, elapsed)
  end)

  it("should let a slow but timely answer through", function()
    assert.is_table(helper.faulty("delay300", { timeout = 5 }).get_current_user())
  end)
end)

describe("a PBX that does not page as asked", function()
  -- The sandbox's `samepage`: every request gets the same 100 calls, all in
  -- one second, with a total of a million (a proxy that caches one answer).
  it("should end a long list within its timeout, with an error", function()
    local wildix = helper.faulty("samepage", { timeout = 3 })
    local elapsed, ok, err = timed(wildix.list_calls, { limit = 1000 })
    assert.is_false(ok)
    assert.equals("decode", err.kind)
    assert.truthy(err.message:find("does not page as asked", 1, true), err.message)
    assert.is_false(err.retryable)
    assert.is_true(elapsed < 30, elapsed) -- without the rule it never ends
  end)

  it("should give an iterator's records, then the error, and not start over", function()
    local wildix = helper.faulty("samepage", { timeout = 3 })
    local n = 0
    local ok, err = pcall(function()
      for _ in wildix.each_call{} do n = n + 1 end
    end)
    assert.is_false(ok)
    assert.equals(100, n)
    assert.equals("decode", err.kind)
    local next_call = wildix.safe.each_call{}
    for _ = 1, 100 do assert.is_table(next_call()) end
    local none, again = next_call()
    assert.is_nil(none)
    assert.equals("decode", again.kind)
  end)

  it("should end on an empty page, whatever total says", function()
    local wildix = helper.faulty("emptypage")
    assert.same({}, wildix.list_calls{ limit = 500 }.calls)
    for _ in wildix.each_call{} do error("no call expected") end
  end)
end)

describe("bodies that are not what we expect", function()
  it("should raise decode for truncated and malformed JSON, without retrying", function()
    for _, fault in ipairs({ "truncated", "malformed" }) do
      local err = helper.error_of(helper.faulty(fault .. ",ok").list_calls)
      assert.equals("decode", err.kind, fault)
      assert.equals(1, err.attempts, fault)
      assert.is_false(err.retryable, fault)
    end
  end)

  it("should give a short, clean reason for a proxy's HTML 502 page", function()
    local err = helper.error_of(helper.faulty("html502", { retries = 0 }).list_calls)
    assert.equals("http", err.kind)
    assert.equals(502, err.status)
    assert.truthy(err.message:find("502 Bad Gateway", 1, true))
    assert.falsy(err.message:find("<", 1, true))
    assert.is_true(#err.message < 300)
  end)

  it("should read the reason of a JSON error envelope", function()
    local err = helper.error_of(helper.faulty("500").list_calls)
    assert.truthy(err.message:find("500 Injected", 1, true), err.message)
  end)

  it("should refuse an oversized body with a decode error", function()
    local err = helper.error_of(helper.faulty("big").list_calls)
    assert.equals("decode", err.kind)
    assert.truthy(err.message:find("max_response_bytes", 1, true))
  end)

  it("should refuse a gzip bomb by its inflated size", function()
    local err = helper.error_of(helper.faulty("gzipbomb").list_calls)
    assert.equals("decode", err.kind)
    assert.truthy(err.message:find("max_response_bytes", 1, true))
  end)
end)

describe("redirects", function()
  it("should follow a redirect on the same origin", function()
    assert.is_table(helper.faulty("sameredirect").get_current_user())
  end)

  it("should not take the token to another origin", function()
    local before = helper.stats().foreign_auth
    local err = helper.error_of(helper.faulty("redirect").get_current_user)
    assert.equals("http", err.kind)
    assert.equals(302, err.status)
    assert.truthy(err.message:find("another origin", 1, true))
    assert.equals(before, helper.stats().foreign_auth)
  end)

  it("should take //host:port/x as another origin (RFC 3986), and not go there", function()
    local port = tonumber(helper.url:match(":(%d+)$"))
    local err = helper.error_of(helper.faulty("netredirect").get_current_user)
    assert.equals("http", err.kind)
    assert.equals(302, err.status)
    assert.truthy(err.message:find("another origin (http://127.0.0.1:" .. (port + 1), 1, true), err.message)
  end)

  it("should follow a same-origin Location whatever its query holds", function()
    assert.is_table(helper.faulty("queryredirect").get_current_user())
  end)
end)

-- Ctrl-C while a call waits: the interpreter's interrupt (src/lua_hook.rs)
-- ends the wait within a slice, as "interrupted!" (what lua.c raises), and
-- the script goes on.
describe("an interrupt while the PBX does not answer", function()
  it("should stop the call at once with the interpreter's own error", function()
    local script = os.tmpname()
    local f = assert(io.open(script, "w"))
    f:write("package.cpath = ", ("%q"):format(package.cpath), "\n", ([[
      local wildix = require("wildix")
      wildix.configure{ url = %q, token = %q, timeout = 20 }
      local ok, err = pcall(wildix.get_current_user)
      print(ok, type(err), tostring(err))
      print("still running")
    ]]):format(helper.fault_url("hang"), helper.token))
    f:close()
    local out, code, ms = helper.interrupt(helper.env() .. " " .. helper.interpreter() .. " " .. script, 1)
    os.remove(script)
    assert.equals(0, code, out)
    assert.equals("false\tstring\tinterrupted!\nstill running\n", out)
    assert.is_true(ms < 5000, ms .. " ms") -- not interrupted, it would wait its 20 s timeout
  end)
end)

describe("HTTP 204, no content", function()
  it("should be an empty list on a list route, and no record on a record route", function()
    local wildix = helper.faulty("204,204", { retries = 0 })
    local page = wildix.list_devices{ limit = 10 }
    assert.same({}, page.devices)
    assert.equals(0, page.total)
    assert.is_false(page.has_more)
    local err = helper.error_of(wildix.get_presence, { extension = "100" })
    assert.equals("decode", err.kind)
  end)
end)
