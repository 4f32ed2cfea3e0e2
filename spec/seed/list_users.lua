local result = app.integrations.wildix.list_users({
  limit = 50,
  page = 1
})

for _, user in ipairs(result.users or {}) do
  print(user.id .. ": " .. user.name .. " <" .. user.email .. ">")
end
