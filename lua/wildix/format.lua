--- Text for the `wildix` command (lua/wildix/cli.lua): display widths,
--- durations and counts, JSON, CSV, and fitting table columns to a width.
--- Widths count UTF-8 characters, not bytes (wide East Asian characters
--- count as one).
local M = {}

--- How many characters wide s shows: its UTF-8 characters.
function M.width(s)
  local _, continuation = s:gsub("[\128-\191]", "")
  return #s - continuation
end

--- s cut to `width` characters, with "…" marking a cut.
function M.truncate(s, width)
  if M.width(s) <= width then return s end
  if width < 1 then return "" end
  local keep, count, i = width - 1, 0, 1
  while i <= #s and count < keep do
    local byte = s:byte(i)
    local size = byte >= 240 and 4 or byte >= 224 and 3 or byte >= 192 and 2 or 1
    i = i + size
    count = count + 1
  end
  return s:sub(1, i - 1) .. "…"
end

--- s padded with spaces to `width`, on the left when `right` (numbers).
function M.pad(s, width, right)
  local fill = string.rep(" ", width - M.width(s))
  return right and fill .. s or s .. fill
end

--- Whole seconds as 1:02:03 or 2:03.
function M.clock(seconds)
  seconds = math.floor(tonumber(seconds) or 0)
  local h, m, s = math.floor(seconds / 3600), math.floor(seconds % 3600 / 60), seconds % 60
  if h > 0 then return ("%d:%02d:%02d"):format(h, m, s) end
  return ("%d:%02d"):format(m, s)
end

--- 6001 as "6,001".
function M.thousands(n)
  local s = tostring(math.floor(n))
  repeat
    local changed
    s, changed = s:gsub("^(%d+)(%d%d%d)", "%1,%2")
  until changed == 0
  return s
end

---------------------------------------------------------------------------
-- JSON (records are flat tables of strings, numbers and booleans, but any
-- PBX field may hold a list or an object; keys are sorted for stable output)

local ESCAPES = { ['"'] = '\\"', ["\\"] = "\\\\", ["\b"] = "\\b", ["\f"] = "\\f",
  ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t" }

--- A JSON string literal.
function M.json_string(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    return ESCAPES[c] or ("\\u%04x"):format(c:byte())
  end) .. '"'
end

local function json_number(n)
  if n ~= n or n == math.huge or n == -math.huge then return "null" end
  if math.type then
    if math.type(n) == "integer" then return tostring(n) end
  elseif n == math.floor(n) and math.abs(n) < 2 ^ 53 then
    return ("%.0f"):format(n)
  end
  local short = ("%.14g"):format(n)
  return tonumber(short) == n and short or ("%.17g"):format(n)
end

--- A table's keys, sorted (as strings), for output that does not vary.
function M.sorted_keys(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
  return keys
end

--- value as compact JSON. A table with t[1] is an array, any other an
--- object (an empty one is {}); what JSON cannot hold is null.
function M.json(value)
  local kind = type(value)
  if kind == "string" then return M.json_string(value) end
  if kind == "number" then return json_number(value) end
  if kind == "boolean" then return tostring(value) end
  if kind ~= "table" then return "null" end
  local parts = {}
  if value[1] ~= nil then
    for i = 1, #value do parts[i] = M.json(value[i]) end
    return "[" .. table.concat(parts, ",") .. "]"
  end
  for _, k in ipairs(M.sorted_keys(value)) do
    parts[#parts + 1] = M.json_string(tostring(k)) .. ":" .. M.json(value[k])
  end
  return "{" .. table.concat(parts, ",") .. "}"
end

---------------------------------------------------------------------------
-- Cells

--- A value as cell text: "" for nil, JSON for a table.
function M.text(value)
  if value == nil then return "" end
  if type(value) == "table" then return M.json(value) end
  return tostring(value)
end

--- A value as an RFC 4180 field, quoted when it must be.
function M.csv_field(value)
  local s = M.text(value)
  if s:find('[,"\r\n]') then s = '"' .. s:gsub('"', '""') .. '"' end
  return s
end

---------------------------------------------------------------------------
-- Tables

--- The columns to show and their widths, fitting `width`. `columns` are
--- { header, fixed = bool }, `widths` their natural widths. Flexible
--- columns shrink first, widest first, down to their header's width (at
--- least 4); then fixed ones; then columns are dropped from the right.
--- Returns copies.
function M.fit(columns, widths, width)
  columns = { (table.unpack or unpack)(columns) }
  widths = { (table.unpack or unpack)(widths) }
  local function total()
    local sum = 2 * (#widths - 1)
    for _, w in ipairs(widths) do sum = sum + w end
    return sum
  end
  for _, fixed_pass in ipairs({ false, true }) do
    while total() > width do
      local widest
      for i, column in ipairs(columns) do
        local floor = math.max(4, M.width(column[1]))
        if (not not column.fixed) == fixed_pass and widths[i] > floor
          and (not widest or widths[i] > widths[widest]) then
          widest = i
        end
      end
      if not widest then break end
      widths[widest] = widths[widest] - 1
    end
  end
  while total() > width and #columns > 1 do
    columns[#columns], widths[#widths] = nil, nil
  end
  widths[1] = math.min(widths[1], width)
  return columns, widths
end

return M
