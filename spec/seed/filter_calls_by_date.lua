local result = app.integrations.wildix.list_calls({
  date_from = "2026-01-01",
  date_to = "2026-01-31",
  limit = 50
})
