//! Every function of the module, described once, as data: its name, kind,
//! parameters (name, type, whether required, default, allowed values, one
//! line on each), what it returns, the records it holds, the credential it
//! needs, and the iterator that walks it. Everything else reads these rows:
//! parameter checks (`params::validate`), the list keys and record rules
//! (`api::Operation`), the shim's functions, aliases, iterators and
//! `wildix.functions()` (`lua.rs` hands it the rows), and the docs and types
//! checks (`spec/catalogue_spec.lua`). The requests each function makes
//! are `api::plan`'s, by operation.
//!
//! Adding a function: a variant of `api::Operation`, a row here (in the
//! enum's order), its requests in `api::plan`, and its section in
//! docs/reference.md (docs/development.md, "Add a function").

use crate::api::Operation;
use crate::normalize::RecordKind;
use crate::params::{Required, Spec};

/// Whether a function only reads the PBX, or acts on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    Read,
    /// Sent at most once, only when the account allows it (src/write.rs).
    Write,
}

impl Access {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Access::Read => "read",
            Access::Write => "write",
        }
    }
}

/// How a write's parameter is checked (`params::validate`); reads' are
/// checked by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Check {
    /// A number or an extension to dial: digits, a leading `+`, and the
    /// `( ) - . /` and spaces people write (sent without them).
    Dial,
    /// An opaque id (a call's `sipCallId`, a contact id, an extension).
    Id,
    /// DTMF: 1 to 32 of `0-9*#`.
    Digits,
    /// Text of 1 to this many bytes; line breaks and tabs only among
    /// control characters.
    Text(usize),
    /// One of the row's `values`.
    Choice,
    /// `YYYY-MM-DD HH:MM`, UTC.
    Until,
    Bool,
}

/// The credential a function needs beyond any valid one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Needs {
    /// Any credential with the route's scope.
    Any,
    /// One that belongs to a user: a company API key has none.
    User,
    /// A user's, when the account reads the token owner's history
    /// (`scope = "personal"`); any otherwise.
    UserWhenPersonal,
}

/// One parameter.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Param {
    pub name: &'static str,
    /// The Lua type the function takes (numbers also as decimal strings).
    pub ty: &'static str,
    pub required: bool,
    pub default: Option<&'static str>,
    /// The only values it takes, when there is such a list.
    pub values: &'static [&'static str],
    pub description: &'static str,
    /// A write's rule; `None`: a read's, by name.
    pub check: Option<Check>,
}

/// The iterator that walks a list function: its list's parameters but
/// `limit` and `page`, and `page_size` first (the list's `limit`, with the
/// iterator's own default).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Walk {
    pub name: &'static str,
    pub summary: &'static str,
    pub params: &'static [Param],
    pub returns: &'static str,
}

/// One function.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Function {
    pub op: Operation,
    pub name: &'static str,
    pub access: Access,
    pub summary: &'static str,
    /// In the order an unknown-parameter error lists them: the seed's
    /// first, then every other.
    pub params: &'static [Param],
    /// A rule across parameters (`get_extension`: `id` or `extension`).
    pub required: Required,
    pub returns: &'static str,
    /// For lists: the key holding the records in the result table.
    pub list_key: Option<&'static str>,
    /// Which rules its records go through.
    pub record: RecordKind,
    pub needs: Needs,
    /// The resources a company API key's scopes must name for it
    /// (`colleagues` → `colleagues:read`; docs/pbx.md, "Routes and credentials");
    /// empty where only `pbx:read` is known to cover it.
    pub scopes: &'static [&'static str],
    pub walk: Option<Walk>,
}

const fn param(name: &'static str, ty: &'static str, description: &'static str) -> Param {
    Param {
        name,
        ty,
        required: false,
        default: None,
        values: &[],
        description,
        check: None,
    }
}

