-- Who is who: look up colleagues by extension number (or part of a name).
-- usage: lua examples/whois.lua 101 [105 "anna" ...]
-- Reads WILDIX_URL and WILDIX_TOKEN.
local wildix = require("wildix")

assert(#arg > 0, "usage: whois.lua NUMBER_OR_NAME ...")
local by_number, everyone = {}, {}
for user in wildix.each_user() do
  by_number[user.extension] = user
  everyone[#everyone + 1] = user
end

for _, query in ipairs(arg) do
  local found = by_number[query] and { by_number[query] } or {}
  if #found == 0 then
    local needle = query:lower()
    for _, user in ipairs(everyone) do
      if user.name:lower():find(needle, 1, true) then found[#found + 1] = user end
    end
  end
  if #found == 0 then print(query .. ": nobody") end
  for _, user in ipairs(found) do
    print(("%s: %s, extension %s, %s%s"):format(query, user.name, user.extension,
      user.email ~= "" and user.email or "no e-mail", user.department ~= "" and (", " .. user.department) or ""))
  end
end
