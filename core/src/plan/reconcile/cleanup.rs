//! Cleanup: the exact list of what goes, and what is spared and why. Deletes canary agents of
//! the prefix (name *and* metadata), their own blocks, and canary-only copies (our marker for
//! the prefix) that no remaining agent uses. Never tools, archives, production agents, or
//! anything a non-canary agent uses.

use super::{copy_prefix, Ctx};
use crate::canary::{canary_mark, keys};
use crate::live::LiveAgent;
use crate::plan::{CleanupPhase, DeleteKind, Deletion, Kept, Kind};
use std::collections::BTreeSet;

/// Computes the cleanup phase of the prefix in `ctx`.
pub(in crate::plan) fn reconcile(ctx: &Ctx) -> CleanupPhase {
    let prefix = ctx.prefix.as_str();
    let whole_prefix = ctx.opts.all_canaries && ctx.opts.agents.is_none();
    let (doomed, mut kept) = doomed_agents(ctx, whole_prefix);
    let doomed_ids: BTreeSet<&str> = doomed.iter().map(|a| a.id.as_str()).collect();
    let remaining = |id: &str| !doomed_ids.contains(id);
    let shared_labels: BTreeSet<&str> = ctx
        .fleet
        .shared_blocks
        .iter()
        .map(|b| b.label.as_str())
        .collect();
    let used_by_remaining = |id: &str| {
        ctx.users
            .get(id)
            .is_some_and(|us| us.iter().any(|u| remaining(&u.id)))
    };
    let mut deletions: Vec<Deletion> = doomed
        .iter()
        .map(|a| Deletion {
            kind: DeleteKind::Agent,
            id: a.id.clone(),
            name: a.name.clone(),
            reason: "canary agent, with its test conversations".into(),
            with_agent: None,
        })
        .collect();
    let mut block_done = BTreeSet::new();
    for a in &doomed {
        for id in &a.block_ids {
            let Some(b) = ctx.ix.block(id) else {
                continue;
            };
            if !block_done.insert(id.clone()) {
                continue;
            }
            let copy = copy_prefix(&b.metadata);
            let used_elsewhere = used_by_remaining(id);
            let production_shared = copy.is_none()
                && (b.metadata.contains_key(keys::SHARED_BLOCK)
                    || shared_labels.contains(b.label.as_str()));
            if used_elsewhere || production_shared || copy.is_some_and(|p| p != prefix) {
                kept.push(Kept {
                    kind: Kind::Block,
                    id: id.clone(),
                    name: b.label.clone(),
                    reason: if used_elsewhere {
                        "used by an agent that stays".into()
                    } else if production_shared {
                        "shared block".into()
                    } else {
                        "canary-only copy of another prefix".into()
                    },
                });
                continue;
            }
            // A canary's own block used by this agent alone goes right after it.
            let only_this = ctx
                .users
                .get(id.as_str())
                .is_none_or(|us| us.iter().all(|u| u.id == a.id));
            deletions.push(Deletion {
                kind: DeleteKind::Block,
                id: id.clone(),
                name: b.label.clone(),
                reason: if copy.is_some() {
                    "canary-only copy of a shared block".into()
                } else {
                    "canary's own block".into()
                },
                with_agent: (copy.is_none() && only_this).then(|| a.id.clone()),
            });
        }
    }
    // Orphaned copies of this prefix (e.g. left by an interrupted run).
    for b in &ctx.live.blocks {
        if copy_prefix(&b.metadata) == Some(prefix)
            && !block_done.contains(&b.id)
            && !used_by_remaining(&b.id)
            && (whole_prefix || shared_labels.contains(b.label.as_str()))
        {
            block_done.insert(b.id.clone());
            deletions.push(Deletion {
                kind: DeleteKind::Block,
                id: b.id.clone(),
                name: b.label.clone(),
                reason: "unused canary-only copy of a shared block".into(),
                with_agent: None,
            });
        }
    }
    folders(ctx, whole_prefix, &remaining, &mut deletions, &mut kept);
    CleanupPhase {
        prefix: prefix.to_string(),
        deletions,
        kept,
    }
}

/// The canaries this cleanup deletes, and the agents it looked at and spares.
fn doomed_agents<'a>(ctx: &Ctx<'a>, whole_prefix: bool) -> (Vec<&'a LiveAgent>, Vec<Kept>) {
    let prefix = ctx.prefix.as_str();
    let in_scope: BTreeSet<&str> = ctx.selected.iter().map(|a| a.name.as_str()).collect();
    let mut doomed = Vec::new();
    let mut kept = Vec::new();
    for a in &ctx.live.agents {
        if !a.name.starts_with(prefix) {
            continue;
        }
        let spare = |reason: String| Kept {
            kind: Kind::Agent,
            id: a.id.clone(),
            name: a.name.clone(),
            reason,
        };
        match canary_mark(&a.name, &a.metadata) {
            Some(m) if m.prefix == prefix => {
                if whole_prefix || in_scope.contains(m.production_name.as_str()) {
                    doomed.push(a);
                } else {
                    kept.push(spare(format!(
                        "canary of '{}', which is not in this cleanup's scope",
                        m.production_name
                    )));
                }
            }
            Some(m) => kept.push(spare(format!(
                "a canary of prefix '{}', not '{prefix}'",
                m.prefix
            ))),
            None => kept.push(spare(
                "not a canary (no canary metadata); never deleted".into(),
            )),
        }
    }
    (doomed, kept)
}

/// Canary-only folder copies of the prefix: named `PREFIX + a fleet folder` and carrying our
/// marker. A folder only named like one is never looked at; one an agent that stays uses is
/// spared.
fn folders(
    ctx: &Ctx,
    whole_prefix: bool,
    remaining: &dyn Fn(&str) -> bool,
    deletions: &mut Vec<Deletion>,
    kept: &mut Vec<Kept>,
) {
    let prefix = ctx.prefix.as_str();
    let fleet_folders: BTreeSet<&str> = ctx.fleet.folder_names().collect();
    for f in &ctx.live.folders {
        let Some(logical) = f.name.strip_prefix(prefix) else {
            continue;
        };
        let ours = copy_prefix(&f.metadata) == Some(prefix);
        if !ours || !(whole_prefix || fleet_folders.contains(logical)) {
            continue;
        }
        let in_use = ctx
            .live
            .agents
            .iter()
            .any(|a| remaining(&a.id) && a.folder_ids.contains(&f.id));
        if in_use {
            kept.push(Kept {
                kind: Kind::Folder,
                id: f.id.clone(),
                name: f.name.clone(),
                reason: "used by an agent that stays".into(),
            });
        } else {
            deletions.push(Deletion {
                kind: DeleteKind::Folder,
                id: f.id.clone(),
                name: f.name.clone(),
                reason: "canary-only copy of a folder".into(),
                with_agent: None,
            });
        }
    }
}
