//! The canary workflow against the real Letta server (`make letta-up`): preview, deploy,
//! idempotency, isolation, chat, promote, cleanup, faults. Every test uses run-unique names,
//! prefixes, labels and tool names, so tests run in parallel on one server.

use canary_core::client::{Counting, LettaClient, Transport};
use canary_core::execute::{
    execute, run_plan, CleanupReport, ExecError, ExecOptions, ExecReport, Timestamp,
};
use canary_core::fleet::{load_fleet, FileSet, Fleet};
use canary_core::inspect::{describe, list_canaries};
use canary_core::live::LiveState;
use canary_core::plan::{plan, Action, DeleteKind, FleetStep, Mode, Plan, PlanOptions};
use canary_core::render::render_text;
use canary_tests::{client, now_iso, unique, Faulty, NativeTransport, EMBEDDING, MODEL};
use serde_json::Value;

struct Names {
    u: String,
    prefix: String,
}

impl Names {
    fn new(tag: &str) -> Names {
        let u = unique(tag);
        Names {
            prefix: format!("C{u}-"),
            u,
        }
    }
    fn agent(&self, n: &str) -> String {
        format!("{n}-{}", self.u)
    }
    fn canary(&self, n: &str) -> String {
        format!("{}{}", self.prefix, self.agent(n))
    }
    fn tool(&self) -> String {
        format!("lookup_{}", self.u)
    }
    fn label(&self) -> String {
        format!("policies_{}", self.u)
    }
}

fn fleet_files(n: &Names, tool_body: &str) -> FileSet {
    let mut f = FileSet::new();
    f.insert(
        "prompts/support.md".into(),
        "You are the support agent.\nBe brief.\n",
    );
    f.insert(
        format!("tools/{}.py", n.tool()),
        format!("def {}(query: str) -> str:\n    \"\"\"Look something up.\n\n    Args:\n        query: what to look up\n    \"\"\"\n    {tool_body}\n", n.tool()),
    );
    f
}

fn fleet_yaml(n: &Names, policy: &str) -> String {
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
      from_file: prompts/support.md
    llm_config:
      model: {MODEL}
      context_window: 16000
    embedding: {EMBEDDING}
    tools: [{tool}, conversation_search]
    shared_blocks: [{label}]
    memory_blocks:
      - name: persona
        description: Who I am
        limit: 1000
        value: I am the support agent.
        agent_owned: true
      - name: notes
        description: Synced notes
        limit: 1000
        value: Version one.
        agent_owned: false
    tags: [support, tier-1]
    first_message: Hello from the fleet
  - name: {billing}
    description: Billing agent
    system_prompt:
      value: You handle billing.
    llm_config:
      model: {MODEL}
      context_window: 16000
      max_tokens: 2000
    embedding: {EMBEDDING}
    tools: []
    shared_blocks: [{label}]
    tags: [billing]
"#,
        label = n.label(),
        support = n.agent("support"),
        billing = n.agent("billing"),
        tool = n.tool(),
    )
}

fn load(yaml: &str, files: &FileSet) -> Fleet {
    let r = load_fleet(yaml, files);
    assert!(r.ok, "fleet invalid: {:?}", r.errors);
    r.fleet.expect("fleet")
}

fn opts(mode: Mode, prefix: &str) -> PlanOptions {
    PlanOptions {
        mode,
        prefix: prefix.into(),
        ..PlanOptions::default()
    }
}

fn exec() -> ExecOptions {
    ExecOptions::new(Timestamp::parse(&now_iso()).expect("now is ISO-8601 UTC"))
}

async fn preview<T: Transport>(
    c: &LettaClient<T>,
    fleet: &Fleet,
    o: &PlanOptions,
) -> (LiveState, Plan) {
    let live = c.fetch_live(fleet).await.expect("live state");
    let p = plan(fleet, &live, o).expect("plan");
    (live, p)
}

