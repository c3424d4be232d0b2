//! Conversations against the real server: a canary deploy gives the canary its own fleet
//! conversations (production gets none until promote), a re-plan converges with zero
//! writes, promote creates production's, cleanup takes the canary's with the agent.

mod support;

use canary_core::client::{Counting, LettaClient, Transport};
use canary_core::fleet::FileSet;
use canary_core::plan::Mode;
use canary_tests::{client, NativeTransport};
use support::*;

fn yaml(n: &Names) -> String {
    format!(
        r#"agents:
  - name: {agent}
    description: Conversations test
    system_prompt: {{value: You help.}}
    llm_config: {{model: openai-proxy/canary-echo, context_window: 16000}}
    embedding: openai/text-embedding-3-small
    tools: []
    memory_blocks:
      - {{name: persona, description: Me, limit: 200, value: I help., agent_owned: true}}
    conversations:
      - summary: Onboarding
        isolated_blocks: [persona]
      - summary: Billing questions
"#,
        agent = n.name("conv")
    )
}

async fn summaries<T: Transport>(c: &LettaClient<T>, agent_id: &str) -> Vec<(String, usize)> {
    let mut v: Vec<(String, usize)> = c
        .list_conversations(agent_id)
        .await
        .expect("conversations")
        .into_iter()
        .map(|x| (x.summary.unwrap_or_default(), x.isolated_block_ids.len()))
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn conversations_are_created_per_agent_and_converge() {
    let n = Names::new("conv");
    let c = client(Counting::new(NativeTransport::default()));
    let fleet = load(&yaml(&n), &FileSet::new());
    let canary = opts(Mode::Canary, &n.prefix);
    deploy(&c, &fleet, &canary).await;
    let live = c.fetch_live(&fleet).await.expect("live");
    let ca = agent(&live, &n.canary("conv")).id.clone();
    assert_eq!(
        summaries(&c, &ca).await,
        vec![
            ("Billing questions".to_string(), 0),
            ("Onboarding".to_string(), 1)
        ],
        "the canary has both, Onboarding with its own copy of persona"
    );
    assert!(
        live.agents.iter().all(|a| a.name != n.name("conv")),
        "no production agent yet"
    );
    // Converged: nothing to write.
    let (_, again) = preview(&c, &fleet, &canary).await;
    assert!(
        again.is_noop(),
        "{}",
        canary_core::render::render_text(&again)
    );
    c.transport().reset();
    let r = canary_core::execute::execute(&c, &fleet, &again, &canary, &exec(), &|_| {})
        .await
        .expect("execute");
    assert!(r.ok());
    assert_eq!(c.transport().writes(), 0, "a re-deploy writes nothing");

    // Promote: production gets its own two; the canary keeps its two.
    let promote = opts(Mode::Promote, &n.prefix);
    deploy(&c, &fleet, &promote).await;
    let live = c.fetch_live(&fleet).await.expect("live");
    let pa = agent(&live, &n.name("conv")).id.clone();
    assert_eq!(summaries(&c, &pa).await.len(), 2);
    assert_eq!(summaries(&c, &ca).await.len(), 2);
    let (_, again) = preview(&c, &fleet, &promote).await;
    assert!(again.is_noop());

    // Cleanup removes the canary (and with it its conversations); production keeps its own.
    deploy(&c, &fleet, &opts(Mode::Cleanup, &n.prefix)).await;
    assert_eq!(summaries(&c, &pa).await.len(), 2);
    assert!(c
        .list_conversations(&ca)
        .await
        .map(|v| v.is_empty())
        .unwrap_or(true));
}

/// The token stream of a test conversation against the real server: the reply arrives in
/// pieces and reads as the whole turn, the turn stays out of the agent's default
/// conversation, and error answers on the streamed path are the server's, named (an unknown
/// or deleted conversation, an unknown agent: not found).
#[tokio::test]
async fn a_token_stream_in_a_test_conversation_and_its_errors() {
    use canary_core::client::ApiError;
    let n = Names::new("convstream");
    let c = client(NativeTransport::default());
    let fleet = load(&yaml(&n), &FileSet::new());
    deploy(&c, &fleet, &opts(Mode::Canary, &n.prefix)).await;
    let live = c.fetch_live(&fleet).await.expect("live");
    let ca = agent(&live, &n.canary("conv")).id.clone();
    let default_before = c
        .agent_messages(&ca, Some("default"), 100)
        .await
        .expect("default conversation")
        .len();

    let conv = c
        .open_test_conversation(&ca, "stream")
        .await
        .expect("test conversation");
    let mut updates = 0;
    let reply = c
        .stream_tokens_in_conversation(&conv.id, "hello stream", &mut |_| updates += 1)
        .await
        .expect("streamed reply");
    assert_eq!(reply.assistant_text(), "Echo: hello stream", "{reply:?}");
    assert_eq!(reply.stop_reason.as_deref(), Some("end_turn"), "{reply:?}");
    assert!(reply.run_id.is_some(), "the run is named: {reply:?}");
    assert!(updates >= 1, "the reply was shown as it arrived");
    assert_eq!(
        c.agent_messages(&ca, Some("default"), 100)
            .await
            .expect("default conversation")
            .len(),
        default_before,
        "a test turn never lands in the default conversation"
    );

    let unknown = "conv-00000000-0000-4000-8000-000000000000";
    let e = c
        .stream_tokens_in_conversation(unknown, "hi", &mut |_| {})
        .await
        .expect_err("no such conversation");
    assert!(
        matches!(&e, ApiError::NotFound(d) if d.contains("Conversation not found")),
        "{e:?}"
    );
    c.delete_conversation(&conv.id).await.expect("delete");
    let e = c
        .stream_tokens_in_conversation(&conv.id, "hi", &mut |_| {})
        .await
        .expect_err("a deleted conversation");
    assert!(matches!(e, ApiError::NotFound(_)), "{e:?}");
    let e = c
        .stream_message(
            "agent-00000000-0000-4000-8000-000000000000",
            "hi",
            &mut |_| {},
        )
        .await
        .expect_err("no such agent");
    assert!(
        matches!(&e, ApiError::NotFound(d) if d.contains("not found")),
        "{e:?}"
    );

    deploy(&c, &fleet, &opts(Mode::Cleanup, &n.prefix)).await;
    assert!(!agent_exists(&c, &ca).await, "the canary is gone");
}
