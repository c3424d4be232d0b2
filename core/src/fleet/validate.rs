//! Walks the parsed YAML, checks every rule of the fleet format, and resolves file references.
//!
//! Validation and resolution are one walk on purpose: a block's `from_file` must be read to
//! check its value against `limit`, a tool's source must be read to check its function name.
//! Every problem is collected (never only the first) with its YAML path; positions are added
//! afterwards by [`super::locate`].

use super::files::{expand_glob, normalize_path, FileSet};
use super::locate::Seg;
use super::model::*;
use super::Problem;
use serde_yaml::{Mapping, Value};
use std::collections::{BTreeMap, BTreeSet};

/// Fields of an agent, in the order the error message lists them.
pub const AGENT_FIELDS: &[&str] = &[
    "name",
    "description",
    "system_prompt",
    "llm_config",
    "embedding",
    "tools",
    "include_base_tools",
    "memory_blocks",
    "shared_blocks",
    "folders",
    "shared_folders",
    "archives",
    "tags",
    "first_message",
    "reasoning",
];
/// Agent fields lettactl knows that this tool accepts but does not apply.
pub const AGENT_IGNORED: &[&str] = &[
    "embedding_config",
    "include_base_tool_rules",
    "compaction_settings",
    "mcp_tools",
    "conversations",
    "lettabot",
    "memory",
    "secrets",
];
const TOP_FIELDS: &[&str] = &["agents", "shared_blocks", "shared_folders"];
const TOP_IGNORED: &[&str] = &[
    "root_path",
    "mcp_servers",
    "providers",
    "prune_missing_providers",
    "global-secrets",
    "preserve_secrets",
];
const BLOCK_FIELDS: &[&str] = &[
    "name",
    "description",
    "limit",
    "value",
    "from_file",
    "agent_owned",
    "version",
];
const FOLDER_FIELDS: &[&str] = &["name", "files"];
const ARCHIVE_FIELDS: &[&str] = &["name", "description", "embedding"];
const LLM_FIELDS: &[&str] = &["model", "context_window", "max_tokens"];
const PROMPT_FIELDS: &[&str] = &["value", "from_file"];
const TOOL_FIELDS: &[&str] = &["name", "from_file", "source_code"];
/// Names the server's routes or lettactl reserve.
pub const RESERVED_NAMES: &[&str] = &[
    "agents",
    "blocks",
    "archives",
    "tools",
    "folders",
    "files",
    "mcp-servers",
    "archival",
];
/// Tools lettactl adds when an agent omits `tools`.
pub const DEFAULT_TOOLS: &[&str] = &["web_search", "fetch_webpage"];

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

fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Checks the name rule shared by production and canary names.
pub fn name_problem(name: &str) -> Option<Problem> {
    if !is_valid_name(name) {
        return Some(Problem::BadName(name.to_string()));
    }
    if RESERVED_NAMES.iter().any(|r| r.eq_ignore_ascii_case(name)) {
        return Some(Problem::ReservedName(name.to_string()));
    }
    None
}

/// Removes one ``` fence around a whole prompt (with an optional language tag).
fn strip_fence(text: &str) -> String {
    let t = text.trim();
    if let Some(inner) = t.strip_prefix("```").and_then(|r| r.strip_suffix("```")) {
        let body = match inner.find('\n') {
            Some(nl) => &inner[nl + 1..],
            None => inner,
        };
        return body.trim().to_string();
    }
    t.to_string()
}

/// Whether Python source defines a top-level function with this name.
fn defines_function(source: &str, name: &str) -> bool {
    source.lines().any(|l| {
        let l = l.trim_start_matches("async ");
        l.strip_prefix("def ")
            .and_then(|r| r.strip_prefix(name))
            .is_some_and(|r| r.trim_start().starts_with('('))
    })
}

