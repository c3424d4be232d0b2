//! Shared blocks: create or sync the production block (promote, apply); in canary mode keep
//! the production block when it already matches, else give the canaries a canary-only copy.

use super::{copy_prefix, is_canary_agent, Ctx, Phase1, Resolved};
use crate::canary::keys;
use crate::fleet::BlockSpec;
use crate::live::LiveBlock;
use crate::plan::{Change, FleetStep};
use std::collections::BTreeSet;

/// Field changes that syncing `spec` into `live` would make (value, limit, description).
pub(super) fn block_differs(spec: &BlockSpec, live: &LiveBlock) -> Vec<Change> {
    let mut c = Vec::new();
    if spec.value != live.value {
        c.push(Change::text("value", &live.value, &spec.value));
    }
    if u64::from(spec.limit) != live.limit {
        c.push(Change::value(
            "limit",
            Some(live.limit.to_string()),
            Some(spec.limit.to_string()),
        ));
    }
    if live.description.as_deref() != Some(spec.description.as_str()) {
        c.push(Change::text(
            "description",
            live.description.as_deref().unwrap_or(""),
            &spec.description,
        ));
    }
    c
}

/// The production object behind a shared block label: one we created (our shared-block
/// marker), else the block a production agent of this fleet that lists the label has attached.
fn production_block<'a>(ctx: &Ctx<'a>, label: &str) -> Option<&'a LiveBlock> {
    let candidates: Vec<&'a LiveBlock> = ctx
        .live
        .blocks
        .iter()
        .filter(|b| b.label == label && copy_prefix(&b.metadata).is_none())
        .collect();
    // Among marked blocks, one that agents use is the production block. Our test
    // conversations' block copies (same label and metadata, attached to no agent) never reach
    // the planner: the live read leaves them out (`client/live_read/extras.rs`). A conversation
    // opened by another tool, or a fleet conversation isolating the label, holds the same kind
    // of copy, which this order keeps from being taken for production's.
    let marked: Vec<&&'a LiveBlock> = candidates
        .iter()
        .filter(|b| b.metadata.get(keys::SHARED_BLOCK).and_then(|v| v.as_str()) == Some(label))
        .collect();
    if let Some(b) = marked
        .iter()
        .find(|b| ctx.users.get(b.id.as_str()).is_some_and(|u| !u.is_empty()))
        .or_else(|| marked.first())
    {
        return Some(b);
    }
    candidates.into_iter().find(|b| {
        ctx.users.get(b.id.as_str()).is_some_and(|agents| {
            agents.iter().any(|a| {
                !is_canary_agent(a)
                    && ctx
                        .fleet
                        .agent(&a.name)
                        .is_some_and(|s| s.shared_blocks.iter().any(|l| l == label))
            })
        })
    })
}

/// Reconciles every shared block the selected agents use.
pub(in crate::plan) fn reconcile(ctx: &Ctx, out: &mut Phase1) {
    let labels: BTreeSet<&str> = ctx
        .selected
        .iter()
        .flat_map(|a| a.shared_blocks.iter().map(String::as_str))
        .collect();
    for label in labels {
        let Some(spec) = ctx.fleet.shared_block(label) else {
            continue;
        };
        let prod = production_block(ctx, label);
        let resolved = match (ctx.canary(), prod) {
            (false, None) => {
                out.steps.push(FleetStep::CreateBlock {
                    spec: spec.clone(),
                    copy_prefix: None,
                });
                unresolved(label, false)
            }
            (false, Some(b)) => {
                let changes = if spec.agent_owned {
                    vec![]
                } else {
                    block_differs(spec, b)
                };
                if !changes.is_empty() {
                    out.steps.push(FleetStep::UpdateBlock {
                        id: b.id.clone(),
                        spec: spec.clone(),
                        copy: false,
                        changes,
                    });
                }
                existing(label, &b.id, false)
            }
            (true, Some(b)) if spec.agent_owned || block_differs(spec, b).is_empty() => {
                existing(label, &b.id, false)
            }
            (true, _) => match canary_copy(ctx, spec, out) {
                Some(r) => r,
                None => continue,
            },
        };
        out.blocks.insert(label.to_string(), resolved);
    }
}

fn unresolved(label: &str, copy: bool) -> Resolved {
    Resolved {
        name: label.into(),
        id: None,
        copy,
    }
}

fn existing(label: &str, id: &str, copy: bool) -> Resolved {
    Resolved {
        name: label.into(),
        id: Some(id.into()),
        copy,
    }
}

/// A canary never writes the production block: it gets its own copy, recognised by our
/// marker for this prefix. A marked block that a non-canary agent uses is not treated as a
/// copy (it has become production's): it is never written, and the plan is blocked.
fn canary_copy(ctx: &Ctx, spec: &BlockSpec, out: &mut Phase1) -> Option<Resolved> {
    let label = spec.label.as_str();
    let prefix = ctx.prefix.as_str();
    let marked: Vec<&LiveBlock> = ctx
        .live
        .blocks
        .iter()
        .filter(|b| b.label == label && copy_prefix(&b.metadata) == Some(prefix))
        .collect();
    let (taken, free): (Vec<&LiveBlock>, Vec<&LiveBlock>) = marked
        .into_iter()
        .partition(|b| !ctx.block_production_users(&b.id).is_empty());
    match (free.first(), taken.first()) {
        (Some(c), _) => {
            let changes = block_differs(spec, c);
            if !changes.is_empty() {
                out.steps.push(FleetStep::UpdateBlock {
                    id: c.id.clone(),
                    spec: spec.clone(),
                    copy: true,
                    changes,
                });
            }
            Some(existing(label, &c.id, true))
        }
        (None, Some(t)) => {
            out.blockers.push(format!(
                "block '{label}' ({}) is marked as a canary-only copy for prefix '{prefix}', but {}, so it is production's now and is left alone; detach it from them, or choose another prefix",
                t.id,
                super::folders::production_users(&ctx.block_production_users(&t.id))
            ));
            None
        }
        (None, None) => {
            out.steps.push(FleetStep::CreateBlock {
                spec: spec.clone(),
                copy_prefix: Some(prefix.into()),
            });
            Some(unresolved(label, true))
        }
    }
}
