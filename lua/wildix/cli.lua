--- The `wildix` command (bin/wildix): PBX data on the command line.
---
--- `cli.main(argv, sys)` runs one command and returns the exit code: 0 on
--- success, 1 when the PBX or the account fails, 2 for a usage error, 130
--- when interrupted. It never calls os.exit. `sys` replaces the outside world in specs: stdout,
--- stderr, getenv, terminal ({ stdout, stderr, columns }), today
--- ("YYYY-MM-DD") and wildix (the module); each defaults to the real one.
local act = require("wildix.act")
local help = require("wildix.help")
local fmt = require("wildix.format")
local profile = require("wildix.profile")

local M = {}

local USAGE = [[
usage: wildix <command> [options]

commands:
  me                                  the user the token belongs to
  whoami | auth status                the account, its credential, what it can
                                      reach (a read of each kind of route) and
                                      what each refused kind needs
  calls [--from D] [--to D] [-n N | --all]
        [--status S,...] [--type call|fax]
        [--search TEXT] [-e EXT] [--missed] [--direction in|out|internal]
                                      call history, newest first (default: 25 calls),
                                      filtered by the PBX; --missed (inbound, not
                                      answered), --direction and several
                                      --status (answered, no_answer, busy,
                                      failed) by the records
  call ID                             one call
  extensions [--search TEXT] [-n N | --all]
                                      extensions (default: 25)
  extension NUMBER | --id ID          one extension, by its number or record id
  users [--search TEXT] [-n N | --all]
                                      users (default: 25); --search: by name,
                                      number or email
  contacts [--search TEXT] [--phonebook ID] [-n N | --all]
                                      phonebook contacts (default: 25)
  phonebooks [-n N | --all]           phonebooks (default: 25)
  groups                              call groups and their members
  presence EXT                        one extension's presence
  devices [-n N | --all]              phones and their extensions (default: 25)
  lookup NUMBER                       who a phone number belongs to
  registrations [EXT]                 SIP registrations: which phones are online
  active EXT                          an extension's calls in progress
  stats [--from D] [--to D] [--by day|week|month] [-e EXT] [--top N]
                                      calls per day (or week, or month), answered
                                      vs missed, and the top talkers (default: the
                                      last 7 days)
  doc                                 the Lua API reference
  help [COMMAND]                      this text, or one command's
  man                                 this text as a man page (roff): wildix man >
                                      ~/.local/share/man/man1/wildix.1
  completion bash|zsh                 shell completion: eval "$(wildix completion bash)"
  recording CALL_ID [-o FILE]         save a call's recording (default CALL_ID.wav)
  config view                         the account's settings in effect and where
                                      each came from (flag, environment, profile),
                                      the credential masked
  dial NUMBER [-e EXT] [--device D]   call NUMBER from EXT's phone (it rings first)
  hangup CALL_ID [-e EXT]             end a call (its sipCallId, from 'active')
  sms NUMBER TEXT [--from F]          send a text message
  presence set available|away|dnd [-e EXT] [--message M] [--until T]
                                      set a presence (T: YYYY-MM-DD HH:MM, UTC)
  contact add NAME --phonebook ID [--phone P] [--mobile M] [--email E]
          [--organization O] [--type T]
  contact edit ID [--name N] [--phone P] [...]
  contact rm ID                       add, change or delete a phonebook contact
                                      Writes need WILDIX_WRITES (or writes = in the
                                      profile); each takes --dry-run (show, send
                                      nothing) and --yes (no question on a terminal)

options:
  -n, --limit N          at most N records
  -a, --all              every record
  -e, --extension EXT    one extension's calls
  --from D, --since D    calls from D on; --to D: up to D (inclusive)
  -o, --output FILE      recording: where to save it
  -v, --debug            every request on stderr: method, path, query,
                         status, time, size (never a header or a secret);
                         WILDIX_DEBUG=1 does the same
  --dry-run              writes: show the request, send nothing
  -y, --yes              writes: send without asking on a terminal
  -f, --format table|json|jsonl|csv
                         default: table (plain, every character, when piped);
                         json: one document { <list>: [...], total };
                         jsonl: a record a line. Counts and notes: stderr
  --account NAME         an account (default: "default")
  --ca-file PEM          the PBX's CA certificate, for a private one
  --timeout SECONDS      how long one command's request may take (default 30)
  --retries N            retries after a network error, 429 or 5xx (default 2)
  -h, --help             this text; after a command, that command's
  -V, --version

Dates: YYYY-MM-DD, YYYY-MM-DD HH:MM[:SS], today, yesterday, or N days or
weeks back (--since 7d, --from 2w), read by the PBX in its own time zone;
today is this computer's date.
Accounts: the flags above, then WILDIX_URL with WILDIX_TOKEN (or
WILDIX_APP_ID, WILDIX_APP_NAME and WILDIX_APP_SECRET for an S2S app, or
WILDIX_USERNAME and WILDIX_PASSWORD), WILDIX_CA_FILE, WILDIX_TIMEOUT and
WILDIX_RETRIES (WILDIX_<NAME>_... for --account NAME), then the profile
file, ~/.config/wildix/config: a [NAME] section per account, key = value
lines (url, token or app_id/app_name/secret, ca_file, timeout, ...),
readable by you alone if it holds a token or secret. Colour on a terminal unless NO_COLOR is set.
Exit status: 0 done, 1 PBX or account error, 2 usage error, 130 interrupted.
]]
M.usage = USAGE

-- Options each command takes, besides --account, --format and --help.
-- "value" options take an argument, "flag" options do not.
local COMMANDS = {
  me = { args = 0, options = {} },
  whoami = { args = 0, options = {} },
  auth = { args = 1, options = {}, arg = "status" }, -- `auth status`: whoami, as gh says it
  calls = { args = 0, options = { from = "value", since = "value", to = "value", limit = "value", all = "flag",
    status = "value", type = "value", search = "value", extension = "value", missed = "flag",
    direction = "value" } },
  call = { args = 1, options = {} },
  extensions = { args = 0, options = { limit = "value", all = "flag", search = "value" } },
  extension = { args = 1, options = { id = "value" } }, -- NUMBER, or --id instead
  users = { args = 0, options = { limit = "value", all = "flag", search = "value" } },
  contacts = { args = 0, options = { limit = "value", all = "flag", search = "value", phonebook = "value" } },
  groups = { args = 0, options = {} },
  phonebooks = { args = 0, options = { limit = "value", all = "flag" } },
  presence = { args = 1, options = {}, arg = "EXT" },
  devices = { args = 0, options = { limit = "value", all = "flag" } },
  lookup = { args = 1, options = {}, arg = "NUMBER" },
  registrations = { args = 0, options = {}, optional = "EXT" },
  active = { args = 1, options = {}, arg = "EXT" },
  stats = { args = 0, options = { from = "value", since = "value", to = "value", top = "value", by = "value",
    extension = "value" } },
  doc = { args = 0, options = {} },
  recording = { args = 1, options = { output = "value" }, arg = "CALL_ID" },
  config = { args = 1, options = {}, arg = "view" },
  help = { args = 0, options = {}, optional = "COMMAND" },
  man = { args = 0, options = {} },
  completion = { args = 1, options = {}, arg = "bash|zsh" },
}
for name, spec in pairs(act.COMMANDS) do COMMANDS[name] = spec end
for name, kind in pairs(act.PRESENCE) do COMMANDS.presence.options[name] = kind end
COMMANDS.presence.options["dry-run"], COMMANDS.presence.options.yes = "flag", "flag"
local GLOBAL_OPTIONS = { account = "value", format = "value", help = "flag", version = "flag",
  ["ca-file"] = "value", timeout = "value", retries = "value", debug = "flag" }
