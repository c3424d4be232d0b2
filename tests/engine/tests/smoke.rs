//! Smoke test of the local Letta stack itself (`make letta-up`): the API facts the engine
//! relies on, through the engine's own client.

use canary_core::client::ChatMessage;
use canary_core::fleet::BlockSpec;
use canary_core::live::LiveAgent;
use canary_tests::{client, unique, NativeTransport, EMBEDDING, MODEL};
use serde_json::json;

#[tokio::test]
async fn letta_stack_smoke() {
    let c = client(NativeTransport::default());
    assert_eq!(c.health().await.expect("health"), "0.16.8");
    let u = unique("smoke");
    let shared = BlockSpec {
        label: format!("shared_{u}"),
        description: "d".into(),
        limit: 100,
        value: "shared".into(),
        agent_owned: false,
    };
    let block = c
        .create_block(&shared, Default::default())
        .await
        .expect("block");
    let block_id = block["id"].as_str().expect("block id").to_string();
    let agent = c
        .create_agent(json!({
            "name": format!("smoke-{u}"), "system": "You echo.", "model": MODEL, "embedding": EMBEDDING,
            "context_window_limit": 16000, "memory_blocks": [{"label": "persona", "value": "I echo.", "limit": 100}],
            "block_ids": [block_id], "tags": ["b", "a"], "metadata": {"k": "v"}, "include_base_tools": true,
        }))
        .await
        .expect("agent");
    let id = agent["id"].as_str().expect("agent id").to_string();
    // Listed with explicit relationships: tags, tools and both blocks come back.
    let listed = c.agents_named(&format!("smoke-{u}")).await.expect("list");
    assert_eq!(listed.len(), 1);
    let a = LiveAgent::from_api(&listed[0]);
    assert_eq!(a.tags, vec!["a", "b"]);
    assert_eq!(a.block_ids.len(), 2);
    assert!(!a.tool_ids.is_empty(), "base tools attached");
    assert_eq!(a.metadata.get("k"), Some(&json!("v")));
    // A plain turn, a tool-call turn and a streamed turn, all deterministic.
    let r = c.send_message(&id, "ping").await.expect("message");
    assert_eq!(r.assistant_text(), "Echo: ping");
    assert_eq!(r.stop_reason.as_deref(), Some("end_turn"));
    let t = c
        .send_message(&id, "USE_TOOL:conversation_search")
        .await
        .expect("tool turn");
    assert!(
        t.messages.iter().any(
            |m| matches!(m, ChatMessage::ToolCall { name, .. } if name == "conversation_search")
        ),
        "{t:?}"
    );
    assert!(t
        .messages
        .iter()
        .any(|m| matches!(m, ChatMessage::ToolReturn { .. })));
    assert!(t
        .assistant_text()
        .starts_with("Tool conversation_search returned:"));
    let mut streamed = Vec::new();
    let s = c
        .stream_message(&id, "streamed", &mut |m| streamed.push(m.clone()))
        .await
        .expect("stream");
    assert_eq!(s.assistant_text(), "Echo: streamed");
    assert_eq!(streamed, s.messages);
    // Deleting an agent leaves its blocks: delete them explicitly.
    c.delete_agent(&id).await.expect("delete agent");
    for b in &a.block_ids {
        c.delete_block(b).await.expect("delete block");
    }
    assert!(c
        .agents_named(&format!("smoke-{u}"))
        .await
        .expect("list")
        .is_empty());
}