const LIMIT: Param = Param {
    default: Some("25"),
    ..param("limit", "integer", "records per page, 1–1000")
};
const PAGE: Param = Param {
    default: Some("1"),
    ..param("page", "integer", "page number, from 1")
};
const FIELDS: Param = param(
    "fields",
    "table",
    "build only these fields of each record (and id), e.g. { \"start\", \"status\" }",
);
const SEARCH: Param = param("search", "string", "free text the PBX looks for");
/// Call outcomes, as `status` takes them.
pub(crate) const STATUSES: &[&str] = &["answered", "no_answer", "busy", "failed"];
/// Call-history record types, as `type` takes them.
pub(crate) const CALL_TYPES: &[&str] = &["call", "fax"];

const DATE_FROM: Param = param(
    "date_from",
    "string",
    "calls that started at or after: YYYY-MM-DD[ HH:MM[:SS]] (or with T), the PBX's wall clock",
);
const DATE_TO: Param = param(
    "date_to",
    "string",
    "calls that started at or before; a bare date means the end of that day",
);
const STATUS: Param = Param {
    values: STATUSES,
    ..param("status", "string", "only calls with this outcome")
};
const TYPE: Param = Param {
    values: CALL_TYPES,
    ..param("type", "string", "only this kind of record")
};
const CALL_SEARCH: Param = Param {
    description: "free text the PBX looks for in numbers and names",
    ..SEARCH
};
const CALLS_OF: Param = param(
    "extension",
    "string",
    "one extension's calls, by extension number",
);
const PEOPLE_SEARCH: Param = Param {
    description: "free text the PBX looks for in names, numbers and emails",
    ..SEARCH
};
const fn page_size(default: &'static str) -> Param {
    Param {
        default: Some(default),
        ..param("page_size", "integer", "records per request, 1–1000")
    }
}

const LIST_CALLS: &[Param] = &[
    LIMIT,
    PAGE,
    DATE_FROM,
    DATE_TO,
    STATUS,
    TYPE,
    CALL_SEARCH,
    CALLS_OF,
    FIELDS,
];
/// Which way a call went (`normalize::direction_of`).
pub(crate) const DIRECTIONS: &[&str] = &["inbound", "outbound", "internal", "unknown"];

const EACH_CALL: &[Param] = &[
    page_size("100"),
    DATE_FROM,
    DATE_TO,
    STATUS,
    TYPE,
    CALL_SEARCH,
    CALLS_OF,
    FIELDS,
    Param {
        values: DIRECTIONS,
        ..arg(
            "direction",
            Check::Choice,
            "only calls that went this way (applied to the records the PBX returns)",
        )
    },
    arg(
        "missed",
        Check::Bool,
        "only missed calls (true) or only the others (false): inbound and not answered",
    ),
];
const EACH_PERSON: &[Param] = &[page_size("1000"), PEOPLE_SEARCH, FIELDS];
const LIST: &[Param] = &[LIMIT, PAGE, FIELDS];
const LIST_SEARCH: &[Param] = &[LIMIT, PAGE, PEOPLE_SEARCH, FIELDS];
const LIST_CONTACTS: &[Param] = &[
    LIMIT,
    PAGE,
    Param {
        description: "free text the PBX looks for in names and numbers",
        ..SEARCH
    },
    param("phonebook_id", "string", "one phonebook's contacts"),
    FIELDS,
];
const GET_CALL: &[Param] = &[Param {
    required: true,
    ..param("id", "string", "the call's id")
}];
const GET_EXTENSION: &[Param] = &[
    param(
        "id",
        "string",
        "the colleague's database id (exactly one of id and extension)",
    ),
    param("extension", "string", "the extension number, e.g. \"201\""),
];
const EXTENSION: &[Param] = &[Param {
    required: true,
    ..param("extension", "string", "the extension number, e.g. \"201\"")
}];
const LIST_REGISTRATIONS: &[Param] = &[param(
    "extension",
    "string",
    "one extension's phones (absent: every extension's)",
)];
const LOOKUP_NUMBER: &[Param] = &[Param {
    required: true,
    ..param(
        "number",
        "string",
        "a phone number as people write it (\"+39 02 1234 5678\", \"0039…\")",
    )
}];

