--- Text for the `wildix` command (lua/wildix/cli.lua): display widths,
--- durations and counts, JSON, CSV, and fitting table columns to a width.
--- Widths are terminal columns (two for wide East Asian characters), by
--- the module's one rule (src/terminal.rs, the unicode-width crate).
local wildix = require("wildix")

local M = {}

--- How many terminal columns s takes.
M.width = wildix._width

--- s cut to `width` columns, with "…" marking a cut.
M.truncate = wildix._truncate

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
--- object; an empty one is [] (the PBX, written in PHP, sends an empty
--- list far more often than an empty object); what JSON cannot hold is
--- null.
function M.json(value)
  local kind = type(value)
  if kind == "string" then return M.json_string(value) end
  if kind == "number" then return json_number(value) end
  if kind == "boolean" then return tostring(value) end
  if kind ~= "table" then return "null" end
  local parts = {}
  if next(value) == nil then return "[]" end
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
-- Terminal safety. Text from the PBX (a caller's name is whatever the
-- caller set) must not drive the terminal it is printed on. These are the
-- characters a terminal obeys rather than shows: C0 controls and DEL, the
-- C1 controls (U+0080-U+009F; U+009B is CSI, U+009D OSC), and the bidi
-- controls that reorder what is shown (U+061C, U+200E-U+200F,
-- U+202A-U+202E, U+2066-U+2069).

local CONTROLS = { "[%z\1-\31\127]", "\194[\128-\159]", "\216\156", "\226\128[\142\143\170-\174]",
  "\226\129[\166-\169]" }
local MAYBE_CONTROL = "[%z\1-\31\127\194\216\226]"

--- `\u001b` for ESC, `\u202e` for U+202E: JSON reads it back as that character.
local function escape(c)
  local b1, b2, b3 = c:byte(1, 3)
  local code = b1
  if b3 then
    code = (b1 % 16) * 4096 + (b2 % 64) * 64 + b3 % 64
  elseif b2 then
    code = (b1 % 32) * 64 + b2 % 64
  end
  return ("\\u%04x"):format(code)
end

--- s with every control character written as its `\u` escape, except
--- line feeds and tabs, and carriage returns that end a line (CSV rows).
function M.escape_controls(s)
  if not s:find(MAYBE_CONTROL) then return s end
  s = s:gsub(CONTROLS[1], function(c)
    if c == "\n" or c == "\t" or c == "\r" then return nil end
    return escape(c)
  end)
  local subject = s
  s = s:gsub("()\r", function(at)
    if subject:sub(at + 1, at + 1) == "\n" then return nil end
    return "\\u000d"
  end)
  for i = 2, #CONTROLS do s = s:gsub(CONTROLS[i], escape) end
  return s
end

--- s as one line of a table: line breaks and tabs are spaces, other
--- controls escaped.
function M.one_line(s)
  return M.escape_controls((s:gsub("[\r\n\t]", " ")))
end

---------------------------------------------------------------------------
-- Cells

--- A value as cell text: "" for nil, JSON for a table.
function M.text(value)
  if value == nil then return "" end
  if type(value) == "table" then return M.json(value) end
  return tostring(value)
end

--- A value as an RFC 4180 field, quoted when it must be. A field a
--- spreadsheet would run as a formula (it starts with =, +, -, @, a tab or
--- a carriage return, and is not a number) gets a leading ' and shows as
--- the text it is.
function M.csv_field(value)
  local s = M.text(value)
  if s:find("^[=+%-@\t\r]") and not s:find("^[+%-]?%d+%.?%d*$") then s = "'" .. s end
  if s:find('[,"\r\n]') then s = '"' .. s:gsub('"', '""') .. '"' end
  return s
end

---------------------------------------------------------------------------
-- Tables

--- The narrowest a flexible column gets: a name or a number still reads.
M.MIN_WIDTH = 8

--- The columns to show and their widths, fitting `width`. `columns` are
--- { header, fixed = bool }, `widths` their natural widths. Fixed columns
--- (dates, statuses, ids, durations) are never cut. Flexible ones shrink
--- in proportion to what each can give (its width above its floor: its
--- header's width or MIN_WIDTH, no more than it needs), so they keep
--- their relative sizes; when even the floors do not fit, columns are
--- dropped from the right (the first one stays, cut to the width).
--- Returns copies. Arithmetic on the widths only: a million-column cell
--- costs what a short one does.
function M.fit(columns, widths, width)
  columns = { (table.unpack or unpack)(columns) }
  widths = { (table.unpack or unpack)(widths) }
  local floors = {}
  for i, column in ipairs(columns) do
    floors[i] = column.fixed and widths[i] or math.min(widths[i], math.max(M.MIN_WIDTH, M.width(column[1])))
  end
  local need = -2
  for _, floor in ipairs(floors) do need = need + floor + 2 end
  while need > width and #columns > 1 do
    need = need - floors[#floors] - 2
    columns[#columns], widths[#widths], floors[#floors] = nil, nil, nil
  end
  local excess, slack = 2 * (#widths - 1) - width, 0
  for i, w in ipairs(widths) do excess, slack = excess + w, slack + (w - floors[i]) end
  if excess > 0 and slack > 0 then
    -- Each gives its share of the excess, rounded down; the columns with
    -- the largest remainders (the leftmost of equals) give one more.
    local given, rest = 0, {}
    for i, w in ipairs(widths) do
      local share = excess * (w - floors[i]) / slack
      local whole = math.floor(share)
      widths[i], given = w - whole, given + whole
      if w - whole > floors[i] then rest[#rest + 1] = { i = i, fraction = share - whole } end
    end
    table.sort(rest, function(a, b)
      if a.fraction ~= b.fraction then return a.fraction > b.fraction end
      return a.i < b.i
    end)
    for k = 1, math.min(excess - given, #rest) do widths[rest[k].i] = widths[rest[k].i] - 1 end
  end
  widths[1] = math.min(widths[1], width)
  return columns, widths
end

return M
