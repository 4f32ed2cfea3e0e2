-- Loading the module: one .so, its version, its functions and aliases,
-- lua_read_doc and install.
local helper = require("spec.helper")

local FUNCTIONS = {
  "list_calls", "get_call", "list_extensions", "get_extension", "list_users", "get_current_user",
}

describe("require('wildix')", function()
  local wildix = helper.fresh()

  it("should load wildix.so from build/<interpreter>/", function()
    assert.is_table(wildix)
    if package.searchpath then  -- Lua 5.2+
      assert.equals("build/" .. helper.build .. "/wildix.so", package.searchpath("wildix", package.cpath))
    end
  end)

  it("should expose the crate version", function()
    assert.is_string(wildix.version)
    assert.matches("^%d+%.%d+%.%d+", wildix.version)
  end)

  it("should expose the six functions and their wildix_ aliases", function()
    for _, name in ipairs(FUNCTIONS) do
      assert.is_function(wildix[name], name)
      assert.equals(wildix[name], wildix["wildix_" .. name])
    end
  end)

  it("should load wildix.so even when lua/?.lua comes first on package.path", function()
    -- The shim lives in the .so (src/shim.lua): nothing in lua/ shadows
    -- it, so an editor's require("wildix") finds types/wildix.lua.
    local out, ok = helper.run([[
      package.path = "lua/?.lua;" .. package.path
      local wildix = require("wildix")
      assert(type(wildix.list_calls) == "function" and wildix.version, "not the module")
      assert(package.loaded.wildix == wildix)
      print("loaded " .. wildix.version)
    ]])
    assert.is_true(ok, out)
    assert.matches("loaded %d+%.%d+", out)

    out, ok = helper.run([[
      package.path = "lua/?.lua;" .. package.path
      package.cpath = "/nonexistent/?.so"
      require("wildix")
    ]])
    assert.is_false(ok)
    assert.matches("module 'wildix' not found", out)
  end)

  it("should give a fresh, independent module after a reload", function()
    local a = helper.configured()
    local b = helper.fresh()
    assert.are_not.equal(a, b)
    assert.same({ "default" }, a.accounts())
    assert.same({}, b.accounts())
  end)
end)

describe("lua_read_doc", function()
  local wildix = helper.fresh()

  it("should return the Markdown reference for integrations.wildix", function()
    local doc = wildix.lua_read_doc("integrations.wildix")
    assert.is_string(doc)
    assert.matches("^# ", doc)
    for _, name in ipairs(FUNCTIONS) do
      assert.truthy(doc:find(name, 1, true), name)
    end
  end)

  it("should return the same text with no topic", function()
    assert.equals(wildix.lua_read_doc("integrations.wildix"), wildix.lua_read_doc())
  end)

  it("should raise an argument error listing the known topics", function()
    local err = helper.error_of(wildix.lua_read_doc, "integrations.slack")
    assert.equals("argument", err.kind)
    assert.truthy(err.message:find("integrations.wildix", 1, true))
    err = helper.error_of(wildix.lua_read_doc, "wildix.list_cals")
    assert.truthy(err.message:find("list_calls, ", 1, true), err.message)
    assert.truthy(err.message:find("make_call", 1, true), err.message)
  end)

  it("should give every function, reads and writes, a short topic of its own", function()
    local whole = #wildix.lua_read_doc()
    for _, f in ipairs(wildix.functions()) do
      local topic = wildix.lua_read_doc("integrations.wildix." .. f.name)
      assert.equals(topic, wildix.lua_read_doc("wildix." .. f.name))
      assert.is_true(#topic <= 4096, f.name .. ": " .. #topic .. " bytes")
      assert.is_true(#topic < whole / 8, f.name)
      assert.matches("^# wildix%." .. f.name .. " %(" .. f.kind, topic)
      for _, p in ipairs(f.params) do
        assert.truthy(topic:find("`" .. p.name .. "`", 1, true), f.name .. " does not name " .. p.name)
      end
      assert.truthy(topic:find(f.returns, 1, true), f.name)
      assert.truthy(topic:find("## Example\n\n```lua\n", 1, true), f.name)
      assert.truthy(topic:find("## Credential", 1, true), f.name)
      if f.kind == "write" then assert.truthy(topic:find("`refused`", 1, true), f.name) end
    end
  end)
end)

describe("install", function()
  local wildix = helper.fresh()

  it("should set tbl.integrations.wildix, creating tables, and return tbl", function()
    local app = {}
    assert.equals(app, wildix.install(app))
    assert.equals(wildix, app.integrations.wildix)
  end)

  it("should keep existing integrations", function()
    local other = {}
    local app = { integrations = { slack = other } }
    wildix.install(app)
    assert.equals(other, app.integrations.slack)
    assert.equals(wildix, app.integrations.wildix)
  end)

  it("should define a global lua_read_doc only if none exists", function()
    local saved = rawget(_G, "lua_read_doc")
    _G.lua_read_doc = nil
    wildix.install({})
    assert.equals(wildix.lua_read_doc("integrations.wildix"), _G.lua_read_doc("integrations.wildix"))
    local mine = function() return "mine" end
    _G.lua_read_doc = mine
    wildix.install({})
    assert.equals(mine, _G.lua_read_doc)
    _G.lua_read_doc = saved
  end)

  it("should refuse a table that is not a table", function()
    assert.equals("argument", helper.error_of(wildix.install, "app").kind)
    assert.equals("argument", helper.error_of(wildix.install, { integrations = 5 }).kind)
  end)
end)
