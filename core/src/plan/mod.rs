//! The plan: plain data that says exactly what a deploy, promote, apply or cleanup will do.
//!
//! [`plan`] computes it from (fleet, live state, options) with no I/O. The same value is
//! rendered for review ([`crate::render`]) and handed to the executor, so the preview can never
//! disagree with what runs. Each agent's work is a list of [`AgentStep`]s; references to
//! objects that the fleet-level steps will create are [`Ref`]s with no id yet, resolved by the
//! executor after those steps ran.

mod compute;
pub mod diff;

pub use compute::{folder_hashes, plan, PlanError};
pub use diff::{diff_text, Span, Tag, TextChange};

use crate::fleet::{BlockSpec, FolderFile};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// What the plan is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Deploy prefixed canary copies; never write to an object production uses.
    Canary,
    /// Apply the fleet to the production names after testing canaries.
    Promote,
    /// Apply the fleet to the production names (no canary involved).
    Apply,
    /// Delete canaries and their canary-only objects.
    Cleanup,
}

impl Mode {
    /// Whether agents get the canary prefix.
    pub fn is_canary(self) -> bool {
        matches!(self, Mode::Canary | Mode::Cleanup)
    }
}

/// Options of [`plan`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PlanOptions {
    /// What to plan.
    pub mode: Mode,
    /// Canary prefix (default `CANARY-`).
    pub prefix: String,
    /// Production names to plan for; all agents of the fleet when `None`.
    pub agents: Option<Vec<String>>,
    /// Remove attachments the fleet no longer lists.
    pub prune: bool,
    /// Canary mode: allow updating a changed tool in place (a production impact).
    pub accept_tool_updates: bool,
    /// Cleanup: every canary of the prefix, not only this fleet's.
    pub all_canaries: bool,
    /// Promote: clean up the canaries after every agent was promoted.
    pub cleanup_after: bool,
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions {
            mode: Mode::Canary,
            prefix: crate::canary::DEFAULT_PREFIX.to_string(),
            agents: None,
            prune: false,
            accept_tool_updates: false,
            all_canaries: false,
            cleanup_after: false,
        }
    }
}

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
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Kind::Agent => "agent",
            Kind::Block => "block",
            Kind::Tool => "tool",
            Kind::Folder => "folder",
            Kind::Archive => "archive",
        })
    }
}

/// One field change, for review: old and new value, and a diff for long text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// What changes, in the user's words (`system_prompt`, `tools`, `block persona`…).
    pub field: String,
    /// Old value (absent when something is added).
    pub old: Option<String>,
    /// New value (absent when something is removed).
    pub new: Option<String>,
    /// Word or line diff, for text.
    pub diff: Option<TextChange>,
}

impl Change {
    pub(crate) fn text(field: &str, old: &str, new: &str) -> Change {
        let long = old.len() > 60 || new.len() > 60 || old.contains('\n') || new.contains('\n');
        Change {
            field: field.to_string(),
            old: Some(old.to_string()),
            new: Some(new.to_string()),
            diff: long.then(|| diff_text(old, new)),
        }
    }

    pub(crate) fn value(field: &str, old: Option<String>, new: Option<String>) -> Change {
        Change {
            field: field.to_string(),
            old,
            new,
            diff: None,
        }
    }
}

/// A step on a fleet-level object (before any agent step runs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "camelCase")]
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
    },
    /// Bring an existing folder's files in line with the fleet.
    SyncFolder {
        /// Folder id.
        id: String,
        /// Server folder name.
        name: String,
        /// Files to upload (new or changed).
        upload: Vec<FolderFile>,
        /// File ids to delete first (changed or removed), with their names.
        delete: Vec<(String, String)>,
        /// The full desired file list (for the folder's metadata).
        files: Vec<FolderFile>,
        /// The canary prefix of a canary-only copy.
        copy_prefix: Option<String>,
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
                format!("Create folder '{name}' with {} file(s)", files.len())
            }
            FleetStep::SyncFolder {
                name,
                upload,
                delete,
                ..
            } => {
                format!(
                    "Update folder '{name}': {} upload(s), {} removal(s)",
                    upload.len(),
                    delete.len()
                )
            }
            FleetStep::CreateArchive { name, .. } => format!("Create archive '{name}'"),
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
        }
    }
}