async fn deploy<T: Transport>(c: &LettaClient<T>, fleet: &Fleet, o: &PlanOptions) -> ExecReport {
    let (_, p) = preview(c, fleet, o).await;
    let r = execute(c, fleet, &p, o, &exec(), &|_| {})
        .await
        .expect("execute");
    assert!(r.ok(), "run failed: {r:#?}");
    r
}

fn agent<'a>(live: &'a LiveState, name: &str) -> &'a canary_core::live::LiveAgent {
    let found: Vec<_> = live.agents.iter().filter(|a| a.name == name).collect();
    assert_eq!(found.len(), 1, "exactly one agent named {name}");
    found[0]
}

fn block_with_label<'a>(
    live: &'a LiveState,
    a: &canary_core::live::LiveAgent,
    label: &str,
) -> &'a canary_core::live::LiveBlock {
    a.block_ids
        .iter()
        .filter_map(|id| live.block(id))
        .find(|b| b.label == label)
        .unwrap_or_else(|| panic!("{} has no block {label}", a.name))
}

#[tokio::test]
async fn whole_workflow_preview_deploy_chat_promote_cleanup() {
    let n = Names::new("wf");
    let c = client(Counting::new(NativeTransport::default()));
    let files = fleet_files(&n, "return 'found ' + query");
    let fleet = load(&fleet_yaml(&n, "Be kind."), &files);
    let canary = opts(Mode::Canary, &n.prefix);

    // 1. Preview: every canary is a CREATE; nothing is written.
    c.transport().reset();
    let (_, p) = preview(&c, &fleet, &canary).await;
    assert_eq!(c.transport().writes(), 0, "preview writes nothing");
    assert_eq!(p.summary.create, 2);
    let text = render_text(&p);
    assert!(
        text.contains(&format!("[+] {} (CREATE)", n.canary("support"))),
        "{text}"
    );
    assert!(text.contains("Summary:\n  [+] 2 agent(s) to create\n  [~] 0 agent(s) to update (drift)\n  [=] 0 agent(s) unchanged"), "{text}");
    assert!(p.production_impact.is_empty());

    // 2. Deploy canaries: one create request per agent, fleet objects first.
    c.transport().reset();
    let r = execute(&c, &fleet, &p, &canary, &exec(), &|_| {})
        .await
        .expect("deploy");
    assert!(r.ok(), "{r:#?}");
    let live = c.fetch_live(&fleet).await.expect("live");
    let cs = agent(&live, &n.canary("support"));
    assert_eq!(cs.metadata.get("lettactl.canary"), Some(&Value::Bool(true)));
    assert_eq!(
        cs.metadata.get("lettactl.canary.prefix"),
        Some(&Value::String(n.prefix.clone()))
    );
    assert_eq!(
        cs.metadata.get("lettactl.canary.productionName"),
        Some(&Value::String(n.agent("support")))
    );
    assert!(cs
        .metadata
        .get("lettactl.canary.createdAt")
        .and_then(Value::as_str)
        .is_some_and(|s| s.ends_with('Z')));
    assert_eq!(cs.tags, vec!["support", "tier-1"]);
    assert_eq!(cs.system, "You are the support agent.\nBe brief.");
    let tool_names: Vec<String> = cs
        .tool_ids
        .iter()
        .filter_map(|id| live.tool(id))
        .map(|t| t.name.clone())
        .collect();
    assert!(
        tool_names.contains(&n.tool()) && tool_names.contains(&"conversation_search".to_string()),
        "{tool_names:?}"
    );
    assert_eq!(
        block_with_label(&live, cs, "persona").value,
        "I am the support agent."
    );
    // A canary's first create carries no first message: no agent in production yet.
    assert!(
        live.agents.iter().all(|a| a.name != n.agent("support")),
        "canary deploy never creates production agents"
    );
    // No shared block existed in production, so the canary got a canary-only copy.
    let shared = block_with_label(&live, cs, &n.label());
    assert_eq!(
        shared.metadata.get("fleetcanary.copyPrefix"),
        Some(&Value::String(n.prefix.clone()))
    );

    // 3. Idempotency: planning again gives all UNCHANGED, and a run writes nothing.
    let (_, again) = preview(&c, &fleet, &canary).await;
    assert!(
        again.agents.iter().all(|a| a.action == Action::Unchanged),
        "{}",
        render_text(&again)
    );
    assert!(again.is_noop(), "{}", render_text(&again));
    c.transport().reset();
    let r = execute(&c, &fleet, &again, &canary, &exec(), &|_| {})
        .await
        .expect("no-op deploy");
    assert!(r.ok());
    assert_eq!(
        c.transport().writes(),
        0,
        "a no-op deploy makes zero writes"
    );

    // 4. List and describe.
    let listing = list_canaries(&live, &now_iso());
    let group = listing
        .groups
        .iter()
        .find(|g| g.prefix == n.prefix)
        .expect("prefix group");
    assert_eq!(group.canaries.len(), 2);
    assert!(group
        .canaries
        .iter()
        .all(|x| x.age_seconds.is_some_and(|s| (0..600).contains(&s))));

    // 5. Chat with the canary: sync and streamed.
    let reply = c
        .send_message(&cs.id, "hello canary")
        .await
        .expect("message");
    assert_eq!(reply.assistant_text(), "Echo: hello canary");
    let mut seen = Vec::new();
    let streamed = c
        .stream_message(&cs.id, "streamed hello", &mut |m| seen.push(m.clone()))
        .await
        .expect("stream");
    assert_eq!(streamed.assistant_text(), "Echo: streamed hello");
    assert!(!seen.is_empty());
    let tool_turn = c
        .send_message(&cs.id, &format!("please USE_TOOL:{}", n.tool()))
        .await
        .expect("tool turn");
    assert!(tool_turn.messages.iter().any(|m| matches!(m, canary_core::client::ChatMessage::ToolCall { name, .. } if *name == n.tool())), "{tool_turn:?}");
    assert!(
        tool_turn.assistant_text().contains("found test"),
        "{tool_turn:?}"
    );

    // 6. Promote: production agents created from the same YAML; nothing copied from canaries.
    let promote = opts(Mode::Promote, &n.prefix);
    deploy(&c, &fleet, &promote).await;
    let live = c.fetch_live(&fleet).await.expect("live");
    let ps = agent(&live, &n.agent("support"));
    let cs = agent(&live, &n.canary("support"));
    assert!(ps.metadata.get("lettactl.canary").is_none());
    let (pp, cp) = (
        block_with_label(&live, ps, "persona"),
        block_with_label(&live, cs, "persona"),
    );
    assert_ne!(
        pp.id, cp.id,
        "canary agent-specific blocks are never production's"
    );
    let prod_shared = block_with_label(&live, ps, &n.label()).clone();
    assert!(prod_shared.metadata.get("fleetcanary.copyPrefix").is_none());
    // Promote is converged too.
    let (_, p2) = preview(&c, &fleet, &promote).await;
    assert!(p2.is_noop(), "{}", render_text(&p2));

    // 7. Change an agent_owned:false shared block: the canary gets a copy, production is untouched.
    let changed = load(&fleet_yaml(&n, "Be very kind."), &files);
    let (_, p3) = preview(&c, &changed, &canary).await;
    assert!(p3.production_impact.is_empty());
    assert!(
        p3.fleet_steps
            .iter()
            .any(|s| matches!(s, FleetStep::UpdateBlock { copy: true, .. })),
        "the existing canary copy is updated: {}",
        render_text(&p3)
    );
    let r = execute(&c, &changed, &p3, &canary, &exec(), &|_| {})
        .await
        .expect("deploy change");
    assert!(r.ok(), "{r:#?}");
    let live = c.fetch_live(&changed).await.expect("live");
    let prod_after = live
        .block(&prod_shared.id)
        .expect("production block")
        .clone();
    assert_eq!(
        prod_after, prod_shared,
        "production shared block byte-for-byte unchanged"
    );
    let cs = agent(&live, &n.canary("support"));
    assert_eq!(
        block_with_label(&live, cs, &n.label()).value,
        "Be very kind."
    );
    let d = describe(&live, &cs.id).expect("describe");
    assert!(d.production.is_some());
    assert!(
        d.differences
            .iter()
            .any(|x| x.field == format!("block {}", n.label())),
        "{:?}",
        d.differences
    );

    // 8. Dry-run cleanup lists exactly what would go and deletes nothing.
    let cleanup = opts(Mode::Cleanup, &n.prefix);
    c.transport().reset();
    let (_, dry) = preview(&c, &changed, &cleanup).await;
    assert_eq!(c.transport().writes(), 0);
    let agents_to_go: Vec<&str> = dry
        .deletions()
        .iter()
        .filter(|d| d.kind == DeleteKind::Agent)
        .map(|d| d.name.as_str())
        .collect();
    assert_eq!(agents_to_go.len(), 2, "{}", render_text(&dry));
    assert!(
        dry.deletions()
            .iter()
            .any(|d| d.kind == DeleteKind::Block && d.reason.contains("copy")),
        "{}",
        render_text(&dry)
    );
    assert!(
        dry.deletions()
            .iter()
            .all(|d| d.id != prod_shared.id && d.id != pp.id),
        "never production's blocks"
    );

    // 9. Promote the change with cleanup afterwards: production block updated, canaries gone.
    let promote_clean = PlanOptions {
        cleanup_after: true,
        ..promote.clone()
    };
    let r = deploy(&c, &changed, &promote_clean).await;
    assert!(r.ok(), "{r:#?}");
    assert!(
        matches!(r.cleanup, Some(CleanupReport::Ran { .. })),
        "{r:#?}"
    );
    let live = c.fetch_live(&changed).await.expect("live");
    assert_eq!(
        live.block(&prod_shared.id).map(|b| b.value.as_str()),
        Some("Be very kind.")
    );
    assert!(
        live.agents.iter().all(|a| !a.name.starts_with(&n.prefix)),
        "canaries deleted"
    );
    for dl in dry.deletions() {
        if dl.kind == DeleteKind::Block {
            assert!(live.block(&dl.id).is_none(), "block {} deleted", dl.name);
        }
    }
    let copies = c.blocks_labelled(&n.label()).await.expect("blocks");
    assert_eq!(
        copies.len(),
        1,
        "only the production shared block is left: {copies:?}"
    );
    // Production keeps its own blocks and the first message went to the new production agent.
    let ps = agent(&live, &n.agent("support"));
    assert_eq!(block_with_label(&live, ps, "persona").id, pp.id);
}