const fn read(op: Operation, name: &'static str, summary: &'static str) -> Function {
    Function {
        op,
        name,
        access: Access::Read,
        summary,
        params: &[],
        required: Required::Nothing,
        returns: "",
        list_key: None,
        record: RecordKind::Plain,
        needs: Needs::Any,
        scopes: &[],
        walk: None,
    }
}

/// A write's parameter, checked by `check`.
const fn arg(name: &'static str, check: Check, description: &'static str) -> Param {
    let ty = match check {
        Check::Bool => "boolean",
        _ => "string",
    };
    Param {
        check: Some(check),
        ..param(name, ty, description)
    }
}

const fn required(param: Param) -> Param {
    Param {
        required: true,
        ..param
    }
}

const DRY_RUN: Param = Param {
    default: Some("false"),
    ..arg(
        "dry_run",
        Check::Bool,
        "check and build the request, return it, send nothing",
    )
};
const ACTOR: Param = arg(
    "extension",
    Check::Id,
    "the extension acting (sent as user); required with a company key or an S2S app, which have no user",
);
const CALL_ID: Param = required(arg(
    "call_id",
    Check::Id,
    "the call's sipCallId, from list_active_calls",
));
const DEVICE: Param = arg(
    "device",
    Check::Id,
    "which of the extension's devices (absent: its default)",
);
/// Presence states `set_presence` takes, as the PBX spells them.
pub(crate) const PRESENCE_STATES: &[&str] = &["available", "away", "dnd"];
/// Contact types (the phonebook's; `blacklist` blocks the number).
pub(crate) const CONTACT_TYPES: &[&str] = &["external", "internal", "whitelist", "blacklist"];
/// Longest SMS text, in bytes.
pub(crate) const MAX_SMS_BYTES: usize = 1600;

const MAKE_CALL: &[Param] = &[
    required(arg("to", Check::Dial, "the number or extension to call")),
    ACTOR,
    DEVICE,
    DRY_RUN,
];
const ANSWER_CALL: &[Param] = &[CALL_ID, ACTOR, DEVICE, DRY_RUN];
const CALL_ACTION: &[Param] = &[CALL_ID, ACTOR, DRY_RUN];
const TRANSFER_CALL: &[Param] = &[
    CALL_ID,
    required(arg("to", Check::Dial, "where the call goes")),
    ACTOR,
    Param {
        default: Some("false"),
        ..arg(
            "attended",
            Check::Bool,
            "an attended transfer (the PBX's attendant-transfer) instead of a blind one",
        )
    },
    DRY_RUN,
];
const SEND_DTMF: &[Param] = &[
    CALL_ID,
    required(arg("digits", Check::Digits, "1 to 32 of 0-9 * #")),
    ACTOR,
    DRY_RUN,
];
const SEND_SMS: &[Param] = &[
    required(arg("to", Check::Dial, "the mobile number to text")),
    required(arg(
        "text",
        Check::Text(MAX_SMS_BYTES),
        "the message, 1 to 1600 bytes",
    )),
    arg("from", Check::Dial, "the sender number or extension"),
    DRY_RUN,
];
const SET_PRESENCE: &[Param] = &[
    required(Param {
        values: PRESENCE_STATES,
        ..arg("status", Check::Choice, "the presence state")
    }),
    arg("message", Check::Text(256), "a status text shown with it"),
    arg("until", Check::Until, "when it ends: YYYY-MM-DD HH:MM, UTC"),
    arg(
        "extension",
        Check::Id,
        "whose presence (absent: the credential's own user)",
    ),
    DRY_RUN,
];
const CONTACT_NAME: Param = arg("name", Check::Text(256), "the contact's name");
const CONTACT_FIELDS: [Param; 6] = [
    arg("phone", Check::Dial, "office phone"),
    arg("mobile", Check::Dial, "mobile phone"),
    arg("email", Check::Text(256), "email address"),
    arg("organization", Check::Text(256), "company"),
    Param {
        values: CONTACT_TYPES,
        ..arg(
            "type",
            Check::Choice,
            "the contact's type; blacklist blocks the number",
        )
    },
    DRY_RUN,
];
const CREATE_CONTACT: &[Param] = &[
    required(arg("phonebook_id", Check::Id, "the phonebook it goes in")),
    required(CONTACT_NAME),
    CONTACT_FIELDS[0],
    CONTACT_FIELDS[1],
    CONTACT_FIELDS[2],
    CONTACT_FIELDS[3],
    CONTACT_FIELDS[4],
    CONTACT_FIELDS[5],
];
const UPDATE_CONTACT: &[Param] = &[
    required(arg("id", Check::Id, "the contact's id")),
    arg("phonebook_id", Check::Id, "move it to this phonebook"),
    CONTACT_NAME,
    CONTACT_FIELDS[0],
    CONTACT_FIELDS[1],
    CONTACT_FIELDS[2],
    CONTACT_FIELDS[3],
    CONTACT_FIELDS[4],
    CONTACT_FIELDS[5],
];
const DELETE_CONTACT: &[Param] = &[required(arg("id", Check::Id, "the contact's id")), DRY_RUN];

