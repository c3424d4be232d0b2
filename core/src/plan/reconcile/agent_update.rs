//! The update of an existing agent: its fields (one PATCH), then its attachments per kind —
//! tools, blocks, folders, archive. Attach what is missing; detach only when pruning.

use super::agents::{desired_metadata, folder_names, Refs};
use super::shared_blocks::block_differs;
use super::{copy_prefix, is_canary_agent, Ctx};
use crate::canary::keys;
use crate::fleet::AgentSpec;
use crate::live::{LiveAgent, LiveBlock};
use crate::plan::{Action, AgentPatch, AgentPlan, AgentStep, Change, Kind, Ref};
use serde_json::{Map, Value};
use std::collections::BTreeSet;

/// Tool types the server attaches and manages itself; prune never detaches them.
fn server_managed(tool_type: Option<&str>) -> bool {
    matches!(
        tool_type,
        Some(t) if t.starts_with("letta_") && t != "letta_builtin"
    )
}

/// What an agent's update collects.
#[derive(Default)]
struct Work {
    changes: Vec<Change>,
    unchanged: Vec<(String, String)>,
    steps: Vec<AgentStep>,
}

impl Work {
    /// Records a text field; true when it changes.
    fn field(&mut self, field: &str, old: &str, new: &str) -> bool {
        if old != new {
            self.changes.push(Change::text(field, old, new));
            true
        } else {
            self.unchanged.push((field.to_string(), new.to_string()));
            false
        }
    }

    fn detach(&mut self, kind: Kind, name: &str, id: &str) {
        self.steps.push(AgentStep::Detach {
            kind,
            target: Ref {
                name: name.into(),
                id: Some(id.into()),
            },
        });
    }
}

/// Plans the update of `live` to match `a`.
pub(super) fn update(
    ctx: &Ctx,
    refs: &Refs,
    a: &AgentSpec,
    name: String,
    live: &LiveAgent,
    blockers: &mut Vec<String>,
) -> AgentPlan {
    let mut w = Work::default();
    fields(ctx, a, live, &mut w, blockers);
    tools(ctx, refs, a, live, &mut w);
    blocks(ctx, refs, a, live, &mut w);
    folders(ctx, refs, a, live, &mut w);
    archive(ctx, refs, a, live, &mut w);
    conversations(a, live, &mut w);
    AgentPlan {
        production_name: a.name.clone(),
        name,
        action: if w.steps.is_empty() {
            Action::Unchanged
        } else {
            Action::Update
        },
        id: Some(live.id.clone()),
        changes: w.changes,
        unchanged: w.unchanged,
        steps: w.steps,
    }
}

fn fields(ctx: &Ctx, a: &AgentSpec, live: &LiveAgent, w: &mut Work, blockers: &mut Vec<String>) {
    let mut patch = AgentPatch::default();
    if w.field("description", &live.description, &a.description) {
        patch.description = Some(a.description.clone());
    }
    if w.field("system_prompt", &live.system, &a.system_prompt) {
        patch.system = Some(a.system_prompt.clone());
    }
    let mut llm_changed = w.field("model", &live.model, &a.llm.model);
    let cw_old = live
        .context_window
        .map(|c| c.to_string())
        .unwrap_or_default();
    llm_changed |= w.field("context_window", &cw_old, &a.llm.context_window.to_string());
    if let Some(mt) = a.llm.max_tokens {
        let old = live.max_tokens.map(|c| c.to_string()).unwrap_or_default();
        llm_changed |= w.field("max_tokens", &old, &mt.to_string());
    }
    if llm_changed {
        patch.llm = Some((a.llm.model.clone(), a.llm.context_window, a.llm.max_tokens));
    }
    if let Some(e) = &a.embedding {
        if w.field("embedding", live.embedding.as_deref().unwrap_or(""), e) {
            patch.embedding = Some(e.clone());
        }
    }
    if w.field("tags", &live.tags.join(", "), &a.tags.join(", ")) {
        patch.tags = Some(a.tags.clone());
    }
    let live_reasoning = live.metadata.get(keys::REASONING).and_then(|v| v.as_bool());
    if live_reasoning != Some(a.reasoning) {
        w.changes.push(Change::value(
            "reasoning",
            live_reasoning.map(|r| r.to_string()),
            Some(a.reasoning.to_string()),
        ));
        patch.reasoning = Some(a.reasoning);
    }
    let meta_diff: Map<String, Value> = desired_metadata(ctx, a)
        .into_iter()
        .filter(|(k, v)| live.metadata.get(k) != Some(v))
        .collect();
    if !meta_diff.is_empty() {
        if meta_diff.keys().any(|k| k != keys::REASONING) {
            w.changes.push(Change::value(
                "metadata",
                None,
                Some(meta_diff.keys().cloned().collect::<Vec<_>>().join(", ")),
            ));
        }
        patch.metadata = Some(meta_diff);
    }
    patch.secrets = super::secrets::for_update(ctx, a, live, &mut w.changes, blockers);
    if !patch.is_empty() {
        w.steps.push(AgentStep::Patch(patch));
    }
}

