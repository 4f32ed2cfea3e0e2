-- Default account (always works)
app.integrations.wildix.list_calls({...})

-- Explicit default (portable across setups)
app.integrations.wildix.default.list_calls({...})

-- Named accounts
app.integrations.wildix.office.list_calls({...})
app.integrations.wildix.support.list_calls({...})
