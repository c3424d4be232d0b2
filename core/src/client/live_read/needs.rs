//! What a plan of a fleet will ask the server about agents, given what has been read so far:
//! the narrow reads of `scoped.rs` are driven by it, round after round, until nothing is
//! missing (or the whole server is cheaper).

use crate::canary::{canary_mark, keys};
use crate::fleet::Fleet;
use crate::live::LiveState;
use crate::plan::{Mode, PlanOptions};
use serde_json::Value;
use std::collections::BTreeSet;

/// What the planner will ask about agents, given the state read so far.
#[derive(Debug, Default)]
pub(super) struct Needs {
    /// Agent names to read exactly.
    pub(super) names: BTreeSet<String>,
    /// Whether every agent carrying the prefix must be read.
    pub(super) prefix: bool,
    /// Blocks whose users must be read.
    pub(super) blocks: BTreeSet<String>,
    /// Folders whose users must be read.
    pub(super) folders: BTreeSet<String>,
}

impl Needs {
    pub(super) fn is_empty(&self) -> bool {
        self.names.is_empty() && !self.prefix && self.blocks.is_empty() && self.folders.is_empty()
    }

    /// What is in `self` and not yet in `done`; adds it to `done`.
    pub(super) fn take_new(self, done: &mut Needs) -> Needs {
        let mut out = Needs::default();
        for n in self.names {
            if done.names.insert(n.clone()) {
                out.names.insert(n);
            }
        }
        if self.prefix && !done.prefix {
            done.prefix = true;
            out.prefix = true;
        }
        for b in self.blocks {
            if done.blocks.insert(b.clone()) {
                out.blocks.insert(b);
            }
        }
        for f in self.folders {
            if done.folders.insert(f.clone()) {
                out.folders.insert(f);
            }
        }
        out
    }
}

fn copy_prefix(meta: &serde_json::Map<String, Value>) -> Option<&str> {
    meta.get(keys::COPY_PREFIX).and_then(Value::as_str)
}

/// The questions the planner asks about agents, for these options, on `live` (see the module
/// documentation for which rule each answers).
pub(super) fn needs(fleet: &Fleet, opts: &PlanOptions, live: &LiveState) -> Needs {
    let prefix = opts.prefix.as_str();
    let mut n = Needs::default();
    let selected: Vec<_> = match &opts.agents {
        None => fleet.agents.iter().collect(),
        Some(names) => names.iter().filter_map(|x| fleet.agent(x)).collect(),
    };
    let canary = opts.mode == Mode::Canary;
    let cleanup = opts.mode == Mode::Cleanup || (opts.mode == Mode::Promote && opts.cleanup_after);
    // The agents each fleet agent maps to.
    if opts.mode != Mode::Cleanup {
        for a in &selected {
            n.names.insert(if canary {
                format!("{prefix}{}", a.name)
            } else {
                a.name.clone()
            });
        }
    }
    n.prefix = cleanup;
    // The production block behind a shared label: our marked block, else one a production
    // agent of the fleet listing the label has attached. Answered by reading those agents by
    // name, or the users of every candidate, whichever is fewer reads.
    if opts.mode != Mode::Cleanup {
        let labels: BTreeSet<&str> = selected
            .iter()
            .flat_map(|a| a.shared_blocks.iter().map(String::as_str))
            .collect();
        for label in labels {
            let candidates: Vec<&str> = live
                .blocks
                .iter()
                .filter(|b| b.label == label && copy_prefix(&b.metadata).is_none())
                .map(|b| b.id.as_str())
                .collect();
            let marked = live.blocks.iter().any(|b| {
                b.label == label
                    && copy_prefix(&b.metadata).is_none()
                    && b.metadata.get(keys::SHARED_BLOCK).and_then(Value::as_str) == Some(label)
            });
            if marked || candidates.is_empty() {
                continue;
            }
            let listing: Vec<String> = fleet
                .agents
                .iter()
                .filter(|a| a.shared_blocks.iter().any(|l| l == label))
                .map(|a| a.name.clone())
                .collect();
            if candidates.len() <= listing.len() {
                n.blocks.extend(candidates.into_iter().map(str::to_string));
            } else {
                n.names.extend(listing);
            }
        }
    }
    if canary {
        // Canary-only copies of the shared blocks (is one production's now?).
        let labels: BTreeSet<&str> = selected
            .iter()
            .flat_map(|a| a.shared_blocks.iter().map(String::as_str))
            .collect();
        for b in &live.blocks {
            if labels.contains(b.label.as_str()) && copy_prefix(&b.metadata) == Some(prefix) {
                n.blocks.insert(b.id.clone());
            }
        }
        // The blocks of an existing canary that its fleet entry lists (shared with production?).
        for a in &selected {
            let target = format!("{prefix}{}", a.name);
            let labels: BTreeSet<&str> = a.memory_blocks.iter().map(|b| b.label.as_str()).collect();
            for agent in live.agents.iter().filter(|x| x.name == target) {
                for id in &agent.block_ids {
                    if live
                        .block(id)
                        .is_some_and(|b| labels.contains(b.label.as_str()))
                    {
                        n.blocks.insert(id.clone());
                    }
                }
            }
        }
    }
    if cleanup {
        // Every block of a canary of the prefix, and every copy of the prefix (kept or not:
        // the reason a block is kept names whether an agent that stays uses it).
        for agent in &live.agents {
            let ours = agent.name.starts_with(prefix)
                && canary_mark(&agent.name, &agent.metadata).is_some_and(|m| m.prefix == prefix);
            if ours {
                n.blocks.extend(agent.block_ids.iter().cloned());
            }
        }
        for b in &live.blocks {
            if copy_prefix(&b.metadata) == Some(prefix) {
                n.blocks.insert(b.id.clone());
            }
        }
    }
    if canary || cleanup {
        // Folders named like a canary copy of a fleet folder, or marked as a copy of the
        // prefix: does an agent (that stays, or of production) use one?
        let fleet_folders: BTreeSet<&str> = fleet.folder_names().collect();
        for f in &live.folders {
            let Some(logical) = f.name.strip_prefix(prefix) else {
                continue;
            };
            if fleet_folders.contains(logical) || copy_prefix(&f.metadata) == Some(prefix) {
                n.folders.insert(f.id.clone());
            }
        }
    }
    n
}

/// How many agents a plan reads by name: one per selected fleet agent (none for a cleanup).
pub(super) fn named(fleet: &Fleet, opts: &PlanOptions) -> u64 {
    if opts.mode == Mode::Cleanup {
        return 0;
    }
    let n = opts.agents.as_ref().map_or(fleet.agents.len(), Vec::len);
    u64::try_from(n).unwrap_or(u64::MAX)
}