impl<'f> Walker<'f> {
    pub fn new(files: &'f FileSet) -> Self {
        Walker {
            files,
            errors: Vec::new(),
            warnings: Vec::new(),
            tool_sources: BTreeMap::new(),
            folder_owner: BTreeMap::new(),
        }
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

    /// Reads a fleet file for `from_file` and similar references.
    fn read_file(&mut self, raw: &str, path: &[Seg]) -> Option<String> {
        match normalize_path(raw) {
            Err(e) => {
                self.err(path.to_vec(), Problem::Path(e.to_string()));
                None
            }
            Ok(p) => match self.files.get(&p) {
                Some(c) => Some(c.clone()),
                None => {
                    self.err(path.to_vec(), Problem::FileMissing(p));
                    None
                }
            },
        }
    }

    /// Exactly one of `value` / `from_file`; returns the text.
    fn value_or_file(&mut self, m: &Mapping, path: &[Seg]) -> Option<String> {
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
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                Value::Bool(b) => Some(b.to_string()),
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

    pub fn fleet(&mut self, root: &Value) -> Option<Fleet> {
        let Value::Mapping(top) = root else {
            self.err(vec![], Problem::NotAMap(kind_of(root)));
            return None;
        };
        self.keys(top, &[], TOP_FIELDS, TOP_IGNORED);

        let mut shared_blocks = Vec::new();
        if let Some(v) = top.get("shared_blocks").filter(|v| !v.is_null()) {
            let p = vec![Seg::from("shared_blocks")];
            let mut seen = BTreeSet::new();
            for (i, b) in self.list(v, &p).unwrap_or_default().iter().enumerate() {
                let bp = with(&p, i);
                if let Some(block) = self.block(b, &bp) {
                    if !seen.insert(block.label.clone()) {
                        self.err(
                            with(&bp, "name"),
                            Problem::Duplicate {
                                what: "shared block",
                                name: block.label.clone(),
                            },
                        );
                    } else {
                        shared_blocks.push(block);
                    }
                }
            }
        }
        let mut shared_folders = Vec::new();
        if let Some(v) = top.get("shared_folders").filter(|v| !v.is_null()) {
            let p = vec![Seg::from("shared_folders")];
            let mut seen = BTreeSet::new();
            for (i, f) in self.list(v, &p).unwrap_or_default().iter().enumerate() {
                let fp = with(&p, i);
                if let Some(folder) = self.folder(f, &fp) {
                    if !seen.insert(folder.name.clone()) {
                        self.err(
                            with(&fp, "name"),
                            Problem::Duplicate {
                                what: "shared folder",
                                name: folder.name.clone(),
                            },
                        );
                    } else {
                        shared_folders.push(folder);
                    }
                }
            }
        }

        let ap = vec![Seg::from("agents")];
        let agents_val = match top.get("agents") {
            None | Some(Value::Null) => {
                self.err(ap.clone(), Problem::NoAgents);
                return None;
            }
            Some(v) => v,
        };
        let list = self.list(agents_val, &ap)?;
        if list.is_empty() {
            self.err(ap.clone(), Problem::NoAgents);
        }
        let shared_block_names: BTreeSet<String> =
            shared_blocks.iter().map(|b| b.label.clone()).collect();
        let shared_folder_names: BTreeSet<String> =
            shared_folders.iter().map(|f| f.name.clone()).collect();
        let mut agents = Vec::new();
        let mut names = BTreeMap::new();
        for (i, a) in list.iter().enumerate() {
            let p = with(&ap, i);
            if let Some(agent) = self.agent(a, &p, &shared_block_names, &shared_folder_names) {
                if let Some(first) = names.insert(agent.name.clone(), i) {
                    self.err(
                        with(&p, "name"),
                        Problem::DuplicateAgent {
                            name: agent.name.clone(),
                            first,
                        },
                    );
                }
                agents.push(agent);
            }
        }
        Some(Fleet {
            agents,
            shared_blocks,
            shared_folders,
        })
    }

    fn block(&mut self, v: &Value, path: &[Seg]) -> Option<BlockSpec> {
        let m = self.map(
            v,
            path,
            "a block (a map with name, description, limit, value or from_file, agent_owned)",
        )?;
        self.keys(m, path, BLOCK_FIELDS, &[]);
        let label = self.text(m, path, "name", true);
        let description = self.text(m, path, "description", true);
        let limit = match m.get("limit") {
            None | Some(Value::Null) => {
                self.err(with(path, "limit"), Problem::Missing("limit"));
                None
            }
            Some(l) => self.int(l, &with(path, "limit"), "limit", 1, u32::MAX as u64),
        };
        let agent_owned = match m.get("agent_owned") {
            None | Some(Value::Null) => {
                self.err(with(path, "agent_owned"), Problem::AgentOwnedMissing);
                None
            }
            Some(_) => self.opt_bool(m, path, "agent_owned"),
        };
        let value = self.value_or_file(m, path);
        if let Some(label) = &label {
            if label.contains(char::is_whitespace) {
                self.err(with(path, "name"), Problem::BlockLabel(label.clone()));
            }
        }
        if let (Some(value), Some(limit)) = (&value, limit) {
            let len = value.chars().count();
            if len > limit as usize {
                let at = if m.contains_key("value") {
                    "value"
                } else {
                    "from_file"
                };
                self.err(with(path, at), Problem::OverLimit { len, limit });
            }
        }
        Some(BlockSpec {
            label: label?,
            description: description?,
            limit: limit?,
            value: value?,
            agent_owned: agent_owned?,
        })
    }

    fn folder(&mut self, v: &Value, path: &[Seg]) -> Option<FolderSpec> {
        let m = self.map(v, path, "a folder (a map with name and files)")?;
        self.keys(m, path, FOLDER_FIELDS, &[]);
        let name = self.text(m, path, "name", true);
        let fp = with(path, "files");
        let mut files = BTreeMap::new();
        match m.get("files") {
            None | Some(Value::Null) => self.err(fp.clone(), Problem::Missing("files")),
            Some(list) => {
                for (i, pat) in self.list(list, &fp).unwrap_or_default().iter().enumerate() {
                    let pp = with(&fp, i);
                    let Some(pat) = self.text_value(pat, &pp, "files", true) else {
                        continue;
                    };
                    match expand_glob(&pat, self.files) {
                        Ok(paths) => {
                            for p in paths {
                                if let Some(c) = self.files.get(&p) {
                                    files.insert(p.clone(), c.clone());
                                }
                            }
                        }
                        Err(e) => self.err(pp, Problem::Path(e.to_string())),
                    }
                }
            }
        }
        let files: Vec<FolderFile> = files
            .into_iter()
            .map(|(path, content)| FolderFile { path, content })
            .collect();
        let mut seen = BTreeMap::new();
        for f in &files {
            if let Some(prev) = seen.insert(f.file_name().to_string(), f.path.clone()) {
                self.err(
                    fp.clone(),
                    Problem::SameFileName {
                        a: prev,
                        b: f.path.clone(),
                    },
                );
            }
        }
        Some(FolderSpec { name: name?, files })
    }

    fn agent(
        &mut self,
        v: &Value,
        path: &[Seg],
        shared_blocks: &BTreeSet<String>,
        shared_folders: &BTreeSet<String>,
    ) -> Option<AgentSpec> {
        let m = self.map(
            v,
            path,
            "an agent (a map with name, description, system_prompt, llm_config)",
        )?;
        self.keys(m, path, AGENT_FIELDS, AGENT_IGNORED);
        let name = self.text(m, path, "name", true);
        if let Some(n) = &name {
            if let Some(p) = name_problem(n) {
                self.err(with(path, "name"), p);
            }
        }
        let agent_name = name.clone().unwrap_or_default();
        let description = self.text(m, path, "description", true);

        let pp = with(path, "system_prompt");
        let system_prompt = match m.get("system_prompt") {
            None | Some(Value::Null) => {
                self.err(pp, Problem::Missing("system_prompt"));
                None
            }
            Some(v) => self
                .map(v, &pp, "a map with value or from_file")
                .and_then(|pm| {
                    self.keys(pm, &pp, PROMPT_FIELDS, &[]);
                    let text = strip_fence(&self.value_or_file(pm, &pp)?);
                    if text.is_empty() {
                        self.err(pp.clone(), Problem::Empty("system_prompt"));
                        return None;
                    }
                    Some(text)
                }),
        };

        let lp = with(path, "llm_config");
        let llm = match m.get("llm_config") {
            None | Some(Value::Null) => {
                self.err(lp, Problem::Missing("llm_config"));
                None
            }
            Some(v) => self
                .map(v, &lp, "a map with model and context_window")
                .and_then(|lm| {
                    self.keys(lm, &lp, LLM_FIELDS, &[]);
                    let model = self.text(lm, &lp, "model", true);
                    if let Some(model) = &model {
                        if !model.contains('/') {
                            self.err(with(&lp, "model"), Problem::ModelHandle(model.clone()));
                        }
                    }
                    let cw = match lm.get("context_window") {
                        None | Some(Value::Null) => {
                            self.err(
                                with(&lp, "context_window"),
                                Problem::Missing("context_window"),
                            );
                            None
                        }
                        Some(c) => self.int(
                            c,
                            &with(&lp, "context_window"),
                            "context_window",
                            1000,
                            200_000,
                        ),
                    };
                    let max_tokens = match lm.get("max_tokens") {
                        None | Some(Value::Null) => Some(None),
                        Some(t) => self
                            .int(
                                t,
                                &with(&lp, "max_tokens"),
                                "max_tokens",
                                1,
                                u32::MAX as u64,
                            )
                            .map(Some),
                    };
                    Some(LlmConfig {
                        model: model?,
                        context_window: cw?,
                        max_tokens: max_tokens?,
                    })
                }),
        };
        let embedding = self.opt_text(m, path, "embedding");
        let include_base_tools = self.opt_bool(m, path, "include_base_tools").unwrap_or(true);
        let reasoning = self.opt_bool(m, path, "reasoning").unwrap_or(true);
        let first_message = self.opt_text(m, path, "first_message");
        let tools = self.tools(m.get("tools"), &with(path, "tools"), &agent_name);

        let mut memory_blocks = Vec::new();
        let mut labels = BTreeSet::new();
        if let Some(v) = m.get("memory_blocks").filter(|v| !v.is_null()) {
            let bp = with(path, "memory_blocks");
            for (i, b) in self.list(v, &bp).unwrap_or_default().iter().enumerate() {
                let p = with(&bp, i);
                if let Some(block) = self.block(b, &p) {
                    if !labels.insert(block.label.clone()) {
                        self.err(
                            with(&p, "name"),
                            Problem::Duplicate {
                                what: "memory block",
                                name: block.label.clone(),
                            },
                        );
                    } else {
                        memory_blocks.push(block);
                    }
                }
            }
        }
        let shared_block_refs = self.name_refs(
            m,
            path,
            "shared_blocks",
            shared_blocks,
            "shared block",
            &mut labels,
        );
        let mut no_labels = BTreeSet::new();
        let shared_folder_refs = self.name_refs(
            m,
            path,
            "shared_folders",
            shared_folders,
            "shared folder",
            &mut no_labels,
        );

        let mut folders = Vec::new();
        if let Some(v) = m.get("folders").filter(|v| !v.is_null()) {
            let fp = with(path, "folders");
            for (i, f) in self.list(v, &fp).unwrap_or_default().iter().enumerate() {
                let p = with(&fp, i);
                if let Some(folder) = self.folder(f, &p) {
                    if shared_folders.contains(&folder.name) {
                        self.err(
                            with(&p, "name"),
                            Problem::FolderIsShared(folder.name.clone()),
                        );
                    } else if let Some(owner) = self.folder_owner.get(&folder.name) {
                        if *owner != agent_name {
                            self.err(
                                with(&p, "name"),
                                Problem::FolderOnTwoAgents {
                                    name: folder.name.clone(),
                                    other: owner.clone(),
                                },
                            );
                        } else {
                            self.err(
                                with(&p, "name"),
                                Problem::Duplicate {
                                    what: "folder",
                                    name: folder.name.clone(),
                                },
                            );
                        }
                    } else {
                        self.folder_owner
                            .insert(folder.name.clone(), agent_name.clone());
                        folders.push(folder);
                    }
                }
            }
        }

        let archive = match m.get("archives").filter(|v| !v.is_null()) {
            None => None,
            Some(v) => {
                let ap = with(path, "archives");
                let list = self.list(v, &ap).unwrap_or_default();
                if list.len() > 1 {
                    self.err(ap.clone(), Problem::TooManyArchives(list.len()));
                }
                list.first().and_then(|a| {
                    let p = with(&ap, 0);
                    let am = self.map(
                        a,
                        &p,
                        "an archive (a map with name, description, embedding)",
                    )?;
                    self.keys(am, &p, ARCHIVE_FIELDS, &[]);
                    Some(ArchiveSpec {
                        name: self.text(am, &p, "name", true)?,
                        description: self.opt_text(am, &p, "description"),
                        embedding: self.opt_text(am, &p, "embedding"),
                    })
                })
            }
        };

        let mut tags = BTreeSet::new();
        if let Some(v) = m.get("tags").filter(|v| !v.is_null()) {
            let tp = with(path, "tags");
            for (i, t) in self.list(v, &tp).unwrap_or_default().iter().enumerate() {
                let p = with(&tp, i);
                if let Some(tag) = self.text_value(t, &p, "tags", true) {
                    if tag.contains(',') {
                        self.err(p, Problem::TagComma(tag));
                    } else {
                        tags.insert(tag);
                    }
                }
            }
        }

        Some(AgentSpec {
            name: name?,
            description: description?,
            system_prompt: system_prompt?,
            llm: llm?,
            embedding,
            tools: tools?,
            include_base_tools,
            memory_blocks,
            shared_blocks: shared_block_refs,
            folders,
            shared_folders: shared_folder_refs,
            archive,
            tags: tags.into_iter().collect(),
            first_message,
            reasoning,
        })
    }

    /// A list of names that must exist at the top level (`shared_blocks`, `shared_folders`).
    fn name_refs(
        &mut self,
        m: &Mapping,
        path: &[Seg],
        field: &'static str,
        known: &BTreeSet<String>,
        what: &'static str,
        taken_labels: &mut BTreeSet<String>,
    ) -> Vec<String> {
        let mut out = Vec::new();
        let Some(v) = m.get(field).filter(|v| !v.is_null()) else {
            return out;
        };
        let fp = with(path, field);
        for (i, n) in self.list(v, &fp).unwrap_or_default().iter().enumerate() {
            let p = with(&fp, i);
            let Some(name) = self.text_value(n, &p, field, true) else {
                continue;
            };
            if !known.contains(&name) {
                self.err(
                    p,
                    Problem::UnknownShared {
                        what,
                        name,
                        known: known.iter().cloned().collect(),
                    },
                );
            } else if out.contains(&name) {
                self.err(p, Problem::Duplicate { what, name });
            } else if !taken_labels.insert(name.clone()) {
                self.err(p, Problem::LabelClash(name));
            } else {
                out.push(name);
            }
        }
        out
    }

    fn tools(&mut self, v: Option<&Value>, path: &[Seg], agent: &str) -> Option<Vec<ToolSpec>> {
        let Some(v) = v else {
            return Some(
                DEFAULT_TOOLS
                    .iter()
                    .map(|n| ToolSpec {
                        name: n.to_string(),
                        source: None,
                    })
                    .collect(),
            );
        };
        if v.is_null() {
            return Some(Vec::new());
        }
        let list = self.list(v, path)?;
        let mut out: Vec<ToolSpec> = Vec::new();
        let mut ok = true;
        for (i, t) in list.iter().enumerate() {
            let p = with(path, i);
            let found: Vec<ToolSpec> = match t {
                Value::String(s) if s.trim() == "tools/*" => {
                    let py: Vec<(String, String)> = self
                        .files
                        .iter()
                        .filter_map(|(k, c)| {
                            let stem = k.strip_prefix("tools/")?.strip_suffix(".py")?;
                            (!stem.contains('/') && !stem.starts_with('_'))
                                .then(|| (stem.to_string(), c.clone()))
                        })
                        .collect();
                    if py.is_empty() {
                        self.err(p.clone(), Problem::NoToolFiles);
                    }
                    py.into_iter()
                        .map(|(name, source)| ToolSpec {
                            name,
                            source: Some(source),
                        })
                        .collect()
                }
                Value::String(s) => {
                    let name = s.trim().to_string();
                    if name.is_empty() {
                        self.err(p.clone(), Problem::Empty("tools"));
                        ok = false;
                        continue;
                    }
                    let source = self.files.get(&format!("tools/{name}.py")).cloned();
                    vec![ToolSpec { name, source }]
                }
                Value::Mapping(tm) => {
                    self.keys(tm, &p, TOOL_FIELDS, &[]);
                    let Some(name) = self.text(tm, &p, "name", true) else {
                        ok = false;
                        continue;
                    };
                    let source = match (tm.get("from_file"), tm.get("source_code")) {
                        (Some(_), Some(_)) => {
                            self.err(p.clone(), Problem::ToolBothSources);
                            None
                        }
                        (Some(f), None) => {
                            let fp = with(&p, "from_file");
                            self.text_value(f, &fp, "from_file", true)
                                .and_then(|f| self.read_file(&f, &fp))
                        }
                        (None, Some(s)) => {
                            self.text_value(s, &with(&p, "source_code"), "source_code", true)
                        }
                        (None, None) => {
                            let default = format!("tools/{name}.py");
                            match self.files.get(&default) {
                                Some(c) => Some(c.clone()),
                                None => {
                                    self.err(
                                        p.clone(),
                                        Problem::ToolSourceMissing {
                                            name: name.clone(),
                                            default,
                                        },
                                    );
                                    None
                                }
                            }
                        }
                    };
                    match source {
                        Some(s) => vec![ToolSpec {
                            name,
                            source: Some(s),
                        }],
                        None => {
                            ok = false;
                            continue;
                        }
                    }
                }
                other => {
                    self.err(
                        p.clone(),
                        Problem::WrongType {
                            expected: "a tool name, 'tools/*', or a map with name and from_file or source_code",
                            found: kind_of(other),
                        },
                    );
                    ok = false;
                    continue;
                }
            };
            for tool in found {
                if let Some(src) = &tool.source {
                    if !defines_function(src, &tool.name) {
                        self.err(p.clone(), Problem::ToolFunctionName(tool.name.clone()));
                        ok = false;
                    }
                    let here = format!("{agent} ({})", super::locate::path_string(&p));
                    match self.tool_sources.get(&tool.name) {
                        Some((prev, at)) if prev != src => {
                            let at = at.clone();
                            self.err(
                                p.clone(),
                                Problem::ToolTwoSources {
                                    name: tool.name.clone(),
                                    first: at,
                                },
                            );
                            ok = false;
                        }
                        Some(_) => {}
                        None => {
                            self.tool_sources
                                .insert(tool.name.clone(), (src.clone(), here));
                        }
                    }
                }
                if let Some(existing) = out.iter().find(|t| t.name == tool.name) {
                    if existing.source != tool.source {
                        self.err(
                            p.clone(),
                            Problem::ToolTwoSources {
                                name: tool.name.clone(),
                                first: agent.to_string(),
                            },
                        );
                        ok = false;
                    }
                    continue;
                }
                out.push(tool);
            }
        }
        ok.then_some(out)
    }
}
