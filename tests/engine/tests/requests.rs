//! What the executor sends, checked against the real Letta server: `first_message` only to
//! new production agents (read back from the agent's messages), one request per new agent
//! (recorded per request), and a cleanup with one failed deletion reporting exactly that.

mod support;

use canary_core::client::Method;
use canary_core::execute::{execute, run_plan, DeletionOutcome, DeletionResult};
use canary_core::fleet::FileSet;
use canary_core::plan::{AgentStep, DeleteKind, FleetStep, Kind, Mode, Plan};
use canary_core::render::render_text;
use canary_tests::{client, get_json, FailOnce, NativeTransport, Recording, EMBEDDING, MODEL};
use serde_json::Value;
use support::*;

/// The agent's messages as the server stores them (oldest first).
async fn messages(agent_id: &str) -> Vec<Value> {
    match get_json(&format!("/agents/{agent_id}/messages?limit=100&order=asc")).await {
        Ok(Value::Array(a)) => a,
        other => panic!("messages of {agent_id}: {other:?}"),
    }
}

/// Text of a message's content (a string, or a list of text parts).
fn content(m: &Value) -> String {
    match m.get("content") {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => String::new(),
    }
}

fn of_type<'a>(ms: &'a [Value], t: &str) -> Vec<&'a Value> {
    ms.iter()
        .filter(|m| m.get("message_type").and_then(Value::as_str) == Some(t))
        .collect()
}

fn greeter_yaml(n: &Names, greeting: &str, description: &str) -> String {
    format!(
        r#"agents:
  - name: {greeter}
    description: {description}
    system_prompt:
      value: You greet people.
    llm_config:
      model: {MODEL}
      context_window: 16000
    embedding: {EMBEDDING}
    tools: []
    first_message: "{greeting}"
  - name: {quiet}
    description: Says nothing first
    system_prompt:
      value: You wait.
    llm_config:
      model: {MODEL}
      context_window: 16000
    embedding: {EMBEDDING}
    tools: []
"#,
        greeter = n.name("greeter"),
        quiet = n.name("quiet"),
    )
}

#[tokio::test]
async fn first_message_goes_to_new_production_agents_only() {
    let n = Names::new("fm");
    let c = client(NativeTransport::default());
    let greeting = format!("Hello from the fleet {}", n.u);
    let fleet = load(&greeter_yaml(&n, &greeting, "Greets"), &FileSet::new());

    // Canary: no first-message step, and the canary's history has no such message.
    let canary = opts(Mode::Canary, &n.prefix);
    let (_, p) = preview(&c, &fleet, &canary).await;
    assert!(
        p.agents.iter().all(|a| !a
            .steps
            .iter()
            .any(|s| matches!(s, AgentStep::FirstMessage { .. }))),
        "{}",
        render_text(&p)
    );
    deploy(&c, &fleet, &canary).await;
    let live = c.fetch_live(&fleet).await.expect("live");
    let can = agent(&live, &n.canary("greeter")).clone();
    let ms = messages(&can.id).await;
    assert!(
        !ms.iter().any(|m| content(m).contains(&greeting)),
        "a canary never gets the first message: {ms:#?}"
    );

    // Promote: the new production agent gets it, once, and the model answered it.
    let promote = opts(Mode::Promote, &n.prefix);
    let r = deploy(&c, &fleet, &promote).await;
    let res = r
        .agents
        .iter()
        .find(|a| a.production_name == n.name("greeter"))
        .expect("greeter result");
    assert!(res.warnings.is_empty(), "{:?}", res.warnings);
    let prod_id = res.id.clone().expect("production id");
    let ms = messages(&prod_id).await;
    let users: Vec<&Value> = of_type(&ms, "user_message")
        .into_iter()
        .filter(|m| content(m).contains(&greeting))
        .collect();
    assert_eq!(users.len(), 1, "the first message, once: {ms:#?}");
    assert!(
        of_type(&ms, "assistant_message")
            .iter()
            .any(|m| content(m).contains(&format!("Echo: {greeting}"))),
        "the model answered it: {ms:#?}"
    );
    let live = c.fetch_live(&fleet).await.expect("live");
    let quiet = agent(&live, &n.name("quiet")).id.clone();
    assert!(
        of_type(&messages(&quiet).await, "user_message").is_empty(),
        "no first message where the fleet has none"
    );
    // The canary still has none.
    assert!(!messages(&can.id)
        .await
        .iter()
        .any(|m| content(m).contains(&greeting)));

    // A later promote that updates the existing production agent does not send it again.
    let changed = load(
        &greeter_yaml(&n, &greeting, "Greets warmly"),
        &FileSet::new(),
    );
    let (_, p) = preview(&c, &changed, &promote).await;
    assert!(p.agents.iter().all(|a| !a
        .steps
        .iter()
        .any(|s| matches!(s, AgentStep::FirstMessage { .. }))));
    deploy(&c, &changed, &promote).await;
    let ms = messages(&prod_id).await;
    assert_eq!(
        of_type(&ms, "user_message")
            .iter()
            .filter(|m| content(m).contains(&greeting))
            .count(),
        1,
        "{ms:#?}"
    );
    deploy(&c, &changed, &opts(Mode::Cleanup, &n.prefix)).await;
}