fn tools(ctx: &Ctx, refs: &Refs, a: &AgentSpec, live: &LiveAgent, w: &mut Work) {
    let mcp = super::mcp::agent_mcp(ctx, refs.phase1, a);
    let mut desired: BTreeSet<&str> = a.tools.iter().map(|t| t.name.as_str()).collect();
    desired.extend(mcp.tools.iter().map(|r| r.name.as_str()));
    desired.extend(mcp.keep.iter().map(String::as_str));
    let wanted = a
        .tools
        .iter()
        .map(|t| refs.tool(ctx, &t.name))
        .chain(mcp.tools.iter().cloned());
    let mut seen = BTreeSet::new();
    for r in wanted {
        if !seen.insert(r.name.clone()) {
            continue;
        }
        if r.id.as_ref().is_none_or(|id| !live.tool_ids.contains(id)) {
            w.changes
                .push(Change::value("tools", None, Some(r.name.clone())));
            w.steps.push(AgentStep::Attach {
                kind: Kind::Tool,
                target: r,
            });
        }
    }
    for server in &mcp.all_of {
        w.changes.push(Change::value(
            "mcp_tools",
            None,
            Some(format!(
                "every tool of MCP server '{}' (listed once it is registered or refreshed)",
                server.name
            )),
        ));
        w.steps.push(AgentStep::Attach {
            kind: Kind::McpServer,
            target: server.clone(),
        });
    }
    if !ctx.opts.prune {
        return;
    }
    for id in &live.tool_ids {
        if let Some(t) = ctx.ix.tool(id) {
            if !desired.contains(t.name.as_str()) && !server_managed(t.tool_type.as_deref()) {
                w.changes
                    .push(Change::value("tools", Some(t.name.clone()), None));
                w.detach(Kind::Tool, &t.name, id);
            }
        }
    }
}

fn blocks(ctx: &Ctx, refs: &Refs, a: &AgentSpec, live: &LiveAgent, w: &mut Work) {
    let attached: Vec<&LiveBlock> = live
        .block_ids
        .iter()
        .filter_map(|id| ctx.ix.block(id))
        .collect();
    let mut wanted_labels = BTreeSet::new();
    for spec in &a.memory_blocks {
        wanted_labels.insert(spec.label.as_str());
        let field = format!("block {}", spec.label);
        let Some(b) = attached.iter().find(|b| b.label == spec.label) else {
            w.changes
                .push(Change::value(&field, None, Some("new block".into())));
            w.steps.push(AgentStep::CreateBlock(spec.clone()));
            continue;
        };
        let shared_with_production = ctx
            .users
            .get(b.id.as_str())
            .is_some_and(|us| us.iter().any(|u| u.id != live.id && !is_canary_agent(u)));
        if ctx.canary() && shared_with_production {
            // Never write a block production uses: give the canary its own.
            w.changes.push(Change::value(
                &field,
                Some("block shared with production".into()),
                Some("own block".into()),
            ));
            w.detach(Kind::Block, &b.label, &b.id);
            w.steps.push(AgentStep::CreateBlock(spec.clone()));
        } else if !spec.agent_owned {
            let diff = block_differs(spec, b);
            if !diff.is_empty() {
                w.changes.extend(diff.into_iter().map(|mut c| {
                    c.field = format!("{field} {}", c.field);
                    c
                }));
                w.steps.push(AgentStep::UpdateBlock {
                    id: b.id.clone(),
                    spec: spec.clone(),
                });
            }
        }
    }
    for label in &a.shared_blocks {
        wanted_labels.insert(label.as_str());
        let want = refs.block(label);
        let have: Vec<&&LiveBlock> = attached.iter().filter(|b| &b.label == label).collect();
        if want.id.is_some() && have.iter().any(|b| Some(&b.id) == want.id.as_ref()) {
            continue;
        }
        for b in &have {
            w.detach(Kind::Block, &b.label, &b.id);
        }
        let what = if ctx.canary() && refs.block_is_copy(label) {
            "canary copy"
        } else {
            "shared"
        };
        w.changes.push(Change::value(
            &format!("shared block {label}"),
            (!have.is_empty()).then(|| "other block".into()),
            Some(what.into()),
        ));
        w.steps.push(AgentStep::Attach {
            kind: Kind::Block,
            target: want,
        });
    }
    if !ctx.opts.prune {
        return;
    }
    for b in &attached {
        if !wanted_labels.contains(b.label.as_str()) {
            w.changes.push(Change::value(
                &format!("block {}", b.label),
                Some("attached".into()),
                None,
            ));
            w.detach(Kind::Block, &b.label, &b.id);
        }
    }
}

