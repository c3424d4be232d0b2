//! A test conversation left open on a canary (a tab closed mid-chat) holds conversation-only
//! copies of the canary's blocks, which the server does not delete with the agent. Cleanup
//! removes the test conversations first, so no block copy outlives the canary.

mod support;

use canary_core::fleet::FileSet;
use canary_core::plan::Mode;
use canary_tests::{client, NativeTransport, Recording};
use support::*;

/// Deploys `fleet` as canaries and opens a test conversation on its `tc` canary, left open
/// (a tab closed mid-chat): the canary's id and the conversation's block copies.
async fn deploy_with_open_conversation(
    c: &canary_core::client::LettaClient<NativeTransport>,
    fleet: &canary_core::fleet::Fleet,
    n: &Names,
) -> (String, Vec<String>) {
    deploy(c, fleet, &opts(Mode::Canary, &n.prefix)).await;
    let live = c.fetch_live(fleet).await.expect("live");
    let canary = agent(&live, &n.canary("tc")).id.clone();
    let conv = c
        .open_test_conversation(&canary, "left open")
        .await
        .expect("conversation");
    assert!(
        !conv.isolated_block_ids.is_empty(),
        "it holds copies of the canary's blocks"
    );
    (canary, conv.isolated_block_ids)
}

#[tokio::test]
async fn cleanup_leaves_no_block_copies_of_open_test_conversations() {
    let n = Names::new("ctc");
    let c = client(NativeTransport::default());
    let yaml = format!(
        "agents:\n  - name: {}\n    description: Test conversations\n    system_prompt: {{value: You help.}}\n    llm_config: {{model: openai-proxy/canary-echo, context_window: 16000}}\n    embedding: openai/text-embedding-3-small\n    tools: []\n    memory_blocks:\n      - {{name: persona, description: Me, limit: 200, value: I help., agent_owned: true}}\n",
        n.name("tc")
    );
    let fleet = load(&yaml, &FileSet::new());
    let (canary, copies) = deploy_with_open_conversation(&c, &fleet, &n).await;
    let copy = copies[0].clone();
    assert!(block_by_id(&c, "persona", &copy).await.is_some());

    deploy(&c, &fleet, &opts(Mode::Cleanup, &n.prefix)).await;
    assert!(!agent_exists(&c, &canary).await, "the canary is gone");
    assert!(
        block_by_id(&c, "persona", &copy).await.is_none(),
        "the open test conversation's block copy went with it"
    );
}

fn shared_yaml(n: &Names, policy: &str) -> String {
    format!(
        "shared_blocks:\n  - {{name: {label}, description: Policies, limit: 500, value: \"{policy}\", agent_owned: false}}\nagents:\n  - name: {agent}\n    description: Test conversations\n    system_prompt: {{value: You help.}}\n    llm_config: {{model: openai-proxy/canary-echo, context_window: 16000}}\n    embedding: openai/text-embedding-3-small\n    tools: []\n    shared_blocks: [{label}]\n    memory_blocks:\n      - {{name: persona, description: Me, limit: 200, value: I help., agent_owned: true}}\n",
        label = n.ident("policies"),
        agent = n.name("tc")
    )
}

