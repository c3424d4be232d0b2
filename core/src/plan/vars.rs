//! `${VAR}` / `$VAR` references in MCP server definitions, as lettactl expands them: in every
//! string of an `mcp_servers` entry, names of capital letters, digits and `_`, an unset
//! variable expands to the empty string.
//!
//! The core has no environment of its own: the caller hands the values in ([`Vars`]). The
//! command line and native tests pass the process environment; the page asks the user and
//! keeps the answers in memory only. Values never serialise (a [`super::PlanOptions`] written
//! to a plan file or History leaves them out) and never print (`Debug` shows names only).

use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

/// Values for variable references, by name.
#[derive(Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Vars(BTreeMap<String, String>);

impl Vars {
    /// Values from `(name, value)` pairs, e.g. `std::env::vars()`.
    pub fn new(pairs: impl IntoIterator<Item = (String, String)>) -> Vars {
        Vars(pairs.into_iter().collect())
    }

    /// The value of a variable, if set.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// Sets a variable.
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.0.insert(name.into(), value.into());
    }

    /// Names that have a value.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }
}

impl std::fmt::Debug for Vars {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'
}

/// Splits `s` into literal text and variable names, in order (`true` marks a name).
fn pieces(s: &str) -> Vec<(bool, &str)> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(at) = rest.find('$') {
        let after = &rest[at + 1..];
        let (name, consumed) = if let Some(inner) = after.strip_prefix('{') {
            match inner.find('}') {
                Some(end) if end > 0 && inner[..end].chars().all(is_name_char) => {
                    (&inner[..end], end + 2)
                }
                _ => ("", 0),
            }
        } else {
            let end = after.find(|c| !is_name_char(c)).unwrap_or(after.len());
            (&after[..end], end)
        };
        if name.is_empty() {
            out.push((false, &rest[..at + 1]));
            rest = after;
            continue;
        }
        if at > 0 {
            out.push((false, &rest[..at]));
        }
        out.push((true, name));
        rest = &after[consumed..];
    }
    if !rest.is_empty() {
        out.push((false, rest));
    }
    out
}

/// Expands every `${VAR}` and `$VAR` in `s` with `vars`; unset variables become empty.
pub fn expand(s: &str, vars: &Vars) -> String {
    pieces(s)
        .into_iter()
        .map(|(var, text)| {
            if var {
                vars.get(text).unwrap_or("")
            } else {
                text
            }
        })
        .collect()
}

/// The variable names `s` refers to.
pub fn references(s: &str) -> BTreeSet<String> {
    pieces(s)
        .into_iter()
        .filter(|(var, _)| *var)
        .map(|(_, name)| name.to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> Vars {
        Vars::new([
            ("TOKEN".to_string(), "s3cret".to_string()),
            ("HOST".to_string(), "mcp.example.com".to_string()),
        ])
    }

    #[test]
    fn braced_and_bare_references_expand() {
        assert_eq!(expand("Bearer ${TOKEN}", &vars()), "Bearer s3cret");
        assert_eq!(
            expand("https://$HOST/sse", &vars()),
            "https://mcp.example.com/sse"
        );
        assert_eq!(expand("${HOST}${TOKEN}", &vars()), "mcp.example.coms3cret");
    }

    #[test]
    fn unset_is_empty_and_non_names_stay_literal() {
        assert_eq!(expand("a${MISSING}b", &vars()), "ab");
        assert_eq!(expand("$MISSING", &vars()), "");
        // lettactl's pattern is [A-Z0-9_]+: lower case, `$` alone and `${}` are text.
        assert_eq!(expand("$lower ${x} $ ${}", &vars()), "$lower ${x} $ ${}");
        assert_eq!(expand("price: 5$", &vars()), "price: 5$");
        assert_eq!(expand("${TOKEN", &vars()), "${TOKEN");
    }

    #[test]
    fn references_are_listed_and_values_never_print() {
        let r = references("${A} $B_2 ${c} $");
        assert_eq!(r.into_iter().collect::<Vec<_>>(), ["A", "B_2"]);
        assert_eq!(format!("{:?}", vars()), r#"{"HOST", "TOKEN"}"#);
    }
}
