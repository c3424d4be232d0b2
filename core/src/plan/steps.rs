//! The steps a plan is made of: what the executor does to fleet-level objects and to each
//! agent, and the references between them.

use super::Change;
use crate::fleet::{BlockSpec, FileSource, FolderFile};
use crate::live::McpDefinition;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A reference to a server object: `id` is known for existing objects and `None` for ones a
/// fleet-level step of this plan creates (matched by kind and `name`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ref {
    /// Name (tool name, block label, folder name, archive name).
    pub name: String,
    /// Server id, when the object exists already.
    pub id: Option<String>,
}

/// Kinds of server objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// An agent.
    Agent,
    /// A memory block.
    Block,
    /// A tool.
    Tool,
    /// A folder.
    Folder,
    /// An archive.
    Archive,
    /// An MCP server. Attaching one means attaching every tool it offers once this plan's
    /// fleet steps ran (its tool list is known only then, when the plan registers or changes it).
    McpServer,
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Kind::Agent => "agent",
            Kind::Block => "block",
            Kind::Tool => "tool",
            Kind::Folder => "folder",
            Kind::Archive => "archive",
            Kind::McpServer => "MCP server",
        })
    }
}

/// A step on a fleet-level object (before any agent step runs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum FleetStep {
    /// Create a block (a shared block, or a canary-only copy when `copy_prefix` is set).
    CreateBlock {
        /// Desired block.
        spec: BlockSpec,
        /// The canary prefix of a canary-only copy.
        copy_prefix: Option<String>,
    },
    /// Update a block's value, limit and description.
    UpdateBlock {
        /// Block id.
        id: String,
        /// Desired block.
        spec: BlockSpec,
        /// Whether this block is a canary-only copy.
        copy: bool,
        /// What changes.
        changes: Vec<Change>,
    },
    /// Create a tool from Python source.
    CreateTool {
        /// Tool name.
        name: String,
        /// Python source.
        source: String,
    },
    /// Update a tool's source in place (never delete and re-create).
    UpdateTool {
        /// Tool id.
        id: String,
        /// Tool name.
        name: String,
        /// New Python source.
        source: String,
        /// The source change.
        change: Change,
    },
    /// Create a folder and upload its files.
    CreateFolder {
        /// Server folder name.
        name: String,
        /// Embedding handle.
        embedding: Option<String>,
        /// Documents.
        files: Vec<FolderFile>,
        /// The canary prefix of a canary-only copy.
        copy_prefix: Option<String>,
        /// The fleet's `files` entries and what each matched (globs included).
        #[serde(default)]
        sources: Vec<FileSource>,
    },
    /// Bring an existing folder's files in line with the fleet.
    SyncFolder {
        /// Folder id.
        id: String,
        /// Server folder name.
        name: String,
        /// Files to upload (new or changed).
        upload: Vec<FolderFile>,
        /// Server files to delete first (changed or removed).
        delete: Vec<ServerFile>,
        /// The full desired file list (for the folder's metadata).
        files: Vec<FolderFile>,
        /// The canary prefix of a canary-only copy.
        copy_prefix: Option<String>,
        /// The fleet's `files` entries and what each matched (globs included).
        #[serde(default)]
        sources: Vec<FileSource>,
    },
    /// Create an archive.
    CreateArchive {
        /// Archive name.
        name: String,
        /// Description.
        description: Option<String>,
        /// Embedding handle.
        embedding: Option<String>,
    },
    /// Register an MCP server; the server connects to it and syncs its tools as part of it.
    CreateMcpServer {
        /// Server name.
        name: String,
        /// `stdio`, `sse` or `streamable_http`.
        server_type: String,
        /// The definition to send, `${VAR}`s expanded. Never serialised: it may hold secrets,
        /// and the values behind it stay in memory; the executor runs the plan it re-computes
        /// (same fingerprint), which carries it again.
        #[serde(skip)]
        definition: Option<McpDefinition>,
    },
    /// Bring an MCP server's definition in line (when `changes` is not empty), then refresh its
    /// tools (re-sync with what the server offers; ids of tools that stay are kept).
    UpdateMcpServer {
        /// MCP server id.
        id: String,
        /// Server name.
        name: String,
        /// What changes in the definition (secret values shown as names only).
        changes: Vec<Change>,
        /// The definition to send (see `CreateMcpServer`); never serialised.
        #[serde(skip)]
        definition: Option<McpDefinition>,
    },
}

