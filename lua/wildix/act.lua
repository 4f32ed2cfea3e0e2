--- The `wildix` command's writes: dial, hangup, sms, presence set and
--- contact add|edit|rm. Each is one of the module's write functions
--- (docs/reference.md, "Acting on the PBX"): refused unless the account
--- allows writes (WILDIX_WRITES, or `writes` in the profile), shown and
--- not sent with --dry-run, and on a terminal sent only once the user
--- says yes (--yes skips the question). The module sends it at most once.
local fmt = require("wildix.format")

local M = {}

-- Options each write command takes ("value" or "flag"), beside --dry-run
-- and --yes, and how many arguments.
M.COMMANDS = {
  dial = { args = 1, arg = "NUMBER", options = { extension = "value", device = "value" } },
  hangup = { args = 1, arg = "CALL_ID", options = { extension = "value" } },
  sms = { args = 2, arg = "NUMBER TEXT", options = { from = "value" } },
  contact = { args = 2, arg = "add NAME | edit ID | rm ID", options = { phonebook = "value", name = "value",
    phone = "value", mobile = "value", email = "value", organization = "value", type = "value" } },
}
-- `presence set STATUS` shares its command with the read `presence EXT`.
M.PRESENCE = { message = "value", ["until"] = "value", extension = "value" }
for _, spec in pairs(M.COMMANDS) do
  spec.options["dry-run"], spec.options.yes = "flag", "flag"
end

--- The write a command line asks for: the function and its parameters.
function M.plan(command, args, options, usage_error)
  if command == "dial" then
    return "make_call", { to = args[1], extension = options.extension, device = options.device }
  elseif command == "hangup" then
    return "hangup_call", { call_id = args[1], extension = options.extension }
  elseif command == "sms" then
    return "send_sms", { to = args[1], text = args[2], from = options.from }
  elseif command == "presence" then
    return "set_presence", { status = args[2], message = options.message, ["until"] = options["until"],
      extension = options.extension }
  end
  local verb, what = args[1], args[2]
  local fields = { phonebook_id = options.phonebook, phone = options.phone, mobile = options.mobile,
    email = options.email, organization = options.organization, type = options.type }
  if verb == "add" then
    if options.name then usage_error("'contact add' takes the name as its argument, not --name") end
    fields.name = what
    return "create_contact", fields
  elseif verb == "edit" then
    fields.id, fields.name = what, options.name
    return "update_contact", fields
  elseif verb == "rm" then
    for name in pairs(options) do
      if M.COMMANDS.contact.options[name] == "value" then
        usage_error(("'contact rm' takes only the contact's id, got --%s"):format(name))
      end
    end
    return "delete_contact", { id = what }
  end
  usage_error(("'contact' needs add NAME, edit ID or rm ID, got '%s'"):format(tostring(verb)))
end

--- One line for a request: `POST /api/…?user=201 {"destination":"…"}`.
function M.describe(request)
  local query = {}
  for _, key in ipairs(fmt.sorted_keys(request.query or {})) do
    query[#query + 1] = key .. "=" .. tostring(request.query[key])
  end
  local line = request.method .. " " .. request.path .. (#query > 0 and "?" .. table.concat(query, "&") or "")
  if request.body then line = line .. " " .. fmt.json(request.body) end
  return fmt.one_line(line)
end

--- A `before_write` that asks on the terminal; nil when there is no one
--- to ask (not a terminal) or --yes said so already.
function M.confirmation(sys, options)
  if options.yes or not (sys.terminal.stdin and sys.terminal.stderr) then return nil end
  return function(request)
    sys.stderr:write("wildix: ", request.account, ": ", M.describe(request), "\nSend it? [y/N] ")
    local answer = sys.stdin:read("*l")
    if answer and answer:lower():match("^%s*y") then return true end
    return false, "not confirmed"
  end
end

--- Runs the write: its request with --dry-run, else its result.
function M.run(ctx, command, usage_error, print_record)
  local fname, params = M.plan(command, ctx.args, ctx.options, usage_error)
  if ctx.options["dry-run"] then params.dry_run = true end
  local result = ctx.api[fname](params)
  if result.dry_run then
    if ctx.format == "table" then
      ctx.out(M.describe(result), "\n")
    else
      print_record(ctx.format, "request", result, ctx.out, ctx.width)
    end
    return
  end
  print_record(ctx.format, "result", result, ctx.out, ctx.width)
end

return M
