-- The `wildix` command (bin/wildix, lua/wildix/cli.lua): run as a user runs
-- it, in a new process against the sandbox, and on a pseudo-terminal (with
-- `script`) where the terminal matters.
local helper = require("spec.helper")

local quote = helper.quote

local function slurp(path)
  local text = helper.read_file(path)
  os.remove(path)
  return text
end

-- The command line that runs bin/wildix from this checkout, as the README
-- says: wildix.cli from lua/, the module built for this interpreter, in an
-- environment of the spec's making (helper.env: no TERM, COLUMNS, NO_COLOR
-- or WILDIX_* of the machine's), the sandbox as its account.
local function command_line(args, env)
  -- WILDIX_CONFIG: no profile file of the machine's user gets in the way.
  local vars = { WILDIX_URL = helper.url, WILDIX_TOKEN = helper.token,
    WILDIX_CONFIG = "/nonexistent/wildix-config",
    LUA_PATH = "lua/?.lua;;", LUA_CPATH = "build/" .. helper.build .. "/?.so;;" }
  for k, v in pairs(env or {}) do vars[k] = v end
  local words = {}
  for i, a in ipairs(args) do words[i] = quote(a) end
  return ("%s %s bin/wildix %s"):format(helper.env(vars), helper.interpreter(), table.concat(words, " "))
end

--- Runs `wildix ARGS` with stdout and stderr as pipes: stdout, stderr, exit code.
local function wildix(args, env)
  local out, err = os.tmpname(), os.tmpname()
  local p = assert(io.popen(command_line(args, env) .. " >" .. out .. " 2>" .. err .. "; echo $?"))
  local code = tonumber(p:read("*a"))
  p:close()
  return slurp(out), slurp(err), code
end

local has_script = os.execute("command -v script >/dev/null 2>&1")
has_script = has_script == true or has_script == 0

--- Runs `wildix ARGS` on a pseudo-terminal COLUMNS wide, as a terminal
--- that takes colour (TERM=xterm, no NO_COLOR; `env` adds to that); what
--- the terminal showed (stdout and stderr, with \r\n line ends) and the
--- exit code.
local function wildix_on_terminal(args, columns, redirect, env)
  local vars = { TERM = "xterm" }
  for k, v in pairs(env or {}) do vars[k] = v end
  local inner = "stty cols " .. columns .. " rows 50; " .. command_line(args, vars) .. (redirect or "")
    .. "; echo \"exit:$?\""
  local p = assert(io.popen(helper.env() .. " script -qec " .. quote(inner) .. " /dev/null </dev/null"))
  local shown = p:read("*a")
  p:close()
  local code = tonumber(shown:match("exit:(%d+)"))
  return shown:gsub("exit:%d+%s*$", ""), code
end

local function utf8_len(s)
  local _, continuation = s:gsub("[\128-\191]", "")
  return #s - continuation
end

