//! The plan file: one versioned JSON format for a reviewed plan, shared by the web app
//! ("Download plan" / "Load plan file") and the command line (`fleet-canary plan --out` /
//! `fleet-canary apply --plan`).
//!
//! A plan alone is not enough to apply later: the executor must re-read the server and re-plan
//! to prove nothing changed since the review, and for that it needs the fleet and the options
//! the plan was made from. So the file carries all three, plus where and when it was made:
//!
//! ```json
//! {
//!   "format": "fleet-canary-plan",
//!   "version": 1,
//!   "createdAt": "2026-12-01T09:00:00Z",
//!   "server": "http://127.0.0.1:8283",
//!   "options": { "mode": "canary", "prefix": "CANARY-", ... },
//!   "fleet": { "path": "fleet.yaml", "yaml": "...", "files": { "prompts/support.md": "..." } },
//!   "plan": { ... the Plan value, fingerprint included ... }
//! }
//! ```
//!
//! The fleet travels as its source (the YAML text and the contents of the files it references),
//! not as the resolved [`Fleet`], so that the web app can put it back into its editor and any
//! reader resolves it with the same [`load_fleet`] rules. Pure serde, no I/O: callers read and
//! write the text. `version` changes whenever a change to [`Plan`] or [`PlanOptions`] would make
//! an older reader misread a newer file; readers refuse versions they do not know.

use crate::fleet::{load_fleet, FileSet, Fleet};
use crate::plan::{Plan, PlanOptions};
use serde::{Deserialize, Serialize};

/// The `format` marker of every plan file.
pub const FORMAT: &str = "fleet-canary-plan";
/// The plan file version this build writes and reads.
pub const VERSION: u32 = 1;

/// A fleet as its source: the YAML and every file it references, relative to its folder.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FleetSource {
    /// The fleet file's name as the user knows it (`fleet.yaml`); informational.
    pub path: String,
    /// The fleet file's text.
    pub yaml: String,
    /// Relative path → contents of the files the fleet references.
    pub files: FileSet,
}

/// A reviewed plan with everything needed to apply it later and to prove it is still current.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanFile {
    /// Always [`FORMAT`]; tells a plan file from any other JSON.
    pub format: String,
    /// The format version ([`VERSION`] when written by this build).
    pub version: u32,
    /// When the plan was made, ISO-8601 UTC (the core has no clock; the caller says).
    pub created_at: String,
    /// The Letta server base URL the plan was made against.
    pub server: String,
    /// The options the plan was made with.
    pub options: PlanOptions,
    /// The fleet the plan was made from.
    pub fleet: FleetSource,
    /// The plan as reviewed.
    pub plan: Plan,
}

/// Why a text is not a usable plan file. Each message says what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanFileError {
    /// Not JSON at all.
    #[error("the plan file is not valid JSON (line {line}, column {column}): {message}")]
    Json {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// JSON, but not a plan file.
    #[error("this is not a fleet canary plan file (no \"format\": \"{FORMAT}\"); make one with 'fleet-canary plan --out FILE' or the app's \"Download plan\"")]
    NotAPlanFile,
    /// A version this build does not read.
    #[error("plan file version {found} is not supported (this build reads version {VERSION}); make the plan again with this version")]
    UnsupportedVersion {
        /// The version in the file.
        found: u64,
    },
    /// A plan file whose contents do not have the expected shape.
    #[error("the plan file is damaged or was edited by hand: {0}; make the plan again")]
    Invalid(String),
    /// The embedded fleet does not load.
    #[error("the plan file's fleet has errors: {}", .0.join("; "))]
    Fleet(Vec<String>),
}

/// How a freshly computed plan compares with the reviewed one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// Same work: the reviewed plan may run (as the fresh plan, which holds the secret
    /// values a file never carries).
    Current,
    /// The server (or the fleet) changed since the review: the work differs.
    Stale,
    /// Same fingerprint but different contents: the file's plan was edited after it was made.
    Edited,
}

