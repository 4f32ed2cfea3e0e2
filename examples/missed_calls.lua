-- Missed calls per extension over a week: who should call back whom.
-- usage: lua examples/missed_calls.lua [FIRST_DAY]   (default: the last 7 days)
-- Reads WILDIX_URL and WILDIX_TOKEN.
local wildix = require("wildix")

local first = arg[1] or os.date("%Y-%m-%d", os.time() - 7 * 86400)
local y, m, d = first:match("^(%d+)-(%d+)-(%d+)$")
assert(y and m and d, "FIRST_DAY must be YYYY-MM-DD")
local function int(digits) return math.floor(assert(tonumber(digits))) end
local last = os.date("%Y-%m-%d", os.time({ year = int(y), month = int(m), day = int(d) + 6, hour = 12 }))

-- Extension numbers and their owners.
local owner = {}
for ext in wildix.each_extension() do owner[ext.number] = ext.name end

local missed, total = {}, 0
for call in wildix.each_call({ date_from = first, date_to = last }) do
  -- `missed`: inbound and not answered (the module's one definition).
  if call.missed and owner[call.to] then
    missed[call.to] = (missed[call.to] or 0) + 1
    total = total + 1
  end
end

local rows = {}
for number, count in pairs(missed) do rows[#rows + 1] = { number = number, count = count } end
table.sort(rows, function(a, b)
  if a.count ~= b.count then return a.count > b.count end
  return a.number < b.number
end)

print(("Missed calls %s to %s: %d"):format(first, last, total))
for i = 1, math.min(#rows, 15) do
  print(("%6s  %-28s %4d"):format(rows[i].number, owner[rows[i].number], rows[i].count))
end
