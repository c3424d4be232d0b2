//! Secret values in a plan. A plan is shown, printed, downloaded and fingerprinted, so a
//! secret's value must never be part of what it serialises: [`Sensitive`] writes
//! `"(sensitive value)"` and reads back as *absent*. The executor runs the plan computed in
//! memory (after its stale check, with the same fingerprint), which still holds the values; a
//! plan read from a file has none, and a run of it is refused instead of writing blanks.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;

/// What every view shows in place of a secret's value.
pub const SENSITIVE_TEXT: &str = "(sensitive value)";

/// A secret value that never serialises or prints.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Sensitive(Option<String>);

impl Sensitive {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Sensitive {
        Sensitive(Some(value.into()))
    }

    /// The value, when this plan was computed here (not read from a file).
    pub fn reveal(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

impl std::fmt::Debug for Sensitive {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(SENSITIVE_TEXT)
    }
}

impl Serialize for Sensitive {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(SENSITIVE_TEXT)
    }
}

impl<'de> Deserialize<'de> for Sensitive {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Sensitive, D::Error> {
        // Whatever was written, the value is not in it.
        let _ = serde::de::IgnoredAny::deserialize(d)?;
        Ok(Sensitive(None))
    }
}

/// The secrets an agent write sets and removes. The server replaces an agent's secrets whole,
/// so the executor reads the current ones, applies this, and writes the result.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretWrite {
    /// Secrets to set, by name.
    pub set: BTreeMap<String, Sensitive>,
    /// Secret names to remove (prune only; never a name in `preserve_secrets`).
    pub remove: Vec<String>,
}

impl SecretWrite {
    /// Whether it changes nothing.
    pub fn is_empty(&self) -> bool {
        self.set.is_empty() && self.remove.is_empty()
    }

    /// The values to set, or the name of the first one this plan does not hold.
    pub fn values(&self) -> Result<BTreeMap<String, String>, String> {
        self.set
            .iter()
            .map(|(k, v)| match v.reveal() {
                Some(v) => Ok((k.clone(), v.to_string())),
                None => Err(k.clone()),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_never_serialise_or_print() {
        let mut w = SecretWrite::default();
        w.set.insert("API_KEY".into(), Sensitive::new("hunter2"));
        let json = serde_json::to_string(&w).expect("json");
        assert!(!json.contains("hunter2"), "{json}");
        assert!(json.contains("API_KEY") && json.contains(SENSITIVE_TEXT));
        assert!(!format!("{w:?}").contains("hunter2"));
        let back: SecretWrite = serde_json::from_str(&json).expect("back");
        assert_eq!(back.values(), Err("API_KEY".to_string()));
        assert_eq!(
            w.values().map(|v| v["API_KEY"].clone()),
            Ok("hunter2".into())
        );
    }
}