const fn write(op: Operation, name: &'static str, summary: &'static str) -> Function {
    Function {
        access: Access::Write,
        returns: "{ ok = true }",
        ..read(op, name, summary)
    }
}

const fn call_control(
    op: Operation,
    name: &'static str,
    summary: &'static str,
    params: &'static [Param],
) -> Function {
    Function {
        params,
        scopes: &["callcontrol"],
        ..write(op, name, summary)
    }
}

/// Every function, in `Operation`'s order (`Operation::row` indexes it).
pub(crate) const FUNCTIONS: [Function; 27] = [
    Function {
        params: LIST_CALLS,
        returns: "{ calls, total, page, limit, has_more }: call records, newest first",
        list_key: Some("calls"),
        record: RecordKind::Call,
        needs: Needs::UserWhenPersonal,
        walk: Some(Walk {
            name: "each_call",
            summary: "Walks every call in a date range, each once, a page at a time.",
            params: EACH_CALL,
            returns: "an iterator for a generic for: each call record once, newest first",
        }),
        ..read(
            Operation::ListCalls,
            "list_calls",
            "A page of call history.",
        )
    },
    Function {
        params: GET_CALL,
        required: Required::Id,
        returns: "one call record",
        record: RecordKind::Call,
        needs: Needs::UserWhenPersonal,
        ..read(Operation::GetCall, "get_call", "One call, by id.")
    },
    Function {
        scopes: &["colleagues"],
        params: LIST_SEARCH,
        returns: "{ extensions, total, page, limit, has_more }: extension records",
        list_key: Some("extensions"),
        record: RecordKind::Extension,
        walk: Some(Walk {
            name: "each_extension",
            summary: "Walks every extension, each once, a page at a time.",
            params: EACH_PERSON,
            returns: "an iterator for a generic for: each extension record once",
        }),
        ..read(
            Operation::ListExtensions,
            "list_extensions",
            "A page of extensions (the PBX's colleagues).",
        )
    },
    Function {
        scopes: &["colleagues"],
        params: GET_EXTENSION,
        required: Required::IdOrExtension,
        returns: "one extension record",
        record: RecordKind::Extension,
        ..read(
            Operation::GetExtension,
            "get_extension",
            "One extension, by its number or its colleague id.",
        )
    },
    Function {
        scopes: &["colleagues"],
        params: LIST_SEARCH,
        returns: "{ users, total, page, limit, has_more }: user records",
        list_key: Some("users"),
        record: RecordKind::User,
        walk: Some(Walk {
            name: "each_user",
            summary: "Walks every user, each once, a page at a time.",
            params: EACH_PERSON,
            returns: "an iterator for a generic for: each user record once",
        }),
        ..read(
            Operation::ListUsers,
            "list_users",
            "A page of the PBX's users.",
        )
    },
    Function {
        returns: "one user record: the credential's own user",
        record: RecordKind::User,
        needs: Needs::User,
        ..read(
            Operation::GetCurrentUser,
            "get_current_user",
            "The user the credential belongs to.",
        )
    },
    Function {
        scopes: &["phonebooks"],
        params: LIST_CONTACTS,
        returns: "{ contacts, total, page, limit, has_more }: phonebook contacts",
        list_key: Some("contacts"),
        ..read(
            Operation::ListContacts,
            "list_contacts",
            "A page of phonebook contacts.",
        )
    },
    Function {
        scopes: &["phonebooks"],
        params: LIST,
        returns: "{ phonebooks, total, page, limit, has_more }",
        list_key: Some("phonebooks"),
        ..read(
            Operation::ListPhonebooks,
            "list_phonebooks",
            "A page of phonebooks.",
        )
    },
    Function {
        returns: "{ call_groups, total }: each with name and member_extensions",
        list_key: Some("call_groups"),
        record: RecordKind::CallGroup,
        ..read(
            Operation::ListCallGroups,
            "list_call_groups",
            "Every call group, with its members' extensions.",
        )
    },
    Function {
        params: EXTENSION,
        required: Required::Extension,
        returns: "the PBX's presence fields, plus extension",
        record: RecordKind::Presence,
        ..read(
            Operation::GetPresence,
            "get_presence",
            "One extension's presence: available, away, do not disturb.",
        )
    },
    Function {
        params: LIST,
        returns: "{ devices, total, page, limit, has_more }: each adds extension",
        list_key: Some("devices"),
        record: RecordKind::Device,
        ..read(
            Operation::ListDevices,
            "list_devices",
            "A page of provisioned devices (phones).",
        )
    },
    Function {
        scopes: &["colleagues", "phonebooks"],
        params: LOOKUP_NUMBER,
        required: Required::Number,
        returns: "{ number, matches }: colleagues, then contacts, whose number it is",
        record: RecordKind::Colleague,
        ..read(
            Operation::LookupNumber,
            "lookup_number",
            "Who a phone number belongs to.",
        )
    },
    Function {
        params: LIST_REGISTRATIONS,
        returns: "{ registrations, total }: each with extension, online, contact, user_agent",
        list_key: Some("registrations"),
        record: RecordKind::Registration,
        ..read(
            Operation::ListRegistrations,
            "list_registrations",
            "Which phones are registered (online), per extension.",
        )
    },
    Function {
        scopes: &["callcontrol"],
        params: EXTENSION,
        required: Required::Extension,
        returns: "{ calls, total }: the extension's calls in progress",
        list_key: Some("calls"),
        record: RecordKind::ActiveCall,
        ..read(
            Operation::ListActiveCalls,
            "list_active_calls",
            "An extension's calls in progress (experimental: needs call control).",
        )
    },
    Function {
        returns: "{ ok = true, via = \"call_control\" | \"originate\" }",
        ..call_control(
            Operation::MakeCall,
            "make_call",
            "Places a call: the extension's phone rings, then dials to.",
            MAKE_CALL,
        )
    },
    call_control(
        Operation::AnswerCall,
        "answer_call",
        "Answers a ringing call.",
        ANSWER_CALL,
    ),
    call_control(
        Operation::HangupCall,
        "hangup_call",
        "Hangs up a call.",
        CALL_ACTION,
    ),
    call_control(
        Operation::HoldCall,
        "hold_call",
        "Puts a call on hold.",
        CALL_ACTION,
    ),
    call_control(
        Operation::ResumeCall,
        "resume_call",
        "Takes a call off hold.",
        CALL_ACTION,
    ),
    call_control(
        Operation::TransferCall,
        "transfer_call",
        "Transfers a call to another number or extension.",
        TRANSFER_CALL,
    ),
    call_control(
        Operation::SendDtmf,
        "send_dtmf",
        "Sends touch-tone digits on a call.",
        SEND_DTMF,
    ),
    Function {
        params: SEND_SMS,
        ..write(
            Operation::SendSms,
            "send_sms",
            "Sends a text message (SMS).",
        )
    },
    Function {
        params: SET_PRESENCE,
        ..write(
            Operation::SetPresence,
            "set_presence",
            "Sets a user's presence: available, away or do not disturb.",
        )
    },
    Function {
        params: CREATE_CONTACT,
        returns: "the new contact record, with its id",
        scopes: &["phonebooks"],
        ..write(
            Operation::CreateContact,
            "create_contact",
            "Adds a contact to a phonebook (type blacklist blocks its number).",
        )
    },
    Function {
        params: UPDATE_CONTACT,
        scopes: &["phonebooks"],
        ..write(
            Operation::UpdateContact,
            "update_contact",
            "Changes a contact's fields.",
        )
    },
    Function {
        params: DELETE_CONTACT,
        scopes: &["phonebooks"],
        ..write(
            Operation::DeleteContact,
            "delete_contact",
            "Deletes a contact.",
        )
    },
    Function {
        params: &[
            Param {
                required: true,
                ..param("id", "string", "the call's id")
            },
            required(arg(
                "path",
                Check::Text(4096),
                "the file to write (through path .. \".part\", renamed when whole)",
            )),
        ],
        required: Required::Id,
        returns: "{ path, bytes, content_type }",
        needs: Needs::UserWhenPersonal,
        ..read(
            Operation::DownloadRecording,
            "download_recording",
            "A call's recording, saved to a file (experimental).",
        )
    },
];

