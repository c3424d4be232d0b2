//! Tools: create missing ones from source; a changed source is updated in place (never
//! deleted and re-created). Tools cannot be copied for a canary — the server names them after
//! their Python function — so in canary mode a changed tool is a production impact that blocks
//! the plan unless the user accepted it.

use super::{is_canary_agent, Ctx, Phase1};
use crate::plan::{Change, FleetStep, Impact, Kind};
use std::collections::BTreeSet;

/// Reconciles every tool the selected agents use.
pub(in crate::plan) fn reconcile(ctx: &Ctx, out: &mut Phase1) {
    let mut done = BTreeSet::new();
    for a in &ctx.selected {
        for t in &a.tools {
            if !done.insert(t.name.clone()) {
                continue;
            }
            let live = ctx.ix.tool_by_name(&t.name);
            match (&t.source, live) {
                (None, None) if ctx.live.not_read && crate::fleet::is_server_builtin(&t.name) => {}
                (None, None) => out.blockers.push(format!(
                    "tool '{}' is not on the server; add tools/{}.py to the fleet's files or install the tool on the server",
                    t.name, t.name
                )),
                (None, Some(_)) => {}
                (Some(src), None) => out.steps.push(FleetStep::CreateTool {
                    name: t.name.clone(),
                    source: src.clone(),
                }),
                (Some(src), Some(lt)) => {
                    let live_src = lt.source_code.as_deref().unwrap_or("");
                    if live_src.trim_end() == src.trim_end() {
                        continue;
                    }
                    let change = Change::text("source_code", live_src, src);
                    let step = FleetStep::UpdateTool {
                        id: lt.id.clone(),
                        name: t.name.clone(),
                        source: src.clone(),
                        change,
                    };
                    if !ctx.canary() {
                        out.steps.push(step);
                        continue;
                    }
                    let mut used_by: Vec<String> = ctx
                        .live
                        .agents
                        .iter()
                        .filter(|x| !is_canary_agent(x) && x.tool_ids.contains(&lt.id))
                        .map(|x| x.name.clone())
                        .collect();
                    used_by.sort();
                    let accepted = ctx.opts.accept_tool_updates;
                    out.impact.push(Impact {
                        kind: Kind::Tool,
                        name: t.name.clone(),
                        detail: "the source changed; tools cannot be copied for a canary (the server names them after their function), so the production tool would be updated in place".into(),
                        used_by,
                        accepted,
                    });
                    if accepted {
                        out.steps.push(step);
                    } else {
                        out.blockers.push(format!(
                            "tool '{}' changed: a canary deploy would update the production tool in place; accept the production impact to go on, or promote instead",
                            t.name
                        ));
                    }
                }
            }
        }
    }
}
