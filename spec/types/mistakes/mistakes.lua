-- luacheck: ignore
-- Real mistakes, each on a line that names the diagnostics it must give
-- (after "--!"); tools/typecheck.lua fails on a missing or an extra one.
-- Never run.
local wildix = require("wildix")

wildix.lsit_calls{}                                       --! call-non-callable
wildix.list_calls{ limit = true }                         --! param-type-mismatch
wildix.list_calls{ status = "missed" }                    --! param-type-mismatch
wildix.get_call{}                                         --! missing-fields param-type-mismatch
wildix.configure{ url = 5 }                               --! param-type-mismatch
local call = wildix.safe.get_call{ id = "1" }
print(call.id)                                            --! need-check-nil
local page = wildix.list_calls{}
for _, c in ipairs(page.calls) do
  print(c.duraton)                                        --! undefined-field
end
local ext = wildix.get_extension{ extension = "201" }
print(ext.nubmer)                                         --! undefined-field
wildix.list_calls{ limt = 5 }                             --! param-type-mismatch
wildix.make_call{ to = "201", extnesion = "202" }         --! param-type-mismatch
