//! Issue 11 item 1 against the real Letta server: a canary-only copy is recognised by our
//! marker and the prefix, never by its name alone, and no object a non-canary agent uses is
//! written or deleted by a canary deploy or a cleanup (REFERENCE.md §3). Server state is read
//! back through the API after every attempt.

mod support;

use canary_core::canary::keys;
use canary_core::client::{LettaClient, Transport};
use canary_core::execute::{execute, ExecError};
use canary_core::fleet::{BlockSpec, FileSet};
use canary_core::live::LiveBlock;
use canary_core::plan::{Mode, Plan, PlanOptions};
use canary_core::render::render_text;
use canary_tests::{client, NativeTransport, EMBEDDING, MODEL};
use serde_json::{json, Map, Value};
use support::*;

fn id(v: &Value) -> String {
    v.get("id")
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no id in {v}"))
        .to_string()
}

/// A production agent (no canary metadata) outside the fleet, using the given objects.
async fn production_agent<T: Transport>(c: &LettaClient<T>, name: &str, extra: Value) -> String {
    let mut body = json!({"name": name, "model": MODEL, "embedding": EMBEDDING, "system": "I am production.", "context_window_limit": 16000});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            b.insert(k.clone(), v.clone());
        }
    }
    id(&c.create_agent(body).await.expect("production agent"))
}

