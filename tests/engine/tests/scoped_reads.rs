//! Issue 16 item 4 against the real Letta server: the narrow read a plan makes
//! (`LettaClient::fetch_live_scoped`, behind `plan_live`, `fetch_live_for` and the executor's
//! stale check) gives the same plan — same fingerprint, same value — as the read of every
//! agent on the server, for canary deploy, promote and cleanup. The server is shared with other
//! test runs, so it holds many agents unrelated to the fleet; on top of those, production
//! agents that are NOT in the fleet use the fleet's objects: the production shared block, a
//! canary's own block, a canary's folder copy, and an unmarked block with the shared label.
//! The scoped plan must refuse and spare exactly as the whole plan does. The number of
//! requests of the scoped read must not grow with unrelated agents.

mod support;

use canary_core::client::{LettaClient, Method, Transport};
use canary_core::fleet::{BlockSpec, FileSet, Fleet};
use canary_core::plan::{plan, Mode, Plan, PlanOptions};
use canary_core::render::render_text;
use canary_tests::{client, NativeTransport, Recording, EMBEDDING, MODEL};
use futures::stream::{self, StreamExt};
use serde_json::{json, Map, Value};
use support::*;

fn id(v: &Value) -> String {
    v.get("id")
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no id in {v}"))
        .to_string()
}

/// A production agent (no canary metadata) outside the fleet.
async fn outsider<T: Transport>(c: &LettaClient<T>, name: &str, extra: Value) -> String {
    let mut body = json!({"name": name, "model": MODEL, "embedding": EMBEDDING, "system": "I am not in the fleet.", "context_window_limit": 16000});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            b.insert(k.clone(), v.clone());
        }
    }
    id(&c.create_agent(body).await.expect("outsider agent"))
}

fn yaml(n: &Names, policy: &str, notes: &str, extra_label: bool) -> String {
    let faq = if extra_label {
        format!(
            "\n  - name: {}\n    description: FAQ\n    limit: 2000\n    value: \"Answers.\"\n    agent_owned: true",
            n.ident("faq")
        )
    } else {
        String::new()
    };
    let faq_use = if extra_label {
        format!(", {}", n.ident("faq"))
    } else {
        String::new()
    };
    format!(
        r#"shared_blocks:
  - name: {label}
    description: Company policies
    limit: 2000
    value: "{policy}"
    agent_owned: false{faq}
agents:
  - name: {a}
    description: Support agent
    system_prompt:
      value: You help.
    llm_config:
      model: {MODEL}
      context_window: 16000
    embedding: {EMBEDDING}
    tools: []
    shared_blocks: [{label}{faq_use}]
    memory_blocks:
      - name: {notes_label}
        description: Notes
        limit: 2000
        value: "{notes}"
        agent_owned: false
    folders:
      - name: {docs}
        files: ["docs/*"]
  - name: {b}
    description: Billing agent
    system_prompt:
      value: You bill.
    llm_config:
      model: {MODEL}
      context_window: 16000
    embedding: {EMBEDDING}
    tools: []
    shared_blocks: [{label}]
"#,
        label = n.ident("policies"),
        notes_label = n.ident("notes"),
        docs = n.name("docs"),
        a = n.name("a"),
        b = n.name("b"),
    )
}

fn docs(text: &str) -> FileSet {
    let mut f = FileSet::new();
    f.insert("docs/guide.md".into(), format!("# Guide\n{text}\n"));
    f
}

/// The plan from the whole server and the plan from the scoped read must be one value; the
/// plan from `plan_live` (small servers whole, large ones scoped) too. Returns the plan.
async fn same_plan<T: Transport>(c: &LettaClient<T>, fleet: &Fleet, o: &PlanOptions) -> Plan {
    let whole = c.fetch_live(fleet).await.expect("whole read");
    let scoped = c.fetch_live_scoped(fleet, o).await.expect("scoped read");
    let pw = plan(fleet, &whole, o).expect("plan on the whole server");
    let ps = plan(fleet, &scoped, o).expect("plan on the scoped read");
    assert!(
        scoped.agents.len() < whole.agents.len(),
        "the scoped read read every agent ({} of {})",
        scoped.agents.len(),
        whole.agents.len()
    );
    assert_eq!(
        pw,
        ps,
        "{:?} plan differs between the whole and the scoped read\nwhole:\n{}\nscoped:\n{}",
        o.mode,
        render_text(&pw),
        render_text(&ps)
    );
    let (_, pl) = c.plan_live(fleet, o).await.expect("plan_live");
    assert_eq!(pl.fingerprint, pw.fingerprint, "plan_live differs");
    pw
}