#[tokio::test]
async fn cleanup_spares_lookalikes_and_other_fleets() {
    let n = Names::new("cl");
    let c = client(NativeTransport::default());
    let files = fleet_files(&n, "return query");
    let fleet = load(&fleet_yaml(&n, "Be kind."), &files);
    deploy(&c, &fleet, &opts(Mode::Canary, &n.prefix)).await;
    // A production agent that merely starts with the prefix.
    let lookalike = c
        .create_agent(serde_json::json!({"name": format!("{}x", n.prefix), "model": MODEL, "embedding": EMBEDDING, "system": "x", "context_window_limit": 16000}))
        .await
        .expect("lookalike");
    // A canary of the same prefix for an agent of another fleet.
    let other = c
        .create_agent(serde_json::json!({"name": format!("{}other", n.prefix), "model": MODEL, "embedding": EMBEDDING, "system": "x", "context_window_limit": 16000,
            "metadata": {"lettactl.canary": true, "lettactl.canary.prefix": n.prefix, "lettactl.canary.productionName": "other"}}))
        .await
        .expect("other canary");
    let cleanup = opts(Mode::Cleanup, &n.prefix);
    let (_, p) = preview(&c, &fleet, &cleanup).await;
    let text = render_text(&p);
    assert!(text.contains("not a canary"), "{text}");
    let r = execute(&c, &fleet, &p, &cleanup, &exec(), &|_| {})
        .await
        .expect("cleanup");
    assert!(r.ok(), "{r:#?}");
    let live = c.fetch_live(&fleet).await.expect("live");
    let ids: Vec<&str> = live.agents.iter().map(|a| a.id.as_str()).collect();
    assert!(
        ids.contains(&lookalike["id"].as_str().unwrap_or("?")),
        "lookalike survives"
    );
    assert!(
        ids.contains(&other["id"].as_str().unwrap_or("?")),
        "other fleet's canary survives"
    );
    assert!(live
        .agents
        .iter()
        .all(|a| a.name != n.canary("support") && a.name != n.canary("billing")));
    // Asking for every canary of the prefix takes the other fleet's canary too, never the lookalike.
    let all = PlanOptions {
        all_canaries: true,
        ..cleanup
    };
    let (_, p) = preview(&c, &fleet, &all).await;
    let r = execute(&c, &fleet, &p, &all, &exec(), &|_| {})
        .await
        .expect("cleanup all");
    assert!(r.ok());
    let live = c.fetch_live(&fleet).await.expect("live");
    let ids: Vec<&str> = live.agents.iter().map(|a| a.id.as_str()).collect();
    assert!(ids.contains(&lookalike["id"].as_str().unwrap_or("?")));
    assert!(!ids.contains(&other["id"].as_str().unwrap_or("?")));
    c.delete_agent(lookalike["id"].as_str().unwrap_or("?"))
        .await
        .expect("tidy");
}

