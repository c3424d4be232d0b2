//! The History of applied fleet versions: which version production runs, what changed between
//! two versions, and the history file a browser exports and imports.
//!
//! Rolling back is applying an earlier version to production, so only versions that were in
//! production are offered for it; a canary deploy was never production's state. A history
//! file moves between browsers and machines, so reading one checks every entry and says which
//! one is wrong and why, instead of replacing a good history with a broken one.

use crate::fleet::FileSet;
use crate::inspect::epoch_seconds;
use crate::plan::Change;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The `format` field of a history file.
pub const FORMAT: &str = "fleet-canary-history";
/// The version of the history file this build writes and reads.
pub const VERSION: u64 = 1;

/// One applied fleet version (never an API key: entries leave the browser in exports).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// When it was applied (ISO-8601).
    pub time: String,
    /// Mode (`canary`, `promote`, `apply`; also `test` and `promote override` records).
    pub mode: String,
    /// Server URL.
    pub server: String,
    /// Canary prefix, for canary deploys.
    pub prefix: Option<String>,
    /// Summary line.
    pub summary: String,
    /// Whether every step succeeded.
    pub ok: bool,
    /// The fleet.
    pub yaml: String,
    /// Its files.
    pub files: FileSet,
    /// Whether phase one (every agent and shared object) succeeded: a promote whose cleanup
    /// then failed still put its version into production. Absent in entries recorded before
    /// it was kept; `ok` stands in for it then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase_one_ok: Option<bool>,
}

impl HistoryEntry {
    /// Whether this run put its fleet version into production: a promote or production apply
    /// whose agents all succeeded.
    pub fn wrote_production(&self) -> bool {
        matches!(self.mode.as_str(), "promote" | "apply") && self.phase_one_ok.unwrap_or(self.ok)
    }
}

/// Where an entry stands with respect to production, as the History view marks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// The newest version written to production on its server: what production runs now
    /// (as far as this history knows).
    InProduction,
    /// A version production ran before: a rollback target.
    WasProduction,
    /// Never production's state (a canary deploy, or a production run that failed).
    NotProduction,
}

impl Standing {
    /// Whether "Roll back to this version" is offered: only for an earlier production
    /// version (the current one is already there; a canary version never was).
    pub fn can_roll_back(self) -> bool {
        self == Standing::WasProduction
    }
}

fn server_key(s: &str) -> String {
    s.trim().trim_end_matches('/').to_ascii_lowercase()
}

/// The standing of each entry of a history kept newest first, per server.
pub fn standings(entries: &[HistoryEntry]) -> Vec<Standing> {
    let mut seen: Vec<String> = Vec::new();
    entries
        .iter()
        .map(|e| {
            if !e.wrote_production() {
                return Standing::NotProduction;
            }
            let key = server_key(&e.server);
            if seen.contains(&key) {
                Standing::WasProduction
            } else {
                seen.push(key);
                Standing::InProduction
            }
        })
        .collect()
}

/// The file History → Export writes.
#[derive(Serialize)]
struct FileOut<'a> {
    format: &'static str,
    version: u64,
    exported: &'a str,
    entries: &'a [HistoryEntry],
}

/// The history as a file (pretty JSON), stamped with the export time.
pub fn export(entries: &[HistoryEntry], exported_at: &str) -> String {
    serde_json::to_string_pretty(&FileOut {
        format: FORMAT,
        version: VERSION,
        exported: exported_at,
        entries,
    })
    .unwrap_or_default()
}

/// Why a file cannot be imported as a history, with what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HistoryFileError {
    /// Not JSON at all.
    #[error("The file is not JSON (line {line}, column {column}: {message}). Choose a file written by History → Export.")]
    NotJson {
        /// Line of the error.
        line: usize,
        /// Column of the error.
        column: usize,
        /// The parser's words.
        message: String,
    },
    /// A plan file, not a history.
    #[error("This is a plan file (fleet-canary-plan), not a history file: open it in the Plan view with \"Load plan file\".")]
    PlanFile,
    /// JSON, but not ours.
    #[error("This JSON is not a Fleet Canary history file (it has no \"format\": \"{FORMAT}\"). Choose a file written by History → Export.")]
    NotHistory,
    /// A version this build cannot read.
    #[error("This history file has version {found}; this app reads version {VERSION}. Export it again with this version of the app.")]
    Version {
        /// The file's version.
        found: String,
    },
    /// `entries` is missing or not a list.
    #[error("The history file has no list of entries (\"entries\": [...]).")]
    NoList,
    /// The list is empty.
    #[error("The history file has no entries: there is nothing to import.")]
    Empty,
    /// One entry is malformed.
    #[error("Entry {number} of the file is not a history entry: {message}. Nothing was imported.")]
    Entry {
        /// 1-based position in the file.
        number: usize,
        /// What is wrong with it.
        message: String,
    },
}

