-- Shared by every spec: loads wildix.so built for the running interpreter
-- (build/<interpreter>/wildix.so) and starts the sandbox PBX once per run,
-- on an ephemeral port. The sandbox exits when this process does: it reads
-- our pipe and stops at end of file.
local SANDBOX = os.getenv("WILDIX_SANDBOX_BIN") or "target/release/wildix-sandbox"
local TOKEN = "spec-token-0123456789abcdef"

local build = jit and "luajit" or ("lua" .. _VERSION:match("%d+%.%d+"))
package.cpath = "build/" .. build .. "/?.so;" .. package.cpath

local helper = { token = TOKEN, build = build, sandbox_bin = SANDBOX }

-- The busted process reads no account from the environment: `make spec`
-- (tools/busted.sh) runs it with every WILDIX_* account variable cleared.
-- Run by hand with one set, specs that count on an unconfigured account
-- would fail for a reason that has nothing to do with them: say so at once.
for _, name in ipairs({ "WILDIX_URL", "WILDIX_TOKEN", "WILDIX_USERNAME", "WILDIX_PASSWORD",
  "WILDIX_APP_ID", "WILDIX_APP_NAME", "WILDIX_APP_SECRET", "WILDIX_CONFIG", "WILDIX_OFFICE_URL" }) do
  if os.getenv(name) then
    error(name .. " is set: run the specs with tools/busted.sh (make spec), which clears WILDIX_* variables", 0)
  end
end

-- The one clock specs time waits with: monotonic, sub-second, in the
-- module itself (os.time counts whole seconds, os.clock CPU time, and
-- luasocket may not be installed).
local _clock = require("wildix")._clock

--- Seconds elapsed while f(...) runs, whether it raised, and its result.
--- Specs assert lower bounds on it; an upper bound only where the wrong
--- behaviour takes several times longer (a slow machine must never fail).
function helper.timed(f, ...)
  local start = _clock()
  local ok, result = pcall(f, ...)
  return _clock() - start, ok, result
end

local function _quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end
helper.quote = _quote

