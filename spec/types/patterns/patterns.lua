-- Every usage the README documents, as a script would write it: must
-- type-check with no diagnostic against types/wildix.lua (tools/typecheck.lua).
-- Never run.
local wildix = require("wildix")

wildix.configure{ url = "https://acme.wildixin.com", token = os.getenv("WILDIX_TOKEN") }
wildix.configure{ timeout = 5 }                      -- url and token from the environment
local office = wildix.configure("office", { url = "https://office.example.com", token = "t", retries = 0 })
print(office.list_calls{ limit = 10 }.total, wildix.office.get_current_user().name, wildix.default.list_users{}.total)
for _, name in ipairs(wildix.accounts()) do print(name) end

for _, call in ipairs(wildix.list_calls{ limit = 10, page = "2", date_from = "2026-01-01" }.calls) do
  print(call.start, call.from, call.to, call.status, call.duration, call.start_iso, call.lastapp)
end
local page = wildix.list_calls{ limit = "25", status = "no_answer", fields = { "start", "status" } }
if page.has_more then print(page.page + 1) end
print(wildix.get_call{ id = "1426080756.123" }.id, wildix.get_extension{ extension = "201" }.number)
print(wildix.get_extension{ id = 12 }.user_name, wildix.get_current_user().email)
print(wildix.lookup_number{ number = "+390212345" }.matches[1], wildix.get_presence{ extension = "201" }.status)

for call in wildix.each_call{ date_from = "2026-01-01", date_to = "2026-03-31", page_size = 1000 } do
  print(call.id)
end
for ext in wildix.each_extension() do print(ext.number, ext.name) end
for user in wildix.office.each_user{ page_size = 200 } do print(user.email) end

local ok, err = pcall(wildix.get_call, { id = "42" })
if not ok then
  print(err.kind, err.status, tostring(err))
  if err.kind == "not_found" then print("no such call") else error(err) end
end

local safe = require("wildix").safe
local call, failure = safe.get_call{ id = "42" }
if not call then print(failure.kind, failure.message) else print(call.status) end
local users, problem = safe.list_users{}
if users then print(users.total) else print(problem.kind) end
for user, scan_err in safe.each_user() do
  if not user then print("scan failed:", scan_err and scan_err.message) break end
  print(user.name)
end

print(wildix.lua_read_doc("integrations.wildix"), wildix.version, wildix._VERSION)
print(wildix.dump(wildix.list_call_groups()), wildix._width("池田"))
local app = wildix.install({})
print(app)
