local result = app.integrations.wildix.get_call({ id = "call-123" })
print("Duration: " .. result.duration .. "s")
print("From: " .. result.from)
print("To: " .. result.to)
