//! What a plan tells the reviewer: field changes, per-agent actions, production impact, and
//! the cleanup phase (what is deleted, what is spared and why).

use super::diff::{diff_text, TextChange};
use super::{AgentStep, Kind};
use serde::{Deserialize, Serialize};

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
    /// Nothing may be written: the target is ambiguous or is not ours (the reason is in the
    /// plan's blockers). Never counted as unchanged.
    Blocked,
}

/// The plan for one agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
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
#[serde(rename_all = "camelCase")]
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

/// Kinds of objects a cleanup may delete. Tools and archives are not among them: they are
/// production objects a canary only references, so a deletion of one cannot be planned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeleteKind {
    /// A canary agent.
    Agent,
    /// A canary's own block, or a canary-only copy of a shared block.
    Block,
    /// A canary-only copy of a folder.
    Folder,
}

impl DeleteKind {
    /// The general object kind.
    pub fn kind(self) -> Kind {
        match self {
            DeleteKind::Agent => Kind::Agent,
            DeleteKind::Block => Kind::Block,
            DeleteKind::Folder => Kind::Folder,
        }
    }
}

impl std::fmt::Display for DeleteKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.kind().fmt(f)
    }
}

/// An object the plan deletes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Deletion {
    /// Kind of object.
    pub kind: DeleteKind,
    /// Server id.
    pub id: String,
    /// Its name or label.
    pub name: String,
    /// Why it goes.
    pub reason: String,
    /// The canary agent (id) this block belongs to alone: it is deleted just before that
    /// agent, and the agent only once it is gone — so a failure leaves the agent, through
    /// which a second cleanup finds the block again. `None`: after every agent is gone.
    #[serde(default)]
    pub with_agent: Option<String>,
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

/// Phase two of a plan: the cleanup, reviewed with the rest of the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CleanupPhase {
    /// The canary prefix being cleaned up.
    pub prefix: String,
    /// Objects to delete, in the order the executor may delete them.
    pub deletions: Vec<Deletion>,
    /// Objects looked at and spared, with reasons.
    pub kept: Vec<Kept>,
}

impl CleanupPhase {
    /// Number of agents it deletes.
    pub fn agents(&self) -> usize {
        self.deletions
            .iter()
            .filter(|d| d.kind == DeleteKind::Agent)
            .count()
    }
}

/// Counts for the summary line.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// Agents to create.
    pub create: usize,
    /// Agents to update.
    pub update: usize,
    /// Agents unchanged.
    pub unchanged: usize,
    /// Agents that cannot be planned (see the plan's blockers).
    pub blocked: usize,
    /// Objects to delete.
    pub delete: usize,
    /// Fleet-level steps.
    pub fleet_steps: usize,
    /// Total changes (creates + field changes + fleet steps + deletions).
    pub total_changes: usize,
}
