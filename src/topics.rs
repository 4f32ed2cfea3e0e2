//! `lua_read_doc("wildix.<function>")`: one function's topic, made from its
//! catalogue row (parameters, returns, the credential it needs, kind) and
//! the example of its section in docs/reference.md, so it cannot disagree
//! with either. Each is short: an agent reads the one it needs, not the
//! whole reference.

use std::fmt::Write as _;

use crate::catalogue::{Access, Function, Needs, Param, FUNCTIONS};

/// The reference, whose sections hold the examples.
const REFERENCE: &str = include_str!("../docs/reference.md");

/// Every function and iterator with a topic, in the catalogue's order.
pub(crate) fn names() -> Vec<&'static str> {
    let mut names = Vec::new();
    for row in &FUNCTIONS {
        names.push(row.name);
        if let Some(walk) = row.walk {
            names.push(walk.name);
        }
    }
    names
}

/// The topic of function or iterator `name`, or `None`.
pub(crate) fn topic(name: &str) -> Option<String> {
    for row in &FUNCTIONS {
        if row.name == name {
            return Some(write(row, name, row.summary, row.params, row.returns));
        }
        if let Some(walk) = row.walk.filter(|w| w.name == name) {
            return Some(write(row, name, walk.summary, walk.params, walk.returns));
        }
    }
    None
}

fn write(row: &Function, name: &str, summary: &str, params: &[Param], returns: &str) -> String {
    let mut out = String::new();
    let kind = match row.access {
        Access::Read => "read",
        Access::Write => "write: off unless the account's `writes` allows it",
    };
    let _ = writeln!(out, "# wildix.{name} ({kind})\n\n{summary}\n");
    out.push_str("## Parameters\n\n");
    out.push_str(&table(params));
    let _ = writeln!(out, "\n## Returns\n\n{returns}\n");
    let example = example(name).unwrap_or_else(|| made_up_example(name, params));
    let _ = writeln!(out, "## Example\n\n```lua\n{}\n```\n", example.trim_end());
    out.push_str("## Errors\n\n");
    out.push_str(
        "- `argument`: a parameter missing, unknown or malformed (checked before anything is sent; the message lists every parameter).\n",
    );
    out.push_str(
        "- `auth` (401/403): the message says what to check for the credential in use (expiry, the scope below, Basic on WMS 5+, the clock for S2S).\n",
    );
    out.push_str("- `not_found` (404): the message says which record or route is missing.\n");
    out.push_str("- `timeout`, `network`, `rate_limited`, `http`, `tls`, `decode`: `retryable` says whether trying again may help.\n");
    if row.access == Access::Write {
        out.push_str(
            "- `refused`: the account's `writes` does not allow it, or `before_write` stopped it; nothing was sent.\n",
        );
        out.push_str("\nSent at most once: never retried. `retryable = true` only when nothing reached the PBX; otherwise the message says whether it may have acted. `dry_run = true` returns the request instead of sending it.\n");
    }
    let _ = writeln!(out, "\n## Credential\n\n{}", credential(row));
    out
}

/// The parameter table of `name` (a function or an iterator), as its topic
/// and its section of docs/reference.md show it (tools/docs.lua writes it
/// there; a spec holds the two to each other).
pub(crate) fn params_table(name: &str) -> Option<String> {
    FUNCTIONS.iter().find_map(|row| {
        if row.name == name {
            return Some(table(row.params));
        }
        row.walk.filter(|w| w.name == name).map(|w| table(w.params))
    })
}

/// `params` as a Markdown table: name, type, required, default, the
/// allowed values after the description.
fn table(params: &[Param]) -> String {
    if params.is_empty() {
        return "None: call it with `{}` or nothing.\n".to_string();
    }
    let mut out =
        String::from("| name | type | required | default | description |\n|---|---|---|---|---|\n");
    for p in params {
        let mut description = p.description.to_string();
        if !p.values.is_empty() {
            let values: Vec<String> = p.values.iter().map(|v| format!("`\"{v}\"`")).collect();
            let _ = write!(description, " ({})", values.join(", "));
        }
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} |",
            p.name,
            p.ty,
            if p.required { "yes" } else { "no" },
            p.default.unwrap_or(""),
            description
        );
    }
    if params.iter().any(|p| p.name == "until") {
        out.push_str("\n`until` is a Lua keyword: write `[\"until\"] = …`.\n");
    }
    out
}

/// What function or iterator `name` needs of the account's credentials
/// (its topic's Credential; `wildix whoami` says it of a refused route).
pub(crate) fn credential_of(name: &str) -> Option<String> {
    FUNCTIONS
        .iter()
        .find(|row| row.name == name || row.walk.is_some_and(|w| w.name == name))
        .map(credential)
}

