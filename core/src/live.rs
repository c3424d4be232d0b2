//! The live state: a normalised snapshot of what the server has, as plain data.
//!
//! Built from Letta API JSON by [`LiveState::from_api`], serialisable so that a snapshot can be
//! saved beside a plan, passed from JavaScript, or written by hand in tests. Normalisation
//! happens here once (tags as a sorted set, the model handle out of `llm_config`, ids of
//! relationships), so the planner compares like with like.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

mod mcp;
pub use mcp::{LiveMcpServer, McpDefinition};

/// Everything the planner needs to know about the server.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct LiveState {
    /// Every agent on the server (needed to know which blocks production uses).
    pub agents: Vec<LiveAgent>,
    /// Blocks: those attached to any agent, plus those looked up by label.
    pub blocks: Vec<LiveBlock>,
    /// Tools the fleet refers to (or all tools).
    pub tools: Vec<LiveTool>,
    /// Folders with their files.
    pub folders: Vec<LiveFolder>,
    /// Archives.
    pub archives: Vec<LiveArchive>,
    /// MCP servers with their tools (read only when the fleet uses MCP).
    pub mcp_servers: Vec<LiveMcpServer>,
    /// True when no server was read (a preview without a connection): everything is planned
    /// as new, Letta's built-in tools are assumed present, and the plan cannot be executed.
    #[serde(default)]
    pub not_read: bool,
}

/// One agent as the server has it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct LiveAgent {
    /// Server id (`agent-…`).
    pub id: String,
    /// Name (not unique on the server).
    pub name: String,
    /// Description.
    pub description: String,
    /// System prompt.
    pub system: String,
    /// Model handle.
    pub model: String,
    /// Context window.
    pub context_window: Option<u64>,
    /// Max tokens per reply.
    pub max_tokens: Option<u64>,
    /// Embedding handle.
    pub embedding: Option<String>,
    /// Tags, sorted and unique.
    pub tags: Vec<String>,
    /// Attached tool ids.
    pub tool_ids: Vec<String>,
    /// Attached block ids.
    pub block_ids: Vec<String>,
    /// Attached folder ids.
    pub folder_ids: Vec<String>,
    /// Attached archive ids (filled when archives were fetched).
    pub archive_ids: Vec<String>,
    /// Agent metadata, whole.
    pub metadata: Map<String, Value>,
    /// Creation time.
    pub created_at: Option<String>,
    /// Summaries of its conversations, sorted (read only for agents whose fleet entry lists
    /// conversations; our test conversations are left out).
    pub conversations: Vec<String>,
    /// Its secrets by name (read only for agents whose fleet entry has secrets). Values never
    /// serialise or print ([`crate::plan::Sensitive`]).
    #[serde(skip)]
    pub secrets: BTreeMap<String, crate::plan::Sensitive>,
}

/// A memory block.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct LiveBlock {
    /// Server id (`block-…`).
    pub id: String,
    /// Label.
    pub label: String,
    /// Value.
    pub value: String,
    /// Character limit.
    pub limit: u64,
    /// Description.
    pub description: Option<String>,
    /// Block metadata.
    pub metadata: Map<String, Value>,
}

/// A tool.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct LiveTool {
    /// Server id (`tool-…`).
    pub id: String,
    /// Name (the Python function name for custom tools).
    pub name: String,
    /// Python source, for custom tools.
    pub source_code: Option<String>,
    /// Server tool type (`custom`, `letta_core`, …).
    pub tool_type: Option<String>,
}

/// A folder and its files.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct LiveFolder {
    /// Server id (`source-…`).
    pub id: String,
    /// Name.
    pub name: String,
    /// Folder metadata.
    pub metadata: Map<String, Value>,
    /// Files: name → size in bytes.
    pub files: BTreeMap<String, u64>,
    /// File ids by name (for deletion of changed files).
    pub file_ids: BTreeMap<String, String>,
}

/// An archive.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct LiveArchive {
    /// Server id (`archive-…`).
    pub id: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
}

