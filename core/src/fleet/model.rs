//! The resolved fleet: what a valid `fleet.yaml` means once every file it references is read.
//!
//! Nothing here is optional "because the YAML might not say": defaults are applied, prompt
//! texts, block values, tool sources and folder documents are loaded, tags are a sorted set.
//! The planner works only with this, never with raw YAML.

use super::integrations::{McpServerSpec, McpToolsSpec, SecretSpec};
use serde::{Deserialize, Serialize};

/// A whole fleet, resolved and valid.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Fleet {
    /// The agents, in file order.
    pub agents: Vec<AgentSpec>,
    /// Blocks that several agents share (one server object each).
    pub shared_blocks: Vec<BlockSpec>,
    /// Folders that several agents share (one server object each).
    pub shared_folders: Vec<FolderSpec>,
    /// MCP servers the fleet defines (lettactl's top-level `mcp_servers`).
    #[serde(default)]
    pub mcp_servers: Vec<McpServerSpec>,
    /// Secrets every agent gets (lettactl's `global-secrets`); an agent's own win.
    #[serde(default)]
    pub global_secrets: Vec<SecretSpec>,
    /// Secret names (upper-cased) that pruning must never delete (`preserve_secrets`).
    #[serde(default)]
    pub preserve_secrets: Vec<String>,
}

impl Fleet {
    /// The name of every folder the fleet uses: its shared folders, then each agent's own (a
    /// name may come more than once).
    pub fn folder_names(&self) -> impl Iterator<Item = &str> {
        self.shared_folders.iter().map(|f| f.name.as_str()).chain(
            self.agents
                .iter()
                .flat_map(|a| a.folders.iter().map(|f| f.name.as_str())),
        )
    }

    /// The top-level shared block with this label.
    pub fn shared_block(&self, label: &str) -> Option<&BlockSpec> {
        self.shared_blocks.iter().find(|b| b.label == label)
    }

    /// The top-level shared folder with this name.
    pub fn shared_folder(&self, name: &str) -> Option<&FolderSpec> {
        self.shared_folders.iter().find(|f| f.name == name)
    }

    /// The agent with this production name.
    pub fn agent(&self, name: &str) -> Option<&AgentSpec> {
        self.agents.iter().find(|a| a.name == name)
    }

    /// The fleet's MCP server with this name.
    pub fn mcp_server(&self, name: &str) -> Option<&McpServerSpec> {
        self.mcp_servers.iter().find(|m| m.name == name)
    }

    /// The secrets an agent gets: `global-secrets` overlaid with its own, sorted by name.
    pub fn secrets_for(&self, agent: &AgentSpec) -> Vec<SecretSpec> {
        super::integrations::merged_secrets(&self.global_secrets, &agent.secrets)
    }
}

/// One agent as the fleet describes it (production name; the canary prefix is applied later).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentSpec {
    /// Production name (`^[A-Za-z0-9_-]+$`).
    pub name: String,
    /// Human description, sent to the server.
    pub description: String,
    /// The system prompt, trimmed and with a surrounding ``` fence removed.
    pub system_prompt: String,
    /// Model settings.
    pub llm: LlmConfig,
    /// Embedding handle (needed on self-hosted servers for folders and archives).
    pub embedding: Option<String>,
    /// Tools the agent needs, deduplicated by name, in file order.
    pub tools: Vec<ToolSpec>,
    /// Whether the server should attach its base tools.
    pub include_base_tools: bool,
    /// Agent-specific blocks: each agent (and each canary) gets its own objects.
    pub memory_blocks: Vec<BlockSpec>,
    /// Labels of top-level shared blocks this agent attaches.
    pub shared_blocks: Vec<String>,
    /// Folders that belong to this agent only.
    pub folders: Vec<FolderSpec>,
    /// Names of top-level shared folders this agent attaches.
    pub shared_folders: Vec<String>,
    /// The agent's archive, if any (at most one).
    pub archive: Option<ArchiveSpec>,
    /// Tags as a sorted set.
    pub tags: Vec<String>,
    /// Sent once after the agent is created in production (never for a canary).
    pub first_message: Option<String>,
    /// Whether the model reasons before answering.
    pub reasoning: bool,
    /// Conversations the agent should have (lettactl's `conversations`), matched by summary.
    #[serde(default)]
    pub conversations: Vec<ConversationSpec>,
    /// Tools of the fleet's MCP servers this agent attaches (lettactl's `mcp_tools`).
    #[serde(default)]
    pub mcp_tools: Vec<McpToolsSpec>,
    /// The agent's own secrets (lettactl's `secrets`), sorted by name; see
    /// [`Fleet::secrets_for`] for what it gets with `global-secrets`.
    #[serde(default)]
    pub secrets: Vec<SecretSpec>,
}

/// A conversation an agent should have, matched on the server by its summary. Created when
/// missing, never deleted or changed by an apply (its history belongs to its users).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationSpec {
    /// The summary, which identifies the conversation.
    pub summary: String,
    /// Block labels the conversation gets its own copies of (`isolated_blocks`).
    pub isolated_blocks: Vec<String>,
}

/// Model handle and limits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LlmConfig {
    /// Model handle such as `openai/gpt-4.1`.
    pub model: String,
    /// Context window in tokens (1000..=200000).
    pub context_window: u32,
    /// Upper bound of tokens per reply.
    pub max_tokens: Option<u32>,
}

/// A tool an agent uses: a server tool by name, or our own Python source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolSpec {
    /// Tool name (for custom tools: the Python function name, as the server derives it).
    pub name: String,
    /// Python source for custom tools; `None` for tools the server already has.
    pub source: Option<String>,
}

/// A memory block (agent-specific or shared).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BlockSpec {
    /// The block label the agent sees (`name` in YAML).
    pub label: String,
    /// What the block is for; the model reads it.
    pub description: String,
    /// Maximum characters.
    pub limit: u32,
    /// Initial (and, unless agent-owned, synced) value.
    pub value: String,
    /// `true`: the agent owns the value and the YAML never overwrites it after creation.
    pub agent_owned: bool,
}

/// A folder of documents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FolderSpec {
    /// Folder name on the server.
    pub name: String,
    /// Documents, sorted by path.
    pub files: Vec<FolderFile>,
    /// Each `files` entry as written and the paths it matched, so that a plan can say which
    /// documents a pattern such as `docs/*.md` brought in.
    #[serde(default)]
    pub sources: Vec<FileSource>,
}

/// One `files` entry of a folder and what it matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FileSource {
    /// The entry as written (a plain path or a pattern).
    pub pattern: String,
    /// The file-set paths it matched, sorted (one for a plain path).
    pub matched: Vec<String>,
}

/// One document of a folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FolderFile {
    /// Path relative to the fleet root; the server file name is its last segment.
    pub path: String,
    /// File contents as bytes (documents may be binary); serialised as text when UTF-8.
    #[serde(with = "crate::fleet::files::content_serde")]
    pub content: Vec<u8>,
}

impl FolderFile {
    /// The name the server stores the file under.
    pub fn file_name(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or(&self.path)
    }
}

/// An archive (archival memory) attached to one agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ArchiveSpec {
    /// Archive name.
    pub name: String,
    /// Optional description.
    pub description: Option<String>,
    /// Optional embedding handle (falls back to the agent's).
    pub embedding: Option<String>,
}