local function lines(text)
  local t = {}
  for line in text:gmatch("([^\n]*)\n") do t[#t + 1] = line:gsub("\r$", "") end
  return t
end

describe("wildix command", function()
  local module = helper.configured()

  describe("output", function()
    it("should print the current user as a JSON object when asked", function()
      local out, err, code = wildix({ "me", "-f", "json" })
      assert.equals(0, code, err)
      assert.equals("", err)
      local me = module.get_current_user()
      assert.matches('^{\n  "id": "' .. me.id .. '",\n  "name": ', out)
      assert.matches('\n  "email": "' .. me.email:gsub("%p", "%%%0") .. '"', out)
      assert.matches("\n}\n$", out)
    end)

    it("should print one call, extension and JSON list per record", function()
      local _, fmt = helper.cli()
      local out, _, code = wildix({ "call", "call-123", "-f", "json" })
      assert.equals(0, code)
      assert.matches('"id": "call%-123"', out)
      assert.matches('"status": "answered"', out)

      out, _, code = wildix({ "extension", "456", "--format", "table" })
      assert.equals(0, code)
      assert.matches("^id +ext%-456\n", out)
      assert.matches("\nnumber +456\n", out)

      out, _, code = wildix({ "extension", "--id", "ext-456", "--format", "table" })
      assert.equals(0, code)
      assert.matches("\nnumber +456\n", out)

      -- JSON: one document, the records and the total; JSONL: a record a line.
      local err
      out, err, code = wildix({ "calls", "--limit", "7", "--from", "2026-02-01", "--to", "2026-02-28",
        "--format=json" })
      assert.equals(0, code)
      local records = 0
      for line in out:gmatch("[^\n]+") do
        if line:match('^{"') and not line:match('^{"calls":') then
          records = records + 1
          assert.matches('"start":"2026%-02%-', line)
        end
      end
      assert.equals(7, records)
      local total = module.list_calls{ date_from = "2026-02-01", date_to = "2026-02-28", limit = 1 }.total
      assert.matches('^{"calls":%[\n', out)
      assert.matches('}\n%],"total":' .. total .. '}\n$', out)
      -- Cut short by --limit: stderr says so, whatever the format.
      assert.equals(("7 of %s calls (--all for every one)\n"):format(fmt.thousands(total)), err)
      out, err, code = wildix({ "calls", "-n", "3", "-f", "jsonl" })
      assert.equals(0, code)
      local lines_out = lines(out)
      assert.equals(3, #lines_out)
      for _, line in ipairs(lines_out) do assert.matches('^{"[^\n]*}$', line) end
      assert.matches("^3 of [%d,]+ calls", err)
      _, err = wildix({ "calls", "-f", "csv" })
      assert.matches("^25 of [%d,]+ calls %(%-%-all for every one%)\n$", err)
      -- A whole list says nothing on stderr.
      out, err = wildix({ "groups", "-f", "json" })
      assert.matches('^{"call_groups":%[', out)
      assert.equals("", err)
      -- An empty list is [] (and an empty table in a record too).
      out = wildix({ "calls", "--search", "no such caller anywhere", "-f", "json" })
      assert.equals('{"calls":[],"total":0}\n', out)
      assert.equals("[]", fmt.json({}))
    end)

    it("should page past 1000 rows with --all, every record once", function()
      local out, err, code = wildix({ "users", "--all", "--format", "csv" })
      assert.equals(0, code, err)
      assert.equals("", err) -- no progress on a pipe
      local rows, ids = lines(out), {}
      assert.equals("name,email,extension,id", rows[1])
      for i = 2, #rows do
        local id = rows[i]:match(",([^,]*)$")
        assert.is_nil(ids[id], "listed twice: " .. id)
        ids[id] = true
      end
      assert.equals(module.list_users().total, #rows - 1)

      out, err, code = wildix({ "calls", "--limit", "1500", "--format", "csv" })
      assert.equals(0, code, err)
      assert.equals(1501, #lines(out))
    end)

    it("should take options before the command as well as after it", function()
      local out, err, code = wildix({ "--format=csv", "--limit", "2", "calls", "--to", "2026-02-01" })
      assert.equals(0, code, err)
      local rows = lines(out)
      assert.equals(3, #rows)
      assert.matches("^2026%-02%-01 ", rows[2])
    end)

    it("should print one record as CSV: a header and one row", function()
      local out, _, code = wildix({ "call", "call-123", "--format", "csv" })
      assert.equals(0, code)
      local rows = lines(out)
      assert.equals(2, #rows)
      assert.matches("^id,start,answer,end,from,", rows[1])
      assert.matches("^call%-123,2026%-", rows[2])
      assert.matches("\r\n$", out)
    end)

    it("should say how many records there are, on stderr when piped", function()
      local out, err, code = wildix({ "extensions", "--limit", "3", "--format", "table" })
      assert.equals(0, code)
      local rows = lines(out)
      assert.matches("^number +name +email +id$", rows[1])
      assert.equals(4, #rows) -- the records only: `| tail -3` gets the last three
      assert.matches("3 of [%d,]+ extensions %(%-%-all for every one%)\n$", err)
    end)

    it("should print a plain table when piped, unless asked for JSON or CSV", function()
      local out, err, code = wildix({ "users", "-n", "3" })
      assert.equals(0, code, err)
      local rows = lines(out)
      assert.matches("^name +email +extension +id$", rows[1])
      assert.equals(4, #rows)
      assert.is_nil(out:find("\27", 1, true)) -- no colour codes in a pipe
      out = wildix({ "users", "-n3" })
      assert.equals(4, #lines(out))
    end)

    it("should keep every character of a table that goes to a pipe, whatever COLUMNS says", function()
      local out = wildix({ "users", "--all" })
      assert.is_nil(out:find("…", 1, true))
      -- An exported COLUMNS is for terminals: a pipe still gets every character.
      local out50 = wildix({ "users", "--all", "--format", "table" }, { COLUMNS = "50" })
      assert.is_nil(out50:find("…", 1, true))
      local longest = 0
      for _, line in ipairs(lines(out50)) do longest = math.max(longest, utf8_len(line)) end
      assert.is_true(longest > 50, tostring(longest))
      -- Widths come from the first page; a later page's wider cell is kept whole.
      local calls = wildix({ "calls", "--all", "--format", "table" }, { COLUMNS = "40" })
      assert.is_nil(calls:find("…", 1, true))
      assert.is_true(#lines(calls) > 1000)
    end)

    it("should print the reference and its version", function()
      local out, _, code = wildix({ "doc" })
      assert.equals(0, code)
      assert.equals(module.lua_read_doc(), out)
      out = wildix({ "--version" })
      assert.equals("wildix " .. module.version .. " (" .. (jit and jit.version or _VERSION) .. ")\n", out)
      out = wildix({ "--help" })
      assert.matches("^usage: wildix <command>", out)
    end)
  end)

  describe("accounts", function()
    local function profile_file(text)
      local path = os.tmpname()
      local f = assert(io.open(path, "w"))
      f:write(text)
      f:close()
      os.execute("chmod 600 " .. quote(path))
      return path
    end

    it("should show the settings in effect and where each came from, the token masked", function()
      local path = profile_file(("[my-pbx]\nurl = %s\ntoken = %s\ntimeout = 12\n"):format(helper.url, helper.token))
      local out, err, code = wildix({ "config", "view", "--account", "my-pbx", "--retries", "4" },
        { WILDIX_URL = "", WILDIX_TOKEN = "", WILDIX_CONFIG = path, WILDIX_CONCURRENCY = "2" })
      assert.equals(0, code, err)
      local in_profile = "(profile " .. path .. " [my-pbx])"
      assert.matches("\nurl +" .. helper.url:gsub("%p", "%%%0") .. "  " .. in_profile:gsub("%p", "%%%0"), out)
      assert.matches("\ntimeout +12  " .. in_profile:gsub("%p", "%%%0"), out)
      assert.matches("\nretries +4  %(flag %-%-retries%)", out)
      assert.matches("\nconcurrency +2  %(environment WILDIX_CONCURRENCY%)", out)
      assert.matches("\nconnect_timeout +10  %(default%)", out)
      assert.is_nil(out:find(helper.token, 1, true))
      -- The account's own variables, with '-' as '_'; JSON keeps value and origin apart.
      out = wildix({ "config", "view", "--account", "my-pbx", "-f", "json" },
        { WILDIX_MY_PBX_URL = helper.url, WILDIX_MY_PBX_TOKEN = helper.token, WILDIX_CONFIG = path })
      assert.matches('"url": {"from":"environment WILDIX_MY_PBX_URL","value":"', out, 1, true)
      assert.matches('"from":"environment WILDIX_MY_PBX_TOKEN"', out, 1, true)
      os.remove(path)
    end)

    it("should take account names with '-', reading WILDIX_MY_PBX_*, and say the profile is not read", function()
      local out, err, code = wildix({ "me", "--account", "my-pbx", "-f", "json" },
        { WILDIX_MY_PBX_URL = helper.url, WILDIX_MY_PBX_TOKEN = helper.token })
      assert.equals(0, code, err)
      assert.matches('"name"', out)
      -- The URL variable alone: the profile's token is not paired with it, and the message says why.
      local path = profile_file(("[my-pbx]\nurl = %s\ntoken = %s\n"):format(helper.url, helper.token))
      local _, refused, status = wildix({ "me", "--account", "my-pbx" },
        { WILDIX_MY_PBX_URL = helper.url, WILDIX_CONFIG = path })
      assert.equals(1, status)
      assert.matches("set WILDIX_MY_PBX_TOKEN", refused, 1, true)
      assert.matches("WILDIX_MY_PBX_URL is set, so the profile is not read for this account", refused, 1, true)
      os.remove(path)
    end)
  end)

  describe("help, man page and completion", function()
    it("should complete commands, options and their values in bash, from the commands' one description", function()
      local script = wildix({ "completion", "bash" })
      local path = os.tmpname()
      local f = assert(io.open(path, "w"))
      f:write(script)
      f:close()
      local function complete(...)
        local words = {}
        for i, w in ipairs({ ... }) do words[i] = quote(w) end
        local script_line = ". " .. path .. "; COMP_WORDS=(" .. table.concat(words, " ")
          .. "); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _wildix; echo \"${COMPREPLY[*]}\""
        local p = assert(io.popen("bash -c " .. quote(script_line)))
        local out = p:read("*a"):gsub("\n$", "")
        p:close()
        return out
      end
      assert.equals("call calls", complete("wildix", "cal"))
      assert.equals("--status", complete("wildix", "calls", "--st"))
      assert.equals("call calls", complete("wildix", "--account", "office", "ca"))
      assert.equals("json jsonl", complete("wildix", "calls", "-f", "j"))
      assert.equals("set", complete("wildix", "presence", ""))
      assert.equals("view", complete("wildix", "config", "v"))
      -- Every command the usage text names completes.
      local cli = helper.cli()
      for name in cli.usage:match("\ncommands:\n(.-)\n\n"):gmatch("\n  (%a+)") do
        assert.matches("%f[%a]" .. name .. "%f[%A]", complete("wildix", name:sub(1, 2)), 1, false)
      end
      os.remove(path)
      local zsh = wildix({ "completion", "zsh" })
      assert.matches("^#compdef wildix\n", zsh)
      local _, err, code = wildix({ "completion", "fish" })
      assert.equals(2, code)
      assert.matches("takes bash or zsh", err, 1, true)
    end)

    it("should print a man page and each command's help from the usage text", function()
      local man = wildix({ "man" })
      assert.matches("^%.TH WILDIX 1 ", man)
      for _, section in ipairs({ "SYNOPSIS", "COMMANDS", "OPTIONS", "DATES", "ACCOUNTS", "EXIT STATUS" }) do
        assert.matches("\n%.SH " .. section .. "\n", man)
      end
      assert.matches("\n  calls %[%-%-from D%]", man)
      local out, _, code = wildix({ "help", "stats" })
      assert.equals(0, code)
      assert.matches("^usage: wildix stats ", out)
      assert.equals(wildix({ "stats", "--help" }), out)
      _, _, code = wildix({ "help", "nope" })
      assert.equals(2, code)
    end)
  end)

  describe("proxies", function()
    local function tunnels(url)
      local p = assert(io.popen(helper.sandbox_bin .. " --stats " .. url:match(":(%d+)$")))
      local n = tonumber(p:read("*a"):match('"tunnels":(%d+)'))
      p:close()
      return n
    end

    it("should go through HTTPS_PROXY unless NO_PROXY names the PBX", function()
      local proxy = helper.sandbox("--connect-proxy")
      local before = tunnels(proxy)
      local out, err, code = wildix({ "me", "-f", "jsonl" }, { HTTPS_PROXY = proxy })
      assert.equals(0, code, err)
      assert.matches('^{"', out)
      assert.equals(before + 1, tunnels(proxy))
      local _, direct, status = wildix({ "me", "-f", "jsonl" }, { HTTPS_PROXY = proxy, NO_PROXY = "127.0.0.1" })
      assert.equals(0, status, direct)
      assert.equals(before + 1, tunnels(proxy))
    end)

    it("should name a dead proxy, not blame the PBX", function()
      local _, err, code = wildix({ "me", "--retries", "0" }, { HTTPS_PROXY = "http://user:pw@127.0.0.1:1" })
      assert.equals(1, code)
      assert.matches("could not reach 127.0.0.1 through the proxy 127.0.0.1:1 (from HTTPS_PROXY", err, 1, true)
      assert.matches("it refused the connection", err, 1, true)
      assert.is_nil(err:find("pw", 1, true)) -- the proxy's password stays out
    end)

    it("should show the whole URL, query included, in an error", function()
      local url = helper.fault_url("404")
      local _, err = wildix({ "calls", "-n", "3", "--search", "ann", "--retries", "0" }, { WILDIX_URL = url })
      assert.matches("GET " .. url:gsub("%p", "%%%0")
        .. "/api/v1/PBX/CallHistory/%?start=0&count=3&.*search=ann%)\n$", err)
    end)
  end)

  describe("stats", function()
    it("should count each day's calls, answered vs missed, matching list_calls", function()
      local out, err, code = wildix({ "stats", "--from", "2026-01-01", "--to", "2026-01-10", "--top", "5",
        "--format", "json" })
      assert.equals(0, code, err)
      local sum_answered, sum_missed, sum_other, sum_talk, days = 0, 0, 0, 0, 0
      for answered, date, missed, other, talk in
        out:gmatch('{"answered":(%d+),"date":"([%d%-]+)","missed":(%d+),"other":(%d+),"talk_seconds":(%d+)}') do
        assert.matches("^2026%-01%-%d%d$", date)
        days = days + 1
        sum_answered, sum_missed = sum_answered + tonumber(answered), sum_missed + tonumber(missed)
        sum_other, sum_talk = sum_other + tonumber(other), sum_talk + tonumber(talk)
      end
      assert.equals(10, days)
      local page = module.list_calls{ date_from = "2026-01-01", date_to = "2026-01-10", limit = 1 }
      assert.matches('"calls":' .. page.total .. ',', out)
      assert.equals(page.total, sum_answered + sum_missed + sum_other)
      assert.matches('"answered":' .. sum_answered .. ',', out)
      -- missed is the module's own rule: inbound and not answered.
      local missed = 0
      for call in module.each_call{ date_from = "2026-01-01", date_to = "2026-01-10", missed = true } do
        missed = missed + (call.missed and 1 or 0)
      end
      assert.equals(missed, sum_missed)
      -- Talk time is answered calls' billsec (ringing left out), and the periods add up to the total.
      local billsec = 0
      for call in module.each_call{ date_from = "2026-01-01", date_to = "2026-01-10", status = "answered" } do
        billsec = billsec + call.billsec
      end
      assert.equals(billsec, sum_talk)
      assert.matches('"talk_seconds":' .. billsec .. ',', out)
      -- Each call counts once per extension: no extension has more calls than there were.
      for calls in out:gmatch('{"calls":(%d+),') do assert.is_true(tonumber(calls) <= page.total) end
      assert.matches('"top_callers":%[\n  {"calls":%d+', out)

      local talk, count = {}, 0
      for seconds in out:match('"top_talkers":%[(.-)%]'):gmatch('"talk_seconds":(%d+)') do
        count = count + 1
        talk[count] = tonumber(seconds)
      end
      assert.equals(5, count)
      for i = 2, count do assert.is_true(talk[i - 1] >= talk[i]) end
    end)

    it("should draw a bar per day, longest for the busiest day", function()
      if not has_script then pending("needs script(1) for a terminal") return end
      local out, code = wildix_on_terminal({ "stats", "--from", "2026-01-01", "--to", "2026-01-07", "--format",
        "table" }, 80, nil, { NO_COLOR = "1" })
      assert.equals(0, code)
      local longest, busiest, longest_day, busiest_day = -1, -1, nil, nil
      local days = 0
      for _, shown in ipairs(lines(out)) do
        -- What the terminal shows: the progress line was written over.
        local line = shown:gsub("^.*\r", ""):gsub("\27%[K", "")
        assert.is_true(utf8_len(line) <= 80, line)
        local date, bar, answered, missed, other = line:match("^([%d%-]+) %a+ +([█░·]*) +(%d+) +(%d+) +(%d+) +[%d:]+$")
        if date then
          days = days + 1
          local answered_cells = select(2, bar:gsub("█", ""))
          local missed_cells = select(2, bar:gsub("░", ""))
          local other_cells = select(2, bar:gsub("·", ""))
          assert.equals(tonumber(answered) > 0, answered_cells > 0)
          assert.equals(tonumber(missed) > 0, missed_cells > 0)
          assert.equals(tonumber(other) > 0, other_cells > 0)
          local cells = answered_cells + missed_cells + other_cells
          if cells > longest then longest, longest_day = cells, date end
          local calls = answered + missed + other
          if calls > busiest then busiest, busiest_day = calls, date end
        end
      end
      assert.equals(7, days)
      assert.equals(busiest_day, longest_day)
      assert.matches("\nTop talkers %(extensions, by answered talk time%)\r?\n +1%. ", out)
    end)

    it("should show quiet days too, and CSV per day", function()
      local out, _, code = wildix({ "stats", "--from", "2026-06-01", "--to", "2026-06-03", "--format", "csv" })
      assert.equals(0, code)
      assert.equals("date,answered,missed,other,talk_seconds\r\n2026-06-01,0,0,0,0\r\n2026-06-02,0,0,0,0\r\n"
        .. "2026-06-03,0,0,0,0\r\n",
        out)
    end)
  end)

  describe("errors", function()
    local function fails(args, expected_code, pattern, env)
      local out, err, code = wildix(args, env)
      assert.equals(expected_code, code, err)
      assert.equals("", out)
      assert.matches("^wildix: [^\n]+\n$", err)
      if pattern then assert.matches(pattern, err) end
      return err
    end

    it("should exit 2 with one line on stderr for usage errors", function()
      fails({}, 2, "no command")
      fails({ "frob" }, 2, "unknown command 'frob'")
      fails({ "calls", "--lmit", "3" }, 2, "unknown option '%-%-lmit' for 'calls' %(options: .*%-%-limit")
      fails({ "calls", "--limit", "0" }, 2, "%-%-limit must be a whole number")
      fails({ "calls", "--limit", "ten" }, 2, "%-%-limit must be a whole number")
      fails({ "calls", "--limit", "2", "--all" }, 2, "do not go together")
      fails({ "calls", "--limit" }, 2, "%-%-limit needs a value")
      fails({ "users", "--from", "2026-01-01" }, 2, "unknown option '%-%-from' for 'users'")
      fails({ "call" }, 2, "needs an ID")
      fails({ "call", "a", "b" }, 2, "takes one ID")
      fails({ "me", "--format", "xml" }, 2, "table, json, jsonl or csv")
      fails({ "me", "--all" }, 2, "unknown option")
      fails({ "calls", "--from", "2026-13-01" }, 2, "argument: list_calls: %-%-from must be a date")
      fails({ "extension", "--id", "../x" }, 2, "argument: get_extension")
      fails({ "extension" }, 2, "needs a NUMBER or %-%-id")
      fails({ "extension", "456", "--id", "ext-456" }, 2, "not both")
      fails({ "calls", "--id", "x" }, 2, "unknown option '%-%-id' for 'calls'")
      fails({ "me", "--account", "configure" }, 2, "not an account name")
      fails({ "calls", "-x" }, 2, "unknown option '%-x' %(short options: %-a, %-e, %-f, %-h, %-n, %-o, %-v, %-V, %-y%)")
      fails({ "calls", "-n" }, 2, "%-n needs a value")
      fails({ "calls", "-n", "0" }, 2, "%-%-limit must be a whole number")
      fails({ "stats", "--by", "year" }, 2, "%-%-by must be day, week or month, got 'year'")
      fails({ "calls", "--since", "7d", "--from", "today" }, 2, "%-%-since is %-%-from")
      fails({ "me", "--timeout", "soon" }, 2, "%-%-timeout must be a number, got 'soon'")
      fails({ "me", "--retries", "99" }, 1, "config: .*%-%-retries must be")
      fails({ "calls", "--from", "8x" }, 2, "%-%-from must be a date")
    end)

    it("should name the command's flags, variables and profile in account errors", function()
      local err = fails({ "me" }, 1, nil, { WILDIX_URL = "", WILDIX_TOKEN = "" })
      assert.matches("^wildix: config: account 'default' is not configured: set WILDIX_URL and WILDIX_TOKEN, "
        .. "or url and token in the profile %(/nonexistent/wildix%-config%)\n$", err)
      assert.is_nil(err:find("wildix.configure", 1, true))
      err = fails({ "me", "--timeout", "5" }, 1, nil, { WILDIX_URL = "", WILDIX_TOKEN = "" })
      assert.matches("'url' is required %(set WILDIX_URL, or put it in the profile%)", err)
      err = fails({ "me", "--ca-file", "/nonexistent/ca.pem" }, 1)
      assert.matches("^wildix: config: %-%-ca%-file \"/nonexistent/ca.pem\" cannot be read", err)
    end)

    it("should exit 130 at once on Ctrl-C, with one line and no stack trace", function()
      local out, code, ms = helper.interrupt(command_line({ "me" }, { WILDIX_URL = helper.fault_url("hang") }), 1)
      assert.equals(130, code, out)
      assert.equals("wildix: interrupted\n", out)
      assert.is_true(ms < 5000, ms .. " ms") -- not interrupted, it would wait its 30 s timeout
    end)

    it("should exit 1 for PBX and account errors, without the token", function()
      local err = fails({ "call", "no-such-call" }, 1, "^wildix: not_found: get_call: .*HTTP 404")
      assert.is_nil(err:find(helper.token, 1, true))
      fails({ "extension", "9999" }, 1, "^wildix: not_found: get_extension: .*9999")
      err = fails({ "me" }, 1, "^wildix: auth: .*HTTP 401", { WILDIX_TOKEN = "wrong-token-123456" })
      assert.matches("check WILDIX_TOKEN %(or the profile's token%)", err)
      fails({ "me", "--account", "office" }, 1,
        "^wildix: config: account 'office' is not configured.*WILDIX_OFFICE_URL")
      fails({ "me" }, 1, "^wildix: http: .*HTTP 500", { WILDIX_URL = helper.fault_url("500,500,500") })
    end)

    it("should sign as an S2S app from the environment, and name its variables when refused", function()
      local app = { WILDIX_TOKEN = false, WILDIX_APP_ID = helper.app.app_id, WILDIX_APP_NAME = helper.app.app_name,
        WILDIX_APP_SECRET = helper.app.secret }
      local out, err, code = wildix({ "users", "-n", "2", "--format", "csv" }, app)
      assert.equals(0, code, err)
      assert.matches("^name,email,extension,id\r?\n", out)
      assert.equals(3, select(2, out:gsub("\n", "")))
      app.WILDIX_APP_SECRET = "not-the-app-secret-42"
      err = fails({ "users" }, 1, "^wildix: auth: .*HTTP 401", app)
      assert.matches("check WILDIX_APP_ID, WILDIX_APP_NAME and WILDIX_APP_SECRET %(or the profile's", err)
      assert.is_nil(err:find("not-the-app", 1, true), err)
    end)

    it("should save a call's recording with wildix recording", function()
      local module_ = helper.configured()
      local id
      for call in module_.each_call{ page_size = 500 } do
        local r = call.attachments and call.attachments.recordings
        if r and r.url:find("/spoolview/recordings/", 1, true) then id = call.id break end
      end
      local path = os.tmpname()
      local out, err, code = wildix({ "recording", id, "-o", path })
      assert.equals(0, code, err)
      assert.matches("bytes +262144", out)
      assert.equals(262144, #helper.read_file(path))
      os.remove(path)
    end)

    it("should show every request on stderr with --debug, never the token", function()
      local url = helper.fault_url("503,ok")
      local out, err, code = wildix({ "users", "-n", "2", "--debug", "-f", "csv" }, { WILDIX_URL = url })
      assert.equals(0, code, err)
      assert.matches("^name,", out)
      -- The path as the PBX sees it: the url's own path (here the fault prefix) first.
      local path = url:match("^https?://[^/]+(.*)$"):gsub("%p", "%%%0") .. "/api/v1/PBX/Colleagues%?start=0&count=2"
      assert.matches("wildix: GET " .. path .. " %-> 503, [%d.]+ s, 0 bytes\n", err)
      assert.matches("wildix: GET " .. path .. " %-> 200, [%d.]+ s, [%d,]+ bytes, attempt 2\n", err)
      assert.is_nil(err:find(helper.token, 1, true))
      -- WILDIX_DEBUG=1 does the same.
      local _, debug_err, status = wildix({ "users", "-n", "2", "-f", "csv" }, { WILDIX_DEBUG = "1" })
      assert.equals(0, status, debug_err)
      assert.matches("wildix: GET /api/v1/PBX/Colleagues%?start=0&count=2 %-> 200, ", debug_err)
      _, debug_err = wildix({ "users", "-n", "2", "-f", "csv" }, { WILDIX_DEBUG = "0" })
      assert.equals("", debug_err:gsub("2 of [%d,]+ users %(%-%-all for every one%)\n", ""))
    end)

    it("should say with whoami what the credential is and what it reaches", function()
      local out, err, code = wildix({ "whoami" }, { WILDIX_TOKEN = helper.company_key })
      assert.equals(0, code, err)
      assert.matches("\ncredentials +token wsk%-…6789\n", out)
      assert.matches("\nkind +company API key", out)
      assert.matches("\nuser +none: auth\n", out)
      assert.matches("\nreaches +PBX call history, colleagues, contacts\n", out)
      assert.matches("\nrefused +user routes %(auth%), presence %(auth%), call groups %(auth%), "
        .. "registrations %(auth%)\n", out)
      assert.matches("\nwrites +none\n", out)
      -- What each refused family needs, from the catalogue (the function's Credential).
      assert.matches("\nneeds: user routes +A credential that belongs to a user", out)
      assert.matches("\nneeds: presence +[^\n]*company API key only with `pbx:read`", out)
      -- A route the PBX does not have (the sandbox's call control, off) is not a refusal.
      assert.matches("\nnot on this PBX +call control\n", out)
      assert.is_nil(out:find(helper.company_key, 1, true))
      out, err, code = wildix({ "whoami", "-f", "json" })
      assert.equals(0, code, err)
      assert.matches('"user": "[^"]+ %(extension %d+%)"', out)
      assert.matches('"reaches": "user routes, PBX call history, colleagues, contacts, presence, call groups, '
        .. 'registrations"', out, 1, true)
      assert.is_nil(out:find('"needs', 1, true))
      -- `auth status` is the same, as gh says it.
      assert.equals(out, (wildix({ "auth", "status", "-f", "json" })))
      assert.matches("^usage: wildix whoami | auth status", (wildix({ "auth", "status", "--help" })))
    end)

    it("should list missed calls, and calls by direction, by the module's own rules", function()
      local out, err, code = wildix({ "calls", "--from", "2026-03-01", "--to", "2026-03-07", "--missed", "--all",
        "-f", "csv" })
      assert.equals(0, code, err)
      local rows = select(2, out:gsub("\n", "")) - 1
      local expected = 0
      for _ in module.each_call{ date_from = "2026-03-01", date_to = "2026-03-07", missed = true } do
        expected = expected + 1
      end
      assert.is_true(expected > 0)
      assert.equals(expected, rows)
      out, err, code = wildix({ "calls", "--direction", "out", "-n", "5" })
      assert.equals(0, code, err)
      assert.equals(6, #lines(out)) -- the header and five calls
      assert.matches("5 outbound calls\n$", err)
      out, err, code = wildix({ "calls", "--direction", "sideways" })
      assert.equals("", out)
      assert.equals(2, code)
      assert.matches("%-%-direction must be in, out, internal or unknown", err)
    end)

    it("should take several --status values, keeping calls of any of them", function()
      local out, err, code = wildix({ "calls", "--from", "2026-03-01", "--to", "2026-03-03", "--status",
        "busy,failed", "--all", "-f", "jsonl" })
      assert.equals(0, code, err)
      local got = { busy = 0, failed = 0 }
      for status in out:gmatch('"status":"(%a+)"') do
        assert.is_not_nil(got[status], status)
        got[status] = got[status] + 1
      end
      for _, status in ipairs({ "busy", "failed" }) do
        local page = module.list_calls{ date_from = "2026-03-01", date_to = "2026-03-03", status = status, limit = 1 }
        assert.equals(page.total, got[status], status)
      end
      local _, refused, status = wildix({ "calls", "--status", "busy,missed" })
      assert.equals(2, status)
      assert.matches("got 'missed'", refused, 1, true)
    end)

    it("should find users and extensions by --search", function()
      local out, err, code = wildix({ "users", "--search", "Zoë", "-f", "csv" })
      assert.equals(0, code, err)
      local rows = 0
      for line in out:gmatch("[^\n]+") do
        rows = rows + 1
        if rows > 1 then assert.truthy(line:find("Zo", 1, true), line) end
      end
      assert.is_true(rows > 1, out)
    end)

    it("should use a named account from the environment", function()
      local out, err, code = wildix({ "me", "--account", "office", "--format", "csv" },
        { WILDIX_OFFICE_URL = helper.url, WILDIX_OFFICE_TOKEN = helper.token, WILDIX_URL = "http://127.0.0.1:9" })
      assert.equals(0, code, err)
      assert.matches("^id,name,email,extension", out)
    end)
  end)

  describe("writes", function()
    local acting = helper.sandbox("--call-control")
    local function sent() return #helper.writes(acting) end

    it("should refuse a write unless WILDIX_WRITES allows it, naming the variable", function()
      local before = sent()
      local out, err, code = wildix({ "dial", "+39 02 1234 5678", "-e", "201" }, { WILDIX_URL = acting })
      assert.equals(1, code, err)
      assert.equals("", out)
      assert.matches("^wildix: refused: make_call: .*set WILDIX_WRITES=make_call, or writes = make_call in the profile",
        err)
      assert.equals(before, sent())
    end)

    it("should show the request with --dry-run and send nothing", function()
      local before = sent()
      local out, err, code = wildix({ "dial", "+39 02 1234 5678", "-e", "201", "--dry-run" }, { WILDIX_URL = acting })
      assert.equals(0, code, err)
      assert.equals('POST /api/v2/call-control/make-call?user=201 {"destination":"+390212345678"}\n', out)
      out, err, code = wildix({ "presence", "set", "dnd", "-e", "201", "--until", "2026-12-24 18:00", "--dry-run",
        "-f", "json" }, { WILDIX_URL = acting })
      assert.equals(0, code, err)
      assert.truthy(out:find('"until":"24/12/2026 18:00"', 1, true), out)
      assert.equals(before, sent())
    end)

    it("should send once, without asking when no one is at a terminal", function()
      local before = sent()
      local env = { WILDIX_URL = acting, WILDIX_WRITES = "1" }
      local out, err, code = wildix({ "sms", "+39 333 1234567", "Your order shipped" }, env)
      assert.equals(0, code, err)
      assert.matches("^ok%s+true\n$", out)
      out, err, code = wildix({ "contact", "add", "Zoë", "--phonebook", "2", "--mobile", "+39 333 555 0000",
        "-f", "csv" }, env)
      assert.equals(0, code, err)
      local id = out:match("\n(%d+),")
      assert.is_string(id, out)
      out, err, code = wildix({ "contact", "rm", id }, env)
      assert.equals(0, code, err)
      assert.matches("^ok%s+true\n$", out)
      assert.equals(before + 3, sent())
      out, err, code = wildix({ "contact", "rm", id, "--phone", "1" }, env)
      assert.equals(2, code)
      assert.equals("", out)
      assert.matches("takes only the contact's id", err)
    end)

    local maybe = has_script and it or pending
    maybe("should ask on a terminal, and send only on yes (or with --yes)", function()
      local function on_terminal(answer, args)
        local words = {}
        for i, a in ipairs(args) do words[i] = quote(a) end
        local inner = helper.env({ WILDIX_URL = acting, WILDIX_TOKEN = helper.token, WILDIX_WRITES = "1",
          WILDIX_CONFIG = "/nonexistent/wildix-config", LUA_PATH = "lua/?.lua;;",
          LUA_CPATH = "build/" .. helper.build .. "/?.so;;", TERM = "xterm" })
          .. " " .. helper.interpreter() .. " bin/wildix " .. table.concat(words, " ") .. "; echo \"exit:$?\""
        local p = assert(io.popen("printf " .. quote(answer) .. " | " .. helper.env() .. " script -qec "
          .. quote(inner) .. " /dev/null"))
        local shown = p:read("*a")
        p:close()
        return shown, tonumber(shown:match("exit:(%d+)"))
      end
      local before = sent()
      local shown, code = on_terminal("n\n", { "sms", "+39 333 1234567", "no" })
      assert.equals(1, code, shown)
      assert.truthy(shown:find("Send it? [y/N]", 1, true), shown)
      assert.truthy(shown:find("not confirmed, so nothing was sent", 1, true), shown)
      assert.equals(before, sent())
      shown, code = on_terminal("y\n", { "sms", "+39 333 1234567", "yes" })
      assert.equals(0, code, shown)
      assert.equals(before + 1, sent())
      shown, code = on_terminal("", { "sms", "+39 333 1234567", "asked not", "--yes" })
      assert.equals(0, code, shown)
      assert.is_nil(shown:find("Send it?", 1, true), shown)
      assert.equals(before + 2, sent())
    end)
  end)

  describe("on a terminal", function()
    local maybe = has_script and it or pending

    maybe("should print a table that fits the terminal's width", function()
      local shown, code = wildix_on_terminal({ "calls", "--limit", "20" }, 60)
      assert.equals(0, code, shown)
      assert.matches("^\27%[1mstart", shown) -- bold headers on a terminal
      shown = shown:gsub("\27%[%d+m", "")
      local rows = lines(shown)
      assert.matches("^start +from +to +status +duration", rows[1])
      assert.equals(22, #rows)
      for _, line in ipairs(rows) do assert.is_true(utf8_len(line) <= 60, line) end
      assert.truthy(shown:find("…", 1, true), "nothing was shortened to fit 60 columns")
    end)

    maybe("should show progress on stderr for --all, and clear it", function()
      local shown, code = wildix_on_terminal({ "calls", "--all", "--format", "csv" }, 100, " >/dev/null")
      assert.equals(0, code, shown)
      assert.matches("\rcalls: 1,000 of [%d,]+", shown)
      assert.matches("\r\27%[K", shown)
      shown = wildix_on_terminal({ "calls", "--limit", "5", "--format", "csv" }, 100, " >/dev/null")
      assert.is_nil(shown:find("\rcalls:", 1, true))
    end)

    maybe("should clear the progress before rows and before an error", function()
      -- Two pages answer (one request each: this PBX serves 1,000 calls a
      -- request), then the PBX fails for good (three attempts).
      local whole_pages = helper.sandbox("--call-cap 0")
      local shown, code = wildix_on_terminal({ "calls", "--all", "--format", "csv" }, 100, nil,
        { WILDIX_URL = helper.fault_url("ok,ok,500,500,500", whole_pages) })
      assert.equals(1, code, shown)
      assert.matches("\rcalls: 1,000 of [%d,]+\r\27%[K2026%-", shown)
      assert.matches("\rcalls: 2,000 of [%d,]+\r\27%[Kwildix: http: list_calls: [^\n]*HTTP 500", shown)
    end)
  end)

  describe("in process", function()
    local cli, fmt = helper.cli()

    local function buffer()
      local b = { text = "" }
      function b:write(...)
        for i = 1, select("#", ...) do self.text = self.text .. tostring(select(i, ...)) end
        return self
      end
      return b
    end

    it("should encode JSON strings, numbers and nesting exactly", function()
      assert.equals('"a\\"b\\\\c\\n\\u0001"', fmt.json('a"b\\c\n\1'))
      assert.equals("[1,2.5,true]", fmt.json({ 1, 2.5, true }))
      assert.equals('{"a":{"b":[1]},"z":null}', fmt.json({ z = 0 / 0, a = { b = { 1 } } }))
      assert.equals("0.1", fmt.json(0.1))
      assert.equals("1e+300", fmt.json(1e300))
      assert.equals("12", fmt.json(12.0))
    end)

    it("should measure and cut text by characters, not bytes", function()
      assert.equals(5, fmt.width("Zoë W"))
      assert.equals("Zoë…", fmt.truncate("Zoë Weiß", 4))
      assert.equals(4, fmt.width(fmt.truncate("Zoë Weiß", 4)))
      assert.equals("Zoë Weiß", fmt.truncate("Zoë Weiß", 8))
      assert.equals("  Zoë", fmt.pad("Zoë", 5, true))
      assert.equals("6,001", fmt.thousands(6001))
      assert.equals("1,234,567", fmt.thousands(1234567))
      assert.equals("0:07", fmt.clock(7))
      assert.equals("1:02:03", fmt.clock(3723))
    end)

    it("should fit columns as these fixtures say: fixed ones whole, flexible ones in proportion, no narrower than 8",
      function()
      local calls = {
        { "start", fixed = true }, { "from" }, { "to" }, { "status", fixed = true }, { "duration", fixed = true } }
      local cases = {
        { calls, { 19, 30, 25, 9, 8 }, 60, { 19, 8, 8, 9, 8 } },
        { calls, { 19, 30, 25, 9, 8 }, 40, { 19, 9, 8 } },      -- status and duration go, start stays whole
        { { { "a" }, { "bb" }, { "ccc" } }, { 10, 10, 10 }, 20, { 9, 9 } },
        { { { "a" }, { "bb" }, { "ccc" } }, { 10, 10, 10 }, 21, { 9, 10 } },
        { { { "name" }, { "email" }, { "ext", fixed = true } }, { 1000000, 40, 4 }, 80, { 64, 8, 4 } },
        { { { "id", fixed = true }, { "x" } }, { 12, 3 }, 8, { 8 } },
        { { { "池田" }, { "b" }, { "c" } }, { 30, 17, 17 }, 33, { 11, 9, 9 } },
        { { { "name" }, { "email" } }, { 30, 40 }, 52, { 22, 28 } },  -- each keeps its share
        { { { "a" }, { "b" }, { "c" }, { "d" } }, { 9, 12, 12, 5 }, 25, { 9, 12 } },
        { { { "a" }, { "b" } }, { 5, 100 }, 20, { 5, 13 } },    -- a short column stays whole
      }
      for _, case in ipairs(cases) do
        local _, widths = fmt.fit(case[1], case[2], case[3])
        assert.same(case[4], widths, table.concat(case[2], ",") .. " in " .. case[3])
      end
    end)

    it("should measure each header once, however far a column shrinks", function()
      local measured, width = 0, fmt.width
      fmt.width = function(s) measured = measured + 1 return width(s) end
      local ok, _, widths = pcall(fmt.fit, { { "name" }, { "email" } }, { 64 * 1024 * 1024, 40 }, 80)
      fmt.width = width
      assert.is_true(ok)
      assert.same({ 70, 8 }, widths)
      assert.equals(2, measured)
    end)

    it("should fit columns: flexible ones shrink, fixed ones never, then drop from the right", function()
      local columns = { { "start", fixed = true }, { "name" }, { "id", fixed = true } }
      local natural = { 19, 30, 12 }
      local kept, widths = fmt.fit(columns, natural, 200)
      assert.same({ 19, 30, 12 }, widths)
      assert.equals(3, #kept)
      kept, widths = fmt.fit(columns, natural, 45)   -- 19 + 2 + n + 2 + 12 = 45
      assert.equals(3, #kept)
      assert.same({ 19, 10, 12 }, widths)
      kept, widths = fmt.fit(columns, natural, 30)   -- 19 + 8 + 12 + 4 > 30: id goes, name gets the rest
      assert.equals(2, #kept)
      assert.same({ 19, 9 }, widths)
      kept, widths = fmt.fit(columns, natural, 12)   -- 19 + 8 + 2 > 12: name goes too; start cut to the width
      assert.equals(1, #kept)
      assert.same({ 12 }, widths)
      assert.same({ 19, 30, 12 }, natural)           -- the caller's widths are left alone
      assert.equals(3, #columns)
    end)

    --- Runs the command against stand-in module `fake`: stdout, stderr, exit code.
    local function run_sys(args, fake, env, terminal)
      local stdout, stderr = buffer(), buffer()
      env = env or {}
      local code = cli.main(args, { wildix = fake, stdout = stdout, stderr = stderr, today = "2026-03-10",
        terminal = terminal or { stdout = false, stderr = false }, getenv = function(k) return env[k] end })
      return stdout.text, stderr.text, code
    end

    --- Runs the command against a stand-in module whose current user is `me`.
    local function run_with_user(args, me)
      local fake = { version = "0", get_current_user = function() return me end }
      fake.list_calls = fake.get_current_user
      return run_sys(args, fake)
    end

    it("should quote CSV fields with commas, quotes and line breaks", function()
      local out, err, code = run_with_user({ "me", "--format", "csv" },
        { id = "7", name = 'Ann "Nan", Jr.', email = "a@b.c", extension = "12", note = "two\nlines" })
      assert.equals(0, code, err)
      assert.equals('id,name,email,extension,note\r\n7,"Ann ""Nan"", Jr.",a@b.c,12,"two\nlines"\r\n', out)
    end)

    it("should keep a table's cells on one line", function()
      local out, err, code = run_with_user({ "me", "--format", "table" },
        { id = "7", name = "Ann", note = "two\nlines\tand a tab" })
      assert.equals(0, code, err)
      assert.equals("id    7\nname  Ann\nnote  two lines and a tab\n", out)
    end)

    it("should encode one record as a JSON object, nested values included", function()
      local out, err, code = run_with_user({ "me", "--format", "json" },
        { id = "7", name = "Ann", groups = { "a", "b" }, extra = { n = 1 } })
      assert.equals(0, code, err)
      assert.equals('{\n  "id": "7",\n  "name": "Ann",\n  "extra": {"n":1},\n  "groups": ["a","b"]\n}\n', out)
    end)

    -- What a caller can put in its caller-ID name: a window title (OSC 0),
    -- clear screen (CSI 2J), a clipboard write (OSC 52), the one-byte C1
    -- CSI, a right-to-left override, and a lone carriage return.
    local HOSTILE = "A\27]0;pwned\7B\27[2JC\27]52;c;ZXZpbA==\7D\194\1552JE\226\128\174F\rG"

    local function assert_inert(text)
      assert.is_nil(text:find("[%z\1-\8\11\12\14-\31\127]"), text)
      assert.is_nil(text:find("\r[^\n]"), text)
      assert.is_nil(text:find("\194[\128-\159]"), text)
      assert.is_nil(text:find("\226\128[\170-\174]"), text)
    end

    it("should never print a PBX's control characters, in any format", function()
      for _, format in ipairs({ "table", "json", "csv" }) do
        local out, err, code = run_with_user({ "me", "--format", format },
          { id = "7", name = HOSTILE, [HOSTILE] = "key" })
        assert.equals(0, code, err)
        assert_inert(out)
        assert.matches("A\\u001b]0;pwned\\u0007B", out, 1, true)
        assert.matches("E\\u202eF", out, 1, true)
      end
      -- The JSON still says exactly what the PBX sent.
      local out = run_with_user({ "me", "--format", "json" }, { id = "7", name = HOSTILE })
      assert.equals('"name": "A\\u001b]0;pwned\\u0007B\\u001b[2JC\\u001b]52;c;ZXZpbA==\\u0007D\\u009b2JE'
        .. '\\u202eF\\rG"', out:match('"name": "[^\n]*"'))
    end)

    it("should never print control characters in stats, lists and errors", function()
      local stdout, stderr = buffer(), buffer()
      local call = { id = "1", start = "2026-03-02 10:00:00", status = "answered", duration = 60,
        from = "+390212345", from_name = HOSTILE, to = "201", to_name = "Desk" }
      local fake = { version = "0" }
      function fake.list_calls() return { calls = { call }, total = 1, page = 1, limit = 1000, has_more = false } end
      function fake.get_current_user() error({ kind = "http", message = "the PBX said " .. HOSTILE }, 0) end
      local sys = { wildix = fake, stdout = stdout, stderr = stderr, today = "2026-03-02",
        terminal = { stdout = false, stderr = false }, getenv = function() return nil end }
      for _, args in ipairs({ { "stats", "--format", "table" }, { "calls", "--format", "table" },
        { "calls", "--format", "csv" }, { "stats", "--format", "json" } }) do
        assert.equals(0, cli.main(args, sys), stderr.text)
      end
      assert.matches("A\\u001b]0;pwned", stdout.text, 1, true)
      assert_inert(stdout.text)
      assert.equals(1, cli.main({ "me" }, sys))
      assert.matches("the PBX said A\\u001b", stderr.text, 1, true)
      assert_inert(stderr.text)
    end)

    it("should count stats days on one calendar, years before 1000 included", function()
      local stdout, stderr = buffer(), buffer()
      local fake = { version = "0" }
      function fake.list_calls()
        return { calls = { { id = "1", start = "0999-12-31 10:00:00", status = "answered", duration = 5,
          from = "201", to = "202" } }, total = 1, page = 1, limit = 1000, has_more = false }
      end
      local code = cli.main({ "stats", "--from", "0999-12-30", "--to", "1000-01-01", "--format", "csv" },
        { wildix = fake, stdout = stdout, stderr = stderr, terminal = { stdout = false, stderr = false },
          getenv = function() return nil end })
      assert.equals(0, code, stderr.text)
      assert.equals("date,answered,missed,other,talk_seconds\r\n0999-12-30,0,0,0,0\r\n0999-12-31,1,0,0,0\r\n"
        .. "1000-01-01,0,0,0,0\r\n",
        stdout.text)
    end)

    it("should neutralise CSV cells a spreadsheet would run as formulas", function()
      local out, err, code = run_with_user({ "me", "--format", "csv" }, { id = "7", a = "=1+2", b = "+39 02 1234",
        c = "+390212345", d = "-5", e = "@SUM(A1)", f = "-", g = "plain" })
      assert.equals(0, code, err)
      assert.equals("'=1+2,'+39 02 1234,+390212345,-5,'@SUM(A1),'-,plain", out:match("\n7,([^\r]*)\r\n$"))
    end)

    --- A stand-in module that records what the command asks of it.
    local function recorder()
      local seen = { params = {} }
      local fake = { version = "0" }
      function fake.list_calls(params)
        seen.params[#seen.params + 1] = params
        return { calls = {
          { id = "1", start = "2026-03-02 10:00:00", status = "answered", duration = 60, billsec = 50, from = "201",
            to = "202" },
          { id = "2", start = "2026-03-09 10:00:00", status = "busy", duration = 0, from = "201", to = "203" },
          { id = "3", start = "2026-04-01 10:00:00", status = "answered", duration = 5, billsec = 4, from = "池田",
            to = "204" },
        }, total = 3, page = 1, limit = 1000, has_more = false }
      end
      function fake.get_current_user() return { id = "7", name = "Ann" } end
      function fake.configure(name, options)
        seen.account, seen.options = name, options
        return fake
      end
      return fake, seen
    end


    it("should read short options, relative dates and --since", function()
      local fake, seen = recorder()
      local _, err, code = run_sys({ "calls", "-n2", "--since", "7d", "--to", "yesterday", "-e", "201" }, fake)
      assert.equals(0, code, err)
      assert.same({ limit = 2, page = 1, date_from = "2026-03-03", date_to = "2026-03-09", extension = "201" },
        seen.params[1])
      _, err, code = run_sys({ "calls", "-a", "--from", "2w", "--to", "TODAY" }, fake)
      assert.equals(0, code, err)
      assert.equals("2026-02-24", seen.params[2].date_from)
      assert.equals("2026-03-10", seen.params[2].date_to)
      assert.equals(1000, seen.params[2].limit)
    end)

    it("should give each command its own --help", function()
      local out, _, code = run_sys({ "calls", "--help" }, recorder())
      assert.equals(0, code)
      assert.matches("^usage: wildix calls %[%-%-from D%]", out)
      assert.matches("\n  %-e, %-%-extension EXT", out)
      assert.matches("\n  %-%-timeout SECONDS", out)
      assert.matches("\nDates: ", out)
      assert.is_nil(out:find("stats", 1, true))
      out = run_sys({ "-h", "users" }, recorder())
      assert.matches("^usage: wildix users %[%-%-search TEXT%] %[%-n N | %-%-all%]", out)
      assert.is_nil(out:find("--extension", 1, true))
      assert.is_nil(out:find("Dates:", 1, true))
      out = run_sys({ "--help" }, recorder())
      assert.equals(cli.usage, out)
      out = run_sys({ "-V" }, recorder())
      assert.matches("^wildix 0 %(", out)
    end)

    it("should sum stats by week and month, for one extension", function()
      local fake, seen = recorder()
      local out, err, code = run_sys({ "stats", "--from", "2026-03-01", "--to", "2026-04-02", "--by", "week",
        "-e", "201", "-f", "csv" }, fake)
      assert.equals(0, code, err)
      assert.equals("201", seen.params[1].extension)
      -- 2026-03-01 is a Sunday: its week began on Monday 2026-02-23.
      -- The stand-in's unanswered call says nothing of `missed`: other.
      assert.equals("date,answered,missed,other,talk_seconds\r\n2026-03-01,0,0,0,0\r\n2026-03-02,1,0,0,50\r\n"
        .. "2026-03-09,0,0,1,0\r\n2026-03-16,0,0,0,0\r\n2026-03-23,0,0,0,0\r\n2026-03-30,1,0,0,4\r\n", out)
      out = run_sys({ "stats", "--from", "2026-03-01", "--to", "2026-04-02", "--by", "month", "-f", "json" }, fake)
      assert.matches('"by":"month".*"periods":%[\n  {"answered":1,"date":"2026%-03%-01","missed":0,"other":1,'
        .. '"talk_seconds":50},\n  {"answered":1,"date":"2026%-04%-01","missed":0,"other":0,"talk_seconds":4}\n%]', out)
      -- The totals add up: calls = answered + missed + other, talk = the periods' talk.
      assert.matches('"answered":2,"by":"month","calls":3,.*"missed":0,"other":1,"talk_seconds":54,', out)
      out = run_sys({ "stats", "--from", "2026-03-01", "--to", "2026-04-02", "--by", "month" }, fake)
      assert.matches("\nmonth +answered +missed +other +talk\n2026%-03 ", out)
      assert.matches("\nBusiest extensions %(by calls, each counted once%)\n  1%. 201 +2 calls", out)
    end)

    it("should colour tables on a terminal, unless NO_COLOR is set", function()
      local tty = { stdout = true, stderr = false, columns = 100 }
      local out = run_sys({ "calls" }, recorder(), {}, tty)
      assert.matches("^\27%[1mstart", out)
      assert.matches("\27%[32manswered\27%[0m", out)
      assert.matches("\27%[33mbusy +\27%[0m", out)
      for _, env in ipairs({ { NO_COLOR = "1" }, { TERM = "dumb" } }) do
        out = run_sys({ "calls" }, recorder(), env, tty)
        assert.is_nil(out:find("\27", 1, true), out)
      end
      out = run_sys({ "calls", "-f", "csv" }, recorder(), {}, tty)
      assert.is_nil(out:find("\27", 1, true), out)
    end)

    it("should align columns by terminal columns, two for a CJK character", function()
      local out = run_sys({ "calls" }, recorder())
      local rows = lines(out)
      -- "池田" takes four columns, as "2010" would: the status column lines up.
      local at = rows[2]:find("answered", 1, true)
      assert.equals(at, fmt.width(rows[4]:sub(1, rows[4]:find("answered", 1, true) - 1)) + 1)
      assert.equals(4, fmt.width("池田"))
      assert.equals("池…", fmt.truncate("池田さん", 3))
    end)

    it("should take settings from flags, then variables, then the profile", function()
      local dir = os.tmpname()
      os.remove(dir)
      assert(os.execute("mkdir -p " .. dir .. "/wildix"))
      local path = dir .. "/wildix/config"
      local f = assert(io.open(path, "w"))
      f:write("# test\n[default]\nurl = https://pbx.example.com\ntoken = \"t0123456789abcdef\"\ntimeout = 12\n",
        "[office]\nurl = https://office.example.com\ntoken = o0123456789abcdef\nca_file = /etc/office.pem\n")
      f:close()
      assert(os.execute("chmod 600 " .. path))
      local fake, seen = recorder()
      local env = { XDG_CONFIG_HOME = dir }
      local _, err, code = run_sys({ "me" }, fake, env)
      assert.equals(0, code, err)
      assert.equals("default", seen.account)
      assert.same({ url = "https://pbx.example.com", token = "t0123456789abcdef", timeout = 12 }, seen.options)
      -- a flag beats the variable, which beats the file
      env.WILDIX_TIMEOUT, env.WILDIX_OFFICE_RETRIES = "20", "4"
      _, err, code = run_sys({ "me", "--account", "office", "--timeout", "3" }, fake, env)
      assert.equals(0, code, err)
      assert.same({ url = "https://office.example.com", token = "o0123456789abcdef", ca_file = "/etc/office.pem",
        timeout = 3, retries = 4 }, seen.options)
      -- WILDIX_URL set: the account is the environment's, the file only tunes it
      env.WILDIX_URL = "https://env.example.com"
      _, err, code = run_sys({ "me" }, fake, env)
      assert.equals(0, code, err)
      assert.same({ timeout = 20 }, seen.options)
      -- a token others can read is refused
      assert(os.execute("chmod 644 " .. path))
      local _, refused, failed = run_sys({ "me" }, fake, env)
      assert.equals(1, failed)
      assert.equals("wildix: " .. path .. " holds a token and others can read it (mode 644): run chmod 600 "
        .. path .. "\n", refused)
      f = assert(io.open(path, "w"))
      f:write("[default]\ntimeot = 5\n")
      f:close()
      assert(os.execute("chmod 600 " .. path))
      _, refused, failed = run_sys({ "me" }, fake, env)
      assert.equals(1, failed)
      assert.matches("^wildix: .*/wildix/config:2: unknown key 'timeot' %(keys: ", refused)
      -- A profile others can write is refused, secret or not: whoever
      -- writes it chooses where the token goes.
      f = assert(io.open(path, "w"))
      f:write("[default]\ntimeout = 5\n")
      f:close()
      for _, mode in ipairs({ "620", "602" }) do
        assert(os.execute("chmod " .. mode .. " " .. path))
        _, refused, failed = run_sys({ "me" }, fake, env)
        assert.equals(1, failed)
        assert.equals("wildix: " .. path .. " can be written by others (mode " .. mode .. "): whoever writes it "
          .. "chooses where your token goes; run chmod go-w " .. path .. "\n", refused)
      end
      -- Another user's profile is refused (as root, the spec can make one).
      local id = assert(io.popen("id -u"))
      local root = id:read("*l") == "0"
      id:close()
      if root then
        assert(os.execute("chmod 600 " .. path .. " && chown 65534 " .. path))
        _, refused, failed = run_sys({ "me" }, fake, env)
        assert.equals(1, failed)
        assert.matches("belongs to another user", refused)
        assert(os.execute("chown 0 " .. path))
      end
      -- An S2S secret is a secret as a token is.
      f = assert(io.open(path, "w"))
      f:write("[default]\nurl = https://pbx.example.com\napp_id = 42\napp_name = crm\nsecret = s3cr3t-value\n")
      f:close()
      assert(os.execute("chmod 640 " .. path))
      _, refused, failed = run_sys({ "me" }, fake, { XDG_CONFIG_HOME = dir })
      assert.equals(1, failed)
      assert.matches("holds a secret and others can read it", refused)
      assert(os.execute("chmod 600 " .. path))
      _, err, code = run_sys({ "me" }, fake, { XDG_CONFIG_HOME = dir })
      assert.equals(0, code, err)
      assert.same({ url = "https://pbx.example.com", app_id = "42", app_name = "crm", secret = "s3cr3t-value" },
        seen.options)
      -- A url from the file never gets the environment's token.
      f = assert(io.open(path, "w"))
      f:write("[default]\nurl = https://elsewhere.example.com\n")
      f:close()
      assert(os.execute("chmod 644 " .. path))
      _, refused, failed = run_sys({ "me" }, fake, { XDG_CONFIG_HOME = dir, WILDIX_TOKEN = "t0123456789abcdef" })
      assert.equals(1, failed)
      assert.matches("gives account 'default' a url but no token: put the token beside it %(chmod 600%), "
        .. "or set WILDIX_URL with WILDIX_TOKEN", refused)
      os.remove(path)
      os.execute("rm -rf " .. dir)
    end)

    it("should report an output that cannot be written, exit 1", function()
      local stderr = buffer()
      local broken = { write = function() return nil, "Broken pipe" end }
      local code = cli.main({ "me" }, { wildix = module, stdout = broken, stderr = stderr,
        terminal = { stdout = false, stderr = false } })
      assert.equals(1, code)
      assert.equals("wildix: cannot write output: Broken pipe\n", stderr.text)
    end)
  end)
end)
