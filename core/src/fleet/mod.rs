//! Fleet files: parse `fleet.yaml` with the files it references, validate every rule, resolve
//! it into a [`Fleet`], and report every problem with its YAML path, line and column.
//!
//! YAML crate: `serde_yaml` as the card asks, through its maintained fork `serde_norway` (the
//! original is archived). It reports line and column for syntax errors, and [`locate`] reuses
//! the same parser for the positions of semantic errors, so the bundle carries one YAML parser.

pub mod files;
pub mod locate;
pub mod model;
mod validate;

pub use files::{FileSet, GlobError, PathError};
pub use locate::{path_string, Seg};
pub use model::*;
pub use validate::{name_problem, DEFAULT_TOOLS, RESERVED_NAMES};

use serde::Serialize;

/// Everything that can be wrong with a fleet file. Each message says what is wrong and how to
/// fix it; the path and position travel beside it in [`Diagnostic`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    /// The text is not valid YAML.
    #[error("YAML syntax error: {0}")]
    Syntax(String),
    /// The document is not a map.
    #[error("the fleet must be a YAML map with an 'agents' list, but this is {0}")]
    NotAMap(&'static str),
    /// `agents` is missing or empty.
    #[error("the fleet has no agents; add an 'agents' list with at least one agent")]
    NoAgents,
    /// A map key is not text.
    #[error("keys must be text, found {0}")]
    NonTextKey(String),
    /// A field we do not know.
    #[error("unknown field '{field}'; allowed fields are: {}", allowed.join(", "))]
    UnknownField {
        /// The field as written.
        field: String,
        /// What is allowed at this place.
        allowed: &'static [&'static str],
    },
    /// A lettactl field this tool does not apply (a warning).
    #[error("'{0}' is a lettactl setting that this tool does not apply; it is ignored")]
    NotApplied(String),
    /// A required field is missing.
    #[error("'{0}' is required")]
    Missing(&'static str),
    /// `agent_owned` is missing from a block.
    #[error("'agent_owned' is required: true if the agent owns the value (the YAML never overwrites it), false to sync the YAML value on every apply")]
    AgentOwnedMissing,
    /// A text field is blank.
    #[error("'{0}' must not be empty")]
    Empty(&'static str),
    /// A value of the wrong type.
    #[error("expected {expected}, found {found}")]
    WrongType {
        /// What the format wants here.
        expected: &'static str,
        /// What the file has.
        found: &'static str,
    },
    /// A number outside its range.
    #[error("'{field}' must be a whole number from {min} to {max}")]
    OutOfRange {
        /// The field.
        field: &'static str,
        /// Smallest allowed.
        min: u64,
        /// Largest allowed.
        max: u64,
    },
    /// An agent name that breaks the name rule.
    #[error("name '{0}' may contain only letters, digits, '_' and '-'")]
    BadName(String),
    /// An agent name the server or lettactl reserves.
    #[error("name '{0}' is reserved; choose another agent name")]
    ReservedName(String),
    /// Two agents with one name.
    #[error("agent name '{name}' is already used by agents[{first}]; agent names must be unique")]
    DuplicateAgent {
        /// The name.
        name: String,
        /// Index of the first agent with it.
        first: usize,
    },
    /// Two things of one kind with one name.
    #[error("{what} '{name}' appears twice; names must be unique")]
    Duplicate {
        /// What kind of thing.
        what: &'static str,
        /// The name.
        name: String,
    },
    /// Both `value` and `from_file`.
    #[error("give exactly one of 'value' or 'from_file', not both")]
    BothValueAndFile,
    /// Neither `value` nor `from_file`.
    #[error("give exactly one of 'value' or 'from_file'")]
    NeitherValueNorFile,
    /// A referenced file is not in the file set.
    #[error("file '{0}' is not in the fleet's files; add it or fix the path")]
    FileMissing(String),
    /// A path that cannot be used.
    #[error("{0}")]
    Path(String),
    /// A block value longer than its limit.
    #[error("the value is {len} characters but 'limit' is {limit}; raise 'limit' to at least {len} or shorten the value")]
    OverLimit {
        /// Characters in the value.
        len: usize,
        /// The declared limit.
        limit: u32,
    },
    /// A block label with spaces.
    #[error("block name '{0}' must not contain spaces (it becomes the block's label)")]
    BlockLabel(String),
    /// A model that is not a handle.
    #[error("model '{0}' is not a handle; write provider/model, for example 'openai/gpt-4.1'")]
    ModelHandle(String),
    /// An unknown shared block or folder.
    #[error("{what} '{name}' is not defined at the top level{}", if known.is_empty() { String::new() } else { format!("; defined: {}", known.join(", ")) })]
    UnknownShared {
        /// "shared block" or "shared folder".
        what: &'static str,
        /// The name used.
        name: String,
        /// The names that exist.
        known: Vec<String>,
    },
    /// A shared block whose label an agent block already uses.
    #[error("the agent already has a memory block labelled '{0}'; an agent cannot have two blocks with one label")]
    LabelClash(String),
    /// The same agent folder on two agents.
    #[error("folder '{name}' is also defined on agent '{other}'; move it to the top-level 'shared_folders' and list it under each agent's 'shared_folders'")]
    FolderOnTwoAgents {
        /// Folder name.
        name: String,
        /// The other agent.
        other: String,
    },
    /// An agent folder that has a shared folder's name.
    #[error(
        "folder '{0}' is a shared folder; list it under 'shared_folders' instead of 'folders'"
    )]
    FolderIsShared(String),
    /// Two files of one folder with one file name.
    #[error("'{a}' and '{b}' have the same file name; a folder stores files by name, rename one")]
    SameFileName {
        /// First path.
        a: String,
        /// Second path.
        b: String,
    },
    /// More than one archive.
    #[error("an agent can have at most one archive, found {0}")]
    TooManyArchives(usize),
    /// A tag with a comma.
    #[error("tag '{0}' contains a comma; tags may not contain commas")]
    TagComma(String),
    /// `tools/*` with no tool files.
    #[error("'tools/*' matched no file; add tools/<name>.py files (files starting with '_' are skipped)")]
    NoToolFiles,
    /// A tool with both sources.
    #[error("give exactly one of 'from_file' or 'source_code' for a tool")]
    ToolBothSources,
    /// A custom tool without source.
    #[error("tool '{name}' has no source: add '{default}', or give 'from_file' or 'source_code'")]
    ToolSourceMissing {
        /// Tool name.
        name: String,
        /// The default path looked at.
        default: String,
    },
    /// Source that does not define the tool's function.
    #[error("the source of tool '{0}' must define a function named '{0}' (the server names tools after their Python function)")]
    ToolFunctionName(String),
    /// One tool name with two sources.
    #[error("tool '{name}' has a different source than at {first}; one tool name can have only one source")]
    ToolTwoSources {
        /// Tool name.
        name: String,
        /// Where it was first defined.
        first: String,
    },
}

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
pub struct FleetReport {
    /// True when there are no errors (warnings allowed).
    pub ok: bool,
    /// Every error, in file order.
    pub errors: Vec<Diagnostic>,
    /// Every warning.
    pub warnings: Vec<Diagnostic>,
    /// The resolved fleet; `None` when there are errors.
    pub fleet: Option<Fleet>,
}

/// Positions are looked up for at most this many diagnostics; each costs one re-parse.
const MAX_LOCATED: usize = 400;

/// Parses, validates and resolves a fleet. Never panics on any input.
pub fn load_fleet(yaml: &str, files: &FileSet) -> FleetReport {
    let (files, bad_paths) = files::normalize_file_set(files);
    let mut root: serde_yaml::Value = match serde_yaml::from_str(yaml) {
        Ok(v) => v,
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
        };
    }
    let mut walker = validate::Walker::new(&files);
    let fleet = walker.fleet(&root);
    let mut located = 0;
    let mut diag = |found: validate::Found, severity| {
        let pos = if located < MAX_LOCATED {
            located += 1;
            locate::locate(yaml, &found.path)
        } else {
            None
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
