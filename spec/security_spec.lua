-- TLS and secrets: private CAs, certificates that do not verify, and the
-- token kept out of everything a script can see.
local helper = require("spec.helper")

local TOKEN = "wsk-v1-0123456789abcdefghijklmnopqrstuvwxyzSECRET"

describe("TLS", function()
  local url, ca_file = helper.tls_sandbox()

  it("should refuse a certificate that does not verify, pointing at ca_file", function()
    local wildix = helper.configured({ url = url })
    local err = helper.error_of(wildix.get_current_user)
    assert.equals("tls", err.kind)
    assert.is_false(err.retryable)
    assert.equals(1, err.attempts)
    assert.truthy(err.message:find("ca_file", 1, true))
  end)

  it("should trust a private CA given as ca_file", function()
    local wildix = helper.configured({ url = url, ca_file = ca_file })
    assert.equals("1", wildix.get_current_user().id)
    assert.equals(5, #wildix.list_calls({ limit = 5 }).calls)
  end)

  it("should accept a bundle of several certificates", function()
    local f = assert(io.open(ca_file))
    local pem = f:read("*a")
    f:close()
    local bundle = os.tmpname()
    f = assert(io.open(bundle, "w"))
    f:write(pem, pem)
    f:close()
    assert.is_table(helper.configured({ url = url, ca_file = bundle }).get_current_user())
    os.remove(bundle)
  end)

  it("should refuse a missing or empty ca_file at configure time", function()
    local wildix = helper.fresh()
    local empty = os.tmpname()
    for _, path in ipairs({ "/nonexistent/ca.pem", empty }) do
      local err = helper.error_of(wildix.configure, { url = url, token = TOKEN, ca_file = path })
      assert.equals("config", err.kind)
      assert.truthy(err.message:find("ca_file", 1, true))
    end
    os.remove(empty)
  end)
end)

describe("the token", function()
  local function assert_hidden(value)
    if type(value) == "table" then
      for k, v in pairs(value) do
        assert_hidden(k)
        assert_hidden(v)
      end
    else
      assert.falsy(tostring(value):find("SECRET", 1, true), tostring(value))
    end
  end

  it("should never appear in an error object, whatever failed", function()
    local wildix = helper.fresh()
    wildix.configure({ url = helper.url, token = TOKEN })
    wildix.configure("faulty", { url = helper.fault_url("html502"), token = TOKEN, retries = 0 })
    wildix.configure("closed", { url = "http://127.0.0.1:1", token = TOKEN, retries = 0 })
    for _, f in ipairs({ wildix.get_current_user, wildix.faulty.list_calls, wildix.closed.list_users }) do
      local err = helper.error_of(f)
      assert_hidden(err)
      assert_hidden(tostring(err))
    end
  end)

  it("should not be echoed when it is refused", function()
    local wildix = helper.fresh()
    for _, bad in ipairs({ TOKEN .. "\r\nX-Injected: 1", "SECRET\0part", TOKEN .. "\tSECRET" }) do
      local err = helper.error_of(wildix.configure, { url = helper.url, token = bad })
      assert.equals("config", err.kind)
      assert_hidden(err)
    end
  end)

  it("should show only a masked form in the account's tostring", function()
    local wildix = helper.fresh()
    wildix.configure({ url = helper.url, token = TOKEN })
    assert_hidden(tostring(wildix.default))
  end)

  it("should refuse http:// to a host that is not loopback", function()
    local wildix = helper.fresh()
    local err = helper.error_of(wildix.configure, { url = "http://pbx.example.com", token = TOKEN })
    assert.equals("config", err.kind)
    assert_hidden(err)
  end)
end)

-- A gateway or a PBX that quotes the Authorization header back (the
-- sandbox's echoauth steps): the secrets never reach the error, its
-- tostring, nor the command's stderr.
describe("secrets quoted back by the PBX", function()
  local basic64 = "YWRtaW46c2FuZGJveC1wYXNzd29yZA==" -- base64("admin:sandbox-password")
  local accounts = {
    { options = { token = helper.token }, secrets = { helper.token } },
    { options = { username = helper.username, password = helper.password },
      secrets = { helper.password, basic64 } },
    -- An S2S JWT's header segment is the same in every signature.
    { options = helper.app, secrets = { helper.app.secret, "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9" } },
  }

  local function clean(text, secrets, label)
    for _, secret in ipairs(secrets) do
      assert.is_nil(text:find(secret:sub(1, 8), 1, true), label .. ": " .. text)
    end
  end

  for _, step in ipairs({ "echoauth", "echoauthhtml", "echoauthredirect" }) do
    it("should mask them in " .. step .. "'s error", function()
      for _, account in ipairs(accounts) do
        local options = { url = helper.fault_url(step), retries = 0 }
        for k, v in pairs(account.options) do options[k] = v end
        local wildix = helper.fresh()
        wildix.configure(options)
        local err = helper.error_of(wildix.get_current_user)
        clean(err.message, account.secrets, step)
        clean(tostring(err), account.secrets, step)
        clean(require("wildix").dump(err), account.secrets, step)
      end
    end)
  end

  it("should mask them in the command's stderr", function()
    local out = os.tmpname()
    local cmd = helper.env({ WILDIX_URL = helper.fault_url("echoauth"), WILDIX_TOKEN = helper.token,
      WILDIX_CONFIG = "/nonexistent/wildix-config", LUA_PATH = "lua/?.lua;;",
      LUA_CPATH = "build/" .. helper.build .. "/?.so;;" })
      .. " " .. helper.interpreter() .. " bin/wildix me --retries 0 >/dev/null 2>" .. out
    os.execute(cmd)
    local stderr = helper.read_file(out)
    os.remove(out)
    assert.truthy(stderr:find("auth", 1, true), stderr)
    clean(stderr, { helper.token }, "stderr")
  end)
end)
