//! Walks the parsed YAML, checks every rule of the fleet format, and resolves file references.
//!
//! Validation and resolution are one walk on purpose: a block's `from_file` must be read to
//! check its value against `limit`, a tool's source must be read to check its function name.
//! Every problem is collected (never only the first) with its YAML path; positions are added
//! afterwards by [`super::locate`].

mod agent;
mod archives;
mod blocks;
mod conversations;
mod folders;
mod mcp;
mod secrets;
mod settings;
mod tools;
mod top;

pub use agent::{name_problem, RESERVED_NAMES};
pub use folders::SERVER_DOCUMENT_EXTENSIONS;
pub use tools::{is_server_builtin, DEFAULT_TOOLS, SERVER_BUILTIN_TOOLS};
pub(crate) use top::rooted;

use super::files::{normalize_path, FileSet};
use super::locate::Seg;
use super::Problem;
use serde_yaml::{Mapping, Value};
use std::collections::{BTreeMap, BTreeSet};

/// A problem and where it is, before positions are known.
pub(crate) struct Found {
    pub problem: Problem,
    pub path: Vec<Seg>,
}

pub(crate) struct Walker<'f> {
    files: &'f FileSet,
    pub errors: Vec<Found>,
    pub warnings: Vec<Found>,
    /// Tool name → (source, where it was first defined), to catch two sources for one name.
    tool_sources: BTreeMap<String, (String, String)>,
    /// Agent folder name → the agent that first declared it.
    folder_owner: BTreeMap<String, String>,
    /// Shared blocks and folders (kind, name) that are defined but invalid: their own errors
    /// are reported, so references to them are not also reported as "not defined".
    broken: BTreeSet<(&'static str, String)>,
    /// Names of the fleet's MCP servers (valid or not), for the agents' `mcp_tools`.
    mcp_names: BTreeSet<String>,
    /// Every file of the set the fleet reads or matches (prompts, block values, tool sources,
    /// folder documents), named as the walker sees them (below `root_path`).
    pub used: BTreeSet<String>,
}

type Path = Vec<Seg>;

fn with(path: &[Seg], seg: impl Into<Seg>) -> Path {
    let mut p = path.to_vec();
    p.push(seg.into());
    p
}

impl From<&str> for Seg {
    fn from(s: &str) -> Self {
        Seg::Key(s.to_string())
    }
}
impl From<usize> for Seg {
    fn from(i: usize) -> Self {
        Seg::Index(i)
    }
}

/// What a YAML value is, in words a user knows.
pub(crate) fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "nothing (null)",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => "a decimal number",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Sequence(_) => "a list",
        Value::Mapping(_) => "a map",
        Value::Tagged(_) => "a tagged value",
    }
}

impl<'f> Walker<'f> {
    pub fn new(files: &'f FileSet) -> Self {
        Walker {
            files,
            errors: Vec::new(),
            warnings: Vec::new(),
            tool_sources: BTreeMap::new(),
            folder_owner: BTreeMap::new(),
            broken: BTreeSet::new(),
            mcp_names: BTreeSet::new(),
            used: BTreeSet::new(),
        }
    }

