-- README.md and the lua_read_doc text (docs/reference.md) cannot drift: the
-- blocks they share are identical (tools/docs.lua --check), and each names
-- every function, option, error kind and command the code has.
local helper = require("spec.helper")

local function names_word(text, word)
  return text:find("%f[%w_]" .. word:gsub("%p", "%%%0") .. "%f[^%w_]") ~= nil
end

describe("docs", function()
  local wildix = helper.fresh()
  local doc = wildix.lua_read_doc()
  local readme = helper.read_file("README.md")

  it("should keep the README's copies of the reference's shared blocks identical", function()
    local out, ok = helper.run('arg = { "--check" }\ndofile("tools/docs.lua")')
    assert.is_true(ok, out)
    assert.matches("shared blocks match", out)
  end)

  it("should not show the shared-block markers to readers of lua_read_doc", function()
    assert.is_nil(doc:find("<!--", 1, true))
    assert.is_nil(doc:find("/shared", 1, true))
  end)

  it("should name every public function in both", function()
    local count = 0
    for name, value in pairs(wildix) do
      if type(value) == "function" and name:sub(1, 1) ~= "_" and name:sub(1, 7) ~= "wildix_" then
        count = count + 1
        assert.is_true(names_word(readme, name), "README.md does not mention " .. name)
        assert.is_true(names_word(doc, name), "lua_read_doc does not mention " .. name)
      end
    end
    assert.is_true(count >= 13, tostring(count))
    for _, name in ipairs({ "list_calls", "get_call", "list_extensions", "get_extension", "list_users",
      "get_current_user" }) do
      assert.matches("\n## " .. name .. "\n", doc)
    end
    assert.matches("\n## each_call, each_extension, each_user\n", doc)
  end)

  it("should name every configuration option in both", function()
    local err = helper.error_of(wildix.configure, { no_such_option = 1 })
    local list = err.message:match("%(expected: (.-)%)")
    assert.is_truthy(list, err.message)
    local count = 0
    for option in list:gmatch("[%w_]+") do
      count = count + 1
      assert.truthy(readme:find("`" .. option .. "`", 1, true), "README.md does not document " .. option)
      assert.truthy(doc:find("`" .. option .. "`", 1, true), "lua_read_doc does not document " .. option)
    end
    assert.equals(20, count)
  end)

  it("should name every error kind and field in both", function()
    for _, word in ipairs({ "argument", "config", "auth", "not_found", "rate_limited", "http", "timeout",
      "network", "tls", "decode", "kind", "message", "status", "retryable", "method", "path", "attempts",
      "retry_after" }) do
      assert.truthy(readme:find("`" .. word .. "`", 1, true), "README.md does not document " .. word)
      assert.truthy(doc:find("`" .. word .. "`", 1, true), "lua_read_doc does not document " .. word)
    end
  end)

  it("should show the catalogue's own parameter tables in the reference, not copies that drift", function()
    local blocks = 0
    local source = helper.read_file("docs/reference.md")
    for name, body in source:gmatch("<!%-%- params: ([%w_]+) %-%->\n(.-)<!%-%- /params %-%->") do
      blocks = blocks + 1
      assert.equals(wildix._params_table(name), body, name .. " (run: lua5.4 tools/docs.lua)")
    end
    assert.is_true(blocks >= 16, tostring(blocks))
  end)

  it("should document every command of the wildix tool in the README", function()
    local cli = helper.cli()
    local commands = cli.usage:match("\ncommands:\n(.-)\n\n")
    local count = 0
    for line in (commands .. "\n"):gmatch("(.-)\n") do
      local command = line:match("^  (%a+)")
      if command then
        count = count + 1
        assert.truthy(readme:find("`wildix " .. command, 1, true), "README.md does not document wildix " .. command)
      end
    end
    assert.equals(29, count)
    for option in cli.usage:gmatch("%-%-(%a+)") do
      assert.truthy(readme:find("--" .. option, 1, true), "README.md does not document --" .. option)
    end
  end)
end)
