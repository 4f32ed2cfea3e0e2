local result = app.integrations.wildix.list_calls({
  limit = 10,
  page = 1
})

for _, call in ipairs(result.calls or {}) do
  print(call.id .. ": " .. call.status)
end
