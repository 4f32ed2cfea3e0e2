local result = app.integrations.wildix.get_extension({ id = "ext-456" })
print("Extension: " .. result.number)
print("User: " .. result.user_name)
