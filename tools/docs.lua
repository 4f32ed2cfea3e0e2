-- Keeps the README's copies of docs/reference.md (the lua_read_doc text)
-- identical to it. A block in reference.md between
--   <!-- shared: NAME -->   and   <!-- /shared -->
-- is the source; the README holds the same markers around its copy. The
-- rockspec's `detailed` description is the `about` block too. A block
--   <!-- params: NAME -->   …   <!-- /params -->
-- in reference.md is function NAME's parameter table, written here from
-- the catalogue (`wildix._params_table`, what its topic shows) when the
-- module is built (build/lua5.4); spec/docs_spec.lua holds them equal.
--
--   lua tools/docs.lua          rewrite the README's copies from reference.md
--   lua tools/docs.lua --check  exit 1, naming each block, if they differ
local REFERENCE, README, ROCKSPEC = "docs/reference.md", "README.md", "rockspec/wildix-scm-1.rockspec"

local function read(path)
  local f = assert(io.open(path, "rb"))
  local text = f:read("*a")
  f:close()
  return text
end

local OPEN = "<!%-%- shared: ([%w_%-]+) %-%->\n"
local CLOSE = "<!-- /shared -->"

--- name -> { body, first, last } for each block (first/last: the body's bytes).
local function blocks(text, path)
  local found, order, init = {}, {}, 1
  while true do
    local open_start, open_end, name = text:find(OPEN, init)
    if not open_start then break end
    local close_start, close_end = text:find(CLOSE, open_end + 1, true)
    if not close_start then error(path .. ": block '" .. name .. "' has no " .. CLOSE, 0) end
    if found[name] then error(path .. ": block '" .. name .. "' appears twice", 0) end
    found[name] = { body = text:sub(open_end + 1, close_start - 1), first = open_end + 1, last = close_start - 1 }
    order[#order + 1] = name
    init = close_end + 1
  end
  return found, order
end

local reference = read(REFERENCE)
local readme = read(README)
local sources, names = blocks(reference, REFERENCE)
local copies, copy_names = blocks(readme, README)

local problems = {}
for _, name in ipairs(copy_names) do
  if not sources[name] then problems[#problems + 1] = README .. ": block '" .. name .. "' is not in " .. REFERENCE end
end
for _, name in ipairs(names) do
  if not copies[name] then problems[#problems + 1] = README .. ": has no copy of block '" .. name .. "'" end
end

-- The rockspec's description: the about block, indented as luarocks shows it.
local rockspec = read(ROCKSPEC)
local detailed = "   detailed = [[\n" .. (sources.about and sources.about.body or ""):gsub("[^\n]+", "      %0")
  .. "   ]],"
local rock_start, rock_end = rockspec:find("   detailed = %[%[\n.-\n   %]%],")
if not rock_start then problems[#problems + 1] = ROCKSPEC .. ": no detailed = [[ … ]] description" end

if arg[1] == "--check" then
  if rock_start and rockspec:sub(rock_start, rock_end) ~= detailed then
    problems[#problems + 1] = ROCKSPEC .. ": its description differs from the about block of " .. REFERENCE
      .. " (run: lua tools/docs.lua)"
  end
  for _, name in ipairs(names) do
    if copies[name] and copies[name].body ~= sources[name].body then
      problems[#problems + 1] = README .. ": block '" .. name .. "' differs from " .. REFERENCE
        .. " (run: lua tools/docs.lua)"
    end
  end
  for _, problem in ipairs(problems) do io.stderr:write("docs: ", problem, "\n") end
  if #problems > 0 then os.exit(1) end
  print("docs: README.md's " .. #names .. " shared blocks match " .. REFERENCE)
  return
elseif arg[1] ~= nil then
  io.stderr:write("usage: lua tools/docs.lua [--check]\n")
  os.exit(2)
end

if #problems > 0 then
  for _, problem in ipairs(problems) do io.stderr:write("docs: ", problem, "\n") end
  os.exit(1)
end
-- Replace from the last block back, so earlier offsets stay valid.
table.sort(copy_names, function(a, b) return copies[a].first > copies[b].first end)
for _, name in ipairs(copy_names) do
  local copy = copies[name]
  readme = readme:sub(1, copy.first - 1) .. sources[name].body .. readme:sub(copy.last + 1)
end
local f = assert(io.open(README, "wb"))
f:write(readme)
f:close()
-- The parameter tables, from the built module's catalogue.
package.cpath = "build/lua5.4/?.so;" .. package.cpath
local built, wildix = pcall(require, "wildix")
if built then
  local block = "(<!%-%- params: ([%w_]+) %-%->\n)(.-)(<!%-%- /params %-%->)"
  reference = reference:gsub(block, function(open, name, _, close)
    local table_text = wildix._params_table(name)
    if not table_text then error(REFERENCE .. ": no function '" .. name .. "' for a params block", 0) end
    return open .. table_text .. close
  end)
  f = assert(io.open(REFERENCE, "wb"))
  f:write(reference)
  f:close()
else
  io.stderr:write("docs: the parameter tables were left as they are (make build LUA=lua5.4 first)\n")
end
f = assert(io.open(ROCKSPEC, "wb"))
f:write(rockspec:sub(1, rock_start - 1) .. detailed .. rockspec:sub(rock_end + 1))
f:close()
print("docs: README.md and the rockspec's description updated from " .. REFERENCE)
