//! One reconciler per object kind. Each reads the fleet and the live state through a shared
//! [`Ctx`] and contributes its fleet steps, production impact and blockers to a [`Phase1`];
//! the kinds agents refer to (shared blocks, folders) also say where each logical name
//! resolves ([`Resolved`]), which the agent reconciler then uses.
//!
//! The safety rule every reconciler keeps: in canary mode nothing a non-canary agent uses is
//! written, and a canary-only copy is recognised by our marker *and* the prefix, never by its
//! name alone.

mod agent_update;
pub(super) mod agents;
pub(super) mod archives;
pub(super) mod cleanup;
pub(super) mod folders;
mod index;
pub(super) mod mcp;
mod secrets;
pub(super) mod shared_blocks;
pub(super) mod tools;

pub use folders::folder_hashes;
pub(super) use index::Index;
pub use mcp::{desired_definition, fleet_variables};

use super::{FleetStep, Impact, Mode, PlanOptions};
use crate::canary::{canary_mark, keys, Prefix};
use crate::fleet::{AgentSpec, Fleet};
use crate::live::{LiveAgent, LiveState};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// What every reconciler reads.
pub(super) struct Ctx<'a> {
    /// The fleet.
    pub fleet: &'a Fleet,
    /// The server as read.
    pub live: &'a LiveState,
    /// Plan options.
    pub opts: &'a PlanOptions,
    /// The validated prefix.
    pub prefix: Prefix,
    /// Agents of the fleet this plan covers.
    pub selected: Vec<&'a AgentSpec>,
    /// Block id → the agents it is attached to (read by several rules; built once).
    pub users: BTreeMap<&'a str, Vec<&'a LiveAgent>>,
    /// The live state's objects by id and name (built once: every agent asks).
    pub ix: Index<'a>,
}

impl<'a> Ctx<'a> {
    /// Canary deploy (not cleanup).
    pub fn canary(&self) -> bool {
        self.opts.mode == Mode::Canary
    }

    /// The server name of a fleet agent in this plan.
    pub fn target_name(&self, production: &str) -> String {
        if self.opts.mode.is_canary() {
            format!("{}{}", self.prefix.as_str(), production)
        } else {
            production.to_string()
        }
    }

    /// The server name of a canary-only copy of a folder.
    pub fn copy_name(&self, logical: &str) -> String {
        format!("{}{}", self.prefix.as_str(), logical)
    }

    /// Non-canary agents that have block `id` attached.
    pub fn block_production_users(&self, id: &str) -> Vec<String> {
        self.users
            .get(id)
            .map(|us| production_names(us))
            .unwrap_or_default()
    }

    /// Non-canary agents that have folder `id` attached.
    pub fn folder_production_users(&self, id: &str) -> Vec<String> {
        let users: Vec<&LiveAgent> = self
            .live
            .agents
            .iter()
            .filter(|a| a.folder_ids.iter().any(|f| f == id))
            .collect();
        production_names(&users)
    }
}

/// Names of the non-canary agents among `agents` (sorted, deduplicated, for stable plans).
pub(super) fn production_names(agents: &[&LiveAgent]) -> Vec<String> {
    let mut v: Vec<String> = agents
        .iter()
        .filter(|a| !is_canary_agent(a))
        .map(|a| a.name.clone())
        .collect();
    v.sort();
    v.dedup();
    v
}

/// Whether an agent is a canary (of any prefix), by name and metadata.
pub(super) fn is_canary_agent(a: &LiveAgent) -> bool {
    canary_mark(&a.name, &a.metadata).is_some()
}

/// The prefix a canary-only copy (block or folder) was made for, from our marker.
pub(super) fn copy_prefix(meta: &Map<String, Value>) -> Option<&str> {
    meta.get(keys::COPY_PREFIX).and_then(|v| v.as_str())
}

/// Where a logical shared object (block label or folder name) resolves for this plan.
#[derive(Debug, Clone)]
pub(super) struct Resolved {
    /// Server name (folders: the copy's prefixed name).
    pub name: String,
    /// Existing id, or `None` when a fleet step creates it.
    pub id: Option<String>,
    /// Whether it resolves to a canary-only copy.
    pub copy: bool,
}

/// What the fleet-level reconcilers produce.
#[derive(Debug, Default)]
pub(super) struct Phase1 {
    /// Fleet-level steps.
    pub steps: Vec<FleetStep>,
    /// Writes to objects production uses.
    pub impact: Vec<Impact>,
    /// Reasons the plan cannot run.
    pub blockers: Vec<String>,
    /// Shared block label → resolution.
    pub blocks: BTreeMap<String, Resolved>,
    /// Logical folder name → resolution.
    pub folders: BTreeMap<String, Resolved>,
    /// MCP server name → resolution.
    pub mcp: BTreeMap<String, mcp::McpResolved>,
}
