//! Agents: find the server agent a fleet agent maps to (refusing lookalikes and duplicates),
//! then plan its single create request or its update ([`super::agent_update`]).

use super::{agent_update, Ctx, Phase1};
use crate::canary::{canary_mark, keys};
use crate::fleet::AgentSpec;
use crate::live::LiveAgent;
use crate::plan::{Action, AgentPlan, AgentStep, CreateAgent, Kind, Ref};
use serde_json::{Map, Value};

/// What the agent reconciler reads besides the context: the fleet-level resolutions.
pub(super) struct Refs<'p> {
    pub phase1: &'p Phase1,
}

impl Refs<'_> {
    pub fn tool(&self, ctx: &Ctx, name: &str) -> Ref {
        Ref {
            name: name.into(),
            id: ctx.ix.tool_by_name(name).map(|t| t.id.clone()),
        }
    }

    pub fn block(&self, label: &str) -> Ref {
        Ref {
            name: label.into(),
            id: self.phase1.blocks.get(label).and_then(|r| r.id.clone()),
        }
    }

    /// Whether a shared block label resolves to a canary-only copy.
    pub fn block_is_copy(&self, label: &str) -> bool {
        self.phase1.blocks.get(label).is_some_and(|r| r.copy)
    }

    pub fn folder(&self, name: &str) -> Ref {
        match self.phase1.folders.get(name) {
            Some(r) => Ref {
                name: r.name.clone(),
                id: r.id.clone(),
            },
            None => Ref {
                name: name.into(),
                id: None,
            },
        }
    }

    pub fn archive(&self, ctx: &Ctx, name: &str) -> Ref {
        Ref {
            name: name.into(),
            id: ctx.live.archive_by_name(name).map(|a| a.id.clone()),
        }
    }
}

/// Logical folder names of an agent (its own folders, then shared ones).
pub(super) fn folder_names(a: &AgentSpec) -> Vec<String> {
    a.folders
        .iter()
        .map(|f| f.name.clone())
        .chain(a.shared_folders.iter().cloned())
        .collect()
}

/// Plans every selected agent; lookalikes and duplicates add blockers.
pub(in crate::plan) fn reconcile(
    ctx: &Ctx,
    phase1: &Phase1,
    blockers: &mut Vec<String>,
) -> Vec<AgentPlan> {
    let refs = Refs { phase1 };
    ctx.selected
        .iter()
        .map(|a| {
            let name = ctx.target_name(&a.name);
            match existing(ctx, &name) {
                Err(reason) => {
                    blockers.push(reason);
                    AgentPlan {
                        production_name: a.name.clone(),
                        name,
                        action: Action::Blocked,
                        id: None,
                        changes: vec![],
                        unchanged: vec![],
                        steps: vec![],
                    }
                }
                Ok(None) => create(ctx, &refs, a, name, blockers),
                Ok(Some(live)) => agent_update::update(ctx, &refs, a, name, live, blockers),
            }
        })
        .collect()
}

/// Finds the existing agent a fleet agent maps to, or says why the target is ambiguous.
fn existing<'a>(ctx: &Ctx<'a>, name: &str) -> Result<Option<&'a LiveAgent>, String> {
    let all = ctx.ix.agents_named(name).iter().copied();
    let (ours, others): (Vec<&'a LiveAgent>, Vec<&'a LiveAgent>) = all.partition(|a| {
        let mark = canary_mark(&a.name, &a.metadata);
        if ctx.opts.mode.is_canary() {
            mark.is_some_and(|m| m.prefix == ctx.prefix.as_str())
        } else {
            mark.is_none()
        }
    });
    if ctx.opts.mode.is_canary() && ours.is_empty() && !others.is_empty() {
        return Err(format!(
            "an agent named '{name}' exists but is not a canary of prefix '{}' (no canary metadata); it is left alone — rename it or choose another prefix",
            ctx.prefix
        ));
    }
    if ours.len() > 1 {
        return Err(format!(
            "{} agents are named '{name}' ({}); delete the duplicates so the target is unambiguous",
            ours.len(),
            ours.iter()
                .map(|a| a.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    Ok(ours.first().copied())
}

/// The metadata keys the plan owns on an agent (the creation time is the executor's).
pub(super) fn desired_metadata(ctx: &Ctx, a: &AgentSpec) -> Map<String, Value> {
    let mut m = if ctx.opts.mode.is_canary() {
        let mut m = crate::canary::canary_metadata(&ctx.prefix, &a.name, "");
        m.remove(keys::CREATED_AT);
        m
    } else {
        Map::new()
    };
    m.insert(keys::REASONING.into(), Value::Bool(a.reasoning));
    m
}

fn create(
    ctx: &Ctx,
    refs: &Refs,
    a: &AgentSpec,
    name: String,
    blockers: &mut Vec<String>,
) -> AgentPlan {
    let mcp = super::mcp::agent_mcp(ctx, refs.phase1, a);
    let mut tools: Vec<Ref> = a.tools.iter().map(|t| refs.tool(ctx, &t.name)).collect();
    for r in mcp.tools {
        if !tools.iter().any(|t| t.name == r.name) {
            tools.push(r);
        }
    }
    let create = CreateAgent {
        name: name.clone(),
        description: a.description.clone(),
        system: a.system_prompt.clone(),
        model: a.llm.model.clone(),
        context_window: a.llm.context_window,
        max_tokens: a.llm.max_tokens,
        embedding: a.embedding.clone(),
        memory_blocks: a.memory_blocks.clone(),
        blocks: a.shared_blocks.iter().map(|l| refs.block(l)).collect(),
        tools,
        folders: folder_names(a).iter().map(|n| refs.folder(n)).collect(),
        tags: a.tags.clone(),
        metadata: desired_metadata(ctx, a),
        include_base_tools: a.include_base_tools,
        reasoning: a.reasoning,
        secrets: super::secrets::for_create(ctx, a, blockers),
    };
    let mut steps = vec![AgentStep::Create(Box::new(create))];
    for server in mcp.all_of {
        steps.push(AgentStep::Attach {
            kind: Kind::McpServer,
            target: server,
        });
    }
    if let Some(ar) = &a.archive {
        steps.push(AgentStep::Attach {
            kind: Kind::Archive,
            target: refs.archive(ctx, &ar.name),
        });
    }
    for c in &a.conversations {
        steps.push(AgentStep::CreateConversation {
            summary: c.summary.clone(),
            isolated_blocks: c.isolated_blocks.clone(),
        });
    }
    if !ctx.opts.mode.is_canary() {
        if let Some(m) = &a.first_message {
            steps.push(AgentStep::FirstMessage { text: m.clone() });
        }
    }
    AgentPlan {
        production_name: a.name.clone(),
        name,
        action: Action::Create,
        id: None,
        changes: vec![],
        unchanged: vec![],
        steps,
    }
}
