//! The test file: a suite of cases, parsed from YAML with every error located like a fleet
//! error (YAML path, line and column).
//!
//! The shape borrows from letta-evals where it fits: `name`, `description`, `dataset` (a JSONL
//! file of `{"input", "ground_truth"}` samples, see [`super::dataset`]), `max_samples`,
//! `max_concurrent`, and `input` as a string or a list of turns. letta-evals grades with named
//! functions (`contains`, `exact_match`, `regex_match`); our checks are declared per case
//! because a canary test compares two agents, which letta-evals does not:
//!
//! ```yaml
//! name: support-smoke
//! agents: [support-agent]          # production names; every fleet agent when absent
//! dataset: tests/faq.jsonl         # optional letta-evals dataset in the fleet's files
//! dataset_check: contains          # contains | exact_match | regex_match
//! cases:
//!   - name: greets
//!     input: ["Hello", "How are you?"]
//!     checks:
//!       - contains: Echo           # case-insensitive, like letta-evals
//!       - not_contains: sorry
//!       - regex: "^Echo: "
//!       - exact: "Echo: How are you?"
//!       - tool_called: {name: memory_insert, arguments: {label: persona}}
//!       - same_as_production: true   # or differs_from_production: true
//!       - max_latency_ms: 5000
//!       - contains: Hello
//!         turn: 1                  # text checks read the last turn unless told
//! ```

use super::checks::Check;
use super::walk::{top, Walk};
use crate::fleet::locate::{path_string, Positions};
use crate::fleet::{FileSet, Fleet};
use serde::{Deserialize, Serialize};
use serde_yaml::Value;

/// Everything that can be wrong with a test file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SuiteProblem {
    /// Not YAML.
    #[error("YAML syntax error: {0}")]
    Syntax(String),
    /// A node of the wrong type.
    #[error("expected {expected}, found {found}")]
    WrongType {
        /// What is wanted.
        expected: &'static str,
        /// What is there.
        found: &'static str,
    },
    /// A field we do not know.
    #[error("unknown field '{field}'; allowed fields are: {}", allowed.join(", "))]
    UnknownField {
        /// As written.
        field: String,
        /// What is allowed here.
        allowed: &'static [&'static str],
    },
    /// A required field is missing.
    #[error("'{0}' is required")]
    Missing(&'static str),
    /// Blank text.
    #[error("'{0}' must not be empty")]
    Empty(&'static str),
    /// No cases and no dataset.
    #[error("the suite has no cases; add a 'cases' list or a 'dataset' file")]
    NoCases,
    /// Two cases with one name.
    #[error("case name '{0}' is used twice; case names must be unique")]
    DuplicateCase(String),
    /// A target that is not a fleet agent.
    #[error("agent '{name}' is not in the fleet; agents are production names: {}", known.join(", "))]
    UnknownAgent {
        /// As written.
        name: String,
        /// The fleet's agent names.
        known: Vec<String>,
    },
    /// A check name we do not know.
    #[error("unknown check '{0}'; checks are: {names}", names = Check::NAMES.join(", "))]
    UnknownCheck(String),
    /// A check map with no or several check keys.
    #[error("a check is a map with exactly one of: {} (plus an optional 'turn')", Check::NAMES.join(", "))]
    CheckShape,
    /// A regex that does not compile.
    #[error("the regex '{pattern}' does not compile: {error}")]
    BadRegex {
        /// The pattern.
        pattern: String,
        /// What the regex engine said.
        error: String,
    },
    /// A flag check that is not `true`.
    #[error("'{0}' takes the value true (remove the check to turn it off)")]
    FlagNotTrue(&'static str),
    /// A turn number outside the case's turns.
    #[error("turn {turn} does not exist; this case has {}, numbered from 1", crate::wording::count(*.turns, "turn"))]
    BadTurn {
        /// As written.
        turn: u64,
        /// Turns of the case.
        turns: usize,
    },
    /// The dataset file is not in the fleet's files.
    #[error("dataset file '{0}' is not in the fleet's files; add it or fix the path")]
    DatasetMissing(String),
    /// An unknown `dataset_check`.
    #[error("unknown dataset_check '{0}'; use contains, exact_match or regex_match (the letta-evals grader names)")]
    BadDatasetCheck(String),
    /// A bad line of the dataset.
    #[error("{0}")]
    Dataset(String),
    /// A number out of range.
    #[error("'{field}' must be a whole number from {min} to {max}")]
    OutOfRange {
        /// Field.
        field: &'static str,
        /// Smallest allowed.
        min: u64,
        /// Largest allowed.
        max: u64,
    },
}

/// A problem with its file and place, shown like a fleet [`crate::fleet::Diagnostic`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SuiteDiagnostic {
    /// What is wrong and how to fix it.
    pub message: String,
    /// The file it is in (the suite, or its dataset).
    pub file: String,
    /// YAML path such as `cases[2].checks[0].regex` (empty for the whole file or a JSONL line).
    pub path: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 1-based column, when known.
    pub column: Option<usize>,
    /// The problem as data.
    #[serde(skip)]
    pub problem: SuiteProblem,
}

impl std::fmt::Display for SuiteDiagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:", self.file)?;
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, "{l}:{c}: ")?,
            (Some(l), None) => write!(f, "{l}: ")?,
            _ => write!(f, " ")?,
        }
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        write!(f, "{}", self.message)
    }
}