-- -n 5, -n5: the long option each letter stands for.
local SHORT = { n = "limit", a = "all", e = "extension", f = "format", h = "help", V = "version", y = "yes",
  o = "output", v = "debug" }
local FORMATS = { table = true, json = true, jsonl = true, csv = true }
local PAGE_SIZE = 1000 -- the most the PBX returns per request
local DEFAULT_LIMIT = 25

-- Fields shown first for one record, in this order; the rest follow sorted.
local RECORD_FIRST = {
  call = { "id", "start", "answer", "end", "from", "from_name", "to", "to_name", "status", "duration", "billsec" },
  extension = { "id", "number", "name", "user_name", "email" },
  user = { "id", "name", "email", "extension" },
  presence = { "extension", "state", "online", "message", "until" },
  whoami = { "account", "url", "credentials", "kind", "user", "reaches", "refused", "writes" },
  config = { "account", "url", "credentials", "kind", "writes", "ca_file", "timeout", "connect_timeout", "retries",
    "scope", "user_agent", "max_requests_per_second", "concurrency", "profile" },
  -- A write's result, and its request (--dry-run).
  result = { "ok", "via", "id", "name" },
  request = { "dry_run", "account", "function", "method", "path", "query", "body" },
}

local Usage = {} -- error marker: a usage error, exit 2

local function usage_error(message)
  error(setmetatable({ message = message }, Usage), 0)
end

---------------------------------------------------------------------------
-- Arguments

