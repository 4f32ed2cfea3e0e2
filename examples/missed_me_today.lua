-- Who called me and missed me today, and who are they: what an agent asks
-- first. One extension's calls of the day, the missed ones (the module's
-- rule: inbound to it and not answered); each caller is looked up by
-- number among colleagues and contacts.
-- usage: lua examples/missed_me_today.lua [EXTENSION] [DAY]
--   (default: the token owner's extension, today)
-- Reads WILDIX_URL and WILDIX_TOKEN.
local wildix = require("wildix")

local ext = arg[1] or wildix.get_current_user().extension
local day = arg[2] or os.date("%Y-%m-%d")

local known, missed = {}, 0
for call in wildix.each_call({ extension = ext, missed = true, date_from = day, date_to = day }) do
  missed = missed + 1
  local who = known[call.from]
  if who == nil and call.from then
    local matches = wildix.lookup_number({ number = call.from }).matches
    local m = matches[1]
    who = m and ("%s (%s)"):format(m.name or "?", m.source) or (call.from_name ~= "" and call.from_name)
      or "unknown"
    known[call.from] = who
  end
  print(("%s  %-16s  %s"):format(call.start, call.from or "?", who))
end
print(("%d missed call(s) for extension %s on %s"):format(missed, ext, day))