fn meta(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

/// The preview every caller makes now (the narrow read behind `plan_live` and the executor's
/// stale check, forced narrow whatever the server's size), checked against the plan of the
/// whole-server read: the narrow read must see every collision the whole read sees (a
/// name-collision object without our marker, a marked copy a non-canary agent uses). Shadows
/// `support::preview` in this file.
async fn preview<T: Transport>(
    c: &LettaClient<T>,
    fleet: &canary_core::fleet::Fleet,
    o: &PlanOptions,
) -> (canary_core::live::LiveState, Plan) {
    let scoped = c.fetch_live_scoped(fleet, o).await.expect("narrow read");
    let p = canary_core::plan::plan(fleet, &scoped, o).expect("plan");
    let whole = c.fetch_live(fleet).await.expect("whole read");
    let pw = canary_core::plan::plan(fleet, &whole, o).expect("plan");
    assert_eq!(
        p.fingerprint,
        pw.fingerprint,
        "the narrow read plans otherwise than the whole read:\n{}\nwhole:\n{}",
        render_text(&p),
        render_text(&pw)
    );
    (scoped, p)
}

/// Runs a plan if it may run; a blocked plan must be refused by the executor without writes.
async fn attempt<T: Transport>(
    c: &LettaClient<T>,
    fleet: &canary_core::fleet::Fleet,
    p: &Plan,
    o: &PlanOptions,
) -> Result<(), ExecError> {
    execute(c, fleet, p, o, &exec(), &|_| {}).await.map(|_| ())
}

// --- (a) a production folder literally named PREFIX+folder ------------------------------

fn folder_yaml(n: &Names) -> String {
    format!(
        r#"agents:
  - name: {support}
    description: Support agent
    system_prompt:
      value: You answer from the documents.
    llm_config:
      model: {MODEL}
      context_window: 16000
    embedding: {EMBEDDING}
    tools: []
    folders:
      - name: {docs}
        files: ["docs/*"]
"#,
        support = n.name("support"),
        docs = n.name("docs"),
    )
}

fn docs(guide: &str) -> FileSet {
    let mut f = FileSet::new();
    f.insert("docs/guide.md".into(), format!("# Guide\n{guide}\n"));
    f.insert("docs/returns.md".into(), "# Returns\nThirty days.\n");
    f
}

#[tokio::test]
async fn production_folder_named_like_a_copy_blocks_the_plan_and_is_never_written() {
    let n = Names::new("colf");
    let c = client(NativeTransport::default());
    let docs_name = n.name("docs");
    let lookalike_name = format!("{}{docs_name}", n.prefix);
    let v1 = load(&folder_yaml(&n), &docs("Version one."));
    deploy(&c, &v1, &opts(Mode::Apply, &n.prefix)).await;

    // Production's own folder that happens to be called PREFIX+docs (no copy marker), in use.
    let lookalike = c
        .create_folder(
            &lookalike_name,
            Some(EMBEDDING),
            meta(json!({"owner": "production team"})),
        )
        .await
        .expect("lookalike folder");
    let lookalike_id = id(&lookalike);
    c.upload_file(
        &lookalike_id,
        &canary_core::fleet::FolderFile {
            path: "prod-only.md".into(),
            content: "Production's own document.\n".into(),
        },
    )
    .await
    .expect("upload");
    let user = production_agent(
        &c,
        &n.name("user"),
        json!({"source_ids": [lookalike_id.clone()]}),
    )
    .await;
    let before = folder_named(&c, &lookalike_name).await;
    let prod_docs = folder_named(&c, &docs_name).await;
    assert_eq!(
        agent_folder_ids(&c, &user).await,
        [lookalike_id.clone()].into()
    );

    // A changed document: a canary would need the copy PREFIX+docs, which is taken.
    let v2 = load(&folder_yaml(&n), &docs("Version two."));
    let canary = opts(Mode::Canary, &n.prefix);
    let (_, p) = preview(&c, &v2, &canary).await;
    let attempted = attempt(&c, &v2, &p, &canary).await;
    assert_eq!(
        folder_named(&c, &lookalike_name).await,
        before,
        "production's folder {lookalike_name} was written by a canary deploy (plan:\n{})",
        render_text(&p)
    );
    assert_eq!(folder_named(&c, &docs_name).await, prod_docs);
    assert!(
        p.blockers.iter().any(|b| b.contains(&lookalike_name)),
        "the name collision blocks the plan with a message naming {lookalike_name}: {:?}\n{}",
        p.blockers,
        render_text(&p)
    );
    assert!(
        matches!(attempted, Err(ExecError::Blocked(_))),
        "{attempted:?}"
    );

    // Cleanup (this fleet's canaries, then every canary of the prefix) never deletes it.
    for all in [false, true] {
        let o = PlanOptions {
            all_canaries: all,
            ..opts(Mode::Cleanup, &n.prefix)
        };
        let (_, p) = preview(&c, &v2, &o).await;
        assert!(
            deletions(&p).iter().all(|(_, id, _)| *id != lookalike_id),
            "{}",
            render_text(&p)
        );
        let r = execute(&c, &v2, &p, &o, &exec(), &|_| {})
            .await
            .expect("cleanup");
        assert!(r.ok(), "{r:#?}");
        assert_eq!(folder_named(&c, &lookalike_name).await, before);
        assert_eq!(
            agent_folder_ids(&c, &user).await,
            [lookalike_id.clone()].into()
        );
    }
    c.delete_agent(&user).await.expect("tidy agent");
    c.delete_folder(&lookalike_id).await.expect("tidy folder");
}

#[tokio::test]
async fn unused_folder_named_like_a_copy_is_neither_taken_nor_deleted() {
    let n = Names::new("colu");
    let c = client(NativeTransport::default());
    let lookalike_name = format!("{}{}", n.prefix, n.name("docs"));
    // A folder named like the canary's copy that nobody marked as ours, used by no agent;
    // no production folder yet, so a canary deploy needs a copy of its own.
    let lookalike_id = id(&c
        .create_folder(
            &lookalike_name,
            Some(EMBEDDING),
            meta(json!({"owner": "someone"})),
        )
        .await
        .expect("lookalike"));
    let before = folder_by_id(&c, &lookalike_id).await.expect("lookalike");
    let v1 = load(&folder_yaml(&n), &docs("Version one."));
    let canary = opts(Mode::Canary, &n.prefix);
    let (_, p) = preview(&c, &v1, &canary).await;
    let attempted = attempt(&c, &v1, &p, &canary).await;
    assert_eq!(
        folder_by_id(&c, &lookalike_id).await.as_ref(),
        Some(&before),
        "a folder without our marker was taken for the canary's copy (plan:\n{})",
        render_text(&p)
    );
    if attempted.is_err() {
        assert!(
            p.blockers.iter().any(|b| b.contains(&lookalike_name)),
            "{:?}",
            p.blockers
        );
    }
    for all in [false, true] {
        let o = PlanOptions {
            all_canaries: all,
            ..opts(Mode::Cleanup, &n.prefix)
        };
        let (_, p) = preview(&c, &v1, &o).await;
        let r = execute(&c, &v1, &p, &o, &exec(), &|_| {})
            .await
            .expect("cleanup");
        assert!(r.ok(), "{r:#?}");
        assert_eq!(
            folder_by_id(&c, &lookalike_id).await.as_ref(),
            Some(&before),
            "a folder without our marker is never deleted"
        );
    }
    c.delete_folder(&lookalike_id).await.expect("tidy");
}

// --- (b), (c) shared blocks that carry a copy marker -----------------------------------

fn block_yaml(n: &Names, policy: &str) -> String {
    format!(
        r#"shared_blocks:
  - name: {label}
    description: Company policies
    limit: 2000
    value: "{policy}"
    agent_owned: false
agents:
  - name: {support}
    description: Support agent
    system_prompt:
      value: You help.
    llm_config:
      model: {MODEL}
      context_window: 16000
    embedding: {EMBEDDING}
    tools: []
    shared_blocks: [{label}]
"#,
        label = n.ident("policies"),
        support = n.name("support"),
    )
}

fn spec(label: &str, value: &str) -> BlockSpec {
    BlockSpec {
        label: label.into(),
        description: "Company policies".into(),
        limit: 2000,
        value: value.into(),
        agent_owned: false,
    }
}

async fn block<T: Transport>(c: &LettaClient<T>, label: &str, id: &str) -> Option<LiveBlock> {
    block_by_id(c, label, id).await
}

#[tokio::test]
async fn marked_copy_used_by_production_is_never_updated_or_deleted() {
    let n = Names::new("colb");
    let c = client(NativeTransport::default());
    let label = n.ident("policies");
    let v1 = load(&block_yaml(&n, "Version one."), &FileSet::new());
    deploy(&c, &v1, &opts(Mode::Apply, &n.prefix)).await;
    let live = c.fetch_live(&v1).await.expect("live");
    let prod_block = block_with_label(&live, agent(&live, &n.name("support")), &label).clone();

    // A block with the shared label and our copy marker for this very prefix, which a
    // production agent uses: it looks like our copy, but production owns it now.
    let marked = c
        .create_block(
            &spec(&label, "Production relies on this text."),
            meta(json!({keys::COPY_PREFIX: n.prefix, keys::SHARED_BLOCK: label})),
        )
        .await
        .expect("marked block");
    let marked_id = id(&marked);
    let user = production_agent(
        &c,
        &n.name("user"),
        json!({"block_ids": [marked_id.clone()]}),
    )
    .await;
    let before = block(&c, &label, &marked_id).await.expect("marked block");

    // Canary deploy of a changed shared block.
    let v2 = load(&block_yaml(&n, "Version two."), &FileSet::new());
    let canary = opts(Mode::Canary, &n.prefix);
    let (_, p) = preview(&c, &v2, &canary).await;
    let attempted = attempt(&c, &v2, &p, &canary).await;
    assert_eq!(
        block(&c, &label, &marked_id).await.as_ref(),
        Some(&before),
        "a block a production agent uses was written by a canary deploy (plan:\n{})",
        render_text(&p)
    );
    assert_eq!(
        block(&c, &label, &prod_block.id).await.as_ref(),
        Some(&prod_block),
        "the production shared block is untouched"
    );
    if attempted.is_ok() {
        // The run went ahead: the canary sees the fleet's new text in a block of its own.
        let live = c.fetch_live(&v2).await.expect("live");
        let mine = block_with_label(&live, agent(&live, &n.canary("support")), &label);
        assert_eq!(mine.value, "Version two.");
        assert!(mine.id != marked_id && mine.id != prod_block.id);
    } else {
        assert!(
            matches!(attempted, Err(ExecError::Blocked(_))),
            "{attempted:?}"
        );
    }

    // Cleanup, also while a canary of ours is attached to it (as an earlier run might have
    // left it), and for every canary of the prefix: production's block stays.
    let canary_id = c
        .fetch_live(&v2)
        .await
        .expect("live")
        .agents
        .iter()
        .find(|a| a.name == n.canary("support"))
        .map(|a| a.id.clone());
    if let Some(cid) = &canary_id {
        c.attachment(cid, "core-memory/blocks", &marked_id, true)
            .await
            .expect("attach to canary");
    }
    for all in [false, true] {
        let o = PlanOptions {
            all_canaries: all,
            ..opts(Mode::Cleanup, &n.prefix)
        };
        let (_, p) = preview(&c, &v2, &o).await;
        assert!(
            deletions(&p)
                .iter()
                .all(|(_, id, _)| *id != marked_id && *id != prod_block.id),
            "{}",
            render_text(&p)
        );
        let r = execute(&c, &v2, &p, &o, &exec(), &|_| {})
            .await
            .expect("cleanup");
        assert!(r.ok(), "{r:#?}");
        assert_eq!(block(&c, &label, &marked_id).await.as_ref(), Some(&before));
        assert!(block(&c, &label, &prod_block.id).await.is_some());
    }
    if let Some(cid) = &canary_id {
        assert!(!agent_exists(&c, cid).await, "the canary itself went");
    }
    c.delete_agent(&user).await.expect("tidy agent");
    c.delete_block(&marked_id).await.expect("tidy block");
}

#[tokio::test]
async fn copies_of_another_prefix_are_never_touched() {
    let n = Names::new("colp");
    let c = client(NativeTransport::default());
    let label = n.ident("policies");
    let other_prefix = format!("O{}-", n.u);
    // Another prefix's canary with its copy, and an orphaned copy of that prefix.
    let theirs = c
        .create_block(
            &spec(&label, "The other canary's text."),
            meta(json!({keys::COPY_PREFIX: other_prefix, keys::SHARED_BLOCK: label})),
        )
        .await
        .expect("other copy");
    let theirs_id = id(&theirs);
    let orphan_id = id(&c
        .create_block(
            &spec(&label, "An orphan of the other prefix."),
            meta(json!({keys::COPY_PREFIX: other_prefix, keys::SHARED_BLOCK: label})),
        )
        .await
        .expect("orphan copy"));
    let other_canary = production_agent(
        &c,
        &format!("{other_prefix}{}", n.name("support")),
        json!({"block_ids": [theirs_id.clone()], "metadata": {
            "lettactl.canary": true, "lettactl.canary.prefix": other_prefix,
            "lettactl.canary.productionName": n.name("support")}}),
    )
    .await;
    let before_theirs = block(&c, &label, &theirs_id).await.expect("theirs");
    let before_orphan = block(&c, &label, &orphan_id).await.expect("orphan");

    // Production, then our canary with a changed block, then our cleanup (scoped and whole).
    let v1 = load(&block_yaml(&n, "Version one."), &FileSet::new());
    deploy(&c, &v1, &opts(Mode::Apply, &n.prefix)).await;
    let v2 = load(&block_yaml(&n, "Version two."), &FileSet::new());
    deploy(&c, &v2, &opts(Mode::Canary, &n.prefix)).await;
    let live = c.fetch_live(&v2).await.expect("live");
    let mine = block_with_label(&live, agent(&live, &n.canary("support")), &label).clone();
    assert_eq!(mine.value, "Version two.");
    assert_eq!(
        mine.metadata.get(keys::COPY_PREFIX),
        Some(&Value::String(n.prefix.clone()))
    );
    assert!(mine.id != theirs_id && mine.id != orphan_id);
    assert_eq!(
        block(&c, &label, &theirs_id).await.as_ref(),
        Some(&before_theirs)
    );
    assert_eq!(
        block(&c, &label, &orphan_id).await.as_ref(),
        Some(&before_orphan)
    );
    for all in [false, true] {
        let o = PlanOptions {
            all_canaries: all,
            ..opts(Mode::Cleanup, &n.prefix)
        };
        let (_, p) = preview(&c, &v2, &o).await;
        assert!(
            deletions(&p)
                .iter()
                .all(|(_, id, _)| *id != theirs_id && *id != orphan_id && *id != other_canary),
            "{}",
            render_text(&p)
        );
        let r = execute(&c, &v2, &p, &o, &exec(), &|_| {})
            .await
            .expect("cleanup");
        assert!(r.ok(), "{r:#?}");
        assert_eq!(
            block(&c, &label, &theirs_id).await.as_ref(),
            Some(&before_theirs)
        );
        assert_eq!(
            block(&c, &label, &orphan_id).await.as_ref(),
            Some(&before_orphan)
        );
        assert!(agent_exists(&c, &other_canary).await);
    }
    assert!(block(&c, &label, &mine.id).await.is_none(), "our copy went");
    c.delete_agent(&other_canary).await.expect("tidy agent");
    for b in [&theirs_id, &orphan_id] {
        c.delete_block(b).await.expect("tidy block");
    }
}