/// A function or an iterator, by its Lua name: the list operation it
/// runs, and the parameters it takes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Callable {
    pub op: Operation,
    pub name: &'static str,
    pub spec: Spec,
    /// An iterator: the function walks its list a page at a time.
    pub walks: bool,
}

pub(crate) fn callable(name: &str) -> Option<Callable> {
    FUNCTIONS.iter().find_map(|row| {
        if row.name == name {
            return Some(Callable {
                op: row.op,
                name: row.name,
                spec: row.op.spec(),
                walks: false,
            });
        }
        let walk = row.walk.filter(|walk| walk.name == name)?;
        Some(Callable {
            op: row.op,
            name: walk.name,
            spec: Spec {
                params: walk.params,
                required: Required::Nothing,
            },
            walks: true,
        })
    })
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn rows_are_in_the_operations_order_and_names_are_unique() {
        for (i, row) in FUNCTIONS.iter().enumerate() {
            assert_eq!(row.op as usize, i, "{}", row.name);
            assert_eq!(row.op.row().name, row.name);
            let twins = FUNCTIONS.iter().filter(|r| r.name == row.name).count();
            assert_eq!(twins, 1, "{}", row.name);
            for p in row.params {
                assert!(!p.description.is_empty(), "{}.{}", row.name, p.name);
            }
        }
    }

    #[test]
    fn an_iterator_takes_its_lists_parameters_but_limit_and_page_and_page_size_first() {
        for row in &FUNCTIONS {
            let Some(walk) = row.walk else { continue };
            let list: Vec<&str> = row
                .params
                .iter()
                .map(|p| p.name)
                .filter(|n| *n != "limit" && *n != "page")
                .collect();
            let own: Vec<&str> = walk.params.iter().map(|p| p.name).collect();
            assert_eq!(own[0], "page_size", "{}", walk.name);
            // Then the list's, then filters of its own (a scan's only).
            assert_eq!(own[1..=list.len()], list[..], "{}", walk.name);
            for extra in &own[list.len() + 1..] {
                assert!(
                    matches!(*extra, "direction" | "missed"),
                    "{}: {extra}",
                    walk.name
                );
            }
            assert_eq!(
                callable(walk.name).map(|c| (c.op, c.walks)),
                Some((row.op, true))
            );
        }
        assert!(callable("each_phonebook").is_none());
    }

    #[test]
    fn the_limit_default_is_the_one_params_starts_from() {
        let default = crate::params::DEFAULT_LIMIT.to_string();
        assert_eq!(LIMIT.default, Some(default.as_str()));
    }
}