/// Everything a new agent's single create request carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
}

/// Fields of an agent update; only what changes is set. Model, context window and max tokens
/// always travel together: the server resets the others when one is patched alone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
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
}

impl AgentPatch {
    /// Whether nothing is set.
    pub fn is_empty(&self) -> bool {
        *self == AgentPatch::default()
    }
}

/// One step of an agent's work.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "camelCase")]
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
}

/// What happens to an agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Action {
    /// A new agent.
    Create,
    /// An existing agent changes.
    Update,
    /// Nothing to write.
    Unchanged,
}

/// The plan for one agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentPlan {
    /// The fleet's (production) name.
    pub production_name: String,
    /// The name on the server (prefixed for canaries).
    pub name: String,
    /// Create, update or unchanged.
    pub action: Action,
    /// Existing agent id.
    pub id: Option<String>,
    /// Field changes, for review.
    pub changes: Vec<Change>,
    /// Fields that stay as they are, for the "show all" view: `(field, value)`.
    pub unchanged: Vec<(String, String)>,
    /// What the executor does, in order.
    pub steps: Vec<AgentStep>,
}

/// Something a canary deploy would do to an object production uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Impact {
    /// Kind of object.
    pub kind: Kind,
    /// Its name.
    pub name: String,
    /// What would happen.
    pub detail: String,
    /// Production agents that use it.
    pub used_by: Vec<String>,
    /// Whether the user accepted it (only then does the plan include the write).
    pub accepted: bool,
}

/// An object the plan deletes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deletion {
    /// Kind of object.
    pub kind: Kind,
    /// Server id.
    pub id: String,
    /// Its name or label.
    pub name: String,
    /// Why it goes.
    pub reason: String,
    /// The agent (id) whose deletion frees this object: it goes right after that agent.
    /// `None`: after every agent deletion succeeded.
    #[serde(default)]
    pub after_agent: Option<String>,
}

/// An object cleanup looked at and keeps, with the reason (so the user sees it was spared).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Kept {
    /// Kind of object.
    pub kind: Kind,
    /// Server id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Why it stays.
    pub reason: String,
}

/// Counts for the summary line.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Agents to create.
    pub create: usize,
    /// Agents to update.
    pub update: usize,
    /// Agents unchanged.
    pub unchanged: usize,
    /// Objects to delete.
    pub delete: usize,
    /// Fleet-level steps.
    pub fleet_steps: usize,
    /// Total changes (creates + field changes + fleet steps + deletions).
    pub total_changes: usize,
}

/// Everything a run will do, and why it may refuse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// What the plan is for.
    pub mode: Mode,
    /// Canary prefix (canary and cleanup modes).
    pub prefix: Option<String>,
    /// Promote: clean up canaries after every agent succeeded.
    pub cleanup_after: bool,
    /// Fleet-level steps, run first.
    pub fleet_steps: Vec<FleetStep>,
    /// Per-agent plans.
    pub agents: Vec<AgentPlan>,
    /// Writes to objects production uses (canary mode).
    pub production_impact: Vec<Impact>,
    /// Objects to delete (cleanup, prune).
    pub deletions: Vec<Deletion>,
    /// Objects cleanup spares, with reasons.
    pub kept: Vec<Kept>,
    /// Reasons the plan cannot be executed as it stands.
    pub blockers: Vec<String>,
    /// Counts.
    pub summary: Summary,
    /// Hash of everything above: equal fingerprints mean equal work.
    pub fingerprint: String,
}

impl Plan {
    /// Whether executing would write nothing.
    pub fn is_noop(&self) -> bool {
        self.fleet_steps.is_empty()
            && self.deletions.is_empty()
            && self.agents.iter().all(|a| a.steps.is_empty())
    }

    /// Whether the executor may run it.
    pub fn is_executable(&self) -> bool {
        self.blockers.is_empty()
    }
}

/// FNV-1a, 64 bit: a stable, dependency-free fingerprint of plan contents (not a security hash).
pub fn fingerprint(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}
