-- download_recording (experimental): a call's recording, from the URL its
-- record names, on the account's own origin only, streamed to a file
-- through path .. ".part" (docs/reference.md, "download_recording").
local helper = require("spec.helper")

describe("download_recording", function()
  local wildix = helper.configured()

  -- Calls whose records name a recording at `place` (recordings: served;
  -- moved: a redirect on this origin; elsewhere: one to another origin).
  local function call_with(place)
    for call in wildix.each_call{ page_size = 500 } do
      local r = call.attachments and call.attachments.recordings
      if r and r.url:find("/spoolview/" .. place .. "/", 1, true) then return call end
    end
  end

  local function exists(path)
    local f = io.open(path, "rb")
    if f then f:close() end
    return f ~= nil
  end

  it("should save the recording, through a .part file, and follow a redirect on the origin", function()
    for _, place in ipairs({ "recordings", "moved" }) do
      local call = call_with(place)
      assert.is_table(call, place)
      local path = os.tmpname()
      local result = wildix.download_recording{ id = call.id, path = path }
      assert.equals(path, result.path)
      assert.equals(256 * 1024, result.bytes)
      assert.equals("audio/wav", result.content_type)
      local text = helper.read_file(path)
      assert.equals(256 * 1024, #text)
      assert.truthy(text:find(call.id, 1, true))
      assert.is_false(exists(path .. ".part"))
      os.remove(path)
    end
  end)

  it("should refuse a recording on another origin, and leave no file", function()
    local call = call_with("elsewhere")
    local path = os.tmpname()
    os.remove(path)
    local before = helper.stats().foreign_auth
    local err = helper.error_of(wildix.download_recording, { id = call.id, path = path })
    assert.equals("refused", err.kind)
    assert.equals(before, helper.stats().foreign_auth)
    assert.is_false(exists(path))
    assert.is_false(exists(path .. ".part"))
  end)

  it("should say not_found for a call without a recording, and bound the size", function()
    local page = wildix.list_calls{ limit = 50 }
    local plain
    for _, c in ipairs(page.calls) do if not c.attachments then plain = c break end end
    local err = helper.error_of(wildix.download_recording, { id = plain.id, path = os.tmpname() })
    assert.equals("not_found", err.kind)
    assert.truthy(err.message:find("has no recording", 1, true), err.message)
    local small = helper.configured{ max_download_bytes = 1000 }
    local call = call_with("recordings")
    local path = os.tmpname()
    os.remove(path)
    err = helper.error_of(small.download_recording, { id = call.id, path = path })
    assert.equals("decode", err.kind)
    assert.is_false(exists(path))
    assert.is_false(exists(path .. ".part"))
    assert.equals("argument", helper.error_of(wildix.download_recording, { id = call.id }).kind)
  end)

  it("should show voicemail rows as such", function()
    for call in wildix.each_call{ page_size = 500 } do
      if call.lastapp == "VoiceMail" then
        assert.equals("answered", call.status) -- the PBX writes ANSWERED
        assert.matches("^VM:/", call.userfield)
        assert.is_string(call.attachments.vm.url)
        return
      end
    end
    error("no voicemail row in the sandbox")
  end)
end)