#[tokio::test]
async fn custom_prefix_one_agent_deploy_and_cleanup_and_rollback() {
    let n = Names::new("one");
    let c = client(NativeTransport::default());
    let files = fleet_files(&n, "return query");
    let v1 = load(&fleet_yaml(&n, "Version 1."), &files);
    let only = |mode| PlanOptions {
        agents: Some(vec![n.agent("billing")]),
        ..opts(mode, &n.prefix)
    };
    deploy(&c, &v1, &only(Mode::Canary)).await;
    let live = c.fetch_live(&v1).await.expect("live");
    assert!(live.agents.iter().any(|a| a.name == n.canary("billing")));
    assert!(
        !live.agents.iter().any(|a| a.name == n.canary("support")),
        "only the chosen agent"
    );
    deploy(&c, &v1, &only(Mode::Cleanup)).await;
    let live = c.fetch_live(&v1).await.expect("live");
    assert!(!live.agents.iter().any(|a| a.name.starts_with(&n.prefix)));

    // Rollback = apply the previous fleet version to production.
    deploy(&c, &v1, &opts(Mode::Apply, &n.prefix)).await;
    let v2 = load(
        &fleet_yaml(&n, "Version 2.").replace("You handle billing.", "You handle billing, v2."),
        &files,
    );
    deploy(&c, &v2, &opts(Mode::Apply, &n.prefix)).await;
    let live = c.fetch_live(&v2).await.expect("live");
    assert_eq!(
        agent(&live, &n.agent("billing")).system,
        "You handle billing, v2."
    );
    deploy(&c, &v1, &opts(Mode::Apply, &n.prefix)).await;
    let live = c.fetch_live(&v1).await.expect("live");
    let b = agent(&live, &n.agent("billing"));
    assert_eq!(b.system, "You handle billing.");
    assert_eq!(block_with_label(&live, b, &n.label()).value, "Version 1.");
    let (_, p) = preview(&c, &v1, &opts(Mode::Apply, &n.prefix)).await;
    assert!(p.is_noop(), "{}", render_text(&p));
}

