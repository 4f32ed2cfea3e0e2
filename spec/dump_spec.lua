-- wildix._VERSION and wildix.dump.
local wildix = require("wildix")

describe("wildix._VERSION", function()
  it("should name the module and its version, as cjson and socket do", function()
    assert.equals("wildix " .. wildix.version, wildix._VERSION)
    assert.equals(wildix._VERSION, wildix.safe._VERSION)
  end)
end)

describe("wildix.dump", function()
  it("should print a table with sorted keys, indented, the same every time", function()
    local value = { b = 1, a = { "x\ny", 2, true }, ["not id"] = {}, [3] = "three" }
    local expected = table.concat({
      "{",
      '  [3] = "three",',
      "  a = {",
      '    [1] = "x\\ny",',
      "    [2] = 2,",
      "    [3] = true,",
      "  },",
      "  b = 1,",
      '  ["not id"] = {},',
      "}",
    }, "\n")
    assert.equals(expected, wildix.dump(value))
    assert.equals(expected, wildix.dump(value))
  end)

  it("should stay bounded: cycles, depth, entries, strings, size", function()
    local t = {}
    t.self = t
    assert.equals("{\n  self = <cycle>,\n}", wildix.dump(t))
    local deep = {}
    local at = deep
    for _ = 1, 20 do at.next = {} at = at.next end
    assert.truthy(wildix.dump(deep):find("{…}", 1, true))
    local many = {}
    for i = 1, 1000 do many[i] = i end
    assert.truthy(wildix.dump(many):find("-- 800 more", 1, true))
    assert.is_true(#wildix.dump(string.rep("x", 100000)) < 600)
    local huge = {}
    for i = 1, 150 do huge[i] = string.rep("y", 490) end
    local text = wildix.dump(huge)
    assert.is_true(#text < 70000)
    assert.truthy(text:find("cut at", 1, true))
  end)

  it("should escape control characters and show other values by type", function()
    assert.equals('"a\\027[2Jb"', wildix.dump("a\27[2Jb"))
    assert.equals("nil", wildix.dump(nil))
    assert.equals("<function>", wildix.dump(print))
  end)

  it("should show an error object's fields", function()
    local ok, err = pcall(wildix.list_calls, { limt = 1 })
    assert.is_false(ok)
    local text = wildix.dump(err)
    assert.truthy(text:find('kind = "argument"', 1, true))
    assert.truthy(text:find("retryable = false", 1, true))
  end)
end)
