-- Call back today's missed callers: for each outside number that called
-- EXTENSION and was not answered (and not called back since), EXTENSION's
-- phone rings, then dials it. A dry run by default: it prints the request
-- each call-back would send. With --call it places them, once each, if the
-- account allows make_call (WILDIX_WRITES=make_call).
-- usage: lua examples/callback_missed.lua EXTENSION [DAY] [--call]
-- Reads WILDIX_URL and WILDIX_TOKEN (and WILDIX_WRITES).
local wildix = require("wildix")

local ext, day, call_for_real = nil, os.date("%Y-%m-%d"), false
for _, a in ipairs(arg) do
  if a == "--call" then call_for_real = true
  elseif not ext then ext = a
  else day = a end
end
if not ext then error("usage: lua examples/callback_missed.lua EXTENSION [DAY] [--call]", 0) end

-- Newest first: a number I called after it missed me is done.
local called_back, todo, seen = {}, {}, {}
for call in wildix.each_call({ extension = ext, date_from = day, date_to = day }) do
  if call.from == ext and call.to then
    called_back[call.to] = true
  elseif call.missed and call.from and #call.from > 6 -- missed (inbound, not answered), from outside
    and not called_back[call.from] and not seen[call.from] then
    seen[call.from] = true
    todo[#todo + 1] = call
  end
end

for _, call in ipairs(todo) do
  local ok, result = pcall(wildix.make_call, { to = call.from, extension = ext, dry_run = not call_for_real })
  if not ok then
    -- A refused or failed call-back is reported, never retried.
    print(("%s  %-16s  not called: %s"):format(call.start, call.from, tostring(result)))
  elseif result.dry_run then
    print(("%s  %-16s  would send %s %s to %s"):format(call.start, call.from, result.method, result.path,
      (result.body or {}).destination))
  else
    print(("%s  %-16s  calling (via %s)"):format(call.start, call.from, result.via))
  end
end
print(("%d missed caller(s) to call back for extension %s on %s%s"):format(#todo, ext, day,
  call_for_real and "" or " (dry run: add --call to place them)"))