fn with(o: PlanOptions, f: impl FnOnce(&mut PlanOptions)) -> PlanOptions {
    let mut o = o;
    f(&mut o);
    o
}

fn spec(label: &str, value: &str) -> BlockSpec {
    BlockSpec {
        label: label.into(),
        description: "FAQ".into(),
        limit: 2000,
        value: value.into(),
        agent_owned: true,
    }
}

#[tokio::test]
async fn scoped_plans_equal_whole_server_plans_when_outsiders_use_fleet_objects() {
    let n = Names::new("scope");
    let c = client(NativeTransport::default());
    let canary = opts(Mode::Canary, &n.prefix);
    let promote = opts(Mode::Promote, &n.prefix);
    let cleanup = opts(Mode::Cleanup, &n.prefix);
    let policies = n.ident("policies");
    let notes = n.ident("notes");
    let faq = n.ident("faq");
    let mut tidy_agents: Vec<String> = Vec::new();
    let mut tidy_blocks: Vec<String> = Vec::new();

    // Production as v1, and an outsider that uses the production shared block.
    let v1 = load(
        &yaml(&n, "Version one.", "Notes one.", false),
        &docs("One."),
    );
    deploy(&c, &v1, &opts(Mode::Apply, &n.prefix)).await;
    let live = c.fetch_live(&v1).await.expect("live");
    let prod_policies = block_with_label(&live, agent(&live, &n.name("a")), &policies)
        .id
        .clone();
    tidy_blocks.push(prod_policies.clone());
    tidy_agents.push(
        outsider(
            &c,
            &n.name("outsider-policies"),
            json!({"block_ids": [prod_policies.clone()]}),
        )
        .await,
    );

    // An unmarked block with the second shared label that production agent `a` uses (so it
    // is production's block for that label), and an unmarked decoy only an outsider uses.
    let faq_prod = id(&c
        .create_block(&spec(&faq, "Answers."), Map::new())
        .await
        .expect("faq block"));
    let faq_decoy = id(&c
        .create_block(&spec(&faq, "Someone else's answers."), Map::new())
        .await
        .expect("decoy block"));
    tidy_blocks.extend([faq_prod.clone(), faq_decoy.clone()]);
    let a_id = agent(&live, &n.name("a")).id.clone();
    c.attachment(&a_id, "core-memory/blocks", &faq_prod, true)
        .await
        .expect("attach faq to a");
    tidy_agents.push(
        outsider(
            &c,
            &n.name("outsider-faq"),
            json!({"block_ids": [faq_decoy.clone()]}),
        )
        .await,
    );

    // v2 changes the shared block, the notes and the documents: the canary needs copies.
    let v2 = load(&yaml(&n, "Version two.", "Notes two.", true), &docs("Two."));
    same_plan(&c, &v2, &canary).await;
    deploy(&c, &v2, &canary).await;
    let p = same_plan(&c, &v2, &canary).await;
    assert!(p.is_noop(), "re-deploy: {}", render_text(&p));

    // An outsider uses the canary's own notes block and its folder copy.
    let live = c.fetch_live(&v2).await.expect("live");
    let ca = agent(&live, &n.canary("a"));
    let canary_notes = block_with_label(&live, ca, &notes).id.clone();
    let copy = folder_named(&c, &format!("{}{}", n.prefix, n.name("docs"))).await;
    tidy_agents.push(
        outsider(
            &c,
            &n.name("outsider-canary"),
            json!({"block_ids": [canary_notes.clone()], "source_ids": [copy.id.clone()]}),
        )
        .await,
    );

    // Canary: the notes block is shared with production now (own block instead), and the
    // folder copy is production's (blocked) — in both reads alike.
    let p = same_plan(&c, &v2, &canary).await;
    assert!(
        p.blockers.iter().any(|b| b.contains(&copy.id)),
        "the folder copy an outsider uses blocks the canary: {}",
        render_text(&p)
    );
    let v3 = load(
        &yaml(&n, "Version two.", "Notes three.", true),
        &docs("Two."),
    );
    same_plan(&c, &v3, &canary).await;
    same_plan(
        &c,
        &v3,
        &with(canary.clone(), |o| o.agents = Some(vec![n.name("b")])),
    )
    .await;

    // Promote, with and without the cleanup that follows.
    same_plan(&c, &v2, &promote).await;
    same_plan(&c, &v2, &with(promote.clone(), |o| o.cleanup_after = true)).await;

    // Cleanup spares what the outsider uses (canary notes block, folder copy), in both reads.
    let p = same_plan(&c, &v2, &cleanup).await;
    let deleted: Vec<String> = deletions(&p).into_iter().map(|(_, id, _)| id).collect();
    assert!(
        !deleted.contains(&canary_notes) && !deleted.contains(&copy.id),
        "cleanup spares what an agent that stays uses: {}",
        render_text(&p)
    );
    same_plan(&c, &v2, &with(cleanup.clone(), |o| o.all_canaries = true)).await;
    same_plan(
        &c,
        &v2,
        &with(cleanup.clone(), |o| o.agents = Some(vec![n.name("a")])),
    )
    .await;

    // The cleanup plan made from the scoped read runs: the executor's stale check (now the
    // scoped read too) agrees with it.
    deploy(&c, &v2, &cleanup).await;
    let p = same_plan(&c, &v2, &cleanup).await;
    assert!(p.deletions().is_empty(), "{}", render_text(&p));

    for a in tidy_agents {
        let _ = c.delete_agent(&a).await;
    }
    for name in [n.name("a"), n.name("b")] {
        for a in c.agents_named(&name).await.expect("agents") {
            let _ = c.delete_agent(&id(&a)).await;
        }
    }
    for b in tidy_blocks.into_iter().chain([canary_notes]) {
        let _ = c.delete_block(&b).await;
    }
    for f in c.list_folders().await.expect("folders") {
        let name = f.get("name").and_then(Value::as_str).unwrap_or_default();
        if name.ends_with(&n.name("docs")) {
            let _ = c.delete_folder(&id(&f)).await;
        }
    }
}