/// A chat keeps a test conversation open on the canary and on production; each holds a copy
/// of the shared block (the production block's, and the canary-only copy's, marker and all),
/// attached to no agent. Plans made while they are open must not see those copies (no
/// deletion of a conversation's copy, no attaching the canary to one), and must still execute
/// after the chat closed them: the stale check reads the same state.
#[tokio::test]
async fn a_plan_made_while_a_chat_is_open_executes_after_it_closed() {
    let n = Names::new("ctp");
    let c = client(NativeTransport::default());
    let v1 = load(&shared_yaml(&n, "Version one."), &FileSet::new());
    deploy(&c, &v1, &opts(Mode::Apply, &n.prefix)).await;
    // A changed shared block: the canary gets a canary-only copy.
    let v2 = load(&shared_yaml(&n, "Version two."), &FileSet::new());
    let canary = opts(Mode::Canary, &n.prefix);
    deploy(&c, &v2, &canary).await;
    let live = c.fetch_live(&v2).await.expect("live");
    let ids = [n.canary("tc"), n.name("tc")].map(|name| agent(&live, &name).id.clone());

    let mut copies = Vec::new();
    let mut convs = Vec::new();
    for id in &ids {
        let conv = c
            .open_test_conversation(id, "chat")
            .await
            .expect("conversation");
        copies.extend(conv.isolated_block_ids.clone());
        convs.push(conv.id);
    }
    let label = n.ident("policies");
    let mut shared_copies = 0;
    for id in &copies {
        if block_by_id(&c, &label, id).await.is_some() {
            shared_copies += 1;
        }
    }
    assert_eq!(
        shared_copies, 2,
        "each open conversation holds a copy of the shared block (the canary's of its copy)"
    );

    // Plans made while the chat is open: the copies are in no state, read whole or narrow.
    for live in [
        c.fetch_live(&v2).await.expect("whole read"),
        c.fetch_live_scoped(&v2, &canary)
            .await
            .expect("narrow read"),
    ] {
        assert!(
            live.blocks.iter().all(|b| !copies.contains(&b.id)),
            "a test conversation's copy is in the live state"
        );
    }
    let (_, redeploy) = preview(&c, &v2, &canary).await;
    assert!(
        redeploy.is_noop(),
        "the canary stays on its own copy: {}",
        canary_core::render::render_text(&redeploy)
    );
    let cleanup = opts(Mode::Cleanup, &n.prefix);
    let (_, clean) = preview(&c, &v2, &cleanup).await;
    assert!(
        deletions(&clean)
            .iter()
            .all(|(_, id, _)| !copies.contains(id)),
        "cleanup plans to delete a conversation's copy: {}",
        canary_core::render::render_text(&clean)
    );

    // The chat ends: its conversations (and their copies) go.
    for conv in &convs {
        c.delete_conversation(conv).await.expect("close");
    }
    for id in &copies {
        assert!(block_by_id(&c, &label, id).await.is_none(), "copy gone");
    }

    // Both plans still hold: neither is refused as stale.
    let r = canary_core::execute::execute(&c, &v2, &redeploy, &canary, &exec(), &|_| {})
        .await
        .expect("the re-deploy planned during the chat runs after it");
    assert!(r.ok(), "{r:#?}");
    let r = canary_core::execute::execute(&c, &v2, &clean, &cleanup, &exec(), &|_| {})
        .await
        .expect("the cleanup planned during the chat runs after it");
    assert!(r.ok(), "{r:#?}");
    assert!(!agent_exists(&c, &ids[0]).await, "the canary is gone");
    assert!(agent_exists(&c, &ids[1]).await, "production stays");
    c.delete_agent(&ids[1]).await.expect("tidy");
}

/// A cleanup of a fleet with shared blocks lists our test conversations once: the stale
/// check's read lists them (to leave their block copies out of the state), and the deletions
/// that follow at once delete those, an open one included, without listing them again.
#[tokio::test]
async fn a_cleanup_lists_the_test_conversations_once() {
    let n = Names::new("ctl");
    let c = client(NativeTransport::default());
    let fleet = load(&shared_yaml(&n, "Version one."), &FileSet::new());
    let (canary, copies) = deploy_with_open_conversation(&c, &fleet, &n).await;
    let label = n.ident("policies");

    let cleanup = opts(Mode::Cleanup, &n.prefix);
    let (_, p) = preview(&c, &fleet, &cleanup).await;
    let recorded = client(Recording::new(NativeTransport::default()));
    let r = canary_core::execute::execute(&recorded, &fleet, &p, &cleanup, &exec(), &|_| {})
        .await
        .expect("cleanup ran");
    assert!(r.ok(), "{r:#?}");
    let listings: Vec<String> = recorded
        .transport()
        .log()
        .into_iter()
        .map(|(_, path)| path)
        .filter(|path| path.starts_with("/conversations/?summary_search="))
        .collect();
    assert_eq!(listings.len(), 1, "one listing: {listings:#?}");
    assert!(!agent_exists(&c, &canary).await, "the canary is gone");
    for id in &copies {
        assert!(
            block_by_id(&c, "persona", id).await.is_none()
                && block_by_id(&c, &label, id).await.is_none(),
            "the open test conversation's copies went with it"
        );
    }
}
