//! One agent: its own fields (name, description, prompt, model, tags, …) and the sections it
//! delegates to the block, folder, tool and archive modules.

use super::{with, Walker};
use crate::fleet::locate::Seg;
use crate::fleet::model::AgentSpec;
use crate::fleet::Problem;
use serde_yaml::{Mapping, Value};
use std::collections::BTreeSet;

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
    "conversations",
    "mcp_tools",
    "secrets",
];
/// Agent fields lettactl knows that this tool accepts but does not apply.
pub const AGENT_IGNORED: &[&str] = &[
    "embedding_config",
    "include_base_tool_rules",
    "compaction_settings",
    "lettabot",
    "memory",
];
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

impl Walker<'_> {
    pub(super) fn agent(
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

        let system_prompt = self.system_prompt(m, path);
        let llm = self.llm_config(m, path);
        let embedding = self.opt_text(m, path, "embedding");
        let include_base_tools = self.opt_bool(m, path, "include_base_tools").unwrap_or(true);
        let reasoning = self.opt_bool(m, path, "reasoning").unwrap_or(true);
        let first_message = self.opt_text(m, path, "first_message");
        let tools = self.tools(m.get("tools"), &with(path, "tools"), &agent_name);

        let (memory_blocks, mut labels) = self.memory_blocks(m, path);
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
        let folders = self.agent_folders(m, path, &agent_name, shared_folders);
        let archive = self.archive(m, path);

        let tags = self.tags(m, path);
        let mut block_labels: BTreeSet<String> =
            memory_blocks.iter().map(|b| b.label.clone()).collect();
        block_labels.extend(shared_block_refs.iter().cloned());
        let conversations = self.conversations(m, path, &block_labels);
        let mcp_tools = self.mcp_tools(m, path);
        let secrets = self.secrets(m, path, "secrets");

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
            tags,
            first_message,
            reasoning,
            conversations,
            mcp_tools,
            secrets,
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
            if self.broken.contains(&(what, name.clone())) {
                // Its definition already has an error; one error per cause.
                continue;
            }
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

    /// Tags: non-empty, without commas, as a sorted set (the server compares them that way).
    fn tags(&mut self, m: &Mapping, path: &[Seg]) -> Vec<String> {
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
        tags.into_iter().collect()
    }
}
