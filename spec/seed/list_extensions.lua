local result = app.integrations.wildix.list_extensions({
  limit = 50,
  page = 1
})

for _, ext in ipairs(result.extensions or {}) do
  print(ext.id .. ": " .. ext.name)
end
