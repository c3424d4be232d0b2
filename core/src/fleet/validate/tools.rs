//! An agent's `tools`: server tools by name, `tools/*`, and custom tools with Python source.

use super::{kind_of, with, Walker};
use crate::fleet::locate::Seg;
use crate::fleet::model::ToolSpec;
use crate::fleet::Problem;
use serde_yaml::Value;

const TOOL_FIELDS: &[&str] = &["name", "from_file", "source_code", "from_bucket"];
/// Tools every Letta server has built in: `LETTA_TOOL_SET` in the server's `letta/constants.py`
/// (0.16.8), created for every organisation when the server starts. A plan made without
/// reading the server (no live state) treats these as present instead of blocking on them.
pub const SERVER_BUILTIN_TOOLS: &[&str] = &[
    "send_message",
    "conversation_search",
    "archival_memory_insert",
    "archival_memory_search",
    "core_memory_append",
    "core_memory_replace",
    "memory",
    "memory_apply_patch",
    "memory_replace",
    "memory_insert",
    "memory_rethink",
    "memory_finish_edits",
    "send_message_to_agent_and_wait_for_reply",
    "send_message_to_agents_matching_tags",
    "send_message_to_agent_async",
    "store_memories",
    "rethink_user_memory",
    "finish_rethinking_memory",
    "search_memory",
    "run_code",
    "run_code_with_tools",
    "web_search",
    "fetch_webpage",
    "open_files",
    "grep_files",
    "semantic_search_files",
];

/// Whether a tool name is one of the server's built-in tools ([`SERVER_BUILTIN_TOOLS`]).
pub fn is_server_builtin(name: &str) -> bool {
    SERVER_BUILTIN_TOOLS.contains(&name)
}

/// Tools lettactl adds when an agent omits `tools`.
pub const DEFAULT_TOOLS: &[&str] = &["web_search", "fetch_webpage"];

/// Whether Python source defines a top-level function with this name.
fn defines_function(source: &str, name: &str) -> bool {
    source.lines().any(|l| {
        let l = l.trim_start_matches("async ");
        l.strip_prefix("def ")
            .and_then(|r| r.strip_prefix(name))
            .is_some_and(|r| r.trim_start().starts_with('('))
    })
}

impl Walker<'_> {
    pub(super) fn tools(
        &mut self,
        v: Option<&Value>,
        path: &[Seg],
        agent: &str,
    ) -> Option<Vec<ToolSpec>> {
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
                    let py: Vec<(String, String, Vec<u8>)> = self
                        .files
                        .iter()
                        .filter_map(|(k, c)| {
                            let stem = k.strip_prefix("tools/")?.strip_suffix(".py")?;
                            (!stem.contains('/') && !stem.starts_with('_'))
                                .then(|| (stem.to_string(), k.clone(), c.clone()))
                        })
                        .collect();
                    if py.is_empty() {
                        self.err(p.clone(), Problem::NoToolFiles);
                    }
                    let mut found = Vec::new();
                    for (name, file, content) in py {
                        self.used.insert(file.clone());
                        match self.file_text(&file, &content, &p) {
                            Some(source) => found.push(ToolSpec {
                                name,
                                source: Some(source),
                            }),
                            None => ok = false,
                        }
                    }
                    found
                }
                Value::String(s) => {
                    let name = s.trim().to_string();
                    if name.is_empty() {
                        self.err(p.clone(), Problem::Empty("tools"));
                        ok = false;
                        continue;
                    }
                    let file = format!("tools/{name}.py");
                    let source = match self.file(&file) {
                        None => None,
                        Some(c) => match self.file_text(&file, c, &p) {
                            Some(text) => Some(text),
                            None => {
                                ok = false;
                                continue;
                            }
                        },
                    };
                    vec![ToolSpec { name, source }]
                }
                Value::Mapping(tm) => {
                    self.keys(tm, &p, TOOL_FIELDS, &[]);
                    let Some(name) = self.text(tm, &p, "name", true) else {
                        ok = false;
                        continue;
                    };
                    if tm.contains_key("from_bucket") {
                        self.err(
                            with(&p, "from_bucket"),
                            Problem::FromBucket {
                                instead: "write 'from_file: <its path>' instead",
                            },
                        );
                        ok = false;
                        continue;
                    }
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
                            let sp = with(&p, "source_code");
                            self.text_value(s, &sp, "source_code", true)
                                .and_then(|s| self.no_nul(&s, || "the source".into(), &sp))
                        }
                        (None, None) => {
                            let default = format!("tools/{name}.py");
                            match self.file(&default) {
                                Some(c) => self.file_text(&default, c, &p),
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
                    let here = format!("{agent} ({})", crate::fleet::locate::path_string(&p));
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
