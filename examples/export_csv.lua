-- A month of calls as CSV on standard output (RFC 4180 quoting).
-- usage: lua examples/export_csv.lua YYYY-MM > calls.csv
-- Reads WILDIX_URL and WILDIX_TOKEN.
local wildix = require("wildix")

local month = arg[1] or os.date("%Y-%m")
local y, m = month:match("^(%d%d%d%d)-(%d%d)$")
assert(y and m, "usage: export_csv.lua YYYY-MM")
local function int(digits) return math.floor(assert(tonumber(digits))) end
-- The last day: day 0 of the next month.
local last = os.date("%Y-%m-%d", os.time({ year = int(y), month = int(m) + 1, day = 0, hour = 12 }))

local COLUMNS = { "id", "start", "from", "from_name", "to", "to_name", "status", "duration", "billsec" }

local function field(value)
  value = tostring(value == nil and "" or value)
  if value:find('[",\r\n]') then value = '"' .. value:gsub('"', '""') .. '"' end
  return value
end

io.write(table.concat(COLUMNS, ","), "\r\n")
local rows = 0
for call in wildix.each_call({ date_from = month .. "-01", date_to = last }) do
  local cells = {}
  for i, column in ipairs(COLUMNS) do cells[i] = field(call[column]) end
  io.write(table.concat(cells, ","), "\r\n")
  rows = rows + 1
end
io.stderr:write(("%d calls from %s-01 to %s\n"):format(rows, month, last))
