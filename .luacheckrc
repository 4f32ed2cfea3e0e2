std = "max"
max_line_length = 120
-- Verbatim copies of the seed's examples: kept exactly as documented.
exclude_files = { "spec/seed/*" }
files["spec/**/*_spec.lua"] = { std = "+busted" }
files["src/shim.lua"] = { globals = { "app", "lua_read_doc" } }
-- Type definitions: empty functions whose parameters only document.
files["types/wildix.lua"] = { unused_args = false, unused = false, globals = { "pcall" } }
