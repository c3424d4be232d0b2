//! Reads that scale with the fleet (issue 16 item 4): a 10-agent plan read and computed
//! through `plan_live` (what the app, the CLI and the executor's stale check call) on the
//! server as it is, then with 1,000 unrelated agents added, then without them again. The
//! rounds with and without alternate canary and cleanup plans; the ratio compares the loaded
//! median with the median of the rounds before and after (the machine's load drifts). Each
//! canary round also executes the (unchanged) plan it made: the executor's stale check, which
//! reads as the preview does, then writes nothing.

use canary_core::client::{Counting, LettaClient};
use canary_core::execute::{execute, ExecOptions, Timestamp};
use canary_core::fleet::Fleet;
use canary_core::plan::{Mode, PlanOptions};
use canary_tests::{now_iso, unique, NativeTransport, EMBEDDING, MODEL};
use futures::stream::{self, StreamExt};
use serde_json::{json, Value};
use std::time::Instant;

/// Unrelated agents added for the loaded rounds.
const UNRELATED: usize = 1000;
/// Plans per mode in each phase.
const REPS: usize = 5;

type Client = LettaClient<Counting<NativeTransport>>;

fn exec() -> ExecOptions {
    ExecOptions::new(Timestamp::parse(&now_iso()).expect("now is ISO-8601 UTC"))
}

async fn run(c: &Client, fleet: &Fleet, o: &PlanOptions) {
    let (_, p) = c.plan_live(fleet, o).await.expect("plan");
    let r = execute(c, fleet, &p, o, &exec(), &|_| {})
        .await
        .expect("execute");
    assert!(r.ok(), "scale bench setup failed: {r:?}");
}

/// Seconds and requests of one `plan_live`, and the plan.
async fn timed_plan(
    c: &Client,
    fleet: &Fleet,
    o: &PlanOptions,
) -> (f64, u64, canary_core::plan::Plan) {
    c.transport().reset();
    let t = Instant::now();
    let (_, p) = c.plan_live(fleet, o).await.expect("plan");
    (t.elapsed().as_secs_f64(), c.transport().requests(), p)
}

/// Seconds and requests of executing an unchanged plan: the stale check alone.
async fn timed_check(
    c: &Client,
    fleet: &Fleet,
    o: &PlanOptions,
    p: &canary_core::plan::Plan,
) -> (f64, u64) {
    assert!(p.is_noop(), "the scale bench's canaries are deployed");
    c.transport().reset();
    let t = Instant::now();
    let r = execute(c, fleet, p, o, &exec(), &|_| {})
        .await
        .expect("the unchanged plan is not stale");
    assert_eq!(c.transport().writes(), 0, "{r:?}");
    (t.elapsed().as_secs_f64(), c.transport().requests())
}

#[derive(Default)]
struct Phase {
    canary: Vec<f64>,
    cleanup: Vec<f64>,
    check: Vec<f64>,
    canary_requests: u64,
    cleanup_requests: u64,
    check_requests: u64,
}

async fn phase(c: &Client, fleet: &Fleet, canary: &PlanOptions, cleanup: &PlanOptions) -> Phase {
    let mut p = Phase::default();
    for _ in 0..REPS {
        let (s, n, plan) = timed_plan(c, fleet, canary).await;
        p.canary.push(s);
        p.canary_requests = n;
        let (s, n) = timed_check(c, fleet, canary, &plan).await;
        p.check.push(s);
        p.check_requests = n;
        let (s, n, _) = timed_plan(c, fleet, cleanup).await;
        p.cleanup.push(s);
        p.cleanup_requests = n;
    }
    p
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    v[v.len() / 2]
}

/// Creates `UNRELATED` bare agents, 6 at a time; returns their ids and the seconds taken.
async fn unrelated(bare: &LettaClient<NativeTransport>, tag: &str) -> (Vec<String>, f64) {
    let t = Instant::now();
    let ids: Vec<String> = stream::iter(0..UNRELATED)
        .map(|i| async move {
            let body = json!({"name": format!("{tag}-{i}"), "model": MODEL, "embedding": EMBEDDING, "system": "Unrelated to any fleet.", "context_window_limit": 16000});
            bare.create_agent(body)
                .await
                .ok()
                .and_then(|v| v["id"].as_str().map(str::to_string))
        })
        .buffer_unordered(6)
        .filter_map(|x| async move { x })
        .collect()
        .await;
    (ids, t.elapsed().as_secs_f64())
}

