//! Canary naming and metadata: the rules that make a canary recognisable as one.
//!
//! An agent is a canary of prefix P when its name starts with P **and** its metadata says so
//! (`lettactl.canary: true`, `lettactl.canary.prefix == P`). Name alone is never enough, so a
//! production agent that happens to be called `CANARY-x` is never touched by cleanup. The keys
//! are lettactl's, so canaries made by either tool are seen by both.

use crate::fleet::{name_problem, Problem};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The prefix used when the user does not choose one.
pub const DEFAULT_PREFIX: &str = "CANARY-";

/// Metadata keys, shared with lettactl (`lettactl.*`) or our own (`fleetcanary.*`).
pub mod keys {
    /// `true` on every canary agent.
    pub const CANARY: &str = "lettactl.canary";
    /// The production agent's name.
    pub const PRODUCTION_NAME: &str = "lettactl.canary.productionName";
    /// The prefix the canary was made with.
    pub const PREFIX: &str = "lettactl.canary.prefix";
    /// ISO-8601 UTC creation time.
    pub const CREATED_AT: &str = "lettactl.canary.createdAt";
    /// On canary-only copies of shared blocks and folders: the prefix they belong to.
    pub const COPY_PREFIX: &str = "fleetcanary.copyPrefix";
    /// On shared blocks we create: the label, so the block is found again by identity.
    pub const SHARED_BLOCK: &str = "fleetcanary.sharedBlock";
    /// On folders we fill: file name → content hash, so changed documents are detected.
    pub const FOLDER_FILES: &str = "fleetcanary.files";
    /// On agents: the `reasoning` setting the fleet asked for (the server does not echo it
    /// back for every model, so we remember what we sent to keep re-plans converged).
    pub const REASONING: &str = "fleetcanary.reasoning";
    /// On agents we create: the create request's own marker (run time and name), so that
    /// after an ambiguous failure the agent it made is found again and not created twice.
    pub const CREATE_RUN: &str = "fleetcanary.createRun";
}

/// A validated canary prefix.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Prefix(String);

/// Why a prefix cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrefixError {
    /// Empty prefix: canaries would have production names.
    #[error("the canary prefix must not be empty (canaries would take the production names)")]
    Empty,
    /// Characters the name rule forbids.
    #[error("the canary prefix '{0}' may contain only letters, digits, '_' and '-'")]
    BadChars(String),
    /// Prefix plus an agent name breaks the name rule.
    #[error("canary name '{name}': {problem}")]
    BadName {
        /// The canary name.
        name: String,
        /// What is wrong.
        problem: Problem,
    },
}

impl Prefix {
    /// Validates a prefix.
    pub fn new(p: &str) -> Result<Self, PrefixError> {
        if p.is_empty() {
            return Err(PrefixError::Empty);
        }
        if !p
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(PrefixError::BadChars(p.to_string()));
        }
        Ok(Prefix(p.to_string()))
    }

    /// The prefix text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `prefix + production name`, checked against the name rule.
    pub fn canary_name(&self, production: &str) -> Result<String, PrefixError> {
        let name = format!("{}{}", self.0, production);
        match name_problem(&name) {
            Some(problem) => Err(PrefixError::BadName { name, problem }),
            None => Ok(name),
        }
    }

    /// The production name of a canary name, if it carries this prefix.
    pub fn production_name<'a>(&self, canary: &'a str) -> Option<&'a str> {
        canary.strip_prefix(self.0.as_str())
    }
}

impl TryFrom<String> for Prefix {
    type Error = PrefixError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Prefix::new(&s)
    }
}

impl From<Prefix> for String {
    fn from(p: Prefix) -> String {
        p.0
    }
}

impl std::fmt::Display for Prefix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The metadata a canary agent is created with (in the create request body).
pub fn canary_metadata(
    prefix: &Prefix,
    production_name: &str,
    created_at: &str,
) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert(keys::CANARY.into(), Value::Bool(true));
    m.insert(
        keys::PRODUCTION_NAME.into(),
        Value::String(production_name.into()),
    );
    m.insert(keys::PREFIX.into(), Value::String(prefix.as_str().into()));
    m.insert(keys::CREATED_AT.into(), Value::String(created_at.into()));
    m
}

/// What an agent's metadata says about it being a canary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CanaryMark {
    /// The prefix recorded in metadata.
    pub prefix: String,
    /// The production agent's name.
    pub production_name: String,
    /// When it was created (as recorded).
    pub created_at: Option<String>,
}

/// Reads the canary mark of an agent: `Some` only when the metadata says it is a canary and
/// the name really starts with the recorded prefix.
pub fn canary_mark(name: &str, metadata: &Map<String, Value>) -> Option<CanaryMark> {
    let is_canary = matches!(metadata.get(keys::CANARY), Some(Value::Bool(true)))
        || matches!(metadata.get(keys::CANARY), Some(Value::String(s)) if s == "true");
    if !is_canary {
        return None;
    }
    let prefix = metadata.get(keys::PREFIX)?.as_str()?.to_string();
    if prefix.is_empty() || !name.starts_with(&prefix) {
        return None;
    }
    let production_name = metadata
        .get(keys::PRODUCTION_NAME)
        .and_then(|v| v.as_str())
        .map(str::to_string)
        .unwrap_or_else(|| name[prefix.len()..].to_string());
    Some(CanaryMark {
        prefix,
        production_name,
        created_at: metadata
            .get(keys::CREATED_AT)
            .and_then(|v| v.as_str())
            .map(str::to_string),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_rules() {
        assert_eq!(Prefix::new(""), Err(PrefixError::Empty));
        assert!(matches!(Prefix::new("a b"), Err(PrefixError::BadChars(_))));
        let p = Prefix::new("TEST-").expect("valid");
        assert_eq!(p.canary_name("x").as_deref(), Ok("TEST-x"));
        assert_eq!(p.production_name("TEST-x"), Some("x"));
    }

    #[test]
    fn mark_needs_metadata_and_name() {
        let p = Prefix::new("CANARY-").expect("valid");
        let md = canary_metadata(&p, "x", "2026-01-01T00:00:00Z");
        assert!(canary_mark("CANARY-x", &md).is_some());
        assert!(
            canary_mark("OTHER-x", &md).is_none(),
            "name must start with the prefix"
        );
        assert!(
            canary_mark("CANARY-x", &Map::new()).is_none(),
            "name alone is not enough"
        );
    }
}
