//! Helpers of the verdict engine tests: a production agent and its canary made directly,
//! and reads of server state the engine never reads itself (blocks by id, agent files).
//! Shared by `verdict.rs` and `verdict_faults.rs`, each of which uses a part.
#![allow(dead_code)]

use canary_core::canary::{canary_metadata, Prefix};
use canary_core::client::{Body, ChatMessage, LettaClient, Method, Request, Transport};
use canary_core::fleet::{load_fleet, FileSet, Fleet};
use canary_core::live::LiveState;
use canary_core::verdict::RunOptions;
use canary_tests::{client, now_iso, unique, NativeTransport, EMBEDDING, MODEL};
use serde_json::{json, Value};

/// `GET /v1{path}` as JSON, for server state the engine never reads (blocks by id, archival).
pub async fn raw_get(path: &str) -> Result<Value, String> {
    raw(Method::Get, path).await
}

/// One request to `/v1{path}`, its JSON answer (or `null` for an empty one).
pub async fn raw(method: Method, path: &str) -> Result<Value, String> {
    let c = client(NativeTransport::default());
    let req = Request {
        method,
        url: format!("{}/v1{path}", c.connection().base_url.trim_end_matches('/')),
        headers: c
            .connection()
            .api_key
            .iter()
            .map(|k| ("Authorization".to_string(), format!("Bearer {k}")))
            .collect(),
        body: Body::Empty,
    };
    let r = NativeTransport::default()
        .send(req)
        .await
        .map_err(|e| e.0)?;
    if !(200..300).contains(&r.status) {
        return Err(format!("{} {}", r.status, r.body));
    }
    if r.body.trim().is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_str(&r.body).map_err(|e| e.to_string())
}

/// One production agent and its canary, made directly (the deploy itself is tested elsewhere).
pub struct Pair {
    pub prefix: Prefix,
    pub production_name: String,
    pub production: String,
    pub canary: String,
    pub fleet: Fleet,
}

pub fn fleet_yaml(name: &str, prompt: &str) -> String {
    format!(
        "agents:\n  - name: {name}\n    description: d\n    system_prompt: {{value: \"{prompt}\"}}\n    llm_config: {{model: {MODEL}, context_window: 16000}}\n    embedding: {EMBEDDING}\n    tools: [memory_insert, archival_memory_insert]\n    memory_blocks:\n      - name: persona\n        description: who\n        limit: 2000\n        value: I help.\n        agent_owned: true\n"
    )
}

pub async fn make_agent<T: Transport>(
    c: &LettaClient<T>,
    name: &str,
    prompt: &str,
    metadata: serde_json::Map<String, Value>,
) -> String {
    let body = json!({
        "name": name,
        "system": prompt,
        "model": MODEL,
        "embedding": EMBEDDING,
        "context_window_limit": 16000,
        "include_base_tools": true,
        "tools": ["memory_insert", "archival_memory_insert"],
        "memory_blocks": [
            {"label": "persona", "value": "I help.", "limit": 2000},
            {"label": "human", "value": "Unknown user.", "limit": 2000}
        ],
        "metadata": metadata,
    });
    let a = c.create_agent(body).await.expect("create agent");
    a["id"].as_str().expect("agent id").to_string()
}

/// Production runs `prompt_production`, the canary `prompt_canary` (the fleet under test).
pub async fn pair<T: Transport>(
    c: &LettaClient<T>,
    tag: &str,
    prompt_production: &str,
    prompt_canary: &str,
) -> Pair {
    let u = unique(tag);
    let prefix = Prefix::new(&format!("V{u}-")).expect("prefix");
    let production_name = format!("agent-{u}");
    let production = make_agent(c, &production_name, prompt_production, Default::default()).await;
    let canary_name = prefix.canary_name(&production_name).expect("name");
    let md = canary_metadata(&prefix, &production_name, &now_iso());
    let canary = make_agent(c, &canary_name, prompt_canary, md).await;
    let r = load_fleet(
        &fleet_yaml(&production_name, prompt_canary),
        &FileSet::new(),
    );
    assert!(r.ok, "{:?}", r.errors);
    Pair {
        prefix,
        production_name,
        production,
        canary,
        fleet: r.fleet.expect("fleet"),
    }
}

pub async fn drop_pair<T: Transport>(c: &LettaClient<T>, p: &Pair) {
    for id in [&p.production, &p.canary] {
        let blocks = agent_blocks(c, id).await;
        let _ = c.sweep_test_conversations(id).await;
        let _ = c.delete_agent(id).await;
        for b in blocks {
            let _ = c.delete_block(&b.0).await;
        }
    }
}

/// (id, label, value) of every block attached to an agent (none when it is gone).
pub async fn agent_blocks<T: Transport>(
    c: &LettaClient<T>,
    id: &str,
) -> Vec<(String, String, String)> {
    let Ok(a) = c.get_agent(id).await else {
        return Vec::new();
    };
    let mut out: Vec<(String, String, String)> = a["blocks"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|b| {
            (
                b["id"].as_str().unwrap_or_default().to_string(),
                b["label"].as_str().unwrap_or_default().to_string(),
                b["value"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

pub async fn message_ids<T: Transport>(c: &LettaClient<T>, id: &str) -> Vec<Value> {
    let a = c.get_agent(id).await.expect("agent");
    a["message_ids"].as_array().cloned().unwrap_or_default()
}

pub async fn default_count<T: Transport>(c: &LettaClient<T>, id: &str) -> usize {
    c.agent_messages(id, Some("default"), 1000)
        .await
        .expect("default conversation messages")
        .len()
}

/// What production looks like from the outside: in-context ids, default history, blocks.
pub async fn snapshot<T: Transport>(
    c: &LettaClient<T>,
    id: &str,
) -> (Vec<Value>, usize, Vec<(String, String, String)>) {
    (
        message_ids(c, id).await,
        default_count(c, id).await,
        agent_blocks(c, id).await,
    )
}

pub fn tool_calls(r: &canary_core::client::ChatReply) -> Vec<String> {
    r.messages
        .iter()
        .filter_map(|m| match m {
            ChatMessage::ToolCall { name, .. } => Some(name.clone()),
            _ => None,
        })
        .collect()
}

pub fn opts<'a>(clock: &'a dyn Fn() -> f64) -> RunOptions<'a> {
    RunOptions {
        now: now_iso(),
        clock,
        keep_canary_conversations: false,
    }
}

pub async fn live<T: Transport>(c: &LettaClient<T>) -> LiveState {
    let agents = c.list_agents().await.expect("agents");
    LiveState::from_api(&agents, &[], &[], &[], &[])
}

pub async fn test_conversations<T: Transport>(c: &LettaClient<T>, id: &str) -> usize {
    c.list_conversations(id)
        .await
        .expect("conversations")
        .iter()
        .filter(|c| c.is_test())
        .count()
}

/// (file name, is_open, last access) of every file attached to an agent.
pub async fn file_state(id: &str) -> Vec<(String, bool, Value)> {
    let v = raw_get(&format!("/agents/{id}/files?limit=50"))
        .await
        .expect("agent files");
    let mut out: Vec<_> = v["files"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            (
                f["file_name"].as_str().unwrap_or_default().to_string(),
                f["is_open"].as_bool().unwrap_or(false),
                f["last_accessed_at"].clone(),
            )
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}
