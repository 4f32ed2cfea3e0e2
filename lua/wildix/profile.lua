--- Where the `wildix` command finds an account's settings, and how they
--- become `wildix.configure` options. Each setting comes from, in order: a
--- command-line flag (`--ca-file`, `--timeout`, `--retries`), the account's
--- variable (`WILDIX_OFFICE_TIMEOUT` for --account office), the global one
--- (`WILDIX_TIMEOUT`), then the account's section of the profile file.
--- The PBX and its credentials come from the account's variables when
--- `WILDIX_[NAME_]URL` is set (the module reads them), else from the file.
---
--- The profile file: $WILDIX_CONFIG, else $XDG_CONFIG_HOME/wildix/config,
--- else ~/.config/wildix/config. One `[name]` section per account,
--- `key = value` lines, `#` comments. As ssh asks of its files, the profile
--- must be the user's own (or root's) and written by its owner alone
--- (whoever can write it chooses where the token goes), and one that holds
--- a token, a password or an S2S secret readable by its owner alone
--- (chmod 600). A
--- section's `url` goes with the section's credentials only: a token from
--- the environment is never sent to a url from the file.
local wildix = require("wildix")

local M = {}

-- What a section may hold, and how each value is read.
local KEYS = {
  url = "text", token = "text", username = "text", password = "text", app_id = "text", app_name = "text",
  secret = "text", scope = "text", ca_file = "text",
  user_agent = "text", timeout = "number", connect_timeout = "number", retries = "number",
  max_requests_per_second = "number", concurrency = "number", writes = "text",
}
local CREDENTIALS = { "url", "token", "username", "password", "app_id", "app_name", "secret" }
-- Which writes the account may send goes with its PBX: from the file only
-- with the file's url (the module reads WILDIX_[NAME_]WRITES itself).
local WITH_URL = { writes = true }
-- The values no one else may read: a file holding one must be chmod 600.
local SECRETS = { token = true, password = true, secret = true }
-- Settings a flag or a variable may also give, with the flag's name.
local TUNING = { ca_file = "--ca-file", timeout = "--timeout", retries = "--retries", connect_timeout = false,
  scope = false, user_agent = false, max_requests_per_second = false, concurrency = false }

local function config_error(message)
  error({ kind = "config", message = message }, 0)
end

local function nonempty(value)
  if value ~= nil and value:match("%S") then return value end
end

--- The profile file's path (it need not exist).
function M.path(getenv)
  local explicit = nonempty(getenv("WILDIX_CONFIG"))
  if explicit then return explicit end
  local base = nonempty(getenv("XDG_CONFIG_HOME"))
  if not base then
    local home = nonempty(getenv("HOME"))
    if not home then return nil end
    base = home .. "/.config"
  end
  return base .. "/wildix/config"
end

