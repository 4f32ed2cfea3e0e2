-- Accounts: configure, the environment fallback, namespaces, accounts(),
-- and the url/token rules that keep the token safe.
local helper = require("spec.helper")

local TOKEN = "wsk-v1-abcdefghijklmnopqrstuvwxyz0123456789f3a1"

describe("configure", function()
  it("should make the default account usable", function()
    local wildix = helper.configured()
    assert.is_table(wildix.get_current_user())
    assert.is_table(wildix.default.get_current_user({}))
  end)

  it("should create named namespaces with all functions and aliases", function()
    local wildix = helper.fresh()
    local ns = wildix.configure("office", { url = helper.url, token = helper.token })
    assert.equals(ns, wildix.office)
    assert.is_function(wildix.office.list_calls)
    assert.equals(wildix.office.list_calls, wildix.office.wildix_list_calls)
    assert.equals(1, #wildix.office.list_calls({ limit = 1 }).calls)
  end)

  it("should keep accounts apart", function()
    local wildix = helper.fresh()
    wildix.configure("good", { url = helper.url, token = helper.token })
    wildix.configure("bad", { url = helper.url, token = "wrong-token-0123456789" })
    assert.is_table(wildix.good.get_current_user())
    assert.equals("auth", helper.error_of(wildix.bad.get_current_user).kind)
  end)

  it("should replace an account when configured again", function()
    local wildix = helper.fresh()
    wildix.configure({ url = helper.url, token = "wrong-token-0123456789" })
    assert.equals("auth", helper.error_of(wildix.get_current_user).kind)
    wildix.configure({ url = helper.url, token = helper.token })
    assert.is_table(wildix.get_current_user())
  end)

  it("should list configured accounts, sorted", function()
    local wildix = helper.fresh()
    wildix.configure("support", { url = helper.url, token = helper.token })
    wildix.configure({ url = helper.url, token = helper.token })
    wildix.configure("office", { url = helper.url, token = helper.token })
    assert.same({ "default", "office", "support" }, wildix.accounts())
  end)

  it("should accept every documented option", function()
    local wildix = helper.fresh()
    wildix.configure({
      url = helper.url, token = helper.token, timeout = 5, connect_timeout = 2, retries = 0,
      scope = "personal", user_agent = "spec/1.0", max_response_bytes = 1048576,
    })
    assert.is_table(wildix.list_calls())
  end)

  it("should trim whitespace around the token", function()
    local wildix = helper.fresh()
    wildix.configure({ url = helper.url, token = "  " .. helper.token .. "\n" })
    assert.is_table(wildix.get_current_user())
  end)
end)

describe("configuration errors", function()
  local wildix = helper.fresh()

  local function config_error(name, options)
    local err = helper.error_of(wildix.configure, name, options)
    assert.equals("config", err.kind)
    return err
  end

  it("should refuse http:// for hosts that are not loopback", function()
    local err = config_error("x", { url = "http://acme.wildixin.com", token = TOKEN })
    assert.truthy(err.message:find("https://", 1, true))
  end)

  it("should allow http:// on loopback hosts", function()
    for _, url in ipairs({ "http://127.0.0.1:1", "http://localhost:1", "http://[::1]:1", "http://127.9.9.9" }) do
      assert.is_table(wildix.configure("loop", { url = url, token = TOKEN }))
    end
  end)

  it("should require url and token", function()
    assert.truthy(config_error("x", { token = TOKEN }).message:find("'url'", 1, true))
    assert.truthy(config_error("x", { url = "https://a.wildixin.com" }).message:find("'token'", 1, true))
  end)

  it("should name a misspelt option", function()
    local err = config_error("x", { url = "https://a.wildixin.com", token = TOKEN, timout = 5 })
    assert.truthy(err.message:find("'timout'", 1, true))
  end)

  it("should take a name one or two letters off a function's for that mistake, not an account", function()
    local configured = helper.configured()
    for _, case in ipairs({ { "get_cal", "get_call" }, { "lst_users", "list_users" }, { "each_cal", "each_call" } }) do
      local ok, err = pcall(function() return configured[case[1]] end)
      assert.is_false(ok)
      assert.equals("argument", err.kind)
      assert.equals(("no function '%s' (did you mean %s?)"):format(case[1], case[2]), err.message)
      err = select(2, pcall(function() return configured.default[case[1]] end))
      assert.equals(("no function '%s' (did you mean %s?)"):format(case[1], case[2]), err.message)
    end
    -- A name far from every function is an account; one configured wins.
    assert.equals("config", helper.error_of(function() return configured.offfice.list_calls() end).kind)
    configured.configure("get_cal", { url = helper.url, token = helper.token })
    assert.is_table(configured.get_cal.list_calls{ limit = 1 }.calls)
  end)

  it("should refuse bad option values, naming the option", function()
    for key, value in pairs({ timeout = -1, connect_timeout = 0, retries = 1.5, scope = "all",
                              max_response_bytes = 0, ca_file = "/nonexistent.pem", user_agent = 5 }) do
      local err = config_error("x", { url = "https://a.wildixin.com", token = TOKEN, [key] = value })
      assert.truthy(err.message:find("'" .. key .. "'", 1, true), key)
    end
  end)

  it("should refuse a token with a line break inside, without echoing it", function()
    local err = config_error("x", { url = "https://a.wildixin.com", token = "wsk-v1-secret\nvalue" })
    assert.falsy(tostring(err):find("secret", 1, true))
  end)

  it("should refuse bad account names and reserved ones", function()
    config_error("my office", { url = "https://a.wildixin.com", token = TOKEN })
    config_error("-office", { url = "https://a.wildixin.com", token = TOKEN })
    config_error("list_calls", { url = "https://a.wildixin.com", token = TOKEN })
    config_error(42, { url = "https://a.wildixin.com", token = TOKEN })
  end)

  it("should apply one name rule to configure, accounts(), namespaces and safe", function()
    -- "_office" looks like an account but is the module's own kind of name.
    local err = config_error("_office", { url = "https://a.wildixin.com", token = TOKEN })
    assert.truthy(tostring(err):find("starting with a letter", 1, true))
    for _, name in ipairs(wildix.accounts()) do assert.is_nil(name:find("^_")) end
    assert.is_nil(wildix._office)
    assert.is_nil(wildix.safe._office)
    assert.is_nil(wildix["2nd"])
    assert.is_nil(wildix.safe["my office"])
    local ns = wildix.configure("office_2", { url = "https://a.wildixin.com", token = TOKEN })
    assert.equals(ns, wildix.office_2)
    assert.is_table(wildix.safe.office_2)
    local listed = false
    for _, name in ipairs(wildix.accounts()) do listed = listed or name == "office_2" end
    assert.is_true(listed)
    -- '-' is a letter of account names; its variables say '_' (WILDIX_MY_OFFICE_URL).
    ns = wildix.configure("my-office", { url = "https://a.wildixin.com", token = TOKEN })
    assert.equals(ns, wildix["my-office"])
    assert.equals("WILDIX_MY_OFFICE_URL", wildix._env_var("my-office", "url"))
  end)

  it("should refuse huge and oddly typed options, naming them", function()
    config_error("x", { url = string.rep("h", 1000000), token = TOKEN })
    config_error("x", { url = "https://a.wildixin.com", token = string.rep("t", 1000000) })
    config_error("x", { url = "https://a.wildixin.com", token = TOKEN, timeout = 0 / 0 })
    config_error("x", { url = "https://a.wildixin.com", token = TOKEN, timeout = math.huge })
    config_error("x", { url = "https://a.wildixin.com", token = TOKEN, retries = 2 ^ 63 })
    config_error("x", { url = { "https://a.wildixin.com" }, token = TOKEN })
    config_error("x", { [1] = "https://a.wildixin.com" })
  end)

  it("should refuse options that are not a table", function()
    config_error("x", "https://a.wildixin.com")
  end)

  it("should never show the token, only a masked form", function()
    local ns = wildix.configure("masked", { url = "https://a.wildixin.com", token = TOKEN })
    assert.is_table(ns)
    local err = config_error("masked", { url = "ftp://a", token = TOKEN })
    assert.falsy(tostring(err):find(TOKEN, 1, true))
  end)
end)

describe("unknown accounts", function()
  it("should raise a config error naming the account and both ways to configure it", function()
    local wildix = helper.fresh()
    local err = helper.error_of(function() return wildix.offfice end)
    assert.equals("config", err.kind)
    assert.truthy(err.message:find("'offfice'", 1, true))
    assert.truthy(err.message:find("configure", 1, true))
    assert.truthy(err.message:find("WILDIX_OFFFICE_URL", 1, true))
    assert.truthy(err.message:find("WILDIX_OFFFICE_TOKEN", 1, true))
  end)

  it("should raise a config error for the unconfigured default account", function()
    local wildix = helper.fresh()
    local err = helper.error_of(wildix.list_calls, {})
    assert.equals("config", err.kind)
    assert.truthy(err.message:find("WILDIX_URL", 1, true))
  end)
end)

describe("environment fallback", function()
  local prelude = 'local wildix = require("wildix")\n'

  it("should read WILDIX_URL and WILDIX_TOKEN for the default account", function()
    local out, ok = helper.run(prelude .. [[
      print(wildix.get_current_user().id, wildix.default.get_current_user().id)
      print("accounts: " .. table.concat(wildix.accounts(), ","))
    ]], { WILDIX_URL = helper.url, WILDIX_TOKEN = helper.token })
    assert.is_true(ok, out)
    assert.matches("1%s+1", out)
    -- docs/reference.md: accounts() lists configured accounts; the environment's are not
    assert.matches("\naccounts: \n", out)
  end)

  it("should read WILDIX_<NAME>_URL and _TOKEN for a named account", function()
    local out, ok = helper.run(prelude .. [[
      print(#wildix.office.list_calls({ limit = 3 }).calls)
      print("accounts: " .. table.concat(wildix.accounts(), ","))
    ]], { WILDIX_OFFICE_URL = helper.url, WILDIX_OFFICE_TOKEN = helper.token })
    assert.is_true(ok, out)
    assert.matches("^3\naccounts: \n", out)
  end)

  it("should let configure win over the environment", function()
    local out, ok = helper.run(prelude .. [[
      wildix.configure{ url = os.getenv("REAL_URL"), token = os.getenv("REAL_TOKEN") }
      print(wildix.get_current_user().id)
    ]], { WILDIX_URL = "http://127.0.0.1:1", WILDIX_TOKEN = "wrong-token-0123456789",
          REAL_URL = helper.url, REAL_TOKEN = helper.token })
    assert.is_true(ok, out)
    assert.matches("^1\n", out)
  end)

  it("should take url from the environment when configure gives only other options", function()
    local out, ok = helper.run(prelude .. [[
      wildix.configure{ timeout = 5 }
      print(wildix.get_current_user().id)
    ]], { WILDIX_URL = helper.url, WILDIX_TOKEN = helper.token })
    assert.is_true(ok, out)
    assert.matches("^1\n", out)
  end)
end)