/// Runs the benchmark; prints its lines and returns its figures (the ratio under "ratio").
pub async fn reads_at_scale(
    c: &Client,
    bare: &LettaClient<NativeTransport>,
    fleet_yaml: impl Fn(&str, usize) -> Fleet,
) -> Value {
    let u = unique("scale");
    let fleet = fleet_yaml(&u, 10);
    let canary = PlanOptions {
        mode: Mode::Canary,
        prefix: format!("S{u}-"),
        ..PlanOptions::default()
    };
    let cleanup = PlanOptions {
        mode: Mode::Cleanup,
        ..canary.clone()
    };
    // Production and canaries of the fleet exist: the plans read both, and their blocks' users.
    run(
        c,
        &fleet,
        &PlanOptions {
            mode: Mode::Apply,
            ..canary.clone()
        },
    )
    .await;
    run(c, &fleet, &canary).await;
    let present = bare.count_agents().await.unwrap_or(0);

    let before = phase(c, &fleet, &canary, &cleanup).await;
    let (ids, create_secs) = unrelated(bare, &format!("U{u}")).await;
    let loaded = phase(c, &fleet, &canary, &cleanup).await;
    c.transport().reset();
    let t = Instant::now();
    let whole = c
        .fetch_live(&fleet)
        .await
        .map(|l| l.agents.len())
        .unwrap_or(0);
    let whole_secs = t.elapsed().as_secs_f64();
    let whole_requests = c.transport().requests();
    let t = Instant::now();
    stream::iter(ids.iter())
        .for_each_concurrent(6, |id| async move {
            let _ = bare.delete_agent(id).await;
        })
        .await;
    let delete_secs = t.elapsed().as_secs_f64();
    let after = phase(c, &fleet, &canary, &cleanup).await;

    // Leave the server as we found it.
    run(c, &fleet, &cleanup).await;
    for a in &fleet.agents {
        for v in bare.agents_named(&a.name).await.unwrap_or_default() {
            let live = canary_core::live::LiveAgent::from_api(&v);
            let _ = bare.delete_agent(&live.id).await;
            for b in live.block_ids {
                let _ = bare.delete_block(&b).await;
            }
        }
    }

    let base = |f: fn(&Phase) -> &Vec<f64>| {
        median(f(&before).iter().chain(f(&after).iter()).copied().collect())
    };
    let (base_canary, base_cleanup) = (base(|p| &p.canary), base(|p| &p.cleanup));
    let (load_canary, load_cleanup) = (
        median(loaded.canary.clone()),
        median(loaded.cleanup.clone()),
    );
    let (base_check, load_check) = (base(|p| &p.check), median(loaded.check.clone()));
    let check_ratio = load_check / base_check;
    let ratio = load_canary / base_canary;
    let cleanup_ratio = load_cleanup / base_cleanup;
    println!("\nReads that scale with the fleet: 10-agent plans (plan_live: read + plan), {REPS} each, before / with / after {UNRELATED} unrelated agents");
    println!("  agents on the server before: {present}; {} unrelated created in {create_secs:.1} s, deleted in {delete_secs:.1} s (6 in flight)", ids.len());
    println!(
        "  canary plan: {:.0} ms, {} requests without; {:.0} ms, {} requests with ({ratio:.2}x)",
        base_canary * 1000.0,
        before.canary_requests,
        load_canary * 1000.0,
        loaded.canary_requests
    );
    println!(
        "  cleanup plan: {:.0} ms, {} requests without; {:.0} ms, {} requests with ({cleanup_ratio:.2}x)",
        base_cleanup * 1000.0,
        before.cleanup_requests,
        load_cleanup * 1000.0,
        loaded.cleanup_requests
    );
    println!(
        "  stale check (executing the unchanged canary plan: read, re-plan, 0 writes): {:.0} ms, {} requests without; {:.0} ms, {} requests with ({check_ratio:.2}x)",
        base_check * 1000.0,
        before.check_requests,
        load_check * 1000.0,
        loaded.check_requests
    );
    println!(
        "  for contrast, the whole-server read with them: {:.2} s, {whole_requests} requests, {whole} agents",
        whole_secs
    );
    json!({
        "agents_before": present, "unrelated": ids.len(), "create_secs": create_secs, "delete_secs": delete_secs,
        "canary": {"without_ms": base_canary * 1000.0, "with_ms": load_canary * 1000.0, "requests_without": before.canary_requests, "requests_with": loaded.canary_requests, "rounds_before": before.canary, "rounds_with": loaded.canary, "rounds_after": after.canary},
        "cleanup": {"without_ms": base_cleanup * 1000.0, "with_ms": load_cleanup * 1000.0, "requests_without": before.cleanup_requests, "requests_with": loaded.cleanup_requests, "ratio": cleanup_ratio},
        "stale_check": {"without_ms": base_check * 1000.0, "with_ms": load_check * 1000.0, "requests_without": before.check_requests, "requests_with": loaded.check_requests, "ratio": check_ratio},
        "whole_read_with": {"secs": whole_secs, "requests": whole_requests, "agents": whole},
        "ratio": ratio,
    })
}
