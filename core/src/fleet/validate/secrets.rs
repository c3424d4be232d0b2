//! Secrets: each agent's `secrets`, the top-level `global-secrets` and `preserve_secrets`.
//!
//! lettactl's rules: names are upper-cased and must then match `^[A-Z_][A-Z0-9_]*$`; an entry
//! is `{value}` (non-empty) or `{from_env}` (non-blank) with an optional boolean
//! `preserve_existing`, which only `from_env` may have.

use super::{kind_of, with, Walker};
use crate::fleet::integrations::{SecretSource, SecretSpec};
use crate::fleet::locate::Seg;
use crate::fleet::Problem;
use serde_yaml::{Mapping, Value};

const SECRET_FIELDS: &[&str] = &["value", "from_env", "preserve_existing"];

/// What an inline secret's warning proposes instead.
const FROM_ENV: &str = "'from_env: NAME' reads it from the environment instead (the page asks for it in a form and keeps it in memory only)";

/// The upper-cased name, if it is a valid secret name.
fn secret_name(raw: &str) -> Option<String> {
    let name = raw.to_uppercase();
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_uppercase() || c == '_');
    (first_ok && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
        .then_some(name)
}

impl Walker<'_> {
    /// A secrets map (`secrets` of an agent, or `global-secrets`), sorted by name.
    pub(super) fn secrets(
        &mut self,
        m: &Mapping,
        path: &[Seg],
        field: &'static str,
    ) -> Vec<SecretSpec> {
        let mut out: Vec<SecretSpec> = Vec::new();
        let Some(v) = m.get(field).filter(|v| !v.is_null()) else {
            return out;
        };
        let fp = with(path, field);
        let Some(map) = self.map(v, &fp, "a map of secret names to {value} or {from_env}") else {
            return out;
        };
        for (k, entry) in map {
            let Some(raw) = k.as_str() else {
                self.err(fp.clone(), Problem::NonTextKey(format!("{k:?}")));
                continue;
            };
            let ep = with(&fp, raw);
            let Some(name) = secret_name(raw) else {
                self.err(ep, Problem::BadSecretName(raw.to_string()));
                continue;
            };
            let Some(source) = self.secret_source(entry, &ep) else {
                continue;
            };
            if out.iter().any(|s| s.name == name) {
                self.err(
                    ep,
                    Problem::Duplicate {
                        what: "secret (names are upper-cased)",
                        name,
                    },
                );
                continue;
            }
            out.push(SecretSpec { name, source });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        out
    }

    fn secret_source(&mut self, v: &Value, path: &[Seg]) -> Option<SecretSource> {
        let m = self.map(v, path, "a secret ({value} or {from_env})")?;
        self.keys(m, path, SECRET_FIELDS, &[]);
        let preserve = self.opt_bool(m, path, "preserve_existing");
        match (m.get("value"), m.get("from_env")) {
            (Some(_), Some(_)) | (None, None) => {
                self.err(path.to_vec(), Problem::SecretSource);
                None
            }
            (Some(v), None) => {
                let vp = with(path, "value");
                if m.contains_key("preserve_existing") {
                    self.err(with(path, "preserve_existing"), Problem::PreserveWithValue);
                }
                match v {
                    Value::String(s) if s.is_empty() => {
                        self.err(vp, Problem::Empty("value"));
                        None
                    }
                    Value::String(s) => {
                        self.warn(vp, Problem::InlineSecret("this secret's value", FROM_ENV));
                        Some(SecretSource::Value(s.clone()))
                    }
                    other => {
                        self.err(
                            vp,
                            Problem::WrongType {
                                expected: "text",
                                found: kind_of(other),
                            },
                        );
                        None
                    }
                }
            }
            (None, Some(e)) => {
                let var = self.text_value(e, &with(path, "from_env"), "from_env", true)?;
                Some(SecretSource::FromEnv {
                    var,
                    preserve_existing: preserve.unwrap_or(false),
                })
            }
        }
    }

    /// `preserve_secrets`: secret names (upper-cased) that pruning keeps.
    pub(super) fn preserve_secrets(&mut self, top: &Mapping) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let Some(v) = top.get("preserve_secrets").filter(|v| !v.is_null()) else {
            return out;
        };
        let p = vec![Seg::from("preserve_secrets")];
        for (i, n) in self.list(v, &p).unwrap_or_default().iter().enumerate() {
            let np = with(&p, i);
            let Some(raw) = self.text_value(n, &np, "preserve_secrets", true) else {
                continue;
            };
            match secret_name(&raw) {
                Some(name) if !out.contains(&name) => out.push(name),
                Some(_) => {}
                None => self.err(np, Problem::BadSecretName(raw)),
            }
        }
        out
    }
}
