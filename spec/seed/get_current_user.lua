local result = app.integrations.wildix.get_current_user({})
print("Logged in as: " .. result.name)
print("Email: " .. result.email)