fn s(v: &Value, k: &str) -> String {
    v.get(k)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn ids(v: &Value, k: &str) -> Vec<String> {
    v.get(k)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.get("id").and_then(Value::as_str))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn obj(v: &Value, k: &str) -> Map<String, Value> {
    v.get(k)
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

impl LiveAgent {
    /// Reads an agent from the API's JSON (as returned with `include=agent.tags,tools,blocks,sources`).
    pub fn from_api(v: &Value) -> LiveAgent {
        let llm = v.get("llm_config").cloned().unwrap_or(Value::Null);
        let model = v
            .get("model")
            .and_then(Value::as_str)
            .or_else(|| llm.get("handle").and_then(Value::as_str))
            .unwrap_or_default()
            .to_string();
        let embedding = v
            .get("embedding")
            .and_then(Value::as_str)
            .or_else(|| {
                v.get("embedding_config")
                    .and_then(|e| e.get("handle"))
                    .and_then(Value::as_str)
            })
            .map(str::to_string);
        let tags: BTreeSet<String> = v
            .get("tags")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        let mut block_ids = ids(v, "blocks");
        if block_ids.is_empty() {
            if let Some(mem) = v.get("memory") {
                block_ids = ids(mem, "blocks");
            }
        }
        LiveAgent {
            id: s(v, "id"),
            name: s(v, "name"),
            description: s(v, "description"),
            system: s(v, "system"),
            model,
            context_window: llm.get("context_window").and_then(Value::as_u64),
            max_tokens: llm.get("max_tokens").and_then(Value::as_u64),
            embedding,
            tags: tags.into_iter().collect(),
            tool_ids: ids(v, "tools"),
            block_ids,
            folder_ids: ids(v, "sources"),
            archive_ids: Vec::new(),
            metadata: obj(v, "metadata"),
            created_at: v
                .get("created_at")
                .and_then(Value::as_str)
                .map(str::to_string),
            conversations: Vec::new(),
            secrets: BTreeMap::new(),
        }
    }

    /// Blocks embedded in an agent's JSON (so one list call also yields every attached block).
    pub fn blocks_from_api(v: &Value) -> Vec<LiveBlock> {
        let list = v
            .get("blocks")
            .and_then(Value::as_array)
            .filter(|a| !a.is_empty())
            .or_else(|| {
                v.get("memory")
                    .and_then(|m| m.get("blocks"))
                    .and_then(Value::as_array)
            });
        list.map(|a| a.iter().map(LiveBlock::from_api).collect())
            .unwrap_or_default()
    }
}

impl LiveBlock {
    /// Reads a block from the API's JSON.
    pub fn from_api(v: &Value) -> LiveBlock {
        LiveBlock {
            id: s(v, "id"),
            label: s(v, "label"),
            value: s(v, "value"),
            limit: v.get("limit").and_then(Value::as_u64).unwrap_or_default(),
            description: v
                .get("description")
                .and_then(Value::as_str)
                .map(str::to_string),
            metadata: obj(v, "metadata"),
        }
    }
}

impl LiveTool {
    /// Reads a tool from the API's JSON.
    pub fn from_api(v: &Value) -> LiveTool {
        LiveTool {
            id: s(v, "id"),
            name: s(v, "name"),
            source_code: v
                .get("source_code")
                .and_then(Value::as_str)
                .map(str::to_string),
            tool_type: v
                .get("tool_type")
                .and_then(Value::as_str)
                .map(str::to_string),
        }
    }
}

impl LiveFolder {
    /// Reads a folder and its file list from the API's JSON.
    pub fn from_api(v: &Value, files: &[Value]) -> LiveFolder {
        let mut f = LiveFolder {
            id: s(v, "id"),
            name: s(v, "name"),
            metadata: obj(v, "metadata"),
            ..LiveFolder::default()
        };
        for file in files {
            let name = file
                .get("original_file_name")
                .and_then(Value::as_str)
                .or_else(|| file.get("file_name").and_then(Value::as_str))
                .unwrap_or_default()
                .to_string();
            f.files.insert(
                name.clone(),
                file.get("file_size")
                    .and_then(Value::as_u64)
                    .unwrap_or_default(),
            );
            f.file_ids.insert(name, s(file, "id"));
        }
        f
    }
}

impl LiveArchive {
    /// Reads an archive from the API's JSON.
    pub fn from_api(v: &Value) -> LiveArchive {
        LiveArchive {
            id: s(v, "id"),
            name: s(v, "name"),
            description: v
                .get("description")
                .and_then(Value::as_str)
                .map(str::to_string),
        }
    }
}

impl LiveState {
    /// The state to plan against when no server was read (see [`LiveState::not_read`]).
    pub fn unread() -> LiveState {
        LiveState {
            not_read: true,
            ..LiveState::default()
        }
    }

    /// Builds a snapshot from API JSON: agents (with embedded blocks), extra blocks, tools,
    /// folders paired with their file lists, archives paired with the agents they serve.
    pub fn from_api(
        agents: &[Value],
        extra_blocks: &[Value],
        tools: &[Value],
        folders: &[(Value, Vec<Value>)],
        archives: &[(Value, Vec<String>)],
    ) -> LiveState {
        let mut live = LiveState::default();
        let mut seen = BTreeSet::new();
        for a in agents {
            for b in LiveAgent::blocks_from_api(a) {
                if seen.insert(b.id.clone()) {
                    live.blocks.push(b);
                }
            }
            live.agents.push(LiveAgent::from_api(a));
        }
        for b in extra_blocks.iter().map(LiveBlock::from_api) {
            if seen.insert(b.id.clone()) {
                live.blocks.push(b);
            }
        }
        live.tools = tools.iter().map(LiveTool::from_api).collect();
        live.folders = folders
            .iter()
            .map(|(f, files)| LiveFolder::from_api(f, files))
            .collect();
        for (a, agent_ids) in archives {
            let archive = LiveArchive::from_api(a);
            for agent in live.agents.iter_mut().filter(|x| agent_ids.contains(&x.id)) {
                agent.archive_ids.push(archive.id.clone());
            }
            live.archives.push(archive);
        }
        live.canonicalize();
        live
    }

    /// Puts everything in a fixed order (by name, then id). The server lists by creation time,
    /// and objects created in the same instant come back in any order; a plan computed from
    /// the same state must come out the same, or a fresh re-plan would look "stale".
    pub fn canonicalize(&mut self) {
        self.agents
            .sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
        // Relationship lists too: PostgreSQL returns them in physical row order, which
        // changes when a row is updated.
        for a in &mut self.agents {
            a.archive_ids.sort();
            a.block_ids.sort();
            a.tool_ids.sort();
            a.folder_ids.sort();
        }
        self.blocks
            .sort_by(|a, b| (&a.label, &a.id).cmp(&(&b.label, &b.id)));
        self.tools
            .sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
        self.folders
            .sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
        self.archives
            .sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
        self.mcp_servers
            .sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
    }

    /// The MCP server with this name.
    pub fn mcp_server(&self, name: &str) -> Option<&LiveMcpServer> {
        self.mcp_servers.iter().find(|m| m.name == name)
    }

    /// The block with this id.
    pub fn block(&self, id: &str) -> Option<&LiveBlock> {
        self.blocks.iter().find(|b| b.id == id)
    }

    /// The tool with this name.
    pub fn tool_by_name(&self, name: &str) -> Option<&LiveTool> {
        self.tools.iter().find(|t| t.name == name)
    }

    /// The tool with this id.
    pub fn tool(&self, id: &str) -> Option<&LiveTool> {
        self.tools.iter().find(|t| t.id == id)
    }

    /// The folder with this name.
    pub fn folder_by_name(&self, name: &str) -> Option<&LiveFolder> {
        self.folders.iter().find(|f| f.name == name)
    }

    /// The folder with this id.
    pub fn folder(&self, id: &str) -> Option<&LiveFolder> {
        self.folders.iter().find(|f| f.id == id)
    }

    /// The archive with this name.
    pub fn archive_by_name(&self, name: &str) -> Option<&LiveArchive> {
        self.archives.iter().find(|a| a.name == name)
    }

    /// Agents with this exact name (names are not unique on the server).
    pub fn agents_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a LiveAgent> + 'a {
        self.agents.iter().filter(move |a| a.name == name)
    }

    /// Ids of the agents each block is attached to.
    pub fn block_users(&self) -> BTreeMap<&str, Vec<&LiveAgent>> {
        let mut m: BTreeMap<&str, Vec<&LiveAgent>> = BTreeMap::new();
        for a in &self.agents {
            for b in &a.block_ids {
                m.entry(b.as_str()).or_default().push(a);
            }
        }
        m
    }
}
