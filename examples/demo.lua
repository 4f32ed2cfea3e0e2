-- A tour of wildix: who am I, a few extensions, the latest calls, and a
-- month's totals. Reads WILDIX_URL and WILDIX_TOKEN (`make demo` points them
-- at the sandbox PBX).
local wildix = require("wildix")

-- Terminal columns of a string (two for wide CJK characters): the same
-- rule as the `wildix` command's tables.
local width = wildix._width

local function pad(s, n)
  s = tostring(s or "")
  return s .. string.rep(" ", n - width(s))
end

local function print_table(headers, rows)
  local widths = {}
  for i, h in ipairs(headers) do widths[i] = width(h) end
  for _, row in ipairs(rows) do
    for i, cell in ipairs(row) do widths[i] = math.max(widths[i], width(tostring(cell))) end
  end
  local function line(cells)
    local out = {}
    for i, cell in ipairs(cells) do out[i] = i < #cells and pad(cell, widths[i]) or tostring(cell) end
    print("  " .. table.concat(out, "  "))
  end
  line(headers)
  local rules = {}
  for i, w in ipairs(widths) do rules[i] = string.rep("-", w) end
  line(rules)
  for _, row in ipairs(rows) do line(row) end
end

-- An S2S app or a company key has no user: say so and go on.
local me, err = wildix.safe.get_current_user()
if me then
  print(("Logged in as %s <%s>, extension %s"):format(me.name, me.email, me.extension))
else
  print(("No user behind this credential (%s): reading the PBX as an app"):format(err.kind))
end

local exts = wildix.list_extensions({ limit = 5 })
print(("\nExtensions (first %d of %d)"):format(#exts.extensions, exts.total))
local rows = {}
for _, ext in ipairs(exts.extensions) do
  rows[#rows + 1] = { ext.number, ext.name, ext.email ~= "" and ext.email or "-" }
end
print_table({ "ext", "name", "email" }, rows)

local latest = wildix.list_calls({ limit = 10 })
print(("\nLatest calls (%d of %d)"):format(#latest.calls, latest.total))
rows = {}
for _, call in ipairs(latest.calls) do
  local from = call.from_name ~= "" and call.from_name or call.from
  local to = call.to_name ~= "" and call.to_name or call.to
  rows[#rows + 1] = { call.start, from, to, call.status, call.duration .. "s" }
end
print_table({ "start", "from", "to", "status", "duration" }, rows)

-- Scan a month: the PBX serves 100 calls a request by default, and the
-- iterator asks for the next page only when the loop gets there.
local counts, seconds, total = {}, 0, 0
for call in wildix.each_call({ date_from = "2026-03-01", date_to = "2026-03-31" }) do
  counts[call.status] = (counts[call.status] or 0) + 1
  seconds = seconds + (call.billsec or 0)
  total = total + 1
end

print(("\nMarch 2026: %d calls, %.1f hours talked"):format(total, seconds / 3600))
rows = {}
-- The four `status` takes first, then any other disposition (congestion).
local statuses = { "answered", "no_answer", "busy", "failed" }
for status in pairs(counts) do
  if status ~= "answered" and status ~= "no_answer" and status ~= "busy" and status ~= "failed" then
    statuses[#statuses + 1] = status
  end
end
for _, status in ipairs(statuses) do
  local n = counts[status] or 0
  rows[#rows + 1] = { status, n, ("%5.1f%%"):format(total > 0 and 100 * n / total or 0) }
end
print_table({ "status", "calls", "share" }, rows)