fn counted_yaml(n: &Names) -> String {
    let agent = |name: &str| {
        format!(
            r#"  - name: {name}
    description: Agent {name}
    system_prompt:
      value: You are {name}.
    llm_config:
      model: {MODEL}
      context_window: 16000
      max_tokens: 1000
    embedding: {EMBEDDING}
    tools: [{tool}, conversation_search]
    shared_blocks: [{label}]
    shared_folders: [{kb}]
    memory_blocks:
      - name: persona
        description: Who I am
        limit: 1000
        value: I am {name}.
        agent_owned: true
      - name: notes
        description: Notes
        limit: 1000
        value: Notes of {name}.
        agent_owned: false
    tags: [counted, b, a]
"#,
            tool = n.ident("lookup"),
            label = n.ident("policies"),
            kb = n.name("kb"),
        )
    };
    format!(
        "shared_blocks:\n  - name: {label}\n    description: Policies\n    limit: 1000\n    value: Be kind.\n    agent_owned: false\nshared_folders:\n  - name: {kb}\n    files: [\"kb/*\"]\nagents:\n{}{}{}",
        agent(&n.name("one")),
        agent(&n.name("two")),
        agent(&n.name("three")),
        label = n.ident("policies"),
        kb = n.name("kb"),
    )
}

fn counted_files(n: &Names) -> FileSet {
    let mut f = FileSet::new();
    f.insert("kb/faq.md".into(), "# FAQ\nAsk.\n");
    f.insert("kb/hours.md".into(), "# Hours\nNine to five.\n");
    let tool = n.ident("lookup");
    f.insert(
        format!("tools/{tool}.py"),
        format!("def {tool}(query: str) -> str:\n    \"\"\"Look something up.\n\n    Args:\n        query: what to look up\n    \"\"\"\n    return query\n"),
    );
    f
}

/// Requests a plan's fleet-level steps make, as the executor runs them.
fn fleet_requests(p: &Plan) -> usize {
    p.fleet_steps
        .iter()
        .map(|s| match s {
            FleetStep::CreateFolder { files, .. } => 1 + files.len(),
            FleetStep::SyncFolder { upload, delete, .. } => upload.len() + delete.len() + 1,
            _ => 1,
        })
        .sum()
}

