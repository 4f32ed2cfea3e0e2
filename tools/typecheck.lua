-- make lint: types/wildix.lua checked as an editor set up as the README
-- says checks a script (emmylua_check, the EmmyLua analyzer's CLI, with
-- types/ on the library path):
--   examples/ and spec/types/patterns/ (every documented usage) must give
--   no diagnostic;
--   spec/types/mistakes/ must give exactly the diagnostics each line names
--   after "--!", no fewer and no more.
-- usage: lua tools/typecheck.lua   (from the repository root)
local function sh(cmd)
  local p = assert(io.popen(cmd .. " 2>&1"))
  local out = p:read("*a")
  p:close()
  return out
end

local root = sh("pwd"):gsub("%s+$", "")
-- On PATH, or where `cargo install` (tools/deps.sh) put it.
local checker = sh('command -v emmylua_check || echo "${CARGO_HOME:-$HOME/.cargo}/bin/emmylua_check"'):gsub("%s+$", "")
local config = os.tmpname()
local f = assert(io.open(config, "w"))
f:write(('{"runtime":{"version":"Lua5.4"},"workspace":{"library":["%s/types"]}}'):format(root))
f:close()

--- The diagnostics emmylua_check gives for a folder: { "file:line code" = true }.
local function diagnostics(folder)
  local out = sh(("'%s' -c '%s' '%s'"):format(checker, config, folder))
  if not out:find("Check finished", 1, true) then
    io.stderr:write("typecheck: emmylua_check did not run:\n", out)
    os.exit(1)
  end
  local found, code = {}, nil
  for line in out:gmatch("[^\n]+") do
    code = line:match("^%a+: .*%[([%w%-]+)%]$") or code
    local file, number = line:match("^%s*%-%->%s*(%S+):(%d+):%d+")
    if file and code then
      found[("%s:%s %s"):format(file:match("[^/]+$"), number, code)] = true
      code = nil
    end
  end
  return found
end

local function sorted(set)
  local list = {}
  for k in pairs(set) do list[#list + 1] = k end
  table.sort(list)
  return list
end

local failed = false
for _, folder in ipairs({ "examples", "spec/types/patterns" }) do
  local found = sorted(diagnostics(folder))
  for _, d in ipairs(found) do io.stderr:write("typecheck: ", folder, ": unexpected ", d, "\n") end
  failed = failed or #found > 0
end

local expected, n = {}, 0
for line in io.lines("spec/types/mistakes/mistakes.lua") do
  n = n + 1
  local codes = line:match("^%s*[^%-%s].-%-%-!%s*(.-)%s*$") -- code, then --! (comment lines do not count)
  for code in (codes or ""):gmatch("%S+") do expected[("mistakes.lua:%d %s"):format(n, code)] = true end
end
local found = diagnostics("spec/types/mistakes")
for _, d in ipairs(sorted(expected)) do
  if not found[d] then io.stderr:write("typecheck: missing diagnostic ", d, "\n") failed = true end
end
for _, d in ipairs(sorted(found)) do
  if not expected[d] then io.stderr:write("typecheck: unexpected ", d, "\n") failed = true end
end
os.remove(config)
if failed then os.exit(1) end
print(("typecheck: examples and the documented patterns are clean; %d mistakes caught"):format(#sorted(expected)))
