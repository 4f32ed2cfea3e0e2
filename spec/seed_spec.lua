-- The seed's documented example scripts (spec/seed/, verbatim copies of
-- the page they come from, docs/seed/kosmokrator-wildix.txt), run unchanged after wildix.install(app) against the
-- sandbox, as KosmoKrator agents run them.
local helper = require("spec.helper")

local function run_example(name, app)
  local lines = {}
  local env = setmetatable({
    app = app,
    print = function(...)
      local parts = {}
      for i = 1, select("#", ...) do parts[i] = tostring((select(i, ...))) end
      lines[#lines + 1] = table.concat(parts, "\t")
    end,
  }, { __index = _G })
  local path = "spec/seed/" .. name .. ".lua"
  local chunk
  if setfenv then
    chunk = assert(loadfile(path))
    setfenv(chunk, env)
  else
    chunk = assert(loadfile(path, "t", env))
  end
  chunk()
  return lines
end

local function installed()
  local wildix = helper.configured()
  wildix.configure("office", { url = helper.url, token = helper.token })
  wildix.configure("support", { url = helper.url, token = helper.token })
  local app = {}
  wildix.install(app)
  return app, wildix
end

describe("the seed's examples", function()
  local app = installed()

  it("should list recent calls", function()
    local lines = run_example("list_recent_calls", app)
    assert.equals(10, #lines)
    for _, line in ipairs(lines) do
      assert.matches("^[%w%.%-]+: [%l_]+$", line)
    end
  end)

  it("should filter calls by date range", function()
    assert.same({}, run_example("filter_calls_by_date", app))
  end)

  it("should get a call", function()
    local lines = run_example("get_call", app)
    assert.matches("^Duration: %d+s$", lines[1])
    assert.matches("^From: .+", lines[2])
    assert.matches("^To: .+", lines[3])
  end)

  it("should list extensions", function()
    local lines = run_example("list_extensions", app)
    assert.equals(50, #lines)
    assert.matches("^%w+: .+", lines[1])
  end)

  it("should get an extension", function()
    local lines = run_example("get_extension", app)
    assert.equals("Extension: 456", lines[1])
    assert.matches("^User: .+", lines[2])
  end)

  it("should list users", function()
    local lines = run_example("list_users", app)
    assert.equals(50, #lines)
    assert.matches("^%w+: .+ <.*>$", lines[1])
  end)

  it("should get the current user", function()
    local lines = run_example("get_current_user", app)
    assert.matches("^Logged in as: .+", lines[1])
    assert.matches("^Email: .+@", lines[2])
  end)

  it("should use every account namespace of the multi-account example", function()
    assert.same({}, run_example("multi_account", app))
  end)

  it("should refuse the metadata example's placeholder dates with an argument error", function()
    local err = helper.error_of(run_example, "metadata_example", app)
    assert.equals("argument", err.kind)
    assert.truthy(err.message:find("'date_from'", 1, true) or err.message:find("'date_to'", 1, true))
  end)

  it("should make lua_read_doc a global, as inside KosmoKrator", function()
    assert.is_string(_G.lua_read_doc("integrations.wildix"))
  end)
end)

describe("the seed copies", function()
  it("should be verbatim copies of the seed page's examples", function()
    local page = assert(io.open("docs/seed/kosmokrator-wildix.txt"))
    local seed = page:read("*a")
    page:close()
    local ls = assert(io.popen("ls spec/seed"))
    local n = 0
    for file in ls:lines() do
      local f = assert(io.open("spec/seed/" .. file))
      local text = f:read("*a")
      f:close()
      assert.truthy(seed:find(text, 1, true), file .. " is not a verbatim copy of the seed")
      n = n + 1
    end
    ls:close()
    assert.is_true(n >= 6, "the seed's examples are in spec/seed")
  end)
end)