/// Runs a plan of new agents and checks each agent took exactly one request.
async fn assert_one_request_per_new_agent(mode: Mode, n: &Names) {
    let c = client(Recording::new(NativeTransport::default()));
    let fleet = load(&counted_yaml(n), &counted_files(n));
    let o = opts(mode, &n.prefix);
    let (_, p) = preview(&c, &fleet, &o).await;
    assert_eq!(p.summary.create, 3, "{}", render_text(&p));
    assert!(p.is_executable(), "{:?}", p.blockers);
    c.transport().reset();
    let r = run_plan(&c, &p, &exec(), &|_| {}).await;
    assert!(r.ok(), "{r:#?}");
    let log = c.transport().log();
    let agent_requests: Vec<&(Method, String)> = log
        .iter()
        .filter(|(_, path)| path.starts_with("/agents"))
        .collect();
    assert_eq!(
        agent_requests.len(),
        3,
        "{mode:?}: one request per new agent, no follow-ups: {agent_requests:#?}"
    );
    assert!(
        agent_requests
            .iter()
            .all(|(m, path)| *m == Method::Post && path == "/agents/"),
        "{agent_requests:#?}"
    );
    let fleet_level: Vec<&(Method, String)> = log
        .iter()
        .filter(|(_, path)| !path.starts_with("/agents"))
        .collect();
    assert!(
        fleet_level.iter().all(|(m, _)| m.is_write()),
        "a run reads nothing it was not planned to: {fleet_level:#?}"
    );
    assert_eq!(
        fleet_level.len(),
        fleet_requests(&p),
        "only the fleet-level writes besides the agents: {fleet_level:#?}\n{}",
        render_text(&p)
    );
    // The one create carried everything: re-planning finds nothing to do.
    let (_, again) = preview(&c, &fleet, &o).await;
    assert!(again.is_noop(), "{mode:?}: {}", render_text(&again));
}

#[tokio::test]
async fn a_new_agent_is_one_request() {
    let n = Names::new("cnt");
    // Canaries (copies of the shared block and folder, the tool created), then production
    // (production block and folder created, the tool reused).
    assert_one_request_per_new_agent(Mode::Canary, &n).await;
    assert_one_request_per_new_agent(Mode::Promote, &n).await;
    deploy(
        &client(NativeTransport::default()),
        &load(&counted_yaml(&n), &counted_files(&n)),
        &opts(Mode::Cleanup, &n.prefix),
    )
    .await;
}

/// A canary fleet, and its cleanup run with the first block deletion refused by the server.
struct Faulted {
    plain: canary_core::client::LettaClient<NativeTransport>,
    fleet: canary_core::fleet::Fleet,
    cleanup: canary_core::plan::PlanOptions,
    /// What the cleanup planned to delete: (kind, id, name).
    planned: Vec<(Kind, String, String)>,
    report: canary_core::execute::ExecReport,
    /// The URL of the refused request.
    failed_url: String,
}

async fn cleanup_with_one_fault(tag: &str) -> Faulted {
    let n = Names::new(tag);
    let plain = client(NativeTransport::default());
    let fleet = load(&counted_yaml(&n), &counted_files(&n));
    deploy(&plain, &fleet, &opts(Mode::Canary, &n.prefix)).await;
    let cleanup = opts(Mode::Cleanup, &n.prefix);
    let (_, p) = preview(&plain, &fleet, &cleanup).await;
    let planned = deletions(&p);
    assert!(
        planned.iter().filter(|(k, _, _)| *k == Kind::Block).count() >= 7,
        "each canary's own blocks and the shared block's copy: {}",
        render_text(&p)
    );

    // One block deletion fails (the server refuses it; it is not retried); everything else
    // is as usual.
    let faulty = client(FailOnce::new(
        NativeTransport::default(),
        Method::Delete,
        "/v1/blocks/",
        500,
    ));
    let r = execute(&faulty, &fleet, &p, &cleanup, &exec(), &|_| {})
        .await
        .expect("cleanup ran");
    let failed_url = faulty
        .transport()
        .failed
        .borrow()
        .clone()
        .expect("a fault was injected");
    assert!(!r.ok(), "a cleanup with a failure is not ok: {r:#?}");
    Faulted {
        plain,
        fleet,
        cleanup,
        planned,
        report: r,
        failed_url,
    }
}