#[tokio::test]
async fn changed_tool_is_production_impact_and_never_detached() {
    let n = Names::new("tool");
    let c = client(NativeTransport::default());
    let v1 = load(&fleet_yaml(&n, "P."), &fleet_files(&n, "return 'v1'"));
    deploy(&c, &v1, &opts(Mode::Apply, &n.prefix)).await;
    let v2 = load(&fleet_yaml(&n, "P."), &fleet_files(&n, "return 'v2'"));
    let canary = opts(Mode::Canary, &n.prefix);
    let (_, p) = preview(&c, &v2, &canary).await;
    assert_eq!(p.production_impact.len(), 1);
    assert_eq!(p.production_impact[0].used_by, vec![n.agent("support")]);
    assert!(!p.is_executable());
    assert!(matches!(
        execute(&c, &v2, &p, &canary, &exec(), &|_| {}).await,
        Err(ExecError::Blocked(_))
    ));
    let accepted = PlanOptions {
        accept_tool_updates: true,
        ..canary
    };
    let (_, p) = preview(&c, &v2, &accepted).await;
    assert!(p.is_executable());
    assert!(p
        .fleet_steps
        .iter()
        .any(|s| matches!(s, FleetStep::UpdateTool { .. })));
    assert!(render_text(&p).contains("Production impact:"));
    let r = execute(&c, &v2, &p, &accepted, &exec(), &|_| {})
        .await
        .expect("deploy");
    assert!(r.ok(), "{r:#?}");
    let live = c.fetch_live(&v2).await.expect("live");
    let tool = live.tool_by_name(&n.tool()).expect("tool").clone();
    assert!(tool
        .source_code
        .as_deref()
        .is_some_and(|s| s.contains("'v2'")));
    assert!(
        agent(&live, &n.agent("support"))
            .tool_ids
            .contains(&tool.id),
        "the production agent keeps the tool"
    );
    deploy(&c, &v2, &opts(Mode::Cleanup, &n.prefix)).await;
}

