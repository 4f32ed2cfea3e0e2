-- Extensions, users and the current user, against the sandbox PBX.
local helper = require("spec.helper")

describe("list_extensions", function()
  local wildix = helper.configured()

  it("should return a page of extensions with number and user_name", function()
    local result = wildix.list_extensions({ limit = 50, page = 1 })
    assert.equals(50, #result.extensions)
    assert.equals(321, result.total)
    assert.is_true(result.has_more)
    for _, ext in ipairs(result.extensions) do
      assert.is_string(ext.id)
      assert.is_string(ext.number)
      assert.equals(ext.extension, ext.number)
      assert.equals(ext.name, ext.user_name)
      assert.is_string(ext.email)
    end
  end)

  it("should page through every extension exactly once", function()
    local seen, count = {}, 0
    for page = 1, 4 do
      for _, ext in ipairs(wildix.list_extensions({ limit = 100, page = page }).extensions) do
        assert.is_nil(seen[ext.id])
        seen[ext.id] = true
        count = count + 1
      end
    end
    assert.equals(321, count)
  end)

  it("should keep empty PBX values as empty strings", function()
    local empty = 0
    for _, ext in ipairs(wildix.list_extensions({ limit = 1000 }).extensions) do
      if ext.email == "" then empty = empty + 1 end
    end
    assert.is_true(empty > 0)
  end)
end)

describe("get_extension", function()
  local wildix = helper.configured()

  it("should return one extension by its id", function()
    local listed = wildix.list_extensions({ limit = 5 }).extensions[3]
    local ext = wildix.get_extension({ id = listed.id })
    assert.same(listed, ext)
  end)

  it("should raise not_found for an unknown id", function()
    local err = helper.error_of(wildix.get_extension, { id = "99999" })
    assert.equals("not_found", err.kind)
    assert.equals("/api/v1/Colleagues/99999", err.path)
  end)
end)

describe("list_users", function()
  local wildix = helper.configured()

  it("should return users with id, name, email and extension", function()
    local result = wildix.list_users({ limit = 20, page = 2 })
    assert.equals(20, #result.users)
    assert.equals(2, result.page)
    assert.equals(321, result.total)
    for _, user in ipairs(result.users) do
      assert.is_string(user.id)
      assert.is_string(user.name)
      assert.is_string(user.email)
      assert.is_string(user.extension)
    end
  end)

  it("should keep non-ASCII names", function()
    local found = false
    for _, user in ipairs(wildix.list_users({ limit = 1000 }).users) do
      if user.name:find("[\128-\255]") then found = true end
    end
    assert.is_true(found)
  end)
end)

describe("get_current_user", function()
  local wildix = helper.configured()

  it("should return the token owner with or without an empty table", function()
    local me = wildix.get_current_user()
    assert.same(me, wildix.get_current_user({}))
    assert.equals("1", me.id)
    assert.is_string(me.name)
    assert.is_string(me.email)
    assert.equals("100", me.extension)
  end)

  it("should refuse parameters", function()
    local err = helper.error_of(wildix.get_current_user, { id = "1" })
    assert.equals("argument", err.kind)
    assert.truthy(err.message:find("unknown parameter 'id'", 1, true))
  end)
end)