/// What the function needs of the account's credentials.
fn credential(row: &Function) -> String {
    let (access, all) = match row.access {
        Access::Read => ("read", "pbx:read"),
        Access::Write => ("*", "pbx:*"),
    };
    let key = if row.scopes.is_empty() {
        format!("a company API key only with `{all}` (this route's own scope is not documented)")
    } else {
        let scopes: Vec<String> = row
            .scopes
            .iter()
            .map(|s| format!("`{s}:{access}`"))
            .collect();
        format!(
            "a company API key with {} (or `{all}`)",
            scopes.join(" and ")
        )
    };
    let no_user = "company API keys and S2S apps have no user";
    match row.needs {
        Needs::User => format!(
            "A credential that belongs to a user: a PBX token (`access_…`), an OAuth token, or a username and password; {no_user}."
        ),
        Needs::UserWhenPersonal => format!(
            "With `scope = \"pbx\"` (the default) an admin's: an S2S app, an admin's PBX token or login, or {key}. With `scope = \"personal\"`, a credential that belongs to a user; {no_user}."
        ),
        Needs::Any => format!("An S2S app, a PBX token or login allowed to, or {key}."),
    }
}

/// The first Lua example in the function's section of the reference (the
/// section whose heading names it) that calls it, else the section's first.
fn example(name: &str) -> Option<String> {
    let blocks = examples(name)?;
    let call = format!("{name}(");
    let brace = format!("{name}{{");
    blocks
        .iter()
        .find(|b| b.contains(&call) || b.contains(&brace))
        .or(blocks.first())
        .cloned()
}

/// Every Lua example in the function's section.
fn examples(name: &str) -> Option<Vec<String>> {
    let mut lines = REFERENCE.lines();
    let names_it = |heading: &str| {
        heading
            .trim_start_matches('#')
            .split([',', ' ', '('])
            .any(|word| word == name)
    };
    let level = loop {
        let line = lines.next()?;
        if line.starts_with('#') && names_it(line) {
            break line.chars().take_while(|c| *c == '#').count();
        }
    };
    let mut found = Vec::new();
    let mut block: Option<String> = None;
    for line in lines {
        let heading = line.chars().take_while(|c| *c == '#').count();
        if block.is_none()
            && heading > 0
            && heading <= level
            && line.chars().nth(heading) == Some(' ')
        {
            break;
        }
        match (&mut block, line) {
            (None, "```lua") => block = Some(String::new()),
            (Some(_), "```") => found.extend(block.take()),
            (Some(text), line) => {
                text.push_str(line);
                text.push('\n');
            }
            (None, _) => {}
        }
    }
    Some(found)
}

/// A call with the required parameters, for a function whose section has
/// no example.
fn made_up_example(name: &str, params: &[Param]) -> String {
    let given: Vec<String> = params
        .iter()
        .filter(|p| p.required)
        .map(|p| format!("{} = \"…\"", p.name))
        .collect();
    format!(
        "local result = app.integrations.wildix.{name}({{ {} }})",
        given.join(", ")
    )
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn every_function_has_a_short_topic_with_its_parameters_and_an_example() {
        for name in names() {
            let text = topic(name).expect("a topic");
            assert!(text.len() <= 4096, "{name}: {} bytes", text.len());
            assert!(
                text.contains("## Parameters") && text.contains("```lua"),
                "{name}"
            );
            assert!(text.contains(&format!("wildix.{name}")), "{name}");
        }
        // Every section of the reference has its example: none is made up.
        for name in names() {
            let text = topic(name).expect("a topic");
            let made_up = text.contains("= \"…\"") || text.contains("({  })");
            assert!(!made_up, "{name} has no example in docs/reference.md");
        }
        assert!(topic("no_such_function").is_none());
        let calls = topic("list_calls").unwrap();
        assert!(calls.contains("| `date_from` | string | no |"), "{calls}");
        assert!(calls.contains("date_from = \"2026-01-01\""), "{calls}");
        let write = topic("hangup_call").unwrap();
        assert!(
            write.contains("`refused`") && write.contains("callcontrol:*"),
            "{write}"
        );
        // An iterator's topic shows that iterator, not its section's first.
        assert!(topic("each_user").unwrap().contains("each_user({"));
        assert!(topic("each_extension")
            .unwrap()
            .contains("each_extension()"));
        let me = topic("get_current_user").unwrap();
        assert!(me.contains("belongs to a user"), "{me}");
    }
}
