-- wildix.functions(): every function described once (src/catalogue.rs),
-- and what must agree with it: the parameters each function takes and
-- refuses, the reference's sections (lua_read_doc) and the types.
local helper = require("spec.helper")

local wildix = helper.configured()
local catalogue = wildix.functions()

-- The module's functions that are not the PBX's: accounts, docs, helpers.
local MODULE = { configure = true, accounts = true, install = true, lua_read_doc = true, functions = true,
  dump = true }

-- A value each parameter takes.
local function sample(p)
  if p.values then return p.values[1] end
  if p.type == "integer" then return 1 end
  if p.type == "boolean" then return true end
  if p.name == "until" then return "2026-01-01 10:00" end
  if p.type == "table" then return { "start" } end
  if p.name == "date_from" or p.name == "date_to" then return "2026-01-01" end
  if p.name == "number" then return "+39 02 1234 5678" end
  return "201"
end

local function names(params)
  local list = {}
  for i, p in ipairs(params) do list[i] = p.name end
  return list
end

describe("wildix.functions", function()
  it("should list every function of the module once, sorted by name, as the contract shapes it", function()
    local seen = {}
    for i, f in ipairs(catalogue) do
      assert.is_string(f.name)
      if i > 1 then assert.is_true(catalogue[i - 1].name < f.name, f.name) end
      assert.is_nil(seen[f.name], f.name)
      seen[f.name] = true
      assert.is_true(f.kind == "read" or f.kind == "write", f.name)
      assert.is_true(#f.summary > 0 and #f.returns > 0, f.name)
      for _, p in ipairs(f.params) do
        assert.is_string(p.name)
        assert.is_string(p.type)
        assert.is_boolean(p.required)
        assert.is_true(#p.description > 0, f.name .. "." .. p.name)
        assert.is_true(p.values == nil or #p.values > 0)
      end
      assert.is_function(wildix[f.name], f.name)
      if f.name:sub(1, 5) ~= "each_" then assert.is_function(rawget(wildix, "wildix_" .. f.name), f.name) end
    end
    for name, value in pairs(wildix) do
      if type(value) == "function" and name:sub(1, 1) ~= "_" and name:sub(1, 7) ~= "wildix_" and not MODULE[name] then
        assert.is_true(seen[name], name .. " is not in wildix.functions()")
      end
    end
    assert.is_true(seen.list_calls and seen.each_call and seen.get_current_user)
  end)

  it("should give each caller a copy of its own", function()
    local mine = wildix.functions()
    mine[1].params[1] = nil
    assert.is_table(wildix.functions()[1].params[1])
  end)

  it("should say each parameter's default where there is one", function()
    local by_name = {}
    for _, f in ipairs(catalogue) do by_name[f.name] = f end
    local limit = by_name.list_calls.params[1]
    assert.same({ name = "limit", type = "integer", required = false, default = 25,
      description = "records per page, 1–1000" }, limit)
    assert.same({ "answered", "no_answer", "busy", "failed" }, by_name.list_calls.params[5].values)
    assert.equals(100, by_name.each_call.params[1].default)
    assert.is_true(by_name.get_call.params[1].required)
  end)

  it("should have each function take every parameter it declares", function()
    for _, f in ipairs(catalogue) do
      for _, p in ipairs(f.params) do
        local params = { [p.name] = sample(p) }
        -- The rule across parameters: a required one given besides.
        for _, q in ipairs(f.params) do
          if q.required and q ~= p then params[q.name] = sample(q) end
        end
        -- An update changes at least one field.
        if f.name == "update_contact" and params.name == nil then params.name = "201" end
        local ok, err = pcall(wildix.safe[f.name], params)
        if f.name:sub(1, 5) == "each_" then
          assert.is_true(ok and err ~= nil, f.name .. "." .. p.name)
        else
          assert.is_true(ok, f.name .. "." .. p.name)
          local _, failure = wildix.safe[f.name](params)
          assert.is_true(failure == nil or failure.kind ~= "argument",
            f.name .. "." .. p.name .. ": " .. tostring(failure))
        end
      end
    end
  end)

  it("should have each function refuse every other parameter, listing the declared ones", function()
    for _, f in ipairs(catalogue) do
      local err = helper.error_of(wildix[f.name], { no_such_parameter = 1 })
      assert.equals("argument", err.kind, f.name)
      local listed = err.message:match("%(expected: (.-)%)$")
      if #f.params == 0 then
        assert.truthy(err.message:find("expected: none", 1, true), err.message)
      else
        assert.equals(table.concat(names(f.params), ", "), listed, f.name)
      end
    end
  end)
end)

describe("the catalogue and the docs", function()
  local doc = wildix.lua_read_doc()

  -- The text of the reference's section on `name` (a heading that names
  -- it), to the next heading of the same level or above.
  local function whole_section(name)
    local start
    for at, hashes, title in doc:gmatch("()\n(#+) ([^\n]*)") do
      if not start then
        if title == name or title:find("^" .. name .. "[ ,]") or title:find(", " .. name .. "[ ,]")
          or title:find(", " .. name .. "$") then
          start = { at = at, level = #hashes }
        end
      elseif #hashes <= start.level then
        return doc:sub(start.at, at)
      end
    end
    return start and doc:sub(start.at) or nil
  end

  it("should give every function a section that names each of its parameters", function()
    for _, f in ipairs(catalogue) do
      local text = whole_section(f.name)
      assert.is_string(text, "no section on " .. f.name)
      for _, p in ipairs(f.params) do
        -- `fields` has a section of its own, for every list at once.
        if p.name ~= "fields" then
          assert.truthy(text:find("%f[%w_]" .. p.name .. "%f[^%w_]"), f.name .. " does not document " .. p.name)
        end
      end
    end
  end)

  it("should give every parameter a field in the types", function()
    local types = helper.read_file("types/wildix.lua")
    for _, f in ipairs(catalogue) do
      for _, p in ipairs(f.params) do
        assert.truthy(types:find("---@field " .. p.name .. "%??%s"), f.name .. "." .. p.name)
      end
    end
  end)

  it("should let the types take exactly each function's parameters, so a misspelt one is a diagnostic", function()
    local types = helper.read_file("types/wildix.lua")
    local keys = {}
    -- `---@alias wildix.XKey "a"|"b"`, or the same a key a line (`---| "a"`).
    for class, list in types:gmatch("\n%-%-%-@alias (wildix%.[%w]+)Key([^\n]*\n[%-| \"%w_\n]*)") do
      local set = {}
      for key in list:gmatch('"([%w_]+)"') do set[key] = true end
      keys[class] = set
    end
    local checked, class = 0, nil
    for line in types:gmatch("[^\n]+") do
      class = line:match("^%-%-%-@param params%?? (wildix%.[%w]+) & ") or class
      local name = line:match("^function Account%.([%w_]+)%(")
      if name and class then
        local want = {}
        for _, f in ipairs(catalogue) do
          if f.name == name then
            for _, p in ipairs(f.params) do want[p.name] = true end
          end
        end
        assert.same(want, keys[class], name .. " (" .. class .. "Key)")
        checked = checked + 1
      end
      if name then class = nil end
    end
    assert.is_true(checked >= 26, tostring(checked))
  end)
end)
