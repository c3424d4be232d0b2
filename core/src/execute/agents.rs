//! One agent's steps, run in order: its create (one request carrying everything the create
//! body can), then patches, blocks and attachments; the first failure stops that agent only.

use super::create::create_agent;
use super::fleet_steps::id_of;
use super::{AgentResult, ExecOptions, Ids};
use crate::canary::keys;
use crate::client::{ApiError, LettaClient, Transport};
use crate::plan::{AgentPatch, AgentPlan, AgentStep, CreateAgent, Kind, Plan, Ref};
use serde_json::{json, Map, Value};

fn resolve(ids: &Ids, kind: Kind, r: &Ref) -> Result<String, String> {
    if let Some(id) = &r.id {
        return Ok(id.clone());
    }
    ids.get(&(kind, r.name.clone())).cloned().ok_or_else(|| {
        format!(
            "{kind} '{}' was not created (its fleet step failed); fix that and run again",
            r.name
        )
    })
}

fn create_body(c: &CreateAgent, ids: &Ids, plan: &Plan, now: &str) -> Result<Value, String> {
    let all = |kind: Kind, refs: &[Ref]| {
        refs.iter()
            .map(|r| resolve(ids, kind, r))
            .collect::<Result<Vec<_>, _>>()
    };
    let mut metadata = c.metadata.clone();
    if plan.mode.is_canary() {
        metadata.insert(keys::CREATED_AT.into(), json!(now));
    }
    // Marks this create request, so that after an ambiguous failure the agent it made (if
    // any) is told apart from any other agent of the same name.
    metadata.insert(keys::CREATE_RUN.into(), json!(format!("{now} {}", c.name)));
    let blocks: Vec<Value> = c
        .memory_blocks
        .iter()
        .map(|b| json!({"label": b.label, "value": b.value, "limit": b.limit, "description": b.description}))
        .collect();
    let mut body = json!({
        "name": c.name,
        "description": c.description,
        "system": c.system,
        "model": c.model,
        "context_window_limit": c.context_window,
        "memory_blocks": blocks,
        "block_ids": all(Kind::Block, &c.blocks)?,
        "tool_ids": all(Kind::Tool, &c.tools)?,
        "source_ids": all(Kind::Folder, &c.folders)?,
        "tags": c.tags,
        "metadata": metadata,
        "include_base_tools": c.include_base_tools,
        "reasoning": c.reasoning,
    });
    if let Some(m) = c.max_tokens {
        body["max_tokens"] = json!(m);
    }
    if let Some(e) = &c.embedding {
        body["embedding"] = json!(e);
    }
    if !c.secrets.is_empty() {
        body["secrets"] = json!(secret_values(&c.secrets)?);
    }
    Ok(body)
}

/// The values a secret write sets; a plan read from a file holds none, and is refused.
fn secret_values(w: &crate::plan::SecretWrite) -> Result<Map<String, Value>, String> {
    let values = w.values().map_err(|name| {
        format!("secret {name} has no value in this plan (plans read from a file never carry secret values); plan again where the values are known")
    })?;
    Ok(values.into_iter().map(|(k, v)| (k, json!(v))).collect())
}

fn attach_path(kind: Kind) -> &'static str {
    match kind {
        Kind::Tool => "tools",
        Kind::Block => "core-memory/blocks",
        Kind::Folder => "folders",
        Kind::Archive => "archives",
        Kind::McpServer => "mcp-servers",
        Kind::Agent => "agents",
    }
}