impl FleetStep {
    /// What the step does, in a sentence (progress, results and the web view's plan).
    pub fn describe(&self) -> String {
        match self {
            FleetStep::CreateBlock {
                spec,
                copy_prefix: Some(p),
            } => {
                format!(
                    "Create canary-only copy of shared block '{}' (for {p})",
                    spec.label
                )
            }
            FleetStep::CreateBlock { spec, .. } => format!("Create shared block '{}'", spec.label),
            FleetStep::UpdateBlock {
                spec, copy: true, ..
            } => format!("Update canary copy of block '{}'", spec.label),
            FleetStep::UpdateBlock { spec, .. } => {
                format!("Update shared block '{}' (production)", spec.label)
            }
            FleetStep::CreateTool { name, .. } => format!("Create tool '{name}'"),
            FleetStep::UpdateTool { name, .. } => format!("Update tool '{name}' in place"),
            FleetStep::CreateFolder { name, files, .. } => {
                format!(
                    "Create folder '{name}' with {}: {}",
                    crate::wording::count(files.len(), "file"),
                    file_names(files)
                )
            }
            FleetStep::SyncFolder {
                name,
                upload,
                delete,
                ..
            } => {
                let (added, replaced, removed) = folder_delta_names(upload, delete);
                let mut parts = Vec::new();
                for (verb, names) in [("add", added), ("replace", replaced), ("remove", removed)] {
                    if !names.is_empty() {
                        parts.push(format!("{verb} {}", names.join(", ")));
                    }
                }
                format!("Update folder '{name}': {}", parts.join("; "))
            }
            FleetStep::CreateArchive { name, .. } => format!("Create archive '{name}'"),
            FleetStep::CreateMcpServer {
                name, server_type, ..
            } => format!("Register MCP server '{name}' ({server_type})"),
            FleetStep::UpdateMcpServer { name, changes, .. } if changes.is_empty() => {
                format!("Refresh MCP server '{name}' tools")
            }
            FleetStep::UpdateMcpServer { name, .. } => {
                format!("Update MCP server '{name}' and refresh its tools")
            }
        }
    }

    /// Whether the step creates an object (else it updates one).
    pub fn creates(&self) -> bool {
        matches!(
            self,
            FleetStep::CreateBlock { .. }
                | FleetStep::CreateTool { .. }
                | FleetStep::CreateFolder { .. }
                | FleetStep::CreateArchive { .. }
                | FleetStep::CreateMcpServer { .. }
        )
    }

    /// Kind and name of the object the step writes, for display and for resolving [`Ref`]s.
    pub fn target(&self) -> (Kind, &str) {
        match self {
            FleetStep::CreateBlock { spec, .. } | FleetStep::UpdateBlock { spec, .. } => {
                (Kind::Block, &spec.label)
            }
            FleetStep::CreateTool { name, .. } | FleetStep::UpdateTool { name, .. } => {
                (Kind::Tool, name)
            }
            FleetStep::CreateFolder { name, .. } | FleetStep::SyncFolder { name, .. } => {
                (Kind::Folder, name)
            }
            FleetStep::CreateArchive { name, .. } => (Kind::Archive, name),
            FleetStep::CreateMcpServer { name, .. } | FleetStep::UpdateMcpServer { name, .. } => {
                (Kind::McpServer, name)
            }
        }
    }
}

/// A file already in a server folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerFile {
    /// Server file id.
    pub id: String,
    /// File name.
    pub name: String,
}

/// What each `files` entry of a folder matched, for plan lines: `docs/*.md → a.md, b.md`
/// (a plain path that names itself is left out; empty when every entry is a plain path).
pub fn source_lines(sources: &[FileSource]) -> Vec<String> {
    sources
        .iter()
        .filter(|s| s.matched.len() != 1 || s.matched[0] != s.pattern)
        .map(|s| {
            let names: Vec<&str> = s
                .matched
                .iter()
                .map(|m| m.rsplit('/').next().unwrap_or(m))
                .collect();
            if names.is_empty() {
                format!("{} matched no file", s.pattern)
            } else {
                format!("{} → {}", s.pattern, names.join(", "))
            }
        })
        .collect()
}

