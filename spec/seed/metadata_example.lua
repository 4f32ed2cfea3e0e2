local result = app.integrations.wildix.wildix_list_calls({
  limit = 1,
  page = 1,
  date_from = "example_date_from",
  date_to = "example_date_to"
})
print(result)