--- The file's sections, { [name] = { key = value } }, or nil when there is
--- no file. Raises a config error naming the line for anything else.
function M.read(path, file_mode)
  local file = path and io.open(path, "r")
  if not file then return nil end
  local text = file:read("*a") or ""
  file:close()
  local sections, section, secret = {}, nil, nil
  local n = 0
  for line in (text .. "\n"):gmatch("([^\n]*)\n") do
    n = n + 1
    line = line:gsub("\r$", ""):match("^%s*(.-)%s*$")
    if line ~= "" and not line:match("^[#;]") then
      local name = line:match("^%[%s*([%w_%-]+)%s*%]$")
      local key, value = line:match("^([%w_]+)%s*=%s*(.-)$")
      if name then
        section = sections[name] or {}
        sections[name] = section
      elseif not key then
        config_error(("%s:%d: expected [account] or key = value"):format(path, n))
      elseif not KEYS[key] then
        local names = {}
        for k in pairs(KEYS) do names[#names + 1] = k end
        table.sort(names)
        config_error(("%s:%d: unknown key '%s' (keys: %s)"):format(path, n, key, table.concat(names, ", ")))
      elseif not section then
        config_error(("%s:%d: '%s' comes before any [account] section"):format(path, n, key))
      else
        value = value:match('^"(.*)"$') or value
        if KEYS[key] == "number" then
          local number = tonumber(value)
          if not number then config_error(("%s:%d: '%s' must be a number, got '%s'"):format(path, n, key, value)) end
          value = number
        end
        section[key] = value
        if SECRETS[key] then secret = secret or key end
      end
    end
  end
  local mode, owned = file_mode(path)
  if owned == false then
    config_error(("%s belongs to another user: whoever owns it chooses where your token goes; "
      .. "use a profile of your own (WILDIX_CONFIG)"):format(path))
  end
  -- 0o020 and 0o002: the group or others can write it.
  if mode and (math.floor(mode / 16) % 2 == 1 or math.floor(mode / 2) % 2 == 1) then
    config_error(("%s can be written by others (mode %o): whoever writes it chooses where your token goes; "
      .. "run chmod go-w %s"):format(path, mode, path))
  end
  -- mode % 64: the group's and others' bits (0o077)
  if secret and mode and mode % 64 ~= 0 then
    config_error(("%s holds a %s and others can read it (mode %o): run chmod 600 %s"):format(
      path, secret, mode, path))
  end
  return sections
end

--- How the account's variables begin: WILDIX_ for "default", WILDIX_OFFICE_
--- for "office", WILDIX_MY_PBX_ for "my-pbx": the module's own rule
--- (src/config.rs, EnvNames), which reads them.
function M.env_prefix(account)
  return wildix._env_var(account, "")
end

--- The options to configure `account` with (nil when the module's own
--- reading of the environment is all there is), the profile's path, and
--- where each setting comes from ({ url = "environment WILDIX_URL", timeout =
--- "flag --timeout", token = "profile PATH [office]", … }).
--- `flags` holds the command line's (ca_file, timeout, retries; strings).
function M.options(account, flags, getenv, file_mode)
  local path = M.path(getenv)
  local sections = M.read(path, file_mode)
  local section = sections and sections[account] or {}
  local prefix = M.env_prefix(account)
  local in_profile = ("profile %s [%s]"):format(tostring(path), account)
  local options, origins = {}, {}
  if nonempty(getenv(prefix .. "URL")) then
    -- The module reads the account's variables itself.
    for _, key in ipairs(CREDENTIALS) do
      local var = wildix._env_var(account, key)
      if nonempty(getenv(var)) then origins[key] = "environment " .. var end
    end
    for key in pairs(WITH_URL) do
      local var = wildix._env_var(account, key)
      if nonempty(getenv(var)) then origins[key] = "environment " .. var end
    end
  else
    for _, key in ipairs(CREDENTIALS) do options[key] = section[key] end
    for key in pairs(WITH_URL) do options[key] = section[key] end
    for key in pairs(options) do origins[key] = in_profile end
    -- Without credentials beside it, the module would take the
    -- environment's: the file would choose where they go.
    local given = false
    for i = 2, #CREDENTIALS do given = given or section[CREDENTIALS[i]] ~= nil end
    if section.url and not given then
      config_error(("%s gives account '%s' a url but no token: put the token beside it (chmod 600), "
        .. "or set %sURL with %sTOKEN; a token from the environment never goes to a url from the file")
        :format(path, account, prefix, prefix))
    end
  end
  for key, flag in pairs(TUNING) do
    local var = key:upper()
    local value, from = nil, flag
    if flag then value = flags[key] end
    if value == nil then
      value, from = nonempty(getenv(prefix .. var)), "environment " .. prefix .. var
    end
    if value == nil then
      value, from = nonempty(getenv("WILDIX_" .. var)), "environment WILDIX_" .. var
    end
    if value ~= nil and KEYS[key] == "number" then
      local number = tonumber(value)
      if not number then config_error(("%s must be a number, got '%s'"):format(from:gsub("^%a+ ", ""), value)) end
      value = number
    end
    if value == nil then value, from = section[key], in_profile end
    options[key] = value
    if value ~= nil then origins[key] = flag and from == flag and "flag " .. flag or from end
  end
  if next(options) == nil then return nil, path, origins end
  return options, path, origins
end

return M