/// One check of a case, with the turn its text checks read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CaseCheck {
    /// The check.
    pub check: Check,
    /// 1-based turn for text checks; the last turn when `None`.
    pub turn: Option<usize>,
}

/// One test case: turns sent in one fresh test conversation per agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Case {
    /// Unique name (dataset cases: `dataset[N]` or the sample's id).
    pub name: String,
    /// User messages, in order.
    pub turns: Vec<String>,
    /// Production names of the agents it targets; the suite's default when `None`.
    pub agents: Option<Vec<String>>,
    /// What must hold of the canary's replies.
    pub checks: Vec<CaseCheck>,
}

/// A parsed suite.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Suite {
    /// Suite name.
    pub name: String,
    /// What it tests.
    pub description: Option<String>,
    /// Default targets (production names); every fleet agent when `None`.
    pub agents: Option<Vec<String>>,
    /// Cases run at once (default 4).
    pub max_concurrent: usize,
    /// Cases, the suite's own first, then the dataset's.
    pub cases: Vec<Case>,
}

/// The result of parsing a test file: the suite when there are no errors, and every error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SuiteReport {
    /// True when there are no errors.
    pub ok: bool,
    /// Every error, by file and line.
    pub errors: Vec<SuiteDiagnostic>,
    /// The suite; `None` when there are errors.
    pub suite: Option<Suite>,
}

/// Parses a test file. `fleet` gives the agent names targets must be among (no check when
/// `None`); `files` holds the dataset a suite refers to. Never panics on any input.
pub fn parse_suite(file: &str, yaml: &str, fleet: Option<&Fleet>, files: &FileSet) -> SuiteReport {
    let fail = |errors| SuiteReport {
        ok: false,
        errors,
        suite: None,
    };
    let (root, positions): (Value, Positions) = match crate::fleet::document::read(yaml) {
        Ok(d) => (d.value, d.positions),
        Err(e) => {
            let loc = e.location();
            let msg = e.to_string();
            let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
            return fail(vec![SuiteDiagnostic {
                message: SuiteProblem::Syntax(msg.clone()).to_string(),
                file: file.to_string(),
                path: String::new(),
                line: loc.as_ref().map(|l| l.line()),
                column: loc.as_ref().map(|l| l.column()),
                problem: SuiteProblem::Syntax(msg),
            }]);
        }
    };
    let mut w = Walk {
        known_agents: fleet
            .map(|f| f.agents.iter().map(|a| a.name.clone()).collect())
            .unwrap_or_default(),
        files,
        found: Vec::new(),
        dataset_errors: Vec::new(),
    };
    let suite = top(&mut w, &root, file);
    let mut errors: Vec<SuiteDiagnostic> = w
        .found
        .into_iter()
        .map(|(path, problem)| {
            let pos = positions.locate(&path);
            SuiteDiagnostic {
                message: problem.to_string(),
                file: file.to_string(),
                path: path_string(&path),
                line: pos.map(|p| p.0),
                column: pos.map(|p| p.1),
                problem,
            }
        })
        .collect();
    errors.sort_by_key(|d| (d.line.unwrap_or(usize::MAX), d.column.unwrap_or(0)));
    errors.extend(w.dataset_errors);
    if errors.is_empty() {
        SuiteReport {
            ok: true,
            errors,
            suite,
        }
    } else {
        fail(errors)
    }
}