--- The command-line prefix that starts a process with exactly this
--- environment: PATH (and LD_LIBRARY_PATH, if set), a HOME that does not
--- exist, TZ=UTC and the C locale, then `env`'s own entries (a value of
--- false leaves that variable out). Nothing else of the caller's leaks in:
--- no TERM, COLUMNS, NO_COLOR, LANG or WILDIX_* the spec did not set.
function helper.env(env)
  local vars = { PATH = os.getenv("PATH"), LD_LIBRARY_PATH = os.getenv("LD_LIBRARY_PATH"),
    HOME = "/nonexistent/wildix-spec-home", TZ = "UTC", LANG = "C" }
  for k, v in pairs(env or {}) do vars[k] = v or nil end
  local words = {}
  for k, v in pairs(vars) do words[#words + 1] = k .. "=" .. _quote(v) end
  table.sort(words)
  return "env -i " .. table.concat(words, " ")
end

local function _sleep(seconds)
  os.execute("sleep " .. seconds)
end

local function _start_sandbox(extra)
  local out = os.tmpname()
  local cmd = string.format("exec %s --port 0 --token %s --seed 1 --exit-on-stdin-eof %s > %s",
    SANDBOX, TOKEN, extra or "", out)
  local lifeline = assert(io.popen(cmd, "w"))
  for _ = 1, 200 do
    local f = io.open(out, "r")
    local line = f and f:read("*l")
    if f then f:close() end
    local url = line and line:match("^listening on (https?://127%.0%.0%.1:%d+)$")
    if url then
      os.remove(out)
      return url, lifeline
    end
    _sleep(0.05)
  end
  error("the sandbox did not start: is " .. SANDBOX .. " built (make sandbox)?")
end

-- Kept in the helper table for the whole run: closing it stops the sandbox.
helper.url, helper.lifeline = _start_sandbox()
helper.port = helper.url:match(":(%d+)$")

--- A second sandbox serving HTTPS with a private CA, started on first use;
--- returns its URL and the path of its CA certificate (PEM).
function helper.tls_sandbox()
  if not helper.tls_url then
    helper.ca_file = os.tmpname()
    helper.tls_url, helper.tls_lifeline = _start_sandbox("--tls --ca-out " .. helper.ca_file)
  end
  return helper.tls_url, helper.ca_file
end

--- A sandbox of its own with extra flags (e.g. "--live --calls 300"),
--- started on first use and kept for the run; returns its URL.
local extra_sandboxes = {}
function helper.sandbox(flags)
  local known = extra_sandboxes[flags]
  if not known then
    local url, lifeline = _start_sandbox(flags)
    known = { url = url, lifeline = lifeline }
    extra_sandboxes[flags] = known
  end
  return known.url
end

-- The sandbox's other credentials (sandbox/src/lib.rs).
helper.company_key = "wsk-v1-sandbox-company-key-0123456789"
helper.username, helper.password = "admin", "sandbox-password"
-- The sandbox's S2S app (sandbox/src/lib.rs): the whole PBX, no user.
helper.app = { app_id = "sandbox-app", app_name = "wildix-sandbox", secret = "sandbox-app-secret" }

local fault_counter = 0
--- A URL whose requests get the fault steps (see sandbox/src/faults.rs),
--- on the shared sandbox or the one at `url`; each call gets its own
--- counter, so sequences start afresh.
function helper.fault_url(steps, url)
  fault_counter = fault_counter + 1
  return (url or helper.url) .. "/_fault/" .. steps .. "~" .. fault_counter
end

--- A fresh module whose default account gets the fault steps.
function helper.faulty(steps, options)
  local opts = { url = helper.fault_url(steps) }
  for k, v in pairs(options or {}) do opts[k] = v end
  return helper.configured(opts)
end

--- A fresh copy of the module (no accounts configured).
function helper.fresh()
  package.loaded.wildix = nil
  return require("wildix")
end

--- A fresh module whose default account is the sandbox.
function helper.configured(options)
  local wildix = helper.fresh()
  local opts = { url = helper.url, token = TOKEN }
  for k, v in pairs(options or {}) do opts[k] = v end
  wildix.configure(opts)
  return wildix
end

--- A sandbox's counters (the shared one, or the one at url): connections,
--- requests, and the most API requests it answered at once.
function helper.stats(url)
  local port = url and url:match(":(%d+)$") or helper.port
  local p = assert(io.popen(SANDBOX .. " --stats " .. port))
  local body = p:read("*a")
  p:close()
  return {
    connections = tonumber(body:match('"connections":(%d+)')),
    requests = tonumber(body:match('"requests":(%d+)')),
    foreign_auth = tonumber(body:match('"foreign_auth":(%d+)')),
    in_flight_max = tonumber(body:match('"in_flight_max":(%d+)')),
  }
end

--- The writes a sandbox (the shared one, or the one at url) received, in
--- order: { method, path, query ("k=v&…"), content_type, body (JSON text) }.
function helper.writes(url)
  local port = url and url:match(":(%d+)$") or helper.port
  local p = assert(io.popen(SANDBOX .. " --writes " .. port))
  local list = {}
  for line in p:lines() do
    local method, path, query, content_type, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
    if method then
      list[#list + 1] = { method = method, path = path, query = query, content_type = content_type, body = body }
    end
  end
  p:close()
  return list
end

--- The interpreter running these specs.
function helper.interpreter()
  local env = os.getenv("WILDIX_SPEC_LUA")
  if env then return env end
  local i = 0
  while arg[i - 1] do i = i - 1 end
  return arg[i]
end

--- Runs Lua code in a new interpreter process with the environment
--- helper.env(env) makes (and `before`, a shell command run first in the same shell,
--- e.g. "ulimit -n 256"); returns its output (stdout and stderr) and
--- whether it exited 0.
function helper.run(code, env, before)
  local script = os.tmpname()
  local f = assert(io.open(script, "w"))
  f:write("package.cpath = ", string.format("%q", package.cpath), "\n", code)
  f:close()
  local cmd = (before and before .. " && " or "") .. helper.env(env) .. " "
    .. helper.interpreter() .. " " .. script .. " 2>&1; echo \"exit:$?\""
  local p = assert(io.popen(cmd))
  local out = p:read("*a")
  p:close()
  os.remove(script)
  local status = out:match("exit:(%d+)%s*$")
  return out:gsub("exit:%d+%s*$", ""), status == "0"
end

--- Starts `command` (a shell command line) in the background, sends it
--- SIGINT after `after` seconds, and waits: its output (stdout and
--- stderr), exit code, and the milliseconds from the signal to its exit.
function helper.interrupt(command, after)
  local script = ("%s >%s 2>&1 & pid=$!; sleep %s; start=$(date +%%s%%N); kill -INT $pid; wait $pid; "
    .. "code=$?; echo \"exit:$code ms:$(( ($(date +%%s%%N) - start) / 1000000 ))\"")
  local out = os.tmpname()
  local p = assert(io.popen(script:format(command, out, after)))
  local status = p:read("*a")
  p:close()
  local text = helper.read_file(out)
  os.remove(out)
  return text, tonumber(status:match("exit:(%d+)")), tonumber(status:match("ms:(%d+)"))
end

--- The wildix command's modules from lua/ (not installed): wildix.cli, and
--- wildix.format, which it requires.
function helper.cli()
  package.preload["wildix.format"] = function() return dofile("lua/wildix/format.lua") end
  package.preload["wildix.profile"] = function() return dofile("lua/wildix/profile.lua") end
  package.preload["wildix.act"] = function() return dofile("lua/wildix/act.lua") end
  package.preload["wildix.help"] = function() return dofile("lua/wildix/help.lua") end
  return dofile("lua/wildix/cli.lua"), require("wildix.format")
end

--- A file's whole contents.
function helper.read_file(path)
  local f = assert(io.open(path, "rb"))
  local text = f:read("*a")
  f:close()
  return text
end

--- Asserts that two lists of calls from separate requests, for the same
--- places in the PBX's list, are the same list. The PBX orders calls that
--- share a second its own way on each request (as SQL does under LIMIT and
--- OFFSET; so does the sandbox): the seconds must come in the same order,
--- and each second inside the lists must hold the same calls, in any
--- order. A second cut by either end of the lists may hold other calls of
--- that second: which ones a page boundary gets is the PBX's choice.
function helper.assert_same_calls(expected, got, label)
  local assert = require("luassert")
  label = label or ""
  assert.equals(#expected, #got, label .. "length")
  for i = 1, #expected do
    assert.equals(expected[i].start, got[i].start, label .. "start of record " .. i)
  end
  local first = 1
  while first <= #expected do
    local last = first
    while last < #expected and expected[last + 1].start == expected[first].start do last = last + 1 end
    if first > 1 and last < #expected then
      local by_id = {}
      for i = first, last do by_id[got[i].id] = got[i] end
      for i = first, last do
        assert.same(expected[i], by_id[expected[i].id], label .. "call " .. expected[i].id)
      end
    end
    first = last + 1
  end
end

--- The records `from`..`to` of a list.
function helper.slice(list, from, to)
  local out = {}
  for i = from, to do out[#out + 1] = list[i] end
  return out
end

--- Calls f and returns the error object it raised (fails if it did not).
function helper.error_of(f, ...)
  local ok, err = pcall(f, ...)
  assert(not ok, "expected an error, got success")
  assert(type(err) == "table", "expected an error object, got " .. type(err) .. ": " .. tostring(err))
  return err
end

-- busted loads this file once per run (.busted); specs require it and get
-- this same table, so the sandbox starts once.
package.loaded["spec.helper"] = helper
return helper