impl PlanFile {
    /// A plan file for a plan made from `fleet` with `options` against `server` at `created_at`.
    /// The fleet's file set is reduced to the files the fleet references
    /// ([`referenced_files`]), so a whole opened folder does not travel along.
    pub fn new(
        plan: Plan,
        options: PlanOptions,
        fleet: FleetSource,
        server: &str,
        created_at: &str,
    ) -> PlanFile {
        let files = referenced_files(&fleet.yaml, &fleet.files);
        PlanFile {
            format: FORMAT.to_string(),
            version: VERSION,
            created_at: created_at.to_string(),
            server: server.to_string(),
            options,
            fleet: FleetSource { files, ..fleet },
            plan,
        }
    }

    /// The file's text: pretty JSON, so that a plan file reads well in a code review.
    pub fn to_json(&self) -> String {
        // Every field is plain data (strings, numbers, maps with string keys): serialising
        // cannot fail, and an empty text would be refused on reading.
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }

    /// Reads a plan file, checking the format marker and the version before the contents so
    /// that a file from a newer build gets a version message rather than a shape error.
    pub fn from_json(text: &str) -> Result<PlanFile, PlanFileError> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| PlanFileError::Json {
                line: e.line(),
                column: e.column(),
                message: e.to_string(),
            })?;
        if value.get("format").and_then(serde_json::Value::as_str) != Some(FORMAT) {
            return Err(PlanFileError::NotAPlanFile);
        }
        match value.get("version").and_then(serde_json::Value::as_u64) {
            Some(v) if v == u64::from(VERSION) => {}
            Some(found) => return Err(PlanFileError::UnsupportedVersion { found }),
            None => return Err(PlanFileError::Invalid("'version' is missing".into())),
        }
        serde_json::from_value(value).map_err(|e| PlanFileError::Invalid(e.to_string()))
    }

    /// Resolves the embedded fleet with the same rules as any fleet file.
    pub fn load_fleet(&self) -> Result<Fleet, PlanFileError> {
        let report = load_fleet(&self.fleet.yaml, &self.fleet.files);
        match report.fleet {
            Some(f) if report.ok => Ok(f),
            _ => Err(PlanFileError::Fleet(
                report.errors.iter().map(|d| d.to_string()).collect(),
            )),
        }
    }

    /// Compares a plan just computed from this file's fleet and options against the live
    /// server with the reviewed one. Equal fingerprints mean equal work; a file whose plan
    /// differs from the fresh one despite an equal fingerprint was edited and must not run.
    ///
    /// The comparison is of what a plan file can hold, the serialised plans: secret values
    /// never serialise ([`crate::plan::Sensitive`]), so the file's plan has none and the fresh
    /// plan, equal in everything written, is the one to run.
    pub fn freshness(&self, fresh: &Plan) -> Freshness {
        if fresh.fingerprint != self.plan.fingerprint {
            Freshness::Stale
        } else if serde_json::to_value(fresh).ok() != serde_json::to_value(&self.plan).ok() {
            Freshness::Edited
        } else {
            Freshness::Current
        }
    }
}