    /// The contents of a file the fleet reads, recorded as used.
    fn file(&mut self, path: &str) -> Option<&'f [u8]> {
        let c = self.files.get(path)?;
        self.used.insert(path.to_string());
        Some(c)
    }

    fn err(&mut self, path: Path, problem: Problem) {
        self.errors.push(Found { problem, path });
    }

    fn warn(&mut self, path: Path, problem: Problem) {
        self.warnings.push(Found { problem, path });
    }

    /// Checks the keys of a map: unknown ones are errors, lettactl-only ones warnings.
    fn keys(
        &mut self,
        map: &Mapping,
        path: &[Seg],
        allowed: &'static [&'static str],
        ignored: &[&str],
    ) {
        for key in map.keys() {
            let Some(k) = key.as_str() else {
                self.err(path.to_vec(), Problem::NonTextKey(format!("{key:?}")));
                continue;
            };
            // `x-…` top-level keys hold YAML anchors (as in docker-compose files).
            if allowed.contains(&k) || (path.is_empty() && k.starts_with("x-")) {
                continue;
            }
            if ignored.contains(&k) {
                self.warn(with(path, k), Problem::NotApplied(k.to_string()));
            } else {
                self.err(
                    with(path, k),
                    Problem::UnknownField {
                        field: k.to_string(),
                        allowed,
                        suggestion: super::suggest::did_you_mean(k, allowed),
                    },
                );
            }
        }
    }

    fn map<'v>(&mut self, v: &'v Value, path: &[Seg], what: &'static str) -> Option<&'v Mapping> {
        match v {
            Value::Mapping(m) => Some(m),
            other => {
                self.err(
                    path.to_vec(),
                    Problem::WrongType {
                        expected: what,
                        found: kind_of(other),
                    },
                );
                None
            }
        }
    }

    fn list<'v>(&mut self, v: &'v Value, path: &[Seg]) -> Option<&'v [Value]> {
        match v {
            Value::Sequence(s) => Some(s),
            other => {
                self.err(
                    path.to_vec(),
                    Problem::WrongType {
                        expected: "a list",
                        found: kind_of(other),
                    },
                );
                None
            }
        }
    }

    /// A required text field; `non_empty` refuses blank text.
    fn text(
        &mut self,
        m: &Mapping,
        path: &[Seg],
        field: &'static str,
        non_empty: bool,
    ) -> Option<String> {
        match m.get(field) {
            None | Some(Value::Null) => {
                self.err(with(path, field), Problem::Missing(field));
                None
            }
            Some(v) => self.text_value(v, &with(path, field), field, non_empty),
        }
    }

    fn opt_text(&mut self, m: &Mapping, path: &[Seg], field: &'static str) -> Option<String> {
        match m.get(field) {
            None | Some(Value::Null) => None,
            Some(v) => self.text_value(v, &with(path, field), field, false),
        }
    }

    fn text_value(
        &mut self,
        v: &Value,
        path: &[Seg],
        field: &'static str,
        non_empty: bool,
    ) -> Option<String> {
        match v {
            Value::String(s) if non_empty && s.trim().is_empty() => {
                self.err(path.to_vec(), Problem::Empty(field));
                None
            }
            Value::String(s) => Some(s.clone()),
            other => {
                self.err(
                    path.to_vec(),
                    Problem::WrongType {
                        expected: "text",
                        found: kind_of(other),
                    },
                );
                None
            }
        }
    }

    fn opt_bool(&mut self, m: &Mapping, path: &[Seg], field: &'static str) -> Option<bool> {
        match m.get(field) {
            None | Some(Value::Null) => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(other) => {
                self.err(
                    with(path, field),
                    Problem::WrongType {
                        expected: "true or false",
                        found: kind_of(other),
                    },
                );
                None
            }
        }
    }

    /// An integer field within bounds.
    fn int(
        &mut self,
        v: &Value,
        path: &[Seg],
        field: &'static str,
        min: u64,
        max: u64,
    ) -> Option<u32> {
        match v.as_u64() {
            Some(n) if n >= min && n <= max => u32::try_from(n).ok(),
            Some(_) => {
                self.err(path.to_vec(), Problem::OutOfRange { field, min, max });
                None
            }
            None if v.as_i64().is_some() => {
                self.err(path.to_vec(), Problem::OutOfRange { field, min, max });
                None
            }
            None => {
                self.err(
                    path.to_vec(),
                    Problem::WrongType {
                        expected: "a whole number",
                        found: kind_of(v),
                    },
                );
                None
            }
        }
    }

    /// Reads a fleet file for `from_file` and similar references; it must be text.
    fn read_file(&mut self, raw: &str, path: &[Seg]) -> Option<String> {
        match normalize_path(raw) {
            Err(e) => {
                self.err(path.to_vec(), Problem::Path(e.to_string()));
                None
            }
            Ok(p) => match self.file(&p) {
                Some(c) => self.file_text(&p, c, path),
                None => {
                    self.err(path.to_vec(), Problem::FileMissing(p));
                    None
                }
            },
        }
    }

    /// The contents of a file that must be text (a prompt, block value or tool source): UTF-8
    /// without NUL, which the server refuses (a dropped image used to pass validation and get
    /// a server error at deploy). The error is reported at `at`, the YAML that uses the file.
    fn file_text(&mut self, file: &str, content: &[u8], at: &[Seg]) -> Option<String> {
        match std::str::from_utf8(content) {
            Err(e) => {
                self.err(
                    at.to_vec(),
                    Problem::NotText {
                        file: file.to_string(),
                        offset: e.valid_up_to(),
                    },
                );
                None
            }
            Ok(text) => self.no_nul(text, || format!("file '{file}'"), at),
        }
    }

    /// Refuses text with a NUL character (YAML can write one as `"\0"`).
    fn no_nul(&mut self, text: &str, what: impl FnOnce() -> String, at: &[Seg]) -> Option<String> {
        match text.find('\0') {
            Some(offset) => {
                self.err(
                    at.to_vec(),
                    Problem::NulInText {
                        what: what(),
                        offset,
                    },
                );
                None
            }
            None => Some(text.to_string()),
        }
    }

    /// Exactly one of `value` / `from_file`; returns the text.
    fn value_or_file(&mut self, m: &Mapping, path: &[Seg]) -> Option<String> {
        if m.contains_key("from_bucket") {
            self.err(
                with(path, "from_bucket"),
                Problem::FromBucket {
                    instead: "write 'from_file: <its path>' instead",
                },
            );
            return None;
        }
        match (m.get("value"), m.get("from_file")) {
            (Some(_), Some(_)) => {
                self.err(path.to_vec(), Problem::BothValueAndFile);
                None
            }
            (None, None) => {
                self.err(path.to_vec(), Problem::NeitherValueNorFile);
                None
            }
            (Some(v), None) => match v {
                Value::String(s) => self.no_nul(s, || "the value".into(), &with(path, "value")),
                // Empty: the caller says why that is wrong where it is.
                Value::Null => Some(String::new()),
                other => {
                    self.err(
                        with(path, "value"),
                        Problem::WrongType {
                            expected: "text",
                            found: kind_of(other),
                        },
                    );
                    None
                }
            },
            (None, Some(f)) => {
                let fp = with(path, "from_file");
                let name = self.text_value(f, &fp, "from_file", true)?;
                self.read_file(&name, &fp)
            }
        }
    }
}
