-- types/wildix.lua, the type definitions (LuaLS, EmmyLua), must declare every
-- name the module exports, and nothing it does not.
local helper = require("spec.helper")

local function declared()
  local f = assert(io.open("types/wildix.lua"))
  local text = f:read("*a")
  f:close()
  local module, account = {}, {}
  for name in text:gmatch("\nfunction wildix%.([%w_]+)") do module[name] = true end
  local first = assert(text:find("---@class wildix: wildix.Account", 1, true))
  local last = assert(text:find("local wildix = {}", first, true))
  for name in text:sub(first, last):gmatch("@field ([%w_]+) ") do module[name] = true end
  for name in text:gmatch("\nfunction Account%.([%w_]+)") do account[name] = true end
  for name in text:gmatch("\nAccount%.([%w_]+) =") do account[name] = true end
  return module, account
end

describe("types/wildix.lua", function()
  local wildix = helper.configured()
  local module, account = declared()

  it("should declare every public name of the module", function()
    for name in pairs(wildix) do
      if type(name) == "string" and name:sub(1, 1) ~= "_" then
        assert.is_true(module[name] or account[name] or false, "not declared: " .. name)
      end
    end
  end)

  it("should declare nothing the module lacks", function()
    for name in pairs(module) do
      if name ~= "default" then assert.is_not_nil(rawget(wildix, name), "declared but missing: " .. name) end
    end
    for name in pairs(account) do
      assert.is_not_nil(rawget(wildix, name), "missing on the module: " .. name)
      assert.is_not_nil(rawget(wildix.default, name), "missing on an account: " .. name)
    end
  end)

  it("should declare every function of an account namespace", function()
    for name in pairs(wildix.default) do
      assert.is_true(account[name] or false, "not declared: " .. name)
    end
  end)
end)
