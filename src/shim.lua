-- wildix: the Lua face of the Rust core, embedded in wildix.so.
-- Accounts and their namespaces, the wildix_* aliases, error objects,
-- lua_read_doc and install. Requests, validation and decoding are Rust's.
-- It is not on any package.path: src/lua.rs runs it with the core table.
local core = ...

local error, getmetatable, ipairs, pairs, rawget, select, setmetatable, tostring, type =
  error, getmetatable, ipairs, pairs, rawget, select, setmetatable, tostring, type
local strlib, table_concat, table_sort = string, table.concat, table.sort

-- Every function, described once (src/catalogue.rs): names, parameters,
-- and the iterator that walks each list.
local CATALOGUE = core.functions()
local FUNCTIONS, ITERATORS, WRITES = {}, {}, {}  -- names; iterator or write name -> true
for _, row in ipairs(CATALOGUE) do
  if row.walks then ITERATORS[row.name] = true else FUNCTIONS[#FUNCTIONS + 1] = row.name end
  if row.kind == "write" then WRITES[row.name] = true end
end
local DOC_TOPICS = { "integrations.wildix", "wildix" }

local M = { version = core.version }
local clients = {}     -- account name -> account handle (Rust)
local configured = {}  -- names passed to configure
local hooks = {}       -- account name -> its before_write
local watchers = {}    -- account name -> its on_request
local namespaces = {}  -- account name -> namespace table
local is_namespace = setmetatable({}, { __mode = "k" })

-- Error objects: tables that still behave like the strings KosmoKrator raised.
local ERROR_MT = { __name = "wildix.Error" }

local _describe = core.describe  -- the text Rust's Display gives

ERROR_MT.__tostring = _describe
ERROR_MT.__concat = function(a, b)
  if getmetatable(a) == ERROR_MT then a = _describe(a) end
  if getmetatable(b) == ERROR_MT then b = _describe(b) end
  return a .. b
end
-- err:find("404"), err:match(...), err:lower() act on tostring(err).
ERROR_MT.__index = function(_, key)
  local method = strlib[key]
  if type(method) == "function" then
    return function(self, ...)
      if getmetatable(self) == ERROR_MT then self = _describe(self) end
      return method(self, ...)
    end
  end
end

local function _raise(object)
  error(setmetatable(object, ERROR_MT), 0)
end

-- A core reply: true, value | false, error object | nil, a Lua error raised
-- while the result was built (out of memory, a failing finalizer), passed on
-- unchanged.
local function _unwrap(ok, value)
  if ok then return value end
  if ok == false then _raise(value) end
  error(value, 0)
end

-- The one rule for account names (configure, accounts(), wildix.NAME,
-- wildix.safe.NAME): core.check_account_name, and not a module field.
local function _check_name(name)
  local bad = core.check_account_name(name)
  if bad then _raise(bad) end
  if rawget(M, name) ~= nil then
    _raise(core.config_error("account name '" .. name .. "' is reserved (it is a wildix function)"))
  end
end

local function _is_account_name(key)
  return type(key) == "string" and rawget(M, key) == nil and not core.check_account_name(key)
end

-- The handle for an account: configured, or built from the environment.
local function _client(name)
  local client = clients[name]
  if client then return client end
  local handle = _unwrap(core.new_client(name, nil))
  clients[name] = handle
  return handle
end

-- wildix:list_calls{} passes the module (or a namespace) as the parameters.
local function _refuse_colon_call(fname, first)
  if is_namespace[first] then
    _raise(core.argument_error(fname .. ": call it with a dot, not a colon (wildix." .. fname .. "{...})"))
  end
end

-- A write (src/write.rs): checked and built by Rust, which refuses it if
-- the account does not allow it; a dry run returns its description; the
-- account's before_write sees that description and may stop it; then Rust
-- sends it, once.
local function _write(account, fname, client, params)
  local write = _unwrap(client:prepare(fname, params))
  local request = _unwrap(write:describe())
  if request.dry_run then return request end
  local hook = hooks[account]
  if hook then
    local ok, verdict, reason = pcall(hook, request)
    if not ok then
      if type(verdict) == "string" and verdict:match("interrupted!$") then error(verdict, 0) end
      _raise(core.refused_error(fname .. ": before_write raised an error, so nothing was sent: " .. tostring(verdict)))
    end
    if verdict == false then
      _raise(core.refused_error(fname .. ": before_write stopped it, so nothing was sent"
        .. (reason ~= nil and (": " .. tostring(reason)) or "")))
    end
  end
  return _unwrap(write:send())
end

-- on_request: the account's requests since the last call, to its hook,
-- one by one; an error the hook raises is ignored.
local function _deliver(account, client)
  local hook = watchers[account]
  if not hook then return end
  for _, event in ipairs(client:requests()) do pcall(hook, event) end
end

local function _call(account, fname, ...)
  local params = ...
  _refuse_colon_call(fname, params)
  if select("#", ...) > 1 then
    _raise(core.argument_error(fname .. ": takes one table of parameters, got " .. select("#", ...) .. " arguments"))
  end
  local client = clients[account]
  if not client then
    local bad = core.validate(fname, params)
    if bad then _raise(bad) end
    client = _client(account)
  end
  if WRITES[fname] then
    local ok, result = pcall(_write, account, fname, client, params)
    _deliver(account, client)
    if not ok then error(result, 0) end
    return result
  end
  local ok, value = client:call(fname, params)
  _deliver(account, client)
  return _unwrap(ok, value)
end

-- Iterators: each_call{...} walks every matching record, one page at a time,
-- fetching the next page only when the loop gets there. Its parameters are
-- its row's; the walk itself (offsets, window, duplicates) is Rust's:
-- src/pager.rs.
-- Whether the generic for closes a to-be-closed fourth value.
local CLOSING_FOR = _VERSION == "Lua 5.4"

local function _each(account, iname, ...)
  local args = ...
  _refuse_colon_call(iname, args)
  -- Checked before the account is looked up: a bad call is an argument
  -- error whether or not the account exists.
  local bad = core.validate(iname, args)
  if bad then _raise(bad) end
  local scan = _unwrap(_client(account):scan(iname, args))
  local records, i = nil, 0
  local function iterator()
    if not (records and i < #records) then
      -- Never an empty list: nil at the end. After an error the scan stays
      -- where it was: the next call asks for the same page again.
      local ok, page = scan:next()
      _deliver(account, clients[account])
      records, i = _unwrap(ok, page), 0
      if records == nil then return nil end
    end
    i = i + 1
    return records[i]
  end
  -- Lua 5.4's generic for closes its fourth value when the loop is left
  -- (as io.lines does its file): the scan then stops what is in flight,
  -- and the iterator yields no more.
  if CLOSING_FOR then
    return iterator, nil, nil, setmetatable({}, { __close = function()
      records, i = nil, 0
      scan:close()
    end })
  end
  return iterator
end

-- The function or iterator named most like `key`: at most two edits
-- away (a letter missed, added, changed), a third of the name at most.
local function _nearest(key)
  local best, best_distance
  local function consider(name)
    if math.abs(#name - #key) > 2 then return end
    -- Levenshtein distance, two rows.
    local previous, current = {}, {}
    for j = 0, #name do previous[j] = j end
    for i = 1, #key do
      current[0] = i
      for j = 1, #name do
        local cost = key:byte(i) == name:byte(j) and 0 or 1
        current[j] = math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
      end
      previous, current = current, previous
    end
    local distance = previous[#name]
    if distance <= 2 and distance * 3 <= #name and (not best or distance < best_distance) then
      best, best_distance = name, distance
    end
  end
  for _, name in ipairs(FUNCTIONS) do consider(name) end
  for name in pairs(ITERATORS) do consider(name) end
  return best
end

local function _no_function(key)
  local near = _nearest(key)
  if near then
    _raise(core.argument_error("no function '" .. key .. "' (did you mean " .. near .. "?)"))
  end
  _raise(core.argument_error("no function '" .. key .. "' (functions: " .. table_concat(FUNCTIONS, ", ")
    .. ", each_call, each_extension, each_user)"))
end

local NAMESPACE_MT = {
  __index = function(_, key)
    if type(key) == "string" and key:sub(1, 1) ~= "_" then _no_function(key) end
  end,
}

local function _namespace(account)
  local ns = namespaces[account]
  if ns then return ns end
  ns = {}
  for _, fname in ipairs(FUNCTIONS) do
    local f = function(...) return _call(account, fname, ...) end
    ns[fname], ns["wildix_" .. fname] = f, f
  end
  for iname in pairs(ITERATORS) do
    ns[iname] = function(...) return _each(account, iname, ...) end
  end
  namespaces[account], is_namespace[ns] = setmetatable(ns, NAMESPACE_MT), true
  return ns
end

-- The module's own functions act on the default account.
for _, fname in ipairs(FUNCTIONS) do
  local f = function(...) return _call("default", fname, ...) end
  M[fname], M["wildix_" .. fname] = f, f
end
for iname in pairs(ITERATORS) do
  M[iname] = function(...) return _each("default", iname, ...) end
end
is_namespace[M] = true

--- Configures an account: configure{...} for "default", configure(name, {...}).
function M.configure(name, options)
  if type(name) == "table" and options == nil then
    name, options = "default", name
  elseif name == nil then
    name = "default"
  end
  _check_name(name)
  -- before_write and on_request are Lua functions: they stay here, the
  -- rest goes to Rust.
  local hook, watcher
  if type(options) == "table" and (options.before_write ~= nil or options.on_request ~= nil) then
    hook, watcher = options.before_write, options.on_request
    for key, f in pairs({ before_write = hook, on_request = watcher }) do
      if type(f) ~= "function" then
        _raise(core.config_error("'" .. key .. "' must be a function, got " .. type(f)))
      end
    end
    local rest = {}
    for k, v in pairs(options) do
      if k ~= "before_write" and k ~= "on_request" then rest[k] = v end
    end
    options = rest
  end
  local handle = _unwrap(core.new_client(name, options))
  clients[name], configured[name], hooks[name], watchers[name] = handle, true, hook, watcher
  if watcher then handle:watch_requests() end
  return _namespace(name)
end

--- Sorted names of the accounts passed to configure (docs/reference.md:
--- accounts read from the environment alone are usable but not listed).
function M.accounts()
  local names = {}
  for name in pairs(configured) do names[#names + 1] = name end
  table_sort(names)
  return names
end

-- docs/reference.md without the markers of the blocks README.md copies
-- and of the parameter tables tools/docs.lua writes: they are for the docs
-- check, not for readers.
local DOC = (core.doc:gsub("<!%-%- /?%l+[^\n]*%-%->\n", ""))

--- The Markdown reference of this module, or one function's topic:
--- "integrations.wildix.list_calls" (also "wildix.list_calls").
function M.lua_read_doc(topic)
  if topic == nil then return DOC end
  for _, known in ipairs(DOC_TOPICS) do
    if topic == known then return DOC end
    if type(topic) == "string" and topic:sub(1, #known + 1) == known .. "." then
      local text = core.topic(topic:sub(#known + 2))
      if text then return text end
    end
  end
  _raise(core.argument_error("lua_read_doc: unknown topic '" .. tostring(topic)
    .. "' (known topics: " .. table_concat(DOC_TOPICS, ", ") .. ", and integrations.wildix.<function> or "
    .. "wildix.<function> for each of: " .. table_concat(core.topic_names, ", ") .. ")"))
end

-- Decoding alone (no request), for benchmarks: wildix._decode("list_calls", body),
-- or with the call's parameters: wildix._decode("list_calls", body, { fields = { ... } }).
function M._decode(fname, body, params)
  return _unwrap(core.decode(fname, body, params))
end

-- For the `wildix` command: { stdin = bool, stdout = bool, stderr = bool, columns = n|nil },
-- whether each stream is a terminal and the terminal's width.
M._terminal = core.terminal
M._add_days = core.add_days
M._width = core.width
M._truncate = core.truncate
M._file_mode = core.file_mode
-- The environment variable of an account's option: `WILDIX_MY_PBX_TOKEN`
-- for ("my-pbx", "token") (src/config.rs, EnvNames: the one rule).
M._env_var = core.env_var
-- nil for a valid account name, else the config error saying why.
M._check_account_name = core.check_account_name
-- A function's parameter table as its topic shows it (tools/docs.lua writes
-- the reference's from it).
M._params_table = core.params_table
-- What a function needs of the credentials (its topic's Credential).
M._credential = core.credential
-- For the specs: seconds on a monotonic clock, sub-second (differences only).
M._clock = core.clock

local function _copy(value)
  if type(value) ~= "table" then return value end
  local out = {}
  for k, v in pairs(value) do out[k] = _copy(v) end
  return out
end

--- The catalogue a host builds tools and permissions from: every function
--- of the module once, sorted by name, as { name, kind, summary, params =
--- { { name, type, required, default, values, description }, ... },
--- returns }. A fresh copy each call: the caller may change it.
function M.functions()
  local list = {}
  for _, row in ipairs(CATALOGUE) do
    list[#list + 1] = { name = row.name, kind = row.kind, summary = row.summary, params = _copy(row.params),
      returns = row.returns }
  end
  table_sort(list, function(a, b) return a.name < b.name end)
  return list
end

--- Makes KosmoKrator scripts run unchanged: tbl.integrations.wildix = wildix.
function M.install(tbl)
  if tbl == nil then
    tbl = rawget(_G, "app") or {}
    _G.app = tbl
  end
  if type(tbl) ~= "table" then
    _raise(core.argument_error("install: expected a table (such as app), got " .. type(tbl)))
  end
  local integrations = tbl.integrations
  if integrations == nil then
    integrations = {}
    tbl.integrations = integrations
  elseif type(integrations) ~= "table" then
    _raise(core.argument_error("install: 'integrations' is a " .. type(integrations) .. ", not a table"))
  end
  integrations.wildix = M
  if rawget(_G, "lua_read_doc") == nil then
    _G.lua_read_doc = M.lua_read_doc
  end
  return tbl
end

-- For `wildix whoami`: an account as configured ({ account, url,
-- credentials (masked), form, writes }).
function M._account(name)
  return _client(name or "default"):describe()
end

M._VERSION = "wildix " .. core.version -- as lua-cjson, LuaSocket and lfs say theirs

-- wildix.dump: results and errors as text a person (or an agent's log)
-- reads. Deterministic (keys sorted: numbers, then strings), bounded
-- (depth, entries per table, string length, total size), cycles marked,
-- control characters escaped.
local DUMP_DEPTH, DUMP_ITEMS, DUMP_STRING, DUMP_BYTES = 8, 200, 500, 65536
local IDENTIFIER = "^[%a_][%w_]*$"

local function _dump_string(s)
  local cut = #s > DUMP_STRING
  if cut then s = s:sub(1, DUMP_STRING) end
  s = s:gsub('[%c"\\]', function(c)
    if c == '"' or c == "\\" then return "\\" .. c end
    if c == "\n" then return "\\n" end
    if c == "\t" then return "\\t" end
    return ("\\%03d"):format(c:byte())
  end)
  return '"' .. s .. (cut and '…"' or '"')
end

local function _dump_order(a, b)
  local ta, tb = type(a), type(b)
  if ta ~= tb then return ta < tb end -- "number" before "string"
  if ta == "number" or ta == "string" then return a < b end
  return tostring(a) < tostring(b)
end

local STOP = {} -- the output is full

function M.dump(value)
  local out, size, seen = {}, 0, {}
  local function put(text)
    size = size + #text
    out[#out + 1] = text
    if size > DUMP_BYTES then error(STOP, 0) end
  end
  local function walk(v, indent, depth)
    local kind = type(v)
    if kind == "string" then
      put(_dump_string(v))
    elseif kind == "number" or kind == "boolean" or kind == "nil" then
      put(tostring(v))
    elseif kind ~= "table" then
      put("<" .. kind .. ">")
    elseif seen[v] then
      put("<cycle>")
    elseif depth >= DUMP_DEPTH then
      put("{…}")
    else
      local keys = {}
      for k in pairs(v) do keys[#keys + 1] = k end
      if #keys == 0 then put("{}") return end
      table_sort(keys, _dump_order)
      seen[v] = true
      put("{\n")
      for i, k in ipairs(keys) do
        if i > DUMP_ITEMS then
          put(indent .. "  -- " .. (#keys - DUMP_ITEMS) .. " more\n")
          break
        end
        local name = type(k) == "string" and k:match(IDENTIFIER) and k
          or "[" .. (type(k) == "string" and _dump_string(k) or tostring(k)) .. "]"
        put(indent .. "  " .. name .. " = ")
        walk(v[k], indent .. "  ", depth + 1)
        put(",\n")
      end
      put(indent .. "}")
      seen[v] = nil
    end
  end
  local ok, err = pcall(walk, value, "", 0)
  if not ok and err ~= STOP then error(err, 0) end
  if not ok then out[#out + 1] = "\n-- cut at " .. DUMP_BYTES .. " bytes" end
  return table_concat(out)
end

-- wildix.safe: the same functions and namespaces, returning nil, err
-- instead of raising (as cjson.safe does).
local function _safely(f)
  return function(...)
    local ok, result = pcall(f, ...)
    if ok then return result end
    return nil, result
  end
end

-- The state a safe iterator gives the generic for, which passes it back on
-- every step: how the iterator knows a loop calls it rather than a script.
local IN_FOR = setmetatable({}, { __tostring = function() return "wildix.safe scan" end })

-- A safe iterator. Called by hand it returns nil, err on failure, as every
-- safe function does (and the next call asks for the same page again). In
-- a generic for, nil would end the loop and hide the error, so there it
-- yields false, err once (`for user, err in ...`: the body sees it), then
-- ends: the loop passes the false back, and nothing else is ever false.
local function _safe_iterator(make)
  return function(...)
    local ok, next_record, _, _, closing = pcall(make, ...)
    if not ok then return nil, next_record end
    local function step(state, control)
      if state == IN_FOR and control == false then return nil end
      local fine, record = pcall(next_record)
      if fine then return record end
      if state == IN_FOR then return false, record end
      return nil, record
    end
    if closing then return step, IN_FOR, nil, closing end
    return step, IN_FOR
  end
end

local safe_namespaces = {}
local function _safe_namespace(account)
  local ns = safe_namespaces[account]
  if ns then return ns end
  ns = {}
  for _, fname in ipairs(FUNCTIONS) do
    local f = _safely(function(...) return _call(account, fname, ...) end)
    ns[fname], ns["wildix_" .. fname] = f, f
  end
  for iname in pairs(ITERATORS) do
    ns[iname] = _safe_iterator(function(...) return _each(account, iname, ...) end)
  end
  safe_namespaces[account] = ns
  return ns
end

local safe = {}
for key, value in pairs(M) do
  if type(value) == "function" and key:sub(1, 1) ~= "_" then
    safe[key] = ITERATORS[key] and _safe_iterator(value) or _safely(value)
  end
end
safe.version, safe._VERSION = M.version, M._VERSION
M.safe = setmetatable(safe, {
  -- wildix.safe.office: an account's safe namespace; an account configured
  -- nowhere gives functions that return nil and the config error.
  __index = function(_, key)
    if not _is_account_name(key) then return nil end
    return _safe_namespace(key)
  end,
})

-- wildix.office, wildix.default: account namespaces, resolved on first use.
-- A name one or two letters off a function's (wildix.get_cal) is that
-- mistake, not an account, unless an account of that name is configured.
return setmetatable(M, {
  __index = function(_, key)
    if not _is_account_name(key) then return nil end
    if not clients[key] and _nearest(key) then
      local ok = pcall(_client, key)
      if not ok then _no_function(key) end
    end
    _client(key)
    return _namespace(key)
  end,
})