/// The file names of a folder's documents, comma-separated, for plan lines.
pub fn file_names(files: &[FolderFile]) -> String {
    let names: Vec<&str> = files.iter().map(|f| f.file_name()).collect();
    names.join(", ")
}

/// Names of a folder sync's files: (added, replaced, removed), each sorted.
pub fn folder_delta_names(
    upload: &[FolderFile],
    delete: &[ServerFile],
) -> (Vec<String>, Vec<String>, Vec<String>) {
    let gone: std::collections::BTreeSet<&str> = delete.iter().map(|f| f.name.as_str()).collect();
    let up: std::collections::BTreeSet<&str> = upload.iter().map(|f| f.file_name()).collect();
    let added = up.difference(&gone).map(|s| s.to_string()).collect();
    let replaced = up.intersection(&gone).map(|s| s.to_string()).collect();
    let removed = gone.difference(&up).map(|s| s.to_string()).collect();
    (added, replaced, removed)
}

/// Everything a new agent's single create request carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateAgent {
    /// Name on the server (prefixed for canaries).
    pub name: String,
    /// Description.
    pub description: String,
    /// System prompt.
    pub system: String,
    /// Model handle.
    pub model: String,
    /// Context window.
    pub context_window: u32,
    /// Max tokens.
    pub max_tokens: Option<u32>,
    /// Embedding handle.
    pub embedding: Option<String>,
    /// Agent-specific blocks, created inline (fresh objects for every agent).
    pub memory_blocks: Vec<BlockSpec>,
    /// Shared blocks (production or canary copy).
    pub blocks: Vec<Ref>,
    /// Tools.
    pub tools: Vec<Ref>,
    /// Folders.
    pub folders: Vec<Ref>,
    /// Tags.
    pub tags: Vec<String>,
    /// Metadata (the canary keys; the executor adds the creation time).
    pub metadata: Map<String, Value>,
    /// Attach the server's base tools.
    pub include_base_tools: bool,
    /// Reasoning setting.
    pub reasoning: bool,
    /// Secrets, sent in the create body (values never serialise).
    #[serde(default)]
    pub secrets: super::SecretWrite,
}

/// Fields of an agent update; only what changes is set. Model, context window and max tokens
/// always travel together: the server resets the others when one is patched alone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentPatch {
    /// New description.
    pub description: Option<String>,
    /// New system prompt.
    pub system: Option<String>,
    /// New model settings `(model, context_window, max_tokens)`.
    pub llm: Option<(String, u32, Option<u32>)>,
    /// New embedding.
    pub embedding: Option<String>,
    /// New tag set.
    pub tags: Option<Vec<String>>,
    /// New reasoning setting.
    pub reasoning: Option<bool>,
    /// Metadata keys to merge into the live metadata (read, merge, write).
    pub metadata: Option<Map<String, Value>>,
    /// Secrets to set and remove (read, merge, write: the server replaces them whole).
    #[serde(default)]
    pub secrets: Option<super::SecretWrite>,
}

impl AgentPatch {
    /// Whether nothing is set.
    pub fn is_empty(&self) -> bool {
        *self == AgentPatch::default()
    }
}

/// One step of an agent's work.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum AgentStep {
    /// Create the agent in one request.
    Create(Box<CreateAgent>),
    /// Update agent fields.
    Patch(AgentPatch),
    /// Create an agent-specific block and attach it.
    CreateBlock(BlockSpec),
    /// Update an agent-specific block in place.
    UpdateBlock {
        /// Block id.
        id: String,
        /// Desired block.
        spec: BlockSpec,
    },
    /// Attach an object.
    Attach {
        /// What kind.
        kind: Kind,
        /// Which one.
        target: Ref,
    },
    /// Detach an object (never deletes it).
    Detach {
        /// What kind.
        kind: Kind,
        /// Which one.
        target: Ref,
    },
    /// Send the fleet's `first_message` (new production agents only).
    FirstMessage {
        /// The message.
        text: String,
    },
    /// Create one of the fleet's conversations on the agent (matched later by summary).
    CreateConversation {
        /// The summary that identifies it.
        summary: String,
        /// Block labels it gets its own copies of.
        isolated_blocks: Vec<String>,
    },
}
