//! A test conversation left open on a canary (a tab closed mid-chat) holds conversation-only
//! copies of the canary's blocks, which the server does not delete with the agent. Cleanup
//! removes the test conversations first, so no block copy outlives the canary.

mod support;

use canary_core::fleet::FileSet;
use canary_core::plan::Mode;
use canary_tests::{client, NativeTransport};
use support::*;

#[tokio::test]
async fn cleanup_leaves_no_block_copies_of_open_test_conversations() {
    let n = Names::new("ctc");
    let c = client(NativeTransport::default());
    let yaml = format!(
        "agents:\n  - name: {}\n    description: Test conversations\n    system_prompt: {{value: You help.}}\n    llm_config: {{model: openai-proxy/canary-echo, context_window: 16000}}\n    embedding: openai/text-embedding-3-small\n    tools: []\n    memory_blocks:\n      - {{name: persona, description: Me, limit: 200, value: I help., agent_owned: true}}\n",
        n.name("tc")
    );
    let fleet = load(&yaml, &FileSet::new());
    deploy(&c, &fleet, &opts(Mode::Canary, &n.prefix)).await;
    let live = c.fetch_live(&fleet).await.expect("live");
    let canary = agent(&live, &n.canary("tc")).id.clone();
    let conv = c
        .open_test_conversation(&canary, "left open")
        .await
        .expect("conversation");
    assert!(
        !conv.isolated_block_ids.is_empty(),
        "it has its own copy of persona"
    );
    let copy = conv.isolated_block_ids[0].clone();
    assert!(block_by_id(&c, "persona", &copy).await.is_some());

    deploy(&c, &fleet, &opts(Mode::Cleanup, &n.prefix)).await;
    assert!(!agent_exists(&c, &canary).await, "the canary is gone");
    assert!(
        block_by_id(&c, "persona", &copy).await.is_none(),
        "the open test conversation's block copy went with it"
    );
}