#[tokio::test]
async fn cleanup_with_one_failed_deletion_reports_exactly_that() {
    let Faulted {
        plain,
        planned,
        report: r,
        failed_url,
        ..
    } = cleanup_with_one_fault("cf1").await;

    // The report is true to the server: what it reports done is gone, the rest is still there.
    let mut still_there = Vec::new();
    for (kind, id, name) in &planned {
        let exists = match kind {
            Kind::Agent => agent_exists(&plain, id).await,
            Kind::Block => block_by_id(&plain, name, id).await.is_some(),
            Kind::Folder => folder_by_id(&plain, id).await.is_some(),
            other => panic!("cleanup planned to delete a {other}: {name}"),
        };
        if exists {
            still_there.push((kind, id.clone(), name.clone()));
        }
    }
    assert!(
        still_there
            .iter()
            .any(|(_, id, _)| failed_url.ends_with(id.as_str())),
        "the block whose deletion failed is still there: {still_there:?}"
    );
    // The canary whose own block could not be deleted stays, so that a second cleanup finds
    // the block through it; the skip says why, naming the block, not an agent failure.
    let results_now = deletion_results(&r);
    for (k, id, name) in still_there.iter().filter(|(k, _, _)| **k == Kind::Agent) {
        let outcome = results_now
            .iter()
            .find(|d| d.id == *id)
            .map(|d| d.outcome.clone());
        assert!(
            matches!(&outcome, Some(DeletionOutcome::Skipped(why)) if why.contains("could not be deleted, so the agent stays")),
            "{k} {name} stays only because its block failed: {outcome:?}"
        );
    }
    let results = deletion_results(&r);
    assert_eq!(
        results.len(),
        planned.len(),
        "one outcome per planned deletion: {results:#?}"
    );
    for d in &results {
        let left = still_there.iter().any(|(_, id, _)| *id == d.id);
        assert_eq!(
            d.gone(),
            !left,
            "{} {} reported {:?} but is {} the server",
            d.kind,
            d.name,
            d.outcome,
            if left { "still on" } else { "gone from" }
        );
    }
    let gone = results.iter().filter(|d| d.gone()).count();
    assert!(
        gone < planned.len(),
        "the report must not claim all {} objects deleted: {results:#?}",
        planned.len()
    );
    let failures: Vec<&DeletionResult> = results
        .iter()
        .filter(|d| matches!(d.outcome, DeletionOutcome::Failed(_)))
        .collect();
    assert_eq!(failures.len(), 1, "exactly one failure: {results:#?}");
    assert_eq!(failures[0].kind, DeleteKind::Block);
    assert!(
        failed_url.ends_with(failures[0].id.as_str()),
        "{failed_url}"
    );
    for d in &results {
        if let DeletionOutcome::Skipped(why) = &d.outcome {
            let why = why.to_lowercase();
            assert!(
                !why.contains("agent deletion failed")
                    && !why.contains("agent could not be deleted"),
                "{} {}: no agent deletion failed, so a skip may not blame one: {why}",
                d.kind,
                d.name
            );
        }
    }
    let summary = r.summary();
    assert!(
        summary.contains(&format!(
            "{gone} of {} deleted",
            canary_core::wording::count(planned.len(), "object")
        )) && summary.contains("1 failed"),
        "{summary}"
    );
}

#[tokio::test]
async fn cleanup_again_after_a_failed_block_deletion_finishes_the_job() {
    let Faulted {
        plain,
        fleet,
        cleanup,
        planned,
        report: r,
        ..
    } = cleanup_with_one_fault("cf2").await;
    let failures: Vec<&DeletionResult> = r
        .deletions()
        .iter()
        .filter(|d| matches!(d.outcome, DeletionOutcome::Failed(_)))
        .collect();
    assert_eq!(failures.len(), 1, "{r:#?}");
    // The report says "run cleanup again": running it again finishes the job, including the
    // object whose deletion failed.
    let (_, again) = preview(&plain, &fleet, &cleanup).await;
    let found = deletions(&again)
        .iter()
        .any(|(_, id, _)| *id == failures[0].id);
    if !found {
        // Tidy the leak before failing, so failed runs do not pile up orphans on the server.
        let _ = plain.delete_block(&failures[0].id).await;
    }
    assert!(
        found,
        "the re-run plans to delete the {} {} left by the failure ({:?}): {}",
        failures[0].kind,
        failures[0].name,
        failures[0].outcome,
        render_text(&again)
    );
    deploy(&plain, &fleet, &cleanup).await;
    for (kind, id, name) in &planned {
        let gone = match kind {
            Kind::Agent => !agent_exists(&plain, id).await,
            Kind::Block => block_by_id(&plain, name, id).await.is_none(),
            _ => folder_by_id(&plain, id).await.is_none(),
        };
        assert!(gone, "{kind} {name} ({id}) deleted by the second cleanup");
    }
}
