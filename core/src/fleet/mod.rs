//! Fleet files: parse `fleet.yaml` with the files it references, validate every rule, resolve
//! it into a [`Fleet`], and report every problem with its YAML path, line and column.
//!
//! YAML crate: `serde_yaml` as the card asks, through its maintained fork `serde_norway` (the
//! original is archived). It reports line and column for syntax errors; `document` reads the
//! text once through the same parser (libyaml) for the value and the positions of semantic
//! errors, so the bundle carries one YAML parser and a fleet is parsed once.

pub(crate) mod document;
pub mod files;
mod glob;
pub mod integrations;
pub mod locate;
pub mod model;
mod problem;
pub mod suggest;
mod validate;

pub use files::{FileSet, GlobError, PathError};
pub use integrations::{
    McpHttp, McpServerSpec, McpToolSelection, McpToolsSpec, McpTransport, SecretSource, SecretSpec,
};
pub use locate::{path_string, Seg};
pub use model::*;
pub use problem::Problem;
pub use validate::{
    is_server_builtin, name_problem, DEFAULT_TOOLS, RESERVED_NAMES, SERVER_BUILTIN_TOOLS,
    SERVER_DOCUMENT_EXTENSIONS,
};

use serde::Serialize;
use std::collections::BTreeSet;

/// Whether a diagnostic stops the fleet from loading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The fleet cannot be used.
    Error,
    /// The fleet loads; something in it is ignored.
    Warning,
}

/// A problem with its place in the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// What is wrong and how to fix it.
    pub message: String,
    /// YAML path such as `agents[2].memory_blocks[0].limit` (empty for the whole file).
    pub path: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 1-based column, when known.
    pub column: Option<usize>,
    /// Error or warning.
    pub severity: Severity,
    /// The problem as data.
    #[serde(skip)]
    pub problem: Problem,
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, "{l}:{c}: ")?,
            (Some(l), None) => write!(f, "{l}: ")?,
            _ => {}
        }
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        write!(f, "{}", self.message)
    }
}

/// The result of loading a fleet: the fleet when there are no errors, and every diagnostic.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FleetReport {
    /// True when there are no errors (warnings allowed).
    pub ok: bool,
    /// Every error, in file order.
    pub errors: Vec<Diagnostic>,
    /// Every warning.
    pub warnings: Vec<Diagnostic>,
    /// The resolved fleet; `None` when there are errors.
    pub fleet: Option<Fleet>,
    /// The files of the set the fleet reads or matches (normalised paths, as the file set
    /// names them); `None` when the fleet has errors (the walk may have stopped short of a
    /// reference, so the answer would not be sure).
    pub files_used: Option<BTreeSet<String>>,
}

impl FleetReport {
    /// Whether the fleet reads `path` (any spelling of it: `./a.md` is `a.md`), so a file
    /// list can point out the files nothing uses (a misspelt `from_file`, a leftover);
    /// `None` when the report cannot say (the fleet has errors).
    pub fn uses_file(&self, path: &str) -> Option<bool> {
        let used = self.files_used.as_ref()?;
        Some(files::normalize_path(path).is_ok_and(|p| used.contains(&p)))
    }
}

/// Parses, validates and resolves a fleet. Never panics on any input.
pub fn load_fleet(yaml: &str, files: &FileSet) -> FleetReport {
    let (files, bad_paths) = files::normalize_file_set(files);
    // One parser pass gives the value and the position of every node.
    let (mut root, positions) = match document::read(yaml) {
        Ok(d) => (d.value, d.positions),
        Err(e) => {
            let loc = e.location();
            let message = Problem::Syntax(syntax_message(&e)).to_string();
            return FleetReport {
                ok: false,
                errors: vec![Diagnostic {
                    problem: Problem::Syntax(e.to_string()),
                    message,
                    path: String::new(),
                    line: loc.as_ref().map(|l| l.line()),
                    column: loc.as_ref().map(|l| l.column()),
                    severity: Severity::Error,
                }],
                warnings: vec![],
                fleet: None,
                files_used: None,
            };
        }
    };
    if let Err(e) = root.apply_merge() {
        return FleetReport {
            ok: false,
            errors: vec![Diagnostic {
                message: Problem::Syntax(e.to_string()).to_string(),
                problem: Problem::Syntax(e.to_string()),
                path: String::new(),
                line: None,
                column: None,
                severity: Severity::Error,
            }],
            warnings: vec![],
            fleet: None,
            files_used: None,
        };
    }
    let (files, root_error, root_prefix) = validate::rooted(&root, files);
    let mut walker = validate::Walker::new(&files);
    walker.errors.extend(root_error);
    let fleet = walker.fleet(&root);
    let used = std::mem::take(&mut walker.used);
    let diag = |found: validate::Found, severity| {
        // An unknown field is marked at its key (its value may start on the next line).
        let pos = match found.problem {
            Problem::UnknownField { .. } => positions.locate_key(&found.path),
            _ => positions.locate(&found.path),
        };
        Diagnostic {
            message: found.problem.to_string(),
            path: path_string(&found.path),
            line: pos.map(|p| p.0),
            column: pos.map(|p| p.1),
            severity,
            problem: found.problem,
        }
    };
    let mut errors: Vec<Diagnostic> = walker
        .errors
        .into_iter()
        .map(|f| diag(f, Severity::Error))
        .collect();
    let warnings: Vec<Diagnostic> = walker
        .warnings
        .into_iter()
        .map(|f| diag(f, Severity::Warning))
        .collect();
    for (p, e) in bad_paths {
        errors.push(Diagnostic {
            message: format!("file set entry: {e}"),
            problem: Problem::Path(format!("{p}: {e}")),
            path: String::new(),
            line: None,
            column: None,
            severity: Severity::Error,
        });
    }
    errors.sort_by_key(|d| (d.line.unwrap_or(usize::MAX), d.column.unwrap_or(0)));
    let ok = errors.is_empty();
    FleetReport {
        ok,
        errors,
        warnings,
        fleet: if ok { fleet } else { None },
        // A fleet with errors may not have been walked where the error is, so it cannot say
        // which files it would read.
        files_used: ok.then(|| {
            used.into_iter()
                .map(|p| format!("{root_prefix}{p}"))
                .collect()
        }),
    }
}

/// The parser's message without its trailing "at line X column Y" (the position is separate).
fn syntax_message(e: &serde_yaml::Error) -> String {
    let s = e.to_string();
    match s.find(" at line ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}
