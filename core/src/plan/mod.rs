//! The plan: plain data that says exactly what a deploy, promote, apply or cleanup will do.
//!
//! [`plan`] computes it from (fleet, live state, options) with no I/O. The same value is
//! rendered for review ([`crate::render`]) and handed to the executor, so the preview can never
//! disagree with what runs. Each agent's work is a list of [`AgentStep`]s; references to
//! objects that the fleet-level steps will create are [`Ref`]s with no id yet, resolved by the
//! executor after those steps ran.
//!
//! A plan has up to two phases: phase one writes (fleet-level steps, then agents); phase two,
//! the [`CleanupPhase`], deletes. A cleanup plan is phase two alone; a promote "then clean up"
//! carries both, reviewed together, and phase two runs only when every agent of phase one
//! succeeded — no second, unreviewed plan is ever computed after a run.
//!
//! The computation lives in [`compute`] (the facade) and in one reconciler per object kind
//! (`reconcile/`), each returning its own fleet steps, changes and blockers.

mod compute;
pub mod diff;
mod reconcile;
mod review;
pub mod secrets;
mod steps;
pub mod vars;

pub use compute::{plan, PlanError, NOT_READ};
pub use diff::{diff_rows, diff_text, word_spans, DiffRow, Span, Tag, TextChange};
pub use reconcile::folder_hashes;
pub use reconcile::{desired_definition, fleet_variables};
pub use review::{
    Action, AgentPlan, Change, CleanupPhase, DeleteKind, Deletion, Impact, Kept, Summary,
};
pub use secrets::{SecretWrite, Sensitive, SENSITIVE_TEXT};
pub use steps::{
    file_names, folder_delta_names, source_lines, AgentPatch, AgentStep, CreateAgent, FleetStep,
    Kind, Ref, ServerFile,
};

use serde::{Deserialize, Serialize};

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
    /// Canary mode: allow updating a changed tool in place (a production impact) — custom
    /// tools, and MCP servers whose definition changed (their tools change with them).
    pub accept_tool_updates: bool,
    /// Cleanup: every canary of the prefix, not only this fleet's.
    pub all_canaries: bool,
    /// Promote: clean up the canaries after every agent was promoted.
    pub cleanup_after: bool,
    /// Values for `${VAR}` / `$VAR` in MCP server definitions. Read from JSON but never written
    /// (plan files and History never hold them); see [`vars`].
    #[serde(default, skip_serializing)]
    pub vars: vars::Vars,
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
            vars: vars::Vars::default(),
        }
    }
}

/// Everything a run will do, and why it may refuse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    /// What the plan is for.
    pub mode: Mode,
    /// Canary prefix (canary and cleanup modes).
    pub prefix: Option<String>,
    /// Fleet-level steps, run first.
    pub fleet_steps: Vec<FleetStep>,
    /// Per-agent plans.
    pub agents: Vec<AgentPlan>,
    /// Writes to objects production uses (canary mode).
    pub production_impact: Vec<Impact>,
    /// Phase two: what cleanup deletes and spares. Always present in cleanup mode; in a
    /// promote "then clean up", it runs only when every agent of phase one succeeded.
    pub cleanup: Option<CleanupPhase>,
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
            && self.cleanup.as_ref().is_none_or(|c| c.deletions.is_empty())
            && self.agents.iter().all(|a| a.steps.is_empty())
    }

    /// Objects phase two deletes (empty without a cleanup phase).
    pub fn deletions(&self) -> &[Deletion] {
        self.cleanup
            .as_ref()
            .map_or(&[], |c| c.deletions.as_slice())
    }

    /// Whether phase two only runs after phase one succeeded (promote "then clean up").
    pub fn cleanup_follows(&self) -> bool {
        self.mode == Mode::Promote && self.cleanup.is_some()
    }

    /// Whether the executor may run it.
    pub fn is_executable(&self) -> bool {
        self.blockers.is_empty()
    }
}

/// FNV-1a, 64 bit: a stable, dependency-free fingerprint of plan contents (not a security hash).
pub fn fingerprint(bytes: &[u8]) -> String {
    let mut h = Fnv::default();
    h.feed(bytes);
    h.hex()
}

/// FNV-1a fed piece by piece: [`fingerprint`] of everything written, without holding it (a
/// plan's JSON is ~1 MB for 1,000 agents; hashing it as it is written saves building it).
#[derive(Debug, Clone, Copy)]
pub struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    /// Hashes more bytes.
    pub fn feed(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }

    /// The fingerprint of everything fed so far.
    pub fn hex(&self) -> String {
        format!("{:016x}", self.0)
    }
}

impl std::io::Write for Fnv {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.feed(buf);
        Ok(buf.len())
    }

    // The serializer writes token by token: one call each, not the default retry loop.
    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.feed(buf);
        Ok(())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