#[tokio::test]
async fn stale_plan_is_refused() {
    let n = Names::new("stale");
    let c = client(NativeTransport::default());
    let fleet = load(&fleet_yaml(&n, "P."), &fleet_files(&n, "return query"));
    let apply = opts(Mode::Apply, &n.prefix);
    let (_, reviewed) = preview(&c, &fleet, &apply).await;
    // Someone else creates one of the agents meanwhile.
    deploy(
        &c,
        &fleet,
        &PlanOptions {
            agents: Some(vec![n.agent("billing")]),
            ..apply.clone()
        },
    )
    .await;
    match execute(&c, &fleet, &reviewed, &apply, &exec(), &|_| {}).await {
        Err(ExecError::Stale(fresh)) => assert_eq!(fresh.summary.create, 1),
        other => panic!("expected a stale refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn faults_converge_without_duplicates_or_orphans() {
    let n = Names::new("fault");
    let c = client(Faulty::new(NativeTransport::default(), 5, 3));
    let fleet = load(&fleet_yaml(&n, "P."), &fleet_files(&n, "return query"));
    let canary = opts(Mode::Canary, &n.prefix);
    let mut converged = false;
    for _ in 0..8 {
        let Ok(live) = c.fetch_live(&fleet).await else {
            continue;
        };
        let Ok(p) = plan(&fleet, &live, &canary) else {
            continue;
        };
        if p.is_noop() {
            converged = true;
            break;
        }
        let _ = run_plan(&c, &p, &exec(), &|_| {}).await;
    }
    assert!(converged, "the deploy converges after re-runs");
    assert!(c.transport().injected.get() > 0, "faults were injected");
    let clean = client(NativeTransport::default());
    let live = clean.fetch_live(&fleet).await.expect("live");
    for name in [n.canary("support"), n.canary("billing")] {
        assert_eq!(
            live.agents.iter().filter(|a| a.name == name).count(),
            1,
            "no duplicate {name}"
        );
    }
    let copies = clean.blocks_labelled(&n.label()).await.expect("blocks");
    let users = live.block_users();
    let orphans: Vec<&Value> = copies
        .iter()
        .filter(|b| !users.contains_key(b["id"].as_str().unwrap_or("?")))
        .collect();
    assert!(
        orphans.is_empty(),
        "no orphaned shared-block copies: {orphans:?}"
    );
    deploy(&clean, &fleet, &opts(Mode::Cleanup, &n.prefix)).await;
}