/// Folders: the desired server object per logical name; swap a wrong one (the production
/// folder for the canary's copy or back). Only a folder that is ours is taken for a copy.
fn folders(ctx: &Ctx, refs: &Refs, a: &AgentSpec, live: &LiveAgent, w: &mut Work) {
    let prefix = ctx.prefix.as_str();
    let logical_names = folder_names(a);
    let mut wanted_ids = BTreeSet::new();
    for logical in &logical_names {
        let want = refs.folder(logical);
        if let Some(id) = &want.id {
            wanted_ids.insert(id.clone());
            if live.folder_ids.contains(id) {
                continue;
            }
        }
        let copy_name = ctx.copy_name(logical);
        for id in &live.folder_ids {
            let Some(f) = ctx.ix.folder(id) else {
                continue;
            };
            let our_copy = f.name == copy_name && copy_prefix(&f.metadata) == Some(prefix);
            if (f.name == *logical || our_copy) && Some(id) != want.id.as_ref() {
                w.detach(Kind::Folder, &f.name, id);
            }
        }
        w.changes
            .push(Change::value("folders", None, Some(want.name.clone())));
        w.steps.push(AgentStep::Attach {
            kind: Kind::Folder,
            target: want,
        });
    }
    if !ctx.opts.prune {
        return;
    }
    let listed: BTreeSet<String> = logical_names.iter().map(|l| refs.folder(l).name).collect();
    for id in &live.folder_ids {
        if wanted_ids.contains(id) {
            continue;
        }
        let name = ctx
            .ix
            .folder(id)
            .map(|f| f.name.clone())
            .unwrap_or_else(|| id.clone());
        if !listed.contains(&name) {
            w.changes
                .push(Change::value("folders", Some(name.clone()), None));
            w.detach(Kind::Folder, &name, id);
        }
    }
}

fn archive(ctx: &Ctx, refs: &Refs, a: &AgentSpec, live: &LiveAgent, w: &mut Work) {
    if let Some(ar) = &a.archive {
        let r = refs.archive(ctx, &ar.name);
        if r.id
            .as_ref()
            .is_none_or(|id| !live.archive_ids.contains(id))
        {
            w.changes
                .push(Change::value("archive", None, Some(ar.name.clone())));
            w.steps.push(AgentStep::Attach {
                kind: Kind::Archive,
                target: r,
            });
        }
    }
    if !ctx.opts.prune {
        return;
    }
    for id in &live.archive_ids {
        let name = ctx
            .live
            .archives
            .iter()
            .find(|x| &x.id == id)
            .map(|x| x.name.clone())
            .unwrap_or_else(|| id.clone());
        if a.archive.as_ref().is_none_or(|ar| ar.name != name) {
            w.changes
                .push(Change::value("archive", Some(name.clone()), None));
            w.detach(Kind::Archive, &name, id);
        }
    }
}

/// Conversations are created when missing (matched by summary) and never deleted: their
/// history belongs to whoever talked in them.
fn conversations(a: &AgentSpec, live: &LiveAgent, w: &mut Work) {
    for c in &a.conversations {
        if !live.conversations.contains(&c.summary) {
            w.changes
                .push(Change::value("conversation", None, Some(c.summary.clone())));
            w.steps.push(AgentStep::CreateConversation {
                summary: c.summary.clone(),
                isolated_blocks: c.isolated_blocks.clone(),
            });
        }
    }
}