/// The part of `files` that the fleet in `yaml` references: the files it names (`from_file`,
/// folder entries), the tool sources under `tools/`, and the documents its folders resolved
/// to. The result is checked: it must resolve to exactly the same fleet as the whole set, or
/// the whole set is returned (never a smaller set that changes the fleet).
pub fn referenced_files(yaml: &str, files: &FileSet) -> FileSet {
    let full = load_fleet(yaml, files);
    let Some(fleet) = full.fleet.filter(|_| full.ok) else {
        return files.clone();
    };
    let folder_paths: std::collections::BTreeSet<&str> = fleet
        .agents
        .iter()
        .flat_map(|a| a.folders.iter())
        .chain(fleet.shared_folders.iter())
        .flat_map(|f| f.files.iter().map(|x| x.path.as_str()))
        .collect();
    let subset: FileSet = files
        .iter()
        .filter(|(path, _)| {
            let norm = crate::fleet::files::normalize_path(path).unwrap_or_default();
            let name = norm.rsplit('/').next().unwrap_or_default();
            folder_paths.contains(norm.as_str())
                || (norm.starts_with("tools/") && norm.ends_with(".py"))
                || (!name.is_empty() && yaml.contains(name))
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let check = load_fleet(yaml, &subset);
    if check.ok && check.fleet.as_ref() == Some(&fleet) && check.warnings == full.warnings {
        subset
    } else {
        files.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::LiveState;
    use crate::plan::{plan, Mode};

    const YAML: &str = r#"agents:
  - name: support
    description: Support
    system_prompt:
      from_file: prompts/support.md
    llm_config: {model: openai/gpt-4.1, context_window: 32000}
    embedding: openai/text-embedding-3-small
    tools: [lookup]
    folders:
      - name: kb
        files: ["kb/*"]
"#;

    fn files() -> FileSet {
        let mut f = FileSet::new();
        f.insert("prompts/support.md".into(), "You help.");
        f.insert(
            "tools/lookup.py".into(),
            "def lookup(q: str) -> str:\n    \"\"\"Look up.\"\"\"\n    return q\n",
        );
        f.insert("kb/a.md".into(), "A");
        f.insert("unrelated/notes.txt".into(), "not referenced");
        f
    }

    fn sample() -> PlanFile {
        let report = load_fleet(YAML, &files());
        let fleet = report.fleet.expect("valid fleet");
        let options = PlanOptions {
            mode: Mode::Canary,
            ..PlanOptions::default()
        };
        let p = plan(&fleet, &LiveState::default(), &options).expect("plan");
        PlanFile::new(
            p,
            options,
            FleetSource {
                path: "fleet.yaml".into(),
                yaml: YAML.into(),
                files: files(),
            },
            "http://127.0.0.1:8283",
            "2026-12-01T09:00:00Z",
        )
    }

    #[test]
    fn round_trips_exactly_and_keeps_only_referenced_files() {
        let f = sample();
        assert!(!f.fleet.files.contains_key("unrelated/notes.txt"));
        assert_eq!(f.fleet.files.len(), 3);
        let text = f.to_json();
        assert!(text.contains("\"format\": \"fleet-canary-plan\""), "{text}");
        assert!(text.contains("\"createdAt\""), "{text}");
        let back = PlanFile::from_json(&text).expect("reads back");
        assert_eq!(back, f);
        let fleet = back.load_fleet().expect("fleet loads");
        let again = plan(&fleet, &LiveState::default(), &back.options).expect("plan");
        assert_eq!(back.freshness(&again), Freshness::Current);
    }

    #[test]
    fn stale_and_edited_plans_are_told_apart() {
        let f = sample();
        let mut other = f.plan.clone();
        other.fingerprint = "0000000000000000".into();
        assert_eq!(f.freshness(&other), Freshness::Stale);
        let mut edited = f.plan.clone();
        edited.blockers.push("tampered".into());
        assert_eq!(f.freshness(&edited), Freshness::Edited);
    }

    #[test]
    fn refuses_other_json_other_versions_and_damage() {
        assert!(matches!(
            PlanFile::from_json("{not json"),
            Err(PlanFileError::Json { line: 1, .. })
        ));
        assert_eq!(
            PlanFile::from_json("{\"mode\":\"canary\"}"),
            Err(PlanFileError::NotAPlanFile)
        );
        let mut v: serde_json::Value = serde_json::from_str(&sample().to_json()).expect("json");
        v["version"] = 2.into();
        assert_eq!(
            PlanFile::from_json(&v.to_string()),
            Err(PlanFileError::UnsupportedVersion { found: 2 })
        );
        v["version"] = 1.into();
        v["plan"] = serde_json::json!({"agents": "nope"});
        assert!(matches!(
            PlanFile::from_json(&v.to_string()),
            Err(PlanFileError::Invalid(_))
        ));
    }

    #[test]
    fn a_broken_embedded_fleet_is_reported() {
        let mut f = sample();
        f.fleet.files.remove("prompts/support.md");
        match f.load_fleet() {
            Err(PlanFileError::Fleet(errors)) => {
                assert!(
                    errors.iter().any(|e| e.contains("prompts/support.md")),
                    "{errors:?}"
                )
            }
            other => panic!("expected a fleet error, got {other:?}"),
        }
    }
}