async fn patch_body<T: Transport>(
    client: &LettaClient<T>,
    id: &str,
    p: &AgentPatch,
) -> Result<Value, String> {
    let e = |e: ApiError| e.to_string();
    let mut body = Map::new();
    if let Some(d) = &p.description {
        body.insert("description".into(), json!(d));
    }
    if let Some(s) = &p.system {
        body.insert("system".into(), json!(s));
    }
    if let Some((model, cw, mt)) = &p.llm {
        body.insert("model".into(), json!(model));
        body.insert("context_window_limit".into(), json!(cw));
        if let Some(mt) = mt {
            body.insert("max_tokens".into(), json!(mt));
        }
    }
    if let Some(e) = &p.embedding {
        body.insert("embedding".into(), json!(e));
    }
    if let Some(t) = &p.tags {
        body.insert("tags".into(), json!(t));
    }
    if let Some(r) = p.reasoning {
        body.insert("reasoning".into(), json!(r));
    }
    if let Some(keys) = &p.metadata {
        // PATCH replaces metadata whole: read, merge, write.
        let current = client.get_agent(id).await.map_err(e)?;
        let mut merged = current
            .get("metadata")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        for (k, v) in keys {
            merged.insert(k.clone(), v.clone());
        }
        body.insert("metadata".into(), Value::Object(merged));
    }
    if let Some(w) = &p.secrets {
        // PATCH replaces secrets whole too: read the current ones, apply, write them all.
        let set = secret_values(w)?;
        let current = client.get_agent_secrets(id).await.map_err(e)?;
        let mut merged: Map<String, Value> = current
            .into_iter()
            .filter(|(k, _)| !w.remove.contains(k))
            .map(|(k, v)| (k, json!(v)))
            .collect();
        merged.extend(set);
        body.insert("secrets".into(), Value::Object(merged));
    }
    Ok(Value::Object(body))
}

pub(super) async fn run_agent<T: Transport>(
    client: &LettaClient<T>,
    plan: &Plan,
    a: &AgentPlan,
    ids: &Ids,
    exec: &ExecOptions,
) -> AgentResult {
    let mut result = AgentResult::before(a);
    for step in &a.steps {
        let outcome: Result<(), String> = async {
            match step {
                AgentStep::Create(c) => {
                    let body = create_body(c, ids, plan, exec.now.as_str())?;
                    let id = create_agent(client, body, &c.name, &exec.now)
                        .await
                        .map_err(|e| e.to_string())?;
                    result.id = Some(id);
                    Ok(())
                }
                other => {
                    let id = result
                        .id
                        .clone()
                        .ok_or("the agent has no id (its create failed)")?;
                    run_agent_step(client, &id, other, ids, &mut result.warnings).await
                }
            }
        }
        .await;
        if let Err(e) = outcome {
            result.error = Some(e);
            break;
        }
    }
    result
}

async fn run_agent_step<T: Transport>(
    client: &LettaClient<T>,
    id: &str,
    step: &AgentStep,
    ids: &Ids,
    warnings: &mut Vec<String>,
) -> Result<(), String> {
    let e = |e: ApiError| e.to_string();
    match step {
        AgentStep::Create(_) => Ok(()),
        AgentStep::Patch(p) => {
            let body = patch_body(client, id, p).await?;
            client.patch_agent(id, body).await.map(|_| ()).map_err(e)
        }
        AgentStep::CreateBlock(spec) => {
            let block = client.create_block(spec, Map::new()).await.map_err(e)?;
            let bid = id_of(&block).map_err(e)?;
            client
                .attachment(id, attach_path(Kind::Block), &bid, true)
                .await
                .map_err(e)
        }
        AgentStep::UpdateBlock { id: bid, spec } => {
            client.update_block(bid, spec).await.map(|_| ()).map_err(e)
        }
        AgentStep::Attach {
            kind: Kind::McpServer,
            target,
        } => {
            // Every tool the server offers now (its list was unknown when the plan was made).
            let server = resolve(ids, Kind::McpServer, target)?;
            for tid in super::mcp::tool_ids(client, &server).await.map_err(e)? {
                client
                    .attachment(id, attach_path(Kind::Tool), &tid, true)
                    .await
                    .map_err(e)?;
            }
            Ok(())
        }
        AgentStep::Attach { kind, target } => {
            let tid = resolve(ids, *kind, target)?;
            client
                .attachment(id, attach_path(*kind), &tid, true)
                .await
                .map_err(e)
        }
        AgentStep::Detach { kind, target } => {
            let tid = resolve(ids, *kind, target)?;
            match client.attachment(id, attach_path(*kind), &tid, false).await {
                Ok(()) | Err(ApiError::NotFound(_)) => Ok(()),
                Err(x) => Err(x.to_string()),
            }
        }
        AgentStep::CreateConversation {
            summary,
            isolated_blocks,
        } => client
            .create_conversation(id, summary, isolated_blocks)
            .await
            .map(|_| ())
            .map_err(e),
        AgentStep::FirstMessage { text } => {
            if let Err(x) = client.send_message(id, text).await {
                warnings.push(format!("first message not delivered: {x}"));
            }
            Ok(())
        }
    }
}