local function option_list(spec)
  local names = {}
  for name in pairs(spec.options) do names[#names + 1] = "--" .. name end
  table.sort(names)
  names[#names + 1] = "--account, --format, --ca-file, --timeout, --retries"
  return table.concat(names, ", ")
end

-- Every option's kind, whichever command takes it: options may come before
-- the command, so they are read first and checked against it after.
local OPTION_KINDS = {}
for name, kind in pairs(GLOBAL_OPTIONS) do OPTION_KINDS[name] = kind end
for _, spec in pairs(COMMANDS) do
  for name, kind in pairs(spec.options) do OPTION_KINDS[name] = kind end
end

local function unknown_option(name, command)
  if command then
    usage_error(("unknown option '--%s' for '%s' (options: %s)"):format(name, command, option_list(COMMANDS[command])))
  end
  usage_error(("unknown option '--%s' (try 'wildix --help')"):format(name))
end

--- Splits argv into command, args, options; raises a usage error.
local function parse(argv)
  local command, args, options = nil, {}, {}
  local i, only_args = 1, false
  while i <= #argv do
    local word = argv[i]
    if not only_args and word == "--" then
      only_args = true
    elseif not only_args and (word:sub(1, 2) == "--" or word:match("^%-%a")) then
      local name, value, shown
      if word:sub(1, 2) == "--" then
        name, value = word:match("^%-%-([%w%-_]+)=(.*)$")
        name = name or word:sub(3)
        shown = "--" .. name
      else
        name, shown = SHORT[word:sub(2, 2)], word:sub(1, 2)
        if not name then
          usage_error(("unknown option '%s' (short options: -a, -e, -f, -h, -n, -o, -v, -V, -y)"):format(shown))
        end
        value = word:sub(3) ~= "" and word:sub(3) or nil
      end
      local kind = OPTION_KINDS[name]
      if not kind then unknown_option(name, command) end
      if options[name] ~= nil then usage_error(("%s given twice"):format(shown)) end
      if kind == "flag" then
        if value then usage_error(("%s takes no value"):format(shown)) end
        options[name] = true
      else
        if not value then
          i = i + 1
          value = argv[i]
          if value == nil then usage_error(("%s needs a value"):format(shown)) end
        end
        options[name] = value
      end
    elseif not only_args and word:sub(1, 1) == "-" and #word > 1 then
      usage_error(("unknown option '%s'"):format(word))
    elseif command == nil and word == "help" and not options.help then
      -- `wildix help [COMMAND]` is `wildix [COMMAND] --help`.
      options.help = true
    elseif command == nil then
      command = word
      if not COMMANDS[word] or word == "help" then
        local names = {}
        for name in pairs(COMMANDS) do names[#names + 1] = name end
        table.sort(names)
        usage_error(("unknown command '%s' (commands: %s)"):format(word, table.concat(names, ", ")))
      end
    else
      args[#args + 1] = word
    end
    i = i + 1
  end
  if COMMANDS[command or ""] then
    local names = {}
    for name in pairs(options) do names[#names + 1] = name end
    table.sort(names)
    for _, name in ipairs(names) do
      if not GLOBAL_OPTIONS[name] and not COMMANDS[command].options[name] then unknown_option(name, command) end
    end
  end
  if options.since then
    if options.from then usage_error("--since is --from: give one of them") end
    options.from, options.since = options.since, nil
  end
  return command, args, options
end

--- `wildix COMMAND --help`: the command's lines of USAGE, the lines of
--- the options it takes, and how dates are read if it takes any.
local function command_help(command)
  if command == "auth" then command = "whoami" end -- `auth status` is whoami's other name
  local takes = COMMANDS[command].options
  local usage, options, section, keep = {}, {}, nil, false
  for line in USAGE:gmatch("([^\n]*)\n") do
    if line:match("^%S") then
      section = line
    elseif section == "commands:" then
      local name = line:match("^  (%a+)")
      if name then keep = name == command end
      if keep and line ~= "" then usage[#usage + 1] = #usage == 0 and "usage: wildix " .. line:sub(3) or line end
    elseif section == "options:" then
      if line:match("^  %-") then -- an option's first line; the next ones are indented more
        keep = false
        for name in line:gmatch("%-%-([%w%-]+)") do
          if takes[name] or GLOBAL_OPTIONS[name] then keep = true end
        end
      end
      if keep and line ~= "" then options[#options + 1] = line end
    end
  end
  local dates = takes.from and "\n" .. USAGE:match("\n(Dates:.-\n)Accounts:") or ""
  return table.concat(usage, "\n") .. "\n\noptions:\n" .. table.concat(options, "\n") .. "\n" .. dates
end

--- A date as the PBX takes it: today, yesterday, 7d (days back) and 2w
--- (weeks back) become YYYY-MM-DD; anything else is passed on, for the
--- module to check.
local function date_option(value, today, add_days)
  if value == nil then return nil end
  local word = value:lower()
  if word == "today" then return today end
  if word == "yesterday" then return add_days(today, -1) end
  local n, unit = word:match("^(%d+)([dw])$")
  if n and #n <= 5 then return add_days(today, -tonumber(n) * (unit == "w" and 7 or 1)) end
  return value
end

local function positive_integer(options, name)
  local value = options[name]
  if value == nil then return nil end
  local n = tonumber(value)
  if not value:match("^%d+$") or not n or n < 1 then
    usage_error(("--%s must be a whole number from 1, got '%s'"):format(name, value))
  end
  return math.floor(n)
end

---------------------------------------------------------------------------
-- Output

-- Columns of CSV output, in order.
local CSV_COLUMNS = {
  calls = { "start", "from", "from_name", "to", "to_name", "status", "duration", "id" },
  extensions = { "number", "name", "email", "id" },
  users = { "name", "email", "extension", "id" },
  contacts = { "name", "phone", "mobile", "email", "organization", "id" },
  devices = { "extension", "model", "mac", "state", "id" },
  phonebooks = { "name", "type", "id" },
  groups = { "name", "member_extensions", "id" },
  matches = { "source", "name", "number", "email", "id" },
  registrations = { "extension", "online", "contact", "user_agent" },
  active = { "callerNumber", "callerName", "calleeNumber", "state", "duration" },
}

-- On a terminal: answered calls green, the others yellow or red.
local STATUS_COLORS = { answered = "32", no_answer = "33", busy = "33", failed = "31" }

local function party_label(number, name)
  number = number ~= nil and tostring(number) or ""
  if type(name) == "string" and name ~= "" then return number .. " " .. name end
  return number
end

-- Columns of tables, in order: a header and how to show a record's cell.
-- `right` aligns numbers; `fixed` columns (dates, statuses, ids) are
-- never cut to fit a terminal (fmt.fit).
local TABLE_COLUMNS = {
  calls = {
    { "start", fixed = true },
    { "from", cell = function(call) return party_label(call.from, call.from_name) end },
    { "to", cell = function(call) return party_label(call.to, call.to_name) end },
    { "status", fixed = true, color = function(call) return STATUS_COLORS[call.status] end },
    { "duration", right = true, fixed = true, cell = function(call) return fmt.clock(call.duration) end },
    { "id", fixed = true },
  },
  extensions = { { "number", fixed = true }, { "name" }, { "email" }, { "id", fixed = true } },
  users = { { "name" }, { "email" }, { "extension", fixed = true }, { "id", fixed = true } },
  contacts = { { "name" }, { "phone" }, { "mobile" }, { "email" }, { "id", fixed = true } },
  phonebooks = { { "name" }, { "type", fixed = true }, { "id", fixed = true } },
  devices = { { "extension", fixed = true }, { "model" }, { "mac", fixed = true }, { "state", fixed = true },
    { "id", fixed = true } },
  registrations = { { "extension", fixed = true }, { "online", fixed = true, cell = function(r)
    return r.online and "yes" or "no"
  end, color = function(r) return r.online and "32" or "31" end }, { "contact" }, { "user_agent" } },
  active = { { "from", cell = function(c) return party_label(c.callerNumber, c.callerName) end },
    { "to", cell = function(c) return party_label(c.calleeNumber, c.calleeName) end },
    { "state", fixed = true },
    { "duration", right = true, fixed = true, cell = function(c) return fmt.clock(c.duration) end } },
  matches = { { "source", fixed = true }, { "name" }, { "number" }, { "email" }, { "id", fixed = true } },
  groups = { { "name" }, { "members", cell = function(group)
    return table.concat(group.member_extensions or {}, ", ")
  end }, { "id", fixed = true } },
}

--- The fields of one record: RECORD_FIRST's, then the others sorted.
local function record_fields(record, kind)
  local fields, seen = {}, {}
  for _, name in ipairs(RECORD_FIRST[kind]) do
    if record[name] ~= nil then
      fields[#fields + 1] = name
      seen[name] = true
    end
  end
  for _, name in ipairs(fmt.sorted_keys(record)) do
    if not seen[name] then fields[#fields + 1] = name end
  end
  return fields
end

-- Everything printed passes through here, so no text from the PBX reaches
-- the terminal with a control character in it (fmt.escape_controls). The
-- one way to send one: a { sgr = "1" } part, a colour code of our own.
local function writer(sys)
  return function(...)
    local parts = { ... }
    for i = 1, select("#", ...) do
      local part = parts[i]
      if type(part) == "table" then
        parts[i] = "\27[" .. part.sgr .. "m"
      else
        parts[i] = fmt.escape_controls(tostring(part))
      end
    end
    local ok, err = sys.stdout:write(table.concat(parts))
    if not ok then error({ kind = "output", message = "cannot write output: " .. tostring(err) }, 0) end
  end
end

--- One line of a table: cells two spaces apart, each in its colour
--- (`colors[i]`, an SGR code, or false) when given, no trailing blanks.
local function table_line(out, cells, colors)
  local last = #cells
  while last > 1 and not cells[last]:match("%S") do last = last - 1 end
  local parts = {}
  for i = 1, last do
    local text = i == last and cells[i]:gsub("%s+$", "") or cells[i]
    if i > 1 then parts[#parts + 1] = "  " end
    local sgr = colors and colors[i]
    if sgr and text ~= "" then
      parts[#parts + 1], parts[#parts + 2], parts[#parts + 3] = { sgr = sgr }, text, { sgr = "0" }
    else
      parts[#parts + 1] = text
    end
  end
  parts[#parts + 1] = "\n"
  out((table.unpack or unpack)(parts))
end

--- The list printer for one format: rows(records) for each page as it
--- arrives, finish(summary, ending) at the end. `ending` is { total,
--- partial }: JSON's document ends with the total, and a list cut short
--- (`-n`, the default 25) says so on stderr in every format. `field` names
--- JSON's list (`calls`). Table widths come from the first page; `width`
--- is math.huge when stdout is not a terminal.
local function list_printer(format, kind, field, out, width, color, note)
  local columns = TABLE_COLUMNS[kind]
  -- The count under a table, or a cut-short list's note: on stderr, so a
  -- pipe gets records only (`wildix users --all | tail -3`).
  local function footer(summary, ending, always)
    if always or (ending and ending.partial) then note(summary, "\n") end
  end
  -- A cell is one line: a line break inside a value would break the table.
  local function cell(record, column)
    return fmt.one_line(column.cell and column.cell(record) or fmt.text(record[column[1]]))
  end

  if format == "json" then
    -- One document: { "<field>": [ records ], "total": N }, written as
    -- the pages arrive.
    local first = true
    out("{", fmt.json_string(field), ":[")
    return {
      rows = function(records)
        for _, record in ipairs(records) do
          out(first and "\n" or ",\n", fmt.json(record))
          first = false
        end
      end,
      finish = function(summary, ending)
        out(first and "" or "\n", '],"total":', fmt.json((ending or {}).total or 0), "}\n")
        footer(summary, ending)
      end,
    }
  elseif format == "jsonl" then
    return {
      rows = function(records)
        for _, record in ipairs(records) do out(fmt.json(record), "\n") end
      end,
      finish = footer,
    }
  elseif format == "csv" then
    local names = CSV_COLUMNS[kind]
    out(table.concat(names, ","), "\r\n")
    return {
      rows = function(records)
        for _, record in ipairs(records) do
          local fields = {}
          for i, name in ipairs(names) do fields[i] = fmt.csv_field(record[name]) end
          out(table.concat(fields, ","), "\r\n")
        end
      end,
      finish = footer,
    }
  end

  local widths
  return {
    rows = function(records)
      if not widths then
        if #records == 0 then return end
        widths = {}
        for i, column in ipairs(columns) do
          local w = fmt.width(column[1])
          for _, record in ipairs(records) do w = math.max(w, fmt.width(cell(record, column))) end
          widths[i] = w
        end
        columns, widths = fmt.fit(columns, widths, width)
        local head, bold = {}, {}
        for i, column in ipairs(columns) do
          head[i] = fmt.pad(fmt.truncate(column[1], widths[i]), widths[i], column.right)
          bold[i] = "1"
        end
        table_line(out, head, color and bold)
      end
      for _, record in ipairs(records) do
        local line, colors = {}, {}
        for i, column in ipairs(columns) do
          -- Widths come from the first page: on a terminal a wider cell
          -- later is cut ("…"); piped, it is kept whole and pushes its row.
          local text = cell(record, column)
          if width ~= math.huge then text = fmt.truncate(text, widths[i]) end
          line[i] = fmt.pad(text, widths[i], column.right)
          colors[i] = column.color and column.color(record) or false
        end
        table_line(out, line, color and colors)
      end
    end,
    finish = function(summary, ending) footer(summary, ending, true) end,
  }
end

--- Where footers go: stderr, so a pipe gets records only.
local function summary_writer(ctx)
  return function(...) ctx.sys.stderr:write(...) end
end

local function print_record(format, kind, record, out, width)
  local fields = record_fields(record, kind)
  if format == "json" then
    local lines = {}
    for i, name in ipairs(fields) do lines[i] = "  " .. fmt.json_string(name) .. ": " .. fmt.json(record[name]) end
    out("{\n", table.concat(lines, ",\n"), "\n}\n")
  elseif format == "jsonl" then
    out(fmt.json(record), "\n")
  elseif format == "csv" then
    local values = {}
    for i, name in ipairs(fields) do
      values[i] = fmt.csv_field(record[name])
      fields[i] = fmt.csv_field(name)
    end
    out(table.concat(fields, ","), "\r\n", table.concat(values, ","), "\r\n")
  else
    local key_width, shown = 0, {}
    for i, name in ipairs(fields) do
      shown[i] = fmt.one_line(name)
      key_width = math.max(key_width, fmt.width(shown[i]))
    end
    for i, name in ipairs(fields) do
      local value = fmt.one_line(fmt.text(record[name]))
      if name == "duration" or name == "billsec" then value = value .. " s" end
      local line = fmt.pad(shown[i], key_width) .. "  " .. fmt.truncate(value, math.max(width - key_width - 2, 8))
      out((line:gsub("%s+$", "")), "\n")
    end
  end
end

--- Progress on stderr, only when stderr is a terminal: show(done, total)
--- writes it over the last; clear() wipes it, and must come before any
--- output, which may go to the same terminal.
local function progress(sys, noun)
  if not sys.terminal.stderr then return function() end, function() end end
  local shown = false
  return function(done, total)
    sys.stderr:write(("\r%s: %s of %s"):format(noun, fmt.thousands(done), fmt.thousands(total)))
    shown = true
  end, function()
    if shown then sys.stderr:write("\r\27[K") end
    shown = false
  end
end

---------------------------------------------------------------------------
-- Commands

local LISTS = {
  calls = { fn = "list_calls", field = "calls", noun = "calls" },
  extensions = { fn = "list_extensions", field = "extensions", noun = "extensions" },
  users = { fn = "list_users", field = "users", noun = "users" },
  contacts = { fn = "list_contacts", field = "contacts", noun = "contacts" },
  devices = { fn = "list_devices", field = "devices", noun = "devices" },
  phonebooks = { fn = "list_phonebooks", field = "phonebooks", noun = "phonebooks" },
}

-- Commands whose one answer holds every record.
local WHOLE = {
  groups = { fn = "list_call_groups", field = "call_groups", noun = "call groups" },
  registrations = { fn = "list_registrations", field = "registrations", noun = "registrations",
    param = "extension" },
  active = { fn = "list_active_calls", field = "calls", noun = "calls in progress", param = "extension" },
  lookup = { fn = "lookup_number", field = "matches", kind = "matches", param = "number",
    summary = function(records, result)
      if #records == 0 then return "nobody has " .. result.number end
      return ("%s match(es) for %s"):format(fmt.thousands(#records), result.number)
    end },
}

-- --direction's words, and the module's.
local DIRECTIONS = { ["in"] = "inbound", out = "outbound", inbound = "inbound", outbound = "outbound",
  internal = "internal", unknown = "unknown" }

-- The outcomes --status takes (the module's `status` values).
local STATUSES = { answered = true, no_answer = true, busy = true, failed = true }

--- `calls --missed` / `--direction D` / `--status a,b`: the module's own
--- rules, as each_call's filters (the PBX has none), read until `wanted`
--- are shown.
local function filtered_calls(ctx, printer, wanted)
  local o = ctx.options
  local direction = o.direction and DIRECTIONS[o.direction]
  if o.direction and not direction then
    usage_error(("--direction must be in, out, internal or unknown, got '%s'"):format(o.direction))
  end
  -- --status a,b: the PBX filters one outcome; several are kept here, by
  -- the records' own status.
  local statuses, status = nil, o.status
  if status and status:find(",", 1, true) then
    statuses, status = {}, nil
    for word in o.status:gmatch("[^,%s]+") do
      if not STATUSES[word] then
        usage_error(("--status takes answered, no_answer, busy or failed (comma-separated), got '%s'"):format(word))
      end
      statuses[word] = true
    end
  end
  local shown, batch = 0, {}
  for call in ctx.api.each_call({ date_from = ctx.date(o.from), date_to = ctx.date(o.to), status = status,
    type = o.type, search = o.search, extension = o.extension, direction = direction,
    missed = o.missed or nil, page_size = math.min(math.max(wanted, 25), PAGE_SIZE) }) do
    if not statuses or statuses[call.status] then
      batch[#batch + 1] = call
      shown = shown + 1
      if #batch == 100 then printer.rows(batch); batch = {} end
      if shown >= wanted then break end
    end
  end
  printer.rows(batch)
  local noun = (o.missed and "missed " or "") .. (direction and direction .. " " or "") .. "calls"
  printer.finish(shown == 0 and "no " .. noun or ("%s %s"):format(fmt.thousands(shown), noun),
    { total = shown, partial = false })
end

local function list(ctx, command)
  local what = LISTS[command]
  local limit = positive_integer(ctx.options, "limit")
  if limit and ctx.options.all then usage_error("--limit and --all do not go together") end
  local wanted = ctx.options.all and math.huge or limit or DEFAULT_LIMIT
  local page_size = math.min(wanted, PAGE_SIZE)
  local printer = list_printer(ctx.format, command, what.field, ctx.out, ctx.width, ctx.color, summary_writer(ctx))
  local several = (ctx.options.status or ""):find(",", 1, true)
  if command == "calls" and (ctx.options.missed or ctx.options.direction or several) then
    return filtered_calls(ctx, printer, wanted)
  end
  local show, clear = progress(ctx.sys, what.noun)
  if wanted <= PAGE_SIZE then show = function() end end -- one request: nothing to follow

  local shown, total, page, has_more = 0, 0, 1, true
  while shown < wanted and has_more do
    local params = { limit = page_size, page = page }
    if command == "calls" then
      local o = ctx.options
      params.date_from, params.date_to = ctx.date(o.from), ctx.date(o.to)
      params.status, params.type, params.search, params.extension = o.status, o.type, o.search, o.extension
    elseif command == "contacts" then
      params.search, params.phonebook_id = ctx.options.search, ctx.options.phonebook
    elseif command == "users" or command == "extensions" then
      params.search = ctx.options.search
    end
    local result = ctx.api[what.fn](params)
    total, has_more = result.total, result.has_more
    local records = result[what.field]
    if shown + #records > wanted then
      local cut = {}
      for i = 1, wanted - shown do cut[i] = records[i] end
      records = cut
    end
    clear()
    printer.rows(records)
    shown = shown + #records
    show(shown, total)
    page = page + 1
    if #records == 0 then break end
  end
  clear()

  local summary
  if shown == 0 then
    summary = "no " .. what.noun
  elseif shown < total then
    summary = ("%s of %s %s (--all for every one)"):format(fmt.thousands(shown), fmt.thousands(total), what.noun)
  else
    summary = ("%s %s"):format(fmt.thousands(shown), what.noun)
  end
  printer.finish(summary, { total = total, partial = shown < total })
end

local function one(ctx, fn, kind, params)
  print_record(ctx.format, kind, ctx.api[fn](params or { id = ctx.args[1] }), ctx.out, ctx.width)
end

--- The dates `stats` covers: both given, or the 7 days up to --to or
--- today, or --from to today.
local function stats_range(options, today, add_days, date)
  local from, to = date(options.from), date(options.to)
  if not from and not to then
    return add_days(today, -6), today
  elseif not to then
    return from, today
  elseif not from then
    return add_days(to, -6) or to, to -- an unreadable --to is refused by list_calls
  end
  return from, to
end

local WEEKDAYS = { Mon = 0, Tue = 1, Wed = 2, Thu = 3, Fri = 4, Sat = 5, Sun = 6 }

--- Days summed into weeks (from Monday) or months: each row's `date` is
--- the first day of its period that the range covers.
local function by_period(days, by, add_days)
  if by == "day" then return days end
  local rows, last = {}, nil
  for _, day in ipairs(days) do
    local key
    if by == "month" then
      key = day.date:sub(1, 7)
    else
      local _, weekday = add_days(day.date, 0)
      key = weekday and add_days(day.date, -WEEKDAYS[weekday]) or day.date
    end
    if not last or last.key ~= key then
      last = { key = key, date = day.date, answered = 0, missed = 0, other = 0, talk_seconds = 0 }
      rows[#rows + 1] = last
    end
    last.answered, last.missed = last.answered + day.answered, last.missed + day.missed
    last.other, last.talk_seconds = last.other + day.other, last.talk_seconds + day.talk_seconds
  end
  for _, row in ipairs(rows) do row.key = nil end
  return rows
end

--- Scans the calls from..to: { from, to, answered, missed, days, top_talkers }.
--- `days` has every day of the range in order, quiet ones included, each
--- { date, answered, missed } (missed: every status but "answered").
--- `top_talkers`, the `top` numbers on either side of a call with the most
--- answered talk time: { number, name, calls, talk_seconds }.
local function tally(ctx, from, to, top)
  local days, parties = {}, {}
  local answered, missed, other, seen = 0, 0, 0, 0
  local show, clear = progress(ctx.sys, "calls")
  local page = 1
  repeat
    local result = ctx.api.list_calls({ date_from = from, date_to = to, limit = PAGE_SIZE, page = page,
      extension = ctx.options.extension })
    for _, call in ipairs(result.calls) do
      local day = type(call.start) == "string" and call.start:sub(1, 10) or "unknown"
      local counts = days[day] or { answered = 0, missed = 0, other = 0, talk_seconds = 0 }
      days[day] = counts
      local talk = 0
      -- The module's rules, one definition: `missed` is inbound and not
      -- answered; a call not answered that was not inbound is `other`.
      if call.status == "answered" then
        counts.answered, answered = counts.answered + 1, answered + 1
        talk = tonumber(call.billsec) or 0 -- talk time, ringing left out
        counts.talk_seconds = counts.talk_seconds + talk
      elseif call.missed then
        counts.missed, missed = counts.missed + 1, missed + 1
      else
        counts.other, other = counts.other + 1, other + 1
      end
      -- Top talkers are extensions (2 to 6 digits, as `direction` has
      -- them), each counted once a call.
      local sides = { { call.from, call.from_name } }
      if call.to ~= call.from then sides[2] = { call.to, call.to_name } end
      for _, side in ipairs(sides) do
        local number = side[1]
        if number ~= nil and tostring(number):match("^%d%d%d?%d?%d?%d?$") then
          number = tostring(number)
          local party = parties[number] or { number = number, calls = 0, talk_seconds = 0 }
          parties[number] = party
          party.calls = party.calls + 1
          party.talk_seconds = party.talk_seconds + talk
          if type(side[2]) == "string" and side[2] ~= "" then party.name = side[2] end
        end
      end
    end
    seen = seen + #result.calls
    show(seen, result.total)
    page = page + 1
  until not result.has_more or #result.calls == 0
  clear()

  local rows, day, last = {}, from:sub(1, 10), to:sub(1, 10)
  local function row(date, counts)
    return { date = date, answered = counts.answered, missed = counts.missed, other = counts.other,
      talk_seconds = counts.talk_seconds }
  end
  while day and day <= last do
    rows[#rows + 1] = row(day, days[day] or { answered = 0, missed = 0, other = 0, talk_seconds = 0 })
    days[day] = nil
    day = ctx.add_days(day, 1)
  end
  for outside, counts in pairs(days) do -- a start outside the range, or none
    rows[#rows + 1] = row(outside, counts)
  end
  table.sort(rows, function(a, b) return a.date < b.date end)
  rows = by_period(rows, ctx.by, ctx.add_days)

  -- The top `top` extensions by talk time, and by calls.
  local function ranked_by(first, second)
    local ranked = {}
    for _, party in pairs(parties) do ranked[#ranked + 1] = party end
    table.sort(ranked, function(a, b)
      if a[first] ~= b[first] then return a[first] > b[first] end
      if a[second] ~= b[second] then return a[second] > b[second] end
      return a.number < b.number
    end)
    for i = #ranked, top + 1, -1 do ranked[i] = nil end
    return ranked
  end
  local talk_seconds = 0
  for _, r in ipairs(rows) do talk_seconds = talk_seconds + r.talk_seconds end
  return { from = from, to = to, answered = answered, missed = missed, other = other, talk_seconds = talk_seconds,
    days = rows, top_talkers = ranked_by("talk_seconds", "calls"), top_callers = ranked_by("calls", "talk_seconds") }
end

--- The tally as a bar chart per day (week, month), then the top talkers.
local function draw_stats(summary, out, width, add_days, by, color)
  local peak, answered_width, missed_width, other_width, talk_width = 0, #"answered", #"missed", #"other", #"talk"
  for _, row in ipairs(summary.days) do
    peak = math.max(peak, row.answered + row.missed + row.other)
    answered_width = math.max(answered_width, #tostring(row.answered))
    missed_width = math.max(missed_width, #tostring(row.missed))
    other_width = math.max(other_width, #tostring(row.other))
    talk_width = math.max(talk_width, #fmt.clock(row.talk_seconds))
  end
  -- "2026-01-05 Mon  <bar>  answered  missed  other  talk", the bar as wide as fits.
  local bar_width = math.max(10, math.min(60,
    width - 16 - answered_width - missed_width - other_width - talk_width - 8))
  local scale = peak > 0 and bar_width / peak or 0
  local function cells(n) -- a day with any calls of a kind shows at least one cell
    if n == 0 then return 0 end
    return math.max(1, math.floor(n * scale + 0.5))
  end
  out(("Calls %s to %s: %s (█ answered %s, ░ missed %s, · other %s)\nTalk time %s\n\n")
    :format(summary.from, summary.to, fmt.thousands(summary.answered + summary.missed + summary.other),
      fmt.thousands(summary.answered), fmt.thousands(summary.missed), fmt.thousands(summary.other),
      fmt.clock(summary.talk_seconds)))
  local heading = { day = "date", week = "week from", month = "month" }
  out(fmt.pad(heading[by], 16 + bar_width), "  ", fmt.pad("answered", answered_width, true), "  ",
    fmt.pad("missed", missed_width, true), "  ", fmt.pad("other", other_width, true), "  ",
    fmt.pad("talk", talk_width, true), "\n")
  local green, red, plain = "", "", ""
  if color then green, red, plain = { sgr = "32" }, { sgr = "31" }, { sgr = "0" } end
  for _, row in ipairs(summary.days) do
    local a, m, o = cells(row.answered), cells(row.missed), cells(row.other)
    local label = row.date
    if by == "day" then
      local _, weekday = add_days(row.date, 0)
      label = row.date .. " " .. (weekday or "")
    elseif by == "month" then
      label = row.date:sub(1, 7)
    end
    out(fmt.pad(label, 16), green, string.rep("█", a), red, string.rep("░", m), plain, string.rep("·", o),
      string.rep(" ", math.max(0, bar_width - a - m - o)), "  ",
      fmt.pad(tostring(row.answered), answered_width, true), "  ",
      fmt.pad(tostring(row.missed), missed_width, true), "  ",
      fmt.pad(tostring(row.other), other_width, true), "  ",
      fmt.pad(fmt.clock(row.talk_seconds), talk_width, true), "\n")
  end

  for _, ranking in ipairs({ { "Top talkers (extensions, by answered talk time)", summary.top_talkers },
    { "Busiest extensions (by calls, each counted once)", summary.top_callers } }) do
    local title, parties = ranking[1], ranking[2]
    out("\n", title, "\n")
    if #parties == 0 then out("  none\n") end
    local names, name_width = {}, 0
    for i, party in ipairs(parties) do
      local who = party.name and (party.name .. " (" .. party.number .. ")") or party.number
      names[i] = fmt.truncate(fmt.one_line(who), math.max(width - 32, 12))
      name_width = math.max(name_width, fmt.width(names[i]))
    end
    for i, party in ipairs(parties) do
      out(("%3d. "):format(i), fmt.pad(names[i], name_width),
        ("  %6s calls  %9s\n"):format(fmt.thousands(party.calls), fmt.clock(party.talk_seconds)))
    end
  end
end

local PERIODS = { day = true, week = true, month = true }

local function stats(ctx)
  local top = positive_integer(ctx.options, "top") or 10
  ctx.by = ctx.options.by or "day"
  if not PERIODS[ctx.by] then usage_error(("--by must be day, week or month, got '%s'"):format(ctx.by)) end
  local from, to = stats_range(ctx.options, ctx.sys.today, ctx.add_days, ctx.date)
  local summary = tally(ctx, from, to, top)
  local out = ctx.out
  if ctx.format == "json" then
    local totals = { from = from, to = to, calls = summary.answered + summary.missed + summary.other,
      answered = summary.answered, missed = summary.missed, other = summary.other,
      talk_seconds = summary.talk_seconds }
    totals.by = ctx.by
    out(fmt.json(totals):sub(1, -2), ',"periods":[')
    for i, row in ipairs(summary.days) do out(i > 1 and "," or "", "\n  ", fmt.json(row)) end
    out(#summary.days > 0 and "\n" or "", '],"top_talkers":[')
    for i, party in ipairs(summary.top_talkers) do out(i > 1 and "," or "", "\n  ", fmt.json(party)) end
    out(#summary.top_talkers > 0 and "\n" or "", '],"top_callers":[')
    for i, party in ipairs(summary.top_callers) do out(i > 1 and "," or "", "\n  ", fmt.json(party)) end
    out(#summary.top_callers > 0 and "\n" or "", "]}\n")
  elseif ctx.format == "jsonl" then
    for _, row in ipairs(summary.days) do out(fmt.json(row), "\n") end
  elseif ctx.format == "csv" then
    out("date,answered,missed,other,talk_seconds\r\n")
    for _, row in ipairs(summary.days) do
      out(row.date, ",", row.answered, ",", row.missed, ",", row.other, ",", row.talk_seconds, "\r\n")
    end
  else
    draw_stats(summary, out, ctx.width, ctx.add_days, ctx.by, ctx.color)
  end
end

---------------------------------------------------------------------------
-- Entry

-- What `whoami` tries, one small read of each kind: whether the
-- credential reaches it, as `gh auth status` says what a token can do.
-- The families of routes `whoami` tries, one small read each (as `gh auth
-- status` says what a token can do): the name shown, the function, its
-- parameters (`extension`: one the account can see, filled in).
local PROBES = {
  { "user routes", "get_current_user" },
  { "PBX call history", "list_calls", { limit = 1 } },
  { "colleagues", "list_users", { limit = 1 } },
  { "contacts", "list_contacts", { limit = 1 } },
  { "presence", "get_presence", { extension = true } },
  { "call control", "list_active_calls", { extension = true } },
  { "call groups", "list_call_groups", {} },
  { "registrations", "list_registrations", {} },
}

--- The account, its credential (masked) and which families of routes it
--- reaches; for each it does not, what it would need (the function's
--- Credential, from the catalogue).
local function whoami(wildix, account, api)
  local module = wildix._account and wildix or require("wildix")
  local about = module._account(account)
  local record = { account = about.account, url = about.url, credentials = about.credentials,
    kind = about.form, writes = about.writes }
  local ok, me = pcall(api.get_current_user)
  if ok then
    record.user = ("%s (extension %s)"):format(tostring(me.name), tostring(me.extension))
  else
    record.user = "none: " .. (type(me) == "table" and tostring(me.kind) or "error")
  end
  -- An extension to ask presence and call control about: the user's own,
  -- else the first colleague's.
  local extension = ok and me.extension or nil
  if not extension then
    local fine, page = pcall(api.list_users, { limit = 1 })
    extension = fine and page.users[1] and page.users[1].extension or nil
  end
  local reaches, refused, absent = {}, {}, {}
  for _, probe in ipairs(PROBES) do
    local params = probe[3]
    if params and params.extension then params = { extension = extension } end
    local fine, err
    if probe[2] == "get_current_user" then
      fine, err = ok, me
    elseif params and params.extension == nil and probe[3].extension then
      fine, err = false, { kind = "unknown: no extension to ask about" }
    else
      fine, err = pcall(api[probe[2]], params)
    end
    local kind = type(err) == "table" and tostring(err.kind) or "error"
    if fine then
      reaches[#reaches + 1] = probe[1]
    elseif kind == "not_found" then
      absent[#absent + 1] = probe[1]
    else
      refused[#refused + 1] = probe[1] .. " (" .. kind .. ")"
      if kind == "auth" then record["needs: " .. probe[1]] = module._credential(probe[2]) end
    end
  end
  if #absent > 0 then record["not on this PBX"] = table.concat(absent, ", ") end
  record.reaches = #reaches > 0 and table.concat(reaches, ", ") or "nothing"
  if #refused > 0 then record.refused = table.concat(refused, ", ") end
  return record
end

-- What `config view` shows when nothing set it: the module's defaults.
local DEFAULTS = { timeout = "30", connect_timeout = "10", retries = "2", scope = "pbx", concurrency = "4",
  user_agent = "wildix-lua/<version>", max_requests_per_second = "none", ca_file = "none (public roots)" }

--- The settings in effect for `account` and where each came from (a flag,
--- the environment, the profile, or the default), the credential masked.
local function config_view(wildix, account, settings, origins, profile_path, nested)
  local about = (wildix._account or require("wildix")._account)(account)
  local credential_keys = { token = true, username = true, password = true, app_id = true, app_name = true,
    secret = true }
  local credential_from = {}
  for key in pairs(credential_keys) do
    if origins[key] and not credential_from[origins[key]] then
      credential_from[origins[key]] = true
      credential_from[#credential_from + 1] = origins[key]
    end
  end
  table.sort(credential_from)
  -- A setting: "value  (from)" in a table, { value, from } in JSON.
  local function setting(value, from)
    if nested then return { value = value, from = from } end
    return ("%s  (%s)"):format(tostring(value), from)
  end
  local file = profile_path and io.open(profile_path)
  if file then file:close() end
  local record = {
    account = account,
    url = setting(about.url, origins.url or "environment " .. profile.env_prefix(account) .. "URL"),
    credentials = setting(about.credentials, #credential_from > 0 and table.concat(credential_from, ", ")
      or "environment"),
    kind = about.form,
    profile = profile_path and profile_path .. (file and "" or " (no such file)") or "none",
    writes = setting(about.writes, origins.writes
      or (about.writes == "none" and "default" or "environment " .. profile.env_prefix(account) .. "WRITES")),
  }
  for key, default in pairs(DEFAULTS) do
    local value = settings and settings[key]
    record[key] = value ~= nil and setting(value, origins[key] or "profile") or setting(default, "default")
  end
  return record
end

--- An error line's request, "(HTTP 404, GET /api/v1/…)", as the whole
--- URL a person can paste (origin, path, query), as curl and kubectl -v
--- show it. The error object's `path` stays path only.
local function whole_url(line, err, sys)
  if type(err.path) ~= "string" or not err.method then return line end
  local wildix = sys.wildix
  local ok, about = pcall(wildix._account or require("wildix")._account, sys.account or "default")
  local origin = ok and type(about) == "table" and tostring(about.url):match("^%a+://[^/]+")
  if not origin then return line end
  local request = err.method .. " " .. err.path
  local at = line:find(request .. ")", 1, true)
  if not at or at + #request ~= #line then return line end
  local query = err.query and "?" .. err.query or ""
  return line:sub(1, at - 1) .. err.method .. " " .. origin .. err.path .. query .. ")"
end

local function real_sys()
  local wildix = require("wildix")
  return {
    wildix = wildix,
    stdin = io.stdin,
    stdout = io.stdout,
    stderr = io.stderr,
    getenv = os.getenv,
    terminal = wildix._terminal(),
    today = os.date("%Y-%m-%d"),
  }
end

local function run(argv, sys)
  local command, args, options = parse(argv)
  if options.version then
    sys.stdout:write("wildix ", sys.wildix.version, " (", jit and jit.version or _VERSION, ")\n")
    return 0
  end
  if options.help then
    sys.stdout:write(COMMANDS[command or ""] and command_help(command) or USAGE)
    return 0
  end
  if not command then usage_error("no command given (try 'wildix --help')") end

  local spec = COMMANDS[command]
  -- `presence EXT` reads; `presence set STATUS` writes.
  local writes = act.COMMANDS[command] ~= nil or (command == "presence" and args[1] == "set")
  if command == "presence" then
    if writes and #args ~= 2 then usage_error("'presence set' needs a STATUS: available, away or dnd") end
    if not writes then
      for name in pairs(options) do
        if act.PRESENCE[name] or name == "dry-run" or name == "yes" then
          usage_error(("--%s is for 'presence set'; 'presence EXT' reads"):format(name))
        end
      end
    end
    spec = writes and { args = 2 } or spec
  end
  if command == "extension" then
    if options.id and #args > 0 then
      usage_error(("'extension' takes a NUMBER or --id, not both, got '%s' and --id"):format(table.concat(args, " ")))
    elseif not options.id and #args == 0 then
      usage_error("'extension' needs a NUMBER or --id: wildix extension 201, wildix extension --id ID")
    end
  end
  if #args ~= spec.args and not (command == "extension" and options.id) and not (spec.optional and #args == 1) then
    local arg_name = spec.arg or "ID"
    if spec.args == 1 and #args == 0 then
      usage_error(("'%s' needs an %s: wildix %s %s"):format(command, arg_name, command, arg_name))
    end
    usage_error(("'%s' takes %s, got '%s'"):format(command,
      spec.args == 0 and "no arguments" or "one " .. arg_name, table.concat(args, " ")))
  end
  local format = options.format
  if format ~= nil and not FORMATS[format] then
    usage_error(("--format must be table, json, jsonl or csv, got '%s'"):format(format))
  end
  -- A table, on a terminal or not (as gh and kubectl): piped, it is plain
  -- and keeps every character; JSON and CSV only when asked.
  format = format or "table"

  -- Tables fit the terminal (COLUMNS, else its size); piped into a file
  -- they keep every character, whatever COLUMNS says.
  local width = math.huge
  if sys.terminal.stdout then
    width = tonumber(sys.getenv("COLUMNS") or "")
    if not width or width < 1 then width = sys.terminal.columns or 80 end
    width = math.max(width, 20)
  end

  local wildix = sys.wildix
  if command == "doc" then
    sys.stdout:write(wildix.lua_read_doc())
    return 0
  elseif command == "man" then
    sys.stdout:write(help.man(USAGE, wildix.version))
    return 0
  elseif command == "completion" then
    if args[1] ~= "bash" and args[1] ~= "zsh" then
      usage_error(("'completion' takes bash or zsh, got '%s'"):format(tostring(args[1])))
    end
    sys.stdout:write(help.completion(args[1], COMMANDS, GLOBAL_OPTIONS, SHORT))
    return 0
  end
  local account = options.account or "default"
  if type(account) ~= "string" or (wildix._check_account_name or require("wildix")._check_account_name)(account)
    or account == "safe" or rawget(wildix, account) ~= nil then
    usage_error(("--account: '%s' is not an account name"):format(account))
  end
  for _, name in ipairs({ "timeout", "retries" }) do
    if options[name] and not tonumber(options[name]) then
      usage_error(("--%s must be a number, got '%s'"):format(name, options[name]))
    end
  end
  if command == "auth" then
    if args[1] ~= "status" then usage_error(("'auth' takes 'status', got '%s'"):format(tostring(args[1]))) end
    command = "whoami"
  end
  if command == "config" and args[1] ~= "view" then
    usage_error(("'config' takes 'view', got '%s'"):format(tostring(args[1])))
  end
  local settings, profile_path, origins = profile.options(account,
    { ca_file = options["ca-file"], timeout = options.timeout, retries = options.retries },
    sys.getenv, wildix._file_mode or require("wildix")._file_mode)
  sys.profile_path, sys.account = profile_path, account
  -- A write asks on a terminal before it is sent: the account's
  -- before_write, after the module has checked that writes are allowed.
  if writes then
    settings = settings or {}
    settings.before_write = act.confirmation(sys, options)
  end
  -- --debug: each request as it was made (the account's on_request).
  -- WILDIX_DEBUG=1 (or true) does what --debug does, for scripts that
  -- cannot change the command line.
  local debug_var = (sys.getenv("WILDIX_DEBUG") or ""):lower()
  if options.debug or debug_var == "1" or debug_var == "true" then
    settings = settings or {}
    settings.on_request = function(event)
      sys.stderr:write(fmt.one_line(("wildix: %s %s%s -> %s, %.3f s, %s bytes%s"):format(event.method, event.path,
        event.query ~= "" and "?" .. event.query or "", tostring(event.status or "no answer"), event.seconds,
        fmt.thousands(event.bytes), event.attempt > 1 and (", attempt " .. event.attempt) or "")), "\n")
    end
  end
  local api
  if settings then
    api = wildix.configure(account, settings)
  else
    api = account == "default" and wildix or wildix[account]
    if type(api) ~= "table" or type(api.list_calls) ~= "function" then
      usage_error(("--account: '%s' is not an account name"):format(account))
    end
  end

  -- One calendar for the whole tree: the module's (src/dates.rs).
  local add_days = wildix._add_days or require("wildix")._add_days
  local ctx = { sys = sys, api = api, args = args, options = options, format = format, width = width,
    out = writer(sys), add_days = add_days,
    color = format == "table" and sys.terminal.stdout and not (sys.getenv("NO_COLOR") or ""):match("%S")
      and sys.getenv("TERM") ~= "dumb",
    date = function(value) return date_option(value, sys.today, add_days) end }
  if writes then
    act.run(ctx, command, usage_error, print_record)
  elseif LISTS[command] then
    list(ctx, command)
  elseif command == "call" then
    one(ctx, "get_call", "call")
  elseif command == "extension" then
    -- What people hold is the number; the record id is for scripts.
    local id = ctx.options.id
    one(ctx, "get_extension", "extension", id and { id = id } or { extension = ctx.args[1] })
  elseif WHOLE[command] then
    -- Every record in one answer: the list printer, one page.
    local what = WHOLE[command]
    local result = api[what.fn](what.param and { [what.param] = args[1] } or {})
    local records = result[what.field]
    local printer = list_printer(format, what.kind or command, what.field, ctx.out, width, ctx.color,
      summary_writer(ctx))
    printer.rows(records)
    printer.finish(what.summary and what.summary(records, result)
      or ("%s %s"):format(fmt.thousands(#records), what.noun), { total = #records, partial = false })
  elseif command == "presence" then
    print_record(format, "presence", api.get_presence({ extension = args[1] }), ctx.out, width)
  elseif command == "me" then
    print_record(format, "user", api.get_current_user(), ctx.out, width)
  elseif command == "config" then
    local nested = format == "json" or format == "jsonl"
    print_record(format, "config", config_view(wildix, account, settings, origins, profile_path, nested), ctx.out,
      width)
  elseif command == "whoami" then
    print_record(format, "whoami", whoami(wildix, account, api), ctx.out, width)
  elseif command == "recording" then
    local saved = api.download_recording({ id = args[1], path = options.output or (args[1] .. ".wav") })
    print_record(format, "result", saved, ctx.out, width)
  elseif command == "stats" then
    stats(ctx)
  end
  return 0
end

--- Runs the command in argv; returns the exit code (0, 1, 2 or 130).
function M.main(argv, sys)
  sys = sys or {}
  local loaded, real = pcall(real_sys)
  if not loaded then
    io.stderr:write("wildix: cannot load the wildix module: ", fmt.one_line(tostring(real)), "\n")
    return 1
  end
  for k, v in pairs(real) do
    if sys[k] == nil then sys[k] = v end
  end
  local ok, result = pcall(run, argv or {}, sys)
  if ok then return result end
  if sys.terminal.stderr then sys.stderr:write("\r\27[K") end -- over any progress line
  if type(result) == "string" and result:match("interrupted!$") then -- Ctrl-C, from lua.c
    sys.stderr:write("wildix: interrupted\n")
    return 130
  end
  if getmetatable(result) == Usage then
    sys.stderr:write("wildix: ", fmt.one_line(result.message), "\n")
    return 2
  end
  -- A wildix error object prints as one line, "wildix: <kind>: <message> ...".
  if type(result) == "table" and result.kind then
    local line = tostring(result)
    -- Name the command's options and variables, not the Lua API behind them.
    line = line:gsub("%(configure it with writes = true or writes = { \"([%w_]+)\" }, or set WILDIX_WRITES; "
      .. "dry_run = true shows the request%)", function(name)
        return ("(set %sWRITES=%s, or writes = %s in the profile; --dry-run shows the request)"):format(
          profile.env_prefix(sys.account or "default"), name, name)
      end)
    line = line:gsub("before_write stopped it, so nothing was sent: not confirmed",
      "not confirmed, so nothing was sent")
    line = line:gsub("'date_from'", "--from"):gsub("'date_to'", "--to")
      :gsub("call wildix%.configure.- or set (%S+) and (%S+)", function(url, token)
        return ("set %s and %s, or url and token in the profile (%s)"):format(url, token,
          sys.profile_path or "~/.config/wildix/config")
      end)
      :gsub("%(pass %a+ to configure or set ([^)]*)%)", function(vars)
        -- With the account's URL variable set, its credentials come from
        -- the environment alone: the profile's section is not read.
        local url_var = profile.env_prefix(sys.account or "default") .. "URL"
        if (sys.getenv(url_var) or ""):match("%S") then
          return ("(set %s: %s is set, so the profile is not read for this account)"):format(vars, url_var)
        end
        return ("(set %s, or put it in the profile)"):format(vars)
      end)
      :gsub("pass its CA as 'ca_file' %(PEM%)", "pass its CA (PEM) with --ca-file or WILDIX_CA_FILE")
      :gsub("'ca_file'", "--ca-file"):gsub("'timeout'", "--timeout"):gsub("'retries'", "--retries")
    local prefix = profile.env_prefix(sys.account or "default")
    line = line:gsub("check 'token'", "check " .. prefix .. "TOKEN (or the profile's token)")
      :gsub("check 'username' and 'password'", "check " .. prefix .. "USERNAME and " .. prefix .. "PASSWORD")
      :gsub("check 'app_id', 'app_name' and 'secret'", "check " .. prefix .. "APP_ID, " .. prefix .. "APP_NAME and "
        .. prefix .. "APP_SECRET (or the profile's app_id, app_name and secret)")
    line = whole_url(line, result, sys)
    if not line:match("^wildix: ") then line = "wildix: " .. tostring(result.message) end
    sys.stderr:write(fmt.one_line(line), "\n")
    return result.kind == "argument" and 2 or 1
  end
  sys.stderr:write("wildix: internal error: ", fmt.one_line(tostring(result)), "\n")
  return 1
end

return M