/// Requests of the scoped read that read agents (the ones that could grow with the server).
fn agent_reads(log: &[(Method, String)]) -> usize {
    log.iter().filter(|(_, p)| p.contains("agents")).count()
}

#[tokio::test]
async fn scoped_read_requests_do_not_grow_with_unrelated_agents() {
    let n = Names::new("scopen");
    let c = client(Recording::new(NativeTransport::default()));
    let fleet = load(&yaml(&n, "Policy.", "Notes.", false), &docs("Docs."));
    deploy(&c, &fleet, &opts(Mode::Apply, &n.prefix)).await;
    deploy(&c, &fleet, &opts(Mode::Canary, &n.prefix)).await;
    let modes = [Mode::Canary, Mode::Promote, Mode::Cleanup];

    let mut before = Vec::new();
    for m in modes {
        c.transport().reset();
        c.fetch_live_scoped(&fleet, &opts(m, &n.prefix))
            .await
            .expect("scoped read");
        before.push(c.transport().log());
    }
    c.transport().reset();
    c.fetch_live(&fleet).await.expect("whole read");
    let whole_before = c.transport().log().len();

    // 120 unrelated agents (more than a page), 6 created at a time.
    let unrelated: Vec<String> = stream::iter(0..120)
        .map(|i| {
            let c = &c;
            let name = n.name(&format!("unrelated{i}"));
            async move { outsider(c, &name, json!({})).await }
        })
        .buffer_unordered(6)
        .collect()
        .await;

    for (m, old) in modes.iter().zip(&before) {
        c.transport().reset();
        c.fetch_live_scoped(&fleet, &opts(*m, &n.prefix))
            .await
            .expect("scoped read");
        let new = c.transport().log();
        assert_eq!(
            agent_reads(&new),
            agent_reads(old),
            "{m:?}: agent reads grew with 120 unrelated agents\nbefore: {old:#?}\nafter: {new:#?}"
        );
        // Lists of tools and folders may gain a page from other test runs meanwhile.
        assert!(new.len() <= old.len() + 2, "{m:?}: {old:#?}\n{new:#?}");
    }
    c.transport().reset();
    c.fetch_live(&fleet).await.expect("whole read");
    assert!(
        c.transport().log().len() > whole_before,
        "the whole read grows by a page with 120 more agents"
    );

    stream::iter(unrelated)
        .for_each_concurrent(6, |a| {
            let c = &c;
            async move {
                let _ = c.delete_agent(&a).await;
            }
        })
        .await;
    deploy(&c, &fleet, &opts(Mode::Cleanup, &n.prefix)).await;
    for name in [n.name("a"), n.name("b")] {
        for a in c.agents_named(&name).await.expect("agents") {
            let _ = c.delete_agent(&id(&a)).await;
        }
    }
}