/// Reads a history file, checking every entry; nothing is returned unless all are valid.
pub fn parse_file(text: &str) -> Result<Vec<HistoryEntry>, HistoryFileError> {
    let doc: Value = serde_json::from_str(text).map_err(|e| HistoryFileError::NotJson {
        line: e.line(),
        column: e.column(),
        message: e
            .to_string()
            .split(" at line")
            .next()
            .unwrap_or_default()
            .to_string(),
    })?;
    match doc.get("format").and_then(Value::as_str) {
        Some(FORMAT) => {}
        Some("fleet-canary-plan") => return Err(HistoryFileError::PlanFile),
        _ => return Err(HistoryFileError::NotHistory),
    }
    match doc.get("version") {
        Some(v) if v.as_u64() == Some(VERSION) => {}
        other => {
            return Err(HistoryFileError::Version {
                found: other.map_or_else(|| "(none)".into(), Value::to_string),
            })
        }
    }
    let Some(list) = doc.get("entries").and_then(Value::as_array) else {
        return Err(HistoryFileError::NoList);
    };
    if list.is_empty() {
        return Err(HistoryFileError::Empty);
    }
    list.iter()
        .enumerate()
        .map(|(i, v)| {
            entry(v).map_err(|message| HistoryFileError::Entry {
                number: i + 1,
                message,
            })
        })
        .collect()
}

/// The modes History records: applied versions, test runs and promote overrides.
const MODES: [&str; 5] = ["canary", "promote", "apply", "test", "promote override"];

fn entry(v: &Value) -> Result<HistoryEntry, String> {
    let e: HistoryEntry = serde_json::from_value(v.clone()).map_err(|e| e.to_string())?;
    if !MODES.contains(&e.mode.as_str()) {
        return Err(format!(
            "its mode is \"{}\", but History records {}",
            e.mode,
            MODES.join(", ")
        ));
    }
    if epoch_seconds(&e.time).is_none() {
        return Err(format!("its time \"{}\" is not an ISO-8601 time", e.time));
    }
    if e.yaml.trim().is_empty() {
        return Err("its fleet (yaml) is empty".into());
    }
    Ok(e)
}

/// The history after an import.
#[derive(Debug, Clone, PartialEq)]
pub struct Merged {
    /// Every entry, newest first, at most the history's limit.
    pub entries: Vec<HistoryEntry>,
    /// Entries of the file that were new.
    pub added: usize,
    /// Entries of the file the history had already.
    pub already: usize,
    /// The oldest entries beyond the limit, dropped.
    pub dropped: usize,
}

impl Merged {
    /// What the import did, in a sentence.
    pub fn describe(&self) -> String {
        let mut s = format!("Imported {}", crate::wording::count(self.added, "version"));
        if self.already > 0 {
            s.push_str(&format!(
                "; {} {} in History already",
                self.already,
                crate::wording::pick(self.already, "was", "were")
            ));
        }
        if self.dropped > 0 {
            s.push_str(&format!(
                "; the {} oldest beyond the {} kept were dropped",
                self.dropped,
                self.entries.len()
            ));
        }
        s.push('.');
        s
    }
}

/// Adds imported entries to a history (newest first), skipping ones it has, keeping `max`.
pub fn merge(current: &[HistoryEntry], imported: Vec<HistoryEntry>, max: usize) -> Merged {
    let mut entries = current.to_vec();
    let (mut added, mut already) = (0, 0);
    for e in imported {
        if entries.contains(&e) {
            already += 1;
        } else {
            entries.push(e);
            added += 1;
        }
    }
    // Newest first; ties keep their order (stable sort).
    entries.sort_by_key(|e| std::cmp::Reverse(epoch_seconds(&e.time).unwrap_or(i64::MIN)));
    let dropped = entries.len().saturating_sub(max);
    entries.truncate(max);
    Merged {
        entries,
        added,
        already,
        dropped,
    }
}

fn shown(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(t) => t.to_string(),
        Err(_) => format!("(binary, {} bytes)", bytes.len()),
    }
}

/// What changed from the `older` version to the `newer`: the fleet file, then each file added,
/// removed or changed (binary files by size). Empty when the two are the same fleet.
pub fn compare(older: &HistoryEntry, newer: &HistoryEntry) -> Vec<Change> {
    let mut out = Vec::new();
    if older.yaml != newer.yaml {
        out.push(Change::text("fleet.yaml", &older.yaml, &newer.yaml));
    }
    let mut paths: Vec<&String> = older.files.keys().chain(newer.files.keys()).collect();
    paths.sort();
    paths.dedup();
    for p in paths {
        let (a, b) = (older.files.get(p), newer.files.get(p));
        if a == b {
            continue;
        }
        out.push(match (a, b) {
            (Some(a), Some(b)) => match (std::str::from_utf8(a), std::str::from_utf8(b)) {
                (Ok(a), Ok(b)) => Change::text(p, a, b),
                _ => Change::value(p, Some(shown(a)), Some(shown(b))),
            },
            (a, b) => Change::value(p, a.map(shown), b.map(shown)),
        });
    }
    out
}

#[cfg(test)]
mod tests;
