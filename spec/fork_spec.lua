-- fork() after calls (src/fork.rs): the child never uses a connection, a
-- place for a request in flight, or a lock it inherited, and the parent's
-- connections stay whole. LuaJIT's ffi calls fork(); other interpreters
-- would need a rock the project does not install.
local helper = require("spec.helper")

local FORK = [=[
local ffi = require("ffi")
ffi.cdef[[
  int fork(void);
  int waitpid(int pid, int *status, int options);
  void _exit(int status);
]]
-- Runs child() in a forked child, which writes one line; waits for it.
local function in_child(child)
  local pid = ffi.C.fork()
  if pid == 0 then
    local ok, line = pcall(child)
    io.write("child ", ok and line or ("error " .. tostring(line)), "\n")
    io.flush()
    ffi.C._exit(0)
  end
  local status = ffi.new("int[1]")
  ffi.C.waitpid(pid, status, 0)
end
local wildix = require("wildix")
]=]

local maybe = jit and it or pending

describe("fork", function()
  maybe("should give the child connections of its own and leave the parent's whole", function()
    local url = helper.sandbox("--seed 3")
    local before = helper.stats(url).connections
    local out, ok = helper.run(FORK .. ([[
      wildix.configure{ url = %q, token = %q }
      assert(wildix.get_current_user().id == "1")      -- a connection, kept for the next call
      in_child(function() return "user " .. wildix.get_current_user().id end)
      print("parent user " .. wildix.get_current_user().id)
    ]]):format(url, helper.token))
    assert.is_true(ok, out)
    assert.matches("child user 1\n", out)
    assert.matches("parent user 1\n", out)
    -- The parent's one connection, the child's own (it did not take the
    -- parent's from the pool), and the stats query's.
    assert.equals(before + 3, helper.stats(url).connections)
  end)

  maybe("should let the child scan while the parent had pages in flight, within its timeout", function()
    local url = helper.sandbox("--seed 4 --latency 200")
    local out, ok = helper.run(FORK .. ([[
      wildix.configure{ url = %q, token = %q, concurrency = 4, timeout = 5 }
      local total = wildix.list_users{ limit = 1 }.total
      local users = wildix.each_user{ page_size = 40 }
      for _ = 1, 41 do assert(users()) end                -- the second page: more asked for ahead
      in_child(function()
        local started = wildix._clock()
        local n = 0
        for _ in wildix.each_user{ page_size = 100 } do n = n + 1 end
        local rest = 41
        for _ in users do rest = rest + 1 end           -- the parent's scan, on in the child
        return ("scanned %%d of %%d, then %%d, in %%.1f s"):format(n, total, rest, wildix._clock() - started)
      end)
    ]]):format(url, helper.token))
    assert.is_true(ok, out)
    local n, total, rest, seconds = out:match("child scanned (%d+) of (%d+), then (%d+), in ([%d.]+) s")
    assert.is_not_nil(n, out)
    assert.equals(total, n)
    assert.equals(total, rest)
    -- Each scan's steps each end within the 5 s timeout: a child that
    -- waited for the parent's places would fail or wait past it.
    assert.is_true(tonumber(seconds) < 20, out)
  end)
end)
