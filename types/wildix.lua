---@meta wildix
-- Type definitions for LuaLS and EmmyLua: put this file's folder (types/,
-- or the installed rock's, `luarocks show --rock-dir wildix`/types) on the
-- editor's library path. It describes `require("wildix")`; it is not loaded.

---@class wildix.Options
---@field url? string PBX address, https:// (http:// only for loopback hosts); else WILDIX_[NAME_]URL
---@field app_id? string S2S app id (X-APP-ID), with app_name and secret: requests signed with a fresh JWT
---@field app_name? string S2S app name (the JWT's iss)
---@field secret? string S2S app secret: signs each request; never shown
---@field token? string PBX token (access_…), OAuth token or company API key (wsk-v1-…), sent as Bearer
---@field username? string with password: HTTP Basic auth (WMS 5+ may refuse it from outside the PBX)
---@field password? string goes with username; a secret like the token
---@field timeout? number seconds for a whole call, retries and waits included (default 30)
---@field connect_timeout? number seconds to connect (default 10)
---@field retries? integer retries of a failed GET (default 2)
---@field scope? "pbx"|"personal" whose call history list_calls reads (default "pbx")
---@field ca_file? string PEM bundle of a private CA, added to the public roots
---@field user_agent? string User-Agent header (default "wildix-lua/<version>")
---@field max_response_bytes? integer larger answers fail with a decode error (default 64 MiB)
---@field max_requests_per_second? number requests a second at most, for this account in the whole process
---@field concurrency? integer requests a scan keeps in flight, 1–16 (default 4; 1: a page when the loop needs it)
---@field writes? boolean|string[] writes this account may send: true (all) or their names (default none; WILDIX_WRITES)
---@field on_request? fun(event: wildix.RequestEvent) called after every HTTP request the account made
---@field max_download_bytes? integer the largest recording download_recording writes (default 1 GiB)
---@field before_write? fun(request: wildix.WriteRequest): (boolean?, string?) sees a write first; false stops it

---@class wildix.RequestEvent one HTTP request, as on_request sees it (no header, body or secret)
---@field method string
---@field path string
---@field query string
---@field status? integer nil when no answer came
---@field seconds number
---@field attempt integer
---@field bytes integer

---@class wildix.PageParams
---@field limit? integer|string records per page, 1–1000 (default 25; "25" works too)
---@field page? integer|string page number from 1 (default 1; "2" works too)
---@field fields? string[] build only these fields of each record (and id)
---@alias wildix.PageParamsKey "limit"|"page"|"fields"

---@class wildix.SearchPageParams: wildix.PageParams
---@field search? string free text the PBX looks for in names, numbers and emails
---@alias wildix.SearchPageParamsKey "limit"|"page"|"fields"|"search"

---@class wildix.CallParams: wildix.PageParams
---@field date_from? string `YYYY-MM-DD[ HH:MM[:SS]]` (or with `T`), PBX local time
---@field date_to? string same formats; a bare date means the end of that day
---@field status? "answered"|"no_answer"|"busy"|"failed" only calls with this outcome (filtered by the PBX)
---@field type? "call"|"fax" only this kind of record
---@field search? string free text the PBX looks for in numbers and names
---@field extension? string|integer one extension's calls, by extension number
---@alias wildix.CallParamsKey "limit"|"page"|"fields"|"date_from"|"date_to"|"status"|"type"|"search"|"extension"

---@class wildix.IdParams
---@field id string|integer the record's id
---@alias wildix.IdParamsKey "id"

---@class wildix.ExtensionParams
---@field extension? string|integer the extension number (exactly one of extension and id)
---@field id? string|integer the colleague's database id
---@alias wildix.ExtensionParamsKey "extension"|"id"

---@class wildix.ScanParams
---@field page_size? integer|string records per request, 1–1000 (default 100 for calls, 1000 otherwise)
---@field fields? string[] build only these fields of each record (and id)
---@alias wildix.ScanParamsKey "page_size"|"fields"

---@class wildix.SearchScanParams: wildix.ScanParams
---@field search? string free text the PBX looks for in names, numbers and emails
---@alias wildix.SearchScanParamsKey "page_size"|"fields"|"search"

---@class wildix.CallScanParams: wildix.ScanParams
---@field date_from? string
---@field date_to? string
---@field status? "answered"|"no_answer"|"busy"|"failed"
---@field type? "call"|"fax"
---@field search? string
---@field extension? string|integer
---@field direction? "inbound"|"outbound"|"internal"|"unknown" only calls that went this way
---@field missed? boolean only missed calls (true) or the others (false)
---@alias wildix.CallScanParamsKey
---| "page_size"
---| "fields"
---| "date_from"
---| "date_to"
---| "status"
---| "type"
---| "search"
---| "extension"
---| "direction"
---| "missed"

---@class wildix.Call
---@field id string
---@field from? string `from_number`, else `src`
---@field to? string `to_number`, else `dst`
---@field from_name? string
---@field to_name? string
---@field status string "answered"|"no_answer"|"busy"|"failed", another disposition lower-cased, or "unknown"
---@field duration? integer seconds: the PBX's duration, else end − start, else billsec
---@field billsec? integer seconds talked
---@field direction "inbound"|"outbound"|"internal"|"unknown" by which party is an extension (2–6 digits)
---@field missed boolean inbound and not answered
---@field start? string `YYYY-MM-DD HH:MM:SS`
---@field answer? string
---@field end? string (a Lua keyword: read `end_time`, or `call["end"]`)
---@field end_time? string the same as `end`, readable with a dot
---@field timezone? string the UTC offset of the times (`-0400`), when the PBX sends one
---@field start_iso? string RFC 3339 start, when timezone is a UTC offset
---@field answer_iso? string RFC 3339 answer time, likewise
---@field end_iso? string RFC 3339 end time, likewise
---@field disposition? string the PBX's own outcome (ANSWERED, NO ANSWER, BUSY, FAILED, CONGESTION)
---@field src? string the PBX's own fields, kept as sent:
---@field dst? string
---@field from_number? string
---@field to_number? string
---@field channel? string
---@field dstchannel? string
---@field lastapp? string "VoiceMail" on a voicemail row
---@field lastdata? string
---@field userfield? string "VM:/201/INBOX/msg….mp3" on a voicemail row
---@field type? string "call" or "fax"
---@field cost? string|number
---@field faxdata? string
---@field attachments? wildix.Attachments recordings, voicemail, faxes (URLs on the PBX)
---@field pbxid? string
---@field callclass? string
---@field dest_type? string
---@field dcontext? string
---@field organization? string
---@field app? string

---@class wildix.Attachments
---@field recordings? { url: string, time?: string, source?: string, destination?: string }|table[]
---@field vm? { url: string }
---@field faxes? { url: string }|table[]

-- A colleague's own fields, as the PBX sends them (users and extensions).
---@class wildix.Colleague
---@field id string colleague id (what get_extension takes)
---@field name? string
---@field email? string
---@field extension? string the PBX's own field: the extension number
---@field officePhone? string
---@field mobilePhone? string
---@field faxNumber? string
---@field department? string
---@field login? string
---@field language? string
---@field licenseType? string
---@field role? string
---@field dialplan? string
---@field faxDialplan? string
---@field dn? string
---@field groupDn? string
---@field pbxDn? string
---@field jid? string
---@field picture? string
---@field sourceId? string

---@class wildix.Extension: wildix.Colleague
---@field number? string the extension
---@field user_name? string same as name

---@class wildix.User: wildix.Colleague

---@class wildix.CallPage
---@field calls wildix.Call[]
---@field total integer
---@field page integer
---@field limit integer
---@field has_more boolean

---@class wildix.ExtensionPage
---@field extensions wildix.Extension[]
---@field total integer
---@field page integer
---@field limit integer
---@field has_more boolean

---@class wildix.UserPage
---@field users wildix.User[]
---@field total integer
---@field page integer
---@field limit integer
---@field has_more boolean

---@class wildix.ContactParams: wildix.PageParams
---@field search? string free text (name, e-mail, numbers, organization)
---@field phonebook_id? string|integer one phonebook's contacts
---@alias wildix.ContactParamsKey "limit"|"page"|"fields"|"search"|"phonebook_id"

---@class wildix.LookupParams
---@field number string|integer a phone number as people write it, or an extension
---@alias wildix.LookupParamsKey "number"

---@class wildix.Match
---@field source "colleague"|"contact"
---@field id string
---@field name? string
---@field number? string the extension (colleague) or first number (contact)
---@field email? string
---@field [string] any

---@class wildix.Lookup
---@field number string the number asked for
---@field matches wildix.Match[] colleagues first; empty when nobody has it

---@class wildix.Registration
---@field extension string
---@field online boolean
---@field contact? string
---@field user_agent? string
---@field [string] any

---@class wildix.Registrations
---@field registrations wildix.Registration[]
---@field total integer

---@class wildix.ActiveCalls
---@field calls table[] as the PBX sends them (callerNumber, calleeNumber, state, duration, …)
---@field total integer

---@class wildix.ExtensionOnly
---@field extension? string|integer
---@alias wildix.ExtensionOnlyKey "extension"

---@class wildix.DownloadParams
---@field id string|integer the call's id
---@field path string the file to write (through path .. ".part")
---@alias wildix.DownloadParamsKey "id"|"path"

---@class wildix.PresenceParams
---@field extension string|integer
---@alias wildix.PresenceParamsKey "extension"

---@class wildix.Contact
---@field id string
---@field name? string
---@field phone? string
---@field mobile? string
---@field email? string
---@field organization? string
---@field phonebook_id? string
---@field [string] any

---@class wildix.Phonebook
---@field id string
---@field name? string
---@field [string] any

---@class wildix.CallGroup
---@field id string
---@field name? string the group's title
---@field member_extensions string[] members' extension numbers, in order
---@field title? string
---@field members? string[] as the PBX sends them (`201@internalcalls,2`)
---@field [string] any

---@class wildix.Presence
---@field extension string
---@field state string "dnd", "away", … (from show), else "offline", "available" or "unknown"
---@field online? boolean only when the PBX says (its online, else its type)
---@field show? string the PBX's own: "dnd", "away" or ""
---@field status? string the PBX's own (a message text)
---@field message? string
---@field until? string (a Lua keyword: read `until_time`, or `p["until"]`)
---@field until_time? string the same as `until`, readable with a dot
---@field [string] any

---@class wildix.Device
---@field id string
---@field extension? string the phone's user (nil when it has none)
---@field mac? string
---@field model? string
---@field state? string "on" or "off"
---@field [string] any

---@class wildix.ContactPage
---@field contacts wildix.Contact[]
---@field total integer
---@field page integer
---@field limit integer
---@field has_more boolean

---@class wildix.PhonebookPage
---@field phonebooks wildix.Phonebook[]
---@field total integer
---@field page integer
---@field limit integer
---@field has_more boolean

---@class wildix.CallGroups
---@field call_groups wildix.CallGroup[]
---@field total integer

---@class wildix.DevicePage
---@field devices wildix.Device[]
---@field total integer
---@field page integer
---@field limit integer
---@field has_more boolean

---@alias wildix.ErrorKind
---| "argument"
---| "config"
---| "auth"
---| "not_found"
---| "rate_limited"
---| "http"
---| "timeout"
---| "network"
---| "tls"
---| "decode"
---| "refused"
---| "internal"

---@class wildix.Error
---@field kind wildix.ErrorKind
---@field message string one line, names the function and what to fix
---@field status? integer HTTP status, when there was one
---@field retryable boolean
---@field method? string
---@field path? string request path (no query, no token)
---@field attempts? integer
---@field retry_after? number seconds, from Retry-After

---@class wildix.WriteParams
---@field dry_run? boolean check and build the request, return it, send nothing

---@class wildix.CallControlParams: wildix.WriteParams
---@field call_id string the call's sipCallId, from list_active_calls
---@field extension? string the extension acting (sent as user); required with a company key or an S2S app
---@alias wildix.CallControlParamsKey "dry_run"|"call_id"|"extension"

---@class wildix.MakeCallParams: wildix.WriteParams
---@field to string the number or extension to call
---@field extension? string whose phone places the call (sent as user); required with a company key or an S2S app
---@field device? string which of the extension's devices (absent: its default)
---@alias wildix.MakeCallParamsKey "dry_run"|"to"|"extension"|"device"

---@class wildix.AnswerCallParams: wildix.CallControlParams
---@field device? string which of the extension's devices
---@alias wildix.AnswerCallParamsKey "dry_run"|"call_id"|"extension"|"device"

---@class wildix.TransferCallParams: wildix.CallControlParams
---@field to string where the call goes
---@field attended? boolean an attended transfer instead of a blind one (default false)
---@alias wildix.TransferCallParamsKey "dry_run"|"call_id"|"extension"|"to"|"attended"

---@class wildix.DtmfParams: wildix.CallControlParams
---@field digits string 1 to 32 of 0-9 * #
---@alias wildix.DtmfParamsKey "dry_run"|"call_id"|"extension"|"digits"

---@class wildix.SmsParams: wildix.WriteParams
---@field to string the mobile number to text
---@field text string the message, 1 to 1600 bytes
---@field from? string the sender number or extension
---@alias wildix.SmsParamsKey "dry_run"|"to"|"text"|"from"

---@class wildix.SetPresenceParams: wildix.WriteParams
---@field status "available"|"away"|"dnd"
---@field message? string a status text shown with it
---@field until? string when it ends: YYYY-MM-DD HH:MM, UTC
---@field extension? string whose presence (absent: the credential's own user)
---@alias wildix.SetPresenceParamsKey "dry_run"|"status"|"message"|"until"|"extension"

---@class wildix.ContactFields: wildix.WriteParams
---@field phonebook_id? string the phonebook it goes in (required to create)
---@field name? string the contact's name (required to create)
---@field phone? string office phone
---@field mobile? string mobile phone
---@field email? string email address
---@field organization? string company
---@field type? "external"|"internal"|"whitelist"|"blacklist" blacklist blocks the number
---@alias wildix.ContactFieldsKey "dry_run"|"phonebook_id"|"name"|"phone"|"mobile"|"email"|"organization"|"type"

---@class wildix.UpdateContactParams: wildix.ContactFields
---@field id string the contact's id
---@alias wildix.UpdateContactParamsKey
---| "dry_run"
---| "phonebook_id"
---| "name"
---| "phone"
---| "mobile"
---| "email"
---| "organization"
---| "type"
---| "id"

---@class wildix.DeleteContactParams: wildix.WriteParams
---@field id string the contact's id
---@alias wildix.DeleteContactParamsKey "dry_run"|"id"

---@class wildix.Done
---@field ok true
---@field via? "call_control"|"originate" make_call: how the call was placed

---@class wildix.WriteRequest what a dry run returns and before_write sees (no secret)
---@field dry_run? true
---@field account string
---@field function string
---@field method "POST"|"PUT"|"DELETE"
---@field path string
---@field query table<string, string>
---@field body? table
---@field fallback? table make_call: { method, path, body } sent instead on a PBX without call control

---@class wildix.Account
local Account = {}

--- pcall as Lua has it: the error a call raises is whatever value it
--- raised, and wildix raises wildix.Error objects (Lua's own errors stay
--- strings), so `err.kind` after `pcall(wildix.get_call, ...)` checks.
---@generic T, R
---@param f sync fun(...: T...): R...
---@param ... T...
---@return_overload true, R...
---@return_overload false, wildix.Error|string
function pcall(f, ...) end

---@param params? wildix.CallParams & table<wildix.CallParamsKey, any>
---@return wildix.CallPage
function Account.list_calls(params) end

---@param params wildix.IdParams & table<wildix.IdParamsKey, any>
---@return wildix.Call
function Account.get_call(params) end

---@param params? wildix.SearchPageParams & table<wildix.SearchPageParamsKey, any>
---@return wildix.ExtensionPage
function Account.list_extensions(params) end

---@param params wildix.ExtensionParams & table<wildix.ExtensionParamsKey, any>
---@return wildix.Extension
function Account.get_extension(params) end

---@param params? wildix.SearchPageParams & table<wildix.SearchPageParamsKey, any>
---@return wildix.UserPage
function Account.list_users(params) end

---@param params? table
---@return wildix.User
function Account.get_current_user(params) end

---@param params? wildix.ContactParams & table<wildix.ContactParamsKey, any>
---@return wildix.ContactPage
function Account.list_contacts(params) end

---@param params? wildix.PageParams & table<wildix.PageParamsKey, any>
---@return wildix.PhonebookPage
function Account.list_phonebooks(params) end

---@param params? table
---@return wildix.CallGroups
function Account.list_call_groups(params) end

---@param params wildix.PresenceParams & table<wildix.PresenceParamsKey, any>
---@return wildix.Presence
function Account.get_presence(params) end

---@param params? wildix.PageParams & table<wildix.PageParamsKey, any>
---@return wildix.DevicePage
function Account.list_devices(params) end

---@param params wildix.LookupParams & table<wildix.LookupParamsKey, any>
---@return wildix.Lookup
function Account.lookup_number(params) end

---@param params? wildix.ExtensionOnly & table<wildix.ExtensionOnlyKey, any>
---@return wildix.Registrations
function Account.list_registrations(params) end

--- Experimental: a PBX without call control raises not_found.
---@param params wildix.PresenceParams & table<wildix.PresenceParamsKey, any>
---@return wildix.ActiveCalls
function Account.list_active_calls(params) end

--- Lua 5.4's generic for closes it when the loop is left: the scan stops
--- what it has in flight (docs/reference.md).
---@class wildix.ScanClosing

---@param params? wildix.CallScanParams & table<wildix.CallScanParamsKey, any>
---@return fun(): wildix.Call?
---@return nil state
---@return nil control
---@return wildix.ScanClosing? closing Lua 5.4 only
function Account.each_call(params) end

---@param params? wildix.SearchScanParams & table<wildix.SearchScanParamsKey, any>
---@return fun(): wildix.Extension?
---@return nil state
---@return nil control
---@return wildix.ScanClosing? closing Lua 5.4 only
function Account.each_extension(params) end

---@param params? wildix.SearchScanParams & table<wildix.SearchScanParamsKey, any>
---@return fun(): wildix.User?
---@return nil state
---@return nil control
---@return wildix.ScanClosing? closing Lua 5.4 only
function Account.each_user(params) end

Account.wildix_list_calls = Account.list_calls
Account.wildix_get_call = Account.get_call
Account.wildix_list_extensions = Account.list_extensions
Account.wildix_get_extension = Account.get_extension
--- Write: Places a call: the extension's phone rings, then dials `to`; falls back to Originate/Call
--- without call control. Refused unless the account's `writes` allows it; sent at most once.
---@param params wildix.MakeCallParams & table<wildix.MakeCallParamsKey, any>
---@return wildix.Done|wildix.WriteRequest
function Account.make_call(params) end

--- Write: Answers a ringing call. Refused unless the account's `writes` allows it; sent at most
--- once.
---@param params wildix.AnswerCallParams & table<wildix.AnswerCallParamsKey, any>
---@return wildix.Done|wildix.WriteRequest
function Account.answer_call(params) end

--- Write: Hangs up a call. Refused unless the account's `writes` allows it; sent at most once.
---@param params wildix.CallControlParams & table<wildix.CallControlParamsKey, any>
---@return wildix.Done|wildix.WriteRequest
function Account.hangup_call(params) end

--- Write: Puts a call on hold. Refused unless the account's `writes` allows it; sent at most once.
---@param params wildix.CallControlParams & table<wildix.CallControlParamsKey, any>
---@return wildix.Done|wildix.WriteRequest
function Account.hold_call(params) end

--- Write: Takes a call off hold. Refused unless the account's `writes` allows it; sent at most
--- once.
---@param params wildix.CallControlParams & table<wildix.CallControlParamsKey, any>
---@return wildix.Done|wildix.WriteRequest
function Account.resume_call(params) end

--- Write: Transfers a call. Refused unless the account's `writes` allows it; sent at most once.
---@param params wildix.TransferCallParams & table<wildix.TransferCallParamsKey, any>
---@return wildix.Done|wildix.WriteRequest
function Account.transfer_call(params) end

--- Write: Sends touch-tone digits on a call. Refused unless the account's `writes` allows it; sent
--- at most once.
---@param params wildix.DtmfParams & table<wildix.DtmfParamsKey, any>
---@return wildix.Done|wildix.WriteRequest
function Account.send_dtmf(params) end

--- Write: Sends a text message. Refused unless the account's `writes` allows it; sent at most once.
---@param params wildix.SmsParams & table<wildix.SmsParamsKey, any>
---@return wildix.Done|wildix.WriteRequest
function Account.send_sms(params) end

--- Write: Sets a user's presence. Refused unless the account's `writes` allows it; sent at most
--- once.
---@param params wildix.SetPresenceParams & table<wildix.SetPresenceParamsKey, any>
---@return wildix.Done|wildix.WriteRequest
function Account.set_presence(params) end

--- Write: Adds a contact; returns it with its id. Refused unless the account's `writes` allows it;
--- sent at most once.
---@param params wildix.ContactFields & table<wildix.ContactFieldsKey, any>
---@return wildix.Contact|wildix.WriteRequest
function Account.create_contact(params) end

--- Write: Changes a contact's fields. Refused unless the account's `writes` allows it; sent at most
--- once.
---@param params wildix.UpdateContactParams & table<wildix.UpdateContactParamsKey, any>
---@return wildix.Done|wildix.WriteRequest
function Account.update_contact(params) end

--- Write: Deletes a contact. Refused unless the account's `writes` allows it; sent at most once.
---@param params wildix.DeleteContactParams & table<wildix.DeleteContactParamsKey, any>
---@return wildix.Done|wildix.WriteRequest
function Account.delete_contact(params) end

--- Experimental: the call's recording (attachments.recordings), saved to `path`.
---@param params wildix.DownloadParams & table<wildix.DownloadParamsKey, any>
---@return { path: string, bytes: integer, content_type?: string }
function Account.download_recording(params) end

Account.wildix_list_users = Account.list_users
Account.wildix_get_current_user = Account.get_current_user
Account.wildix_list_contacts = Account.list_contacts
Account.wildix_list_phonebooks = Account.list_phonebooks
Account.wildix_list_call_groups = Account.list_call_groups
Account.wildix_get_presence = Account.get_presence
Account.wildix_list_devices = Account.list_devices
Account.wildix_lookup_number = Account.lookup_number
Account.wildix_list_registrations = Account.list_registrations
Account.wildix_list_active_calls = Account.list_active_calls
Account.wildix_download_recording = Account.download_recording
Account.wildix_make_call = Account.make_call
Account.wildix_answer_call = Account.answer_call
Account.wildix_hangup_call = Account.hangup_call
Account.wildix_hold_call = Account.hold_call
Account.wildix_resume_call = Account.resume_call
Account.wildix_transfer_call = Account.transfer_call
Account.wildix_send_dtmf = Account.send_dtmf
Account.wildix_send_sms = Account.send_sms
Account.wildix_set_presence = Account.set_presence
Account.wildix_create_contact = Account.create_contact
Account.wildix_update_contact = Account.update_contact
Account.wildix_delete_contact = Account.delete_contact

-- A safe scan's step: by hand, the next record or nil, err; in a generic
-- for (which passes the state back), a failure is false, err once, then nil.
-- The factory returns the step and that state, or nil and the error.
---@alias wildix.SafeStepCall fun(state?: any, control?: any): (wildix.Call|false)?, wildix.Error?
---@alias wildix.SafeStepExtension fun(state?: any, control?: any): (wildix.Extension|false)?, wildix.Error?
---@alias wildix.SafeStepUser fun(state?: any, control?: any): (wildix.User|false)?, wildix.Error?

-- The safe functions: on success the result (and nil), on failure nil and
-- the error, so `if not page then print(err.kind) end` checks.
---@class wildix.SafeAccount
---@field [string] any
local SafeAccount = {}

---@param params? wildix.CallParams & table<wildix.CallParamsKey, any>
---@return wildix.CallPage? result
---@return wildix.Error? err
---@return_overload wildix.CallPage, nil
---@return_overload nil, wildix.Error
function SafeAccount.list_calls(params) end

---@param params wildix.IdParams & table<wildix.IdParamsKey, any>
---@return wildix.Call? result
---@return wildix.Error? err
---@return_overload wildix.Call, nil
---@return_overload nil, wildix.Error
function SafeAccount.get_call(params) end

---@param params? wildix.PageParams & table<wildix.PageParamsKey, any>
---@return wildix.ExtensionPage? result
---@return wildix.Error? err
---@return_overload wildix.ExtensionPage, nil
---@return_overload nil, wildix.Error
function SafeAccount.list_extensions(params) end

---@param params wildix.ExtensionParams & table<wildix.ExtensionParamsKey, any>
---@return wildix.Extension? result
---@return wildix.Error? err
---@return_overload wildix.Extension, nil
---@return_overload nil, wildix.Error
function SafeAccount.get_extension(params) end

---@param params? wildix.PageParams & table<wildix.PageParamsKey, any>
---@return wildix.UserPage? result
---@return wildix.Error? err
---@return_overload wildix.UserPage, nil
---@return_overload nil, wildix.Error
function SafeAccount.list_users(params) end

---@param params? table
---@return wildix.User? result
---@return wildix.Error? err
---@return_overload wildix.User, nil
---@return_overload nil, wildix.Error
function SafeAccount.get_current_user(params) end

---@param params? wildix.ContactParams & table<wildix.ContactParamsKey, any>
---@return wildix.ContactPage? result
---@return wildix.Error? err
---@return_overload wildix.ContactPage, nil
---@return_overload nil, wildix.Error
function SafeAccount.list_contacts(params) end

---@param params? wildix.PageParams & table<wildix.PageParamsKey, any>
---@return wildix.PhonebookPage? result
---@return wildix.Error? err
---@return_overload wildix.PhonebookPage, nil
---@return_overload nil, wildix.Error
function SafeAccount.list_phonebooks(params) end

---@param params? table
---@return wildix.CallGroups? result
---@return wildix.Error? err
---@return_overload wildix.CallGroups, nil
---@return_overload nil, wildix.Error
function SafeAccount.list_call_groups(params) end

---@param params wildix.PresenceParams & table<wildix.PresenceParamsKey, any>
---@return wildix.Presence? result
---@return wildix.Error? err
---@return_overload wildix.Presence, nil
---@return_overload nil, wildix.Error
function SafeAccount.get_presence(params) end

---@param params? wildix.PageParams & table<wildix.PageParamsKey, any>
---@return wildix.DevicePage? result
---@return wildix.Error? err
---@return_overload wildix.DevicePage, nil
---@return_overload nil, wildix.Error
function SafeAccount.list_devices(params) end

---@param params wildix.LookupParams & table<wildix.LookupParamsKey, any>
---@return wildix.Lookup? result
---@return wildix.Error? err
---@return_overload wildix.Lookup, nil
---@return_overload nil, wildix.Error
function SafeAccount.lookup_number(params) end

---@param params? wildix.ExtensionOnly & table<wildix.ExtensionOnlyKey, any>
---@return wildix.Registrations? result
---@return wildix.Error? err
---@return_overload wildix.Registrations, nil
---@return_overload nil, wildix.Error
function SafeAccount.list_registrations(params) end

---@param params wildix.PresenceParams & table<wildix.PresenceParamsKey, any>
---@return wildix.ActiveCalls? result
---@return wildix.Error? err
---@return_overload wildix.ActiveCalls, nil
---@return_overload nil, wildix.Error
function SafeAccount.list_active_calls(params) end

---@param params wildix.MakeCallParams & table<wildix.MakeCallParamsKey, any>
---@return (wildix.Done|wildix.WriteRequest)? result
---@return wildix.Error? err
function SafeAccount.make_call(params) end

---@param params wildix.AnswerCallParams & table<wildix.AnswerCallParamsKey, any>
---@return (wildix.Done|wildix.WriteRequest)? result
---@return wildix.Error? err
function SafeAccount.answer_call(params) end

---@param params wildix.CallControlParams & table<wildix.CallControlParamsKey, any>
---@return (wildix.Done|wildix.WriteRequest)? result
---@return wildix.Error? err
function SafeAccount.hangup_call(params) end

---@param params wildix.CallControlParams & table<wildix.CallControlParamsKey, any>
---@return (wildix.Done|wildix.WriteRequest)? result
---@return wildix.Error? err
function SafeAccount.hold_call(params) end

---@param params wildix.CallControlParams & table<wildix.CallControlParamsKey, any>
---@return (wildix.Done|wildix.WriteRequest)? result
---@return wildix.Error? err
function SafeAccount.resume_call(params) end

---@param params wildix.TransferCallParams & table<wildix.TransferCallParamsKey, any>
---@return (wildix.Done|wildix.WriteRequest)? result
---@return wildix.Error? err
function SafeAccount.transfer_call(params) end

---@param params wildix.DtmfParams & table<wildix.DtmfParamsKey, any>
---@return (wildix.Done|wildix.WriteRequest)? result
---@return wildix.Error? err
function SafeAccount.send_dtmf(params) end

---@param params wildix.SmsParams & table<wildix.SmsParamsKey, any>
---@return (wildix.Done|wildix.WriteRequest)? result
---@return wildix.Error? err
function SafeAccount.send_sms(params) end

---@param params wildix.SetPresenceParams & table<wildix.SetPresenceParamsKey, any>
---@return (wildix.Done|wildix.WriteRequest)? result
---@return wildix.Error? err
function SafeAccount.set_presence(params) end

---@param params wildix.ContactFields & table<wildix.ContactFieldsKey, any>
---@return (wildix.Contact|wildix.WriteRequest)? result
---@return wildix.Error? err
function SafeAccount.create_contact(params) end

---@param params wildix.UpdateContactParams & table<wildix.UpdateContactParamsKey, any>
---@return (wildix.Done|wildix.WriteRequest)? result
---@return wildix.Error? err
function SafeAccount.update_contact(params) end

---@param params wildix.DeleteContactParams & table<wildix.DeleteContactParamsKey, any>
---@return (wildix.Done|wildix.WriteRequest)? result
---@return wildix.Error? err
function SafeAccount.delete_contact(params) end

---@param params wildix.DownloadParams & table<wildix.DownloadParamsKey, any>
---@return { path: string, bytes: integer, content_type?: string }? result
---@return wildix.Error? err
function SafeAccount.download_recording(params) end

---@param params? wildix.CallScanParams & table<wildix.CallScanParamsKey, any>
---@return wildix.SafeStepCall? result
---@return wildix.Error|any err
---@return_overload wildix.SafeStepCall, any
---@return_overload nil, wildix.Error
function SafeAccount.each_call(params) end

---@param params? wildix.ScanParams & table<wildix.ScanParamsKey, any>
---@return wildix.SafeStepExtension? result
---@return wildix.Error|any err
---@return_overload wildix.SafeStepExtension, any
---@return_overload nil, wildix.Error
function SafeAccount.each_extension(params) end

---@param params? wildix.ScanParams & table<wildix.ScanParamsKey, any>
---@return wildix.SafeStepUser? result
---@return wildix.Error|any err
---@return_overload wildix.SafeStepUser, any
---@return_overload nil, wildix.Error
function SafeAccount.each_user(params) end

---@class wildix.Safe: wildix.SafeAccount
---@field configure fun(name: string|wildix.Options, options?: wildix.Options): wildix.Account?, wildix.Error?
---@field accounts fun(): string[]?, wildix.Error?
---@field functions fun(): wildix.FunctionInfo[]?, wildix.Error?
---@field lua_read_doc fun(topic?: string): string?, wildix.Error?
---@field install fun(tbl?: table): table?, wildix.Error?
---@field version string

---@class wildix: wildix.Account
---@field version string the crate version
---@field _VERSION string "wildix <version>", as lua-cjson and LuaSocket name theirs
---@field _width fun(text: string): integer terminal columns of text (CJK two), as the wildix command counts
---@field safe wildix.Safe every function, returning nil, err instead of raising
---@field default wildix.Account the default account, explicitly
---@field [string] wildix.Account a named account (configured or from WILDIX_<NAME>_URL/_TOKEN)
local wildix = {}

--- Configures an account: `configure{...}` for "default", `configure(name, {...})`.
---@param name string|wildix.Options
---@param options? wildix.Options
---@return wildix.Account
function wildix.configure(name, options) end

--- A readable, bounded, deterministic rendering of a result or an error (keys sorted).
---@param value any
---@return string
function wildix.dump(value) end

--- Sorted names of the accounts passed to configure (not those read from the environment alone).
---@return string[]
function wildix.accounts() end

---@class wildix.ParamInfo
---@field name string
---@field type string "integer", "string", "boolean" or "table"
---@field required boolean
---@field default? any
---@field values? string[] the only values it takes
---@field description string

---@class wildix.FunctionInfo
---@field name string
---@field kind "read"|"write"
---@field summary string
---@field params wildix.ParamInfo[]
---@field returns string

--- Every function of the module, iterators included, sorted by name: the
--- catalogue a host builds tools and permissions from (a fresh copy).
---@return wildix.FunctionInfo[]
function wildix.functions() end

--- The Markdown reference of this module ("integrations.wildix", or no topic).
---@param topic? string
---@return string
function wildix.lua_read_doc(topic) end

--- Sets `tbl.integrations.wildix` (default: the global `app`) and a global
--- `lua_read_doc` if none exists; returns `tbl`.
---@param tbl? table
---@return table
function wildix.install(tbl) end

return wildix
