//! `make bench`, native part: deploy speed and request economy against the real Letta server,
//! through the same executor the app uses, next to the server's own floor measured in the
//! same run; and parse + validate + plan medians. Prints a table and writes
//! `target/bench-native.json` for `scripts/bench.sh`.

use canary_core::client::{Counting, LettaClient};
use canary_core::execute::{execute, ExecOptions};
use canary_core::fleet::{load_fleet, FileSet, Fleet};
use canary_core::plan::{plan, Mode, PlanOptions};
use canary_tests::{client, now_iso, unique, NativeTransport, EMBEDDING, MODEL};
use futures::stream::{self, StreamExt};
use serde_json::{json, Value};
use std::time::Instant;

const AGENTS: usize = 50;

fn fleet_yaml(u: &str, n: usize) -> (String, FileSet) {
    let prompt: String =
        "You are a careful support agent. Answer briefly and precisely. ".repeat(16);
    let mut y = format!(
        "shared_blocks:\n  - name: policies_{u}\n    description: Policies\n    limit: 2000\n    value: Be kind.\n    agent_owned: false\nagents:\n"
    );
    for i in 0..n {
        y.push_str(&format!(
            "  - name: bench-{u}-{i}\n    description: Bench agent {i}\n    system_prompt:\n      value: \"{prompt}\"\n    llm_config: {{model: {MODEL}, context_window: 16000}}\n    embedding: {EMBEDDING}\n    tools: [bench_tool_{u}]\n    shared_blocks: [policies_{u}]\n    memory_blocks:\n      - {{name: persona, description: Who, limit: 500, value: I am agent {i}., agent_owned: true}}\n      - {{name: notes, description: Notes, limit: 500, value: Notes of {i}., agent_owned: false}}\n    tags: [bench, group-{}]\n",
            i % 5
        ));
    }
    let mut files = FileSet::new();
    files.insert(format!("tools/bench_tool_{u}.py"), format!("def bench_tool_{u}(q: str) -> str:\n    \"\"\"Echo.\n\n    Args:\n        q: text\n    \"\"\"\n    return q\n"));
    (y, files)
}

fn load(yaml: &str, files: &FileSet) -> Fleet {
    let r = load_fleet(yaml, files);
    match r.fleet {
        Some(f) => f,
        None => panic!("bench fleet invalid: {:?}", r.errors),
    }
}

struct Run {
    secs: f64,
    requests: u64,
    writes: u64,
}

async fn run(
    c: &LettaClient<Counting<NativeTransport>>,
    fleet: &Fleet,
    o: &PlanOptions,
    concurrency: usize,
) -> Run {
    let live = c.fetch_live(fleet).await.expect("live");
    let p = plan(fleet, &live, o).expect("plan");
    c.transport().reset();
    let t = Instant::now();
    let r = execute(
        c,
        fleet,
        &p,
        o,
        &ExecOptions {
            concurrency,
            now: now_iso(),
        },
        &|_| {},
    )
    .await
    .expect("execute");
    let secs = t.elapsed().as_secs_f64();
    assert!(r.ok(), "bench run failed: {r:?}");
    Run {
        secs,
        requests: c.transport().requests(),
        writes: c.transport().writes(),
    }
}

/// The floor: the same agents created by bare POSTs (inline blocks, ids, tags, metadata).
async fn floor_create(
    c: &LettaClient<NativeTransport>,
    bodies: Vec<Value>,
    concurrency: usize,
) -> (f64, Vec<String>) {
    let t = Instant::now();
    let ids: Vec<String> = stream::iter(bodies)
        .map(|b| async move {
            c.create_agent(b)
                .await
                .ok()
                .and_then(|v| v["id"].as_str().map(str::to_string))
        })
        .buffer_unordered(concurrency)
        .filter_map(|x| async move { x })
        .collect()
        .await;
    (t.elapsed().as_secs_f64(), ids)
}

async fn floor_delete(
    c: &LettaClient<NativeTransport>,
    ids: Vec<(String, Vec<String>)>,
    concurrency: usize,
) -> f64 {
    let t = Instant::now();
    stream::iter(ids)
        .map(|(agent, blocks)| async move {
            let _ = c.delete_agent(&agent).await;
            for b in blocks {
                let _ = c.delete_block(&b).await;
            }
        })
        .buffer_unordered(concurrency)
        .collect::<Vec<_>>()
        .await;
    t.elapsed().as_secs_f64()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    v[v.len() / 2]
}

fn plan_medians() -> Vec<(usize, f64)> {
    let mut out = Vec::new();
    for n in [10, 100, 1000] {
        let (y, f) = fleet_yaml("p", n);
        let reps = if n == 1000 { 7 } else { 21 };
        let times: Vec<f64> = (0..reps)
            .map(|_| {
                let t = Instant::now();
                let fleet = load(&y, &f);
                let p = plan(&fleet, &Default::default(), &PlanOptions::default()).expect("plan");
                std::hint::black_box(p);
                t.elapsed().as_secs_f64() * 1000.0
            })
            .collect();
        out.push((n, median(times)));
    }
    out
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    println!("Native benchmarks against {} (server connection pooling on: LETTA_DISABLE_SQLALCHEMY_POOLING=false)\n", canary_tests::base_url());
    let c = client(Counting::new(NativeTransport::default()));
    let bare = client(NativeTransport::default());
    c.health()
        .await
        .expect("the Letta server is not reachable; run `make letta-up`");

    // Our deploys, one at a time and with the default concurrency.
    let mut results = json!({});
    let mut deploys = Vec::new();
    for conc in [1usize, 6] {
        let u = unique("b");
        let (y, f) = fleet_yaml(&u, AGENTS);
        let fleet = load(&y, &f);
        let canary = PlanOptions {
            mode: Mode::Canary,
            prefix: format!("B{u}-"),
            ..PlanOptions::default()
        };
        let d = run(&c, &fleet, &canary, conc).await;
        println!("canary deploy of {AGENTS} agents, concurrency {conc}: {:.2} s, {} requests ({} writes)", d.secs, d.requests, d.writes);
        deploys.push((conc, d, fleet, canary));
    }
    let (_, d6, fleet, canary) = deploys.pop().expect("deploy");
    let (_, d1, fleet1, canary1) = deploys.pop().expect("deploy");
    // Requests per new agent: creates only (fleet-level objects and the staleness read excluded).
    let fleet_steps = plan(&fleet, &Default::default(), &canary)
        .expect("plan")
        .fleet_steps
        .len() as u64;
    let per_agent = (d6.writes - fleet_steps) as f64 / AGENTS as f64;
    let noop = run(&c, &fleet, &canary, 6).await;
    println!(
        "no-op re-deploy: {} requests, {} writes",
        noop.requests, noop.writes
    );
    let promote = run(
        &c,
        &fleet,
        &PlanOptions {
            mode: Mode::Promote,
            ..canary.clone()
        },
        6,
    )
    .await;
    println!(
        "promote of {AGENTS} agents: {:.2} s, {} requests",
        promote.secs, promote.requests
    );
    let cleanup = run(
        &c,
        &fleet,
        &PlanOptions {
            mode: Mode::Cleanup,
            ..canary.clone()
        },
        6,
    )
    .await;
    println!("cleanup of {AGENTS} canaries (agents + their blocks + the block copy): {:.2} s, {} requests", cleanup.secs, cleanup.requests);
    let _ = run(
        &c,
        &fleet1,
        &PlanOptions {
            mode: Mode::Cleanup,
            ..canary1.clone()
        },
        6,
    )
    .await;
    let _ = run(
        &c,
        &fleet,
        &PlanOptions {
            mode: Mode::Apply,
            prune: false,
            ..canary.clone()
        },
        6,
    )
    .await;

    // The floor in the same run: bare creates of the same agents, then bare deletes.
    let u = unique("f");
    let shared = bare
        .create_block(&fleet.shared_blocks[0], Default::default())
        .await
        .expect("block");
    let shared_id = shared["id"].as_str().unwrap_or_default().to_string();
    let tool_id = c
        .fetch_live(&fleet)
        .await
        .expect("live")
        .tool_by_name(&fleet.agents[0].tools[0].name)
        .map(|t| t.id.clone())
        .unwrap_or_default();
    let bodies = |tag: &str| -> Vec<Value> {
        fleet.agents.iter().map(|a| json!({
            "name": format!("F{tag}-{}", a.name), "description": a.description, "system": a.system_prompt, "model": MODEL,
            "context_window_limit": 16000, "embedding": EMBEDDING, "include_base_tools": true, "reasoning": true,
            "memory_blocks": a.memory_blocks.iter().map(|b| json!({"label": b.label, "value": b.value, "limit": b.limit, "description": b.description})).collect::<Vec<_>>(),
            "block_ids": [shared_id], "tool_ids": [tool_id], "tags": a.tags,
            "metadata": {"lettactl.canary": true, "lettactl.canary.prefix": "F-", "lettactl.canary.productionName": a.name},
        })).collect()
    };
    let mut floor_best = f64::MAX;
    let mut floor_rows = Vec::new();
    let mut delete_floor = f64::MAX;
    for conc in [1usize, 4, 8] {
        let (secs, ids) = floor_create(&bare, bodies(&format!("{u}{conc}")), conc).await;
        println!(
            "floor: {} bare creates, {conc} in flight: {secs:.2} s",
            ids.len()
        );
        floor_rows.push(json!({"concurrency": conc, "secs": secs}));
        if conc > 1 {
            floor_best = floor_best.min(secs);
        }
        let live = bare.list_agents().await.expect("agents");
        let with_blocks: Vec<(String, Vec<String>)> = ids
            .iter()
            .map(|id| {
                let blocks = live
                    .iter()
                    .find(|a| a["id"].as_str() == Some(id))
                    .map(canary_core::live::LiveAgent::from_api)
                    .map(|a| {
                        a.block_ids
                            .into_iter()
                            .filter(|b| *b != shared_id)
                            .collect()
                    })
                    .unwrap_or_default();
                (id.clone(), blocks)
            })
            .collect();
        let del = floor_delete(&bare, with_blocks, 6).await;
        delete_floor = delete_floor.min(del);
        println!("floor: bare delete of those agents and their blocks, 6 in flight: {del:.2} s");
    }
    let _ = bare.delete_block(&shared_id).await;

    let plans = plan_medians();
    for (n, ms) in &plans {
        println!("parse + validate + plan, {n} agents (native): median {ms:.2} ms");
    }
    let speedup = d1.secs / d6.secs;
    let vs_floor = d6.secs / floor_best;
    let cleanup_vs_floor = cleanup.secs / delete_floor;
    results["deploy"] = json!({"agents": AGENTS, "c1_secs": d1.secs, "c1_requests": d1.requests, "c6_secs": d6.secs, "c6_requests": d6.requests, "c6_writes": d6.writes, "speedup": speedup, "requests_per_new_agent": per_agent});
    results["noop"] = json!({"requests": noop.requests, "writes": noop.writes});
    results["promote"] = json!({"secs": promote.secs, "requests": promote.requests});
    results["cleanup"] = json!({"secs": cleanup.secs, "requests": cleanup.requests});
    results["floor"] =
        json!({"create": floor_rows, "best_create_secs": floor_best, "delete_secs": delete_floor});
    results["ratios"] = json!({"deploy_vs_floor": vs_floor, "cleanup_vs_floor": cleanup_vs_floor});
    results["plan_native_ms"] = json!(plans
        .iter()
        .map(|(n, ms)| json!({"agents": n, "median_ms": ms}))
        .collect::<Vec<_>>());
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../target/bench-native.json"
    );
    if let Err(e) = std::fs::write(
        path,
        serde_json::to_string_pretty(&results).unwrap_or_default(),
    ) {
        eprintln!("could not write {path}: {e}");
    }

    let verdict = |ok: bool| if ok { "PASS" } else { "FAIL" };
    println!("\nBudgets (native executor):");
    println!(
        "  {:<58} {:>10}  {}",
        "requests per new agent (budget <= 2)",
        format!("{per_agent:.2}"),
        verdict(per_agent <= 2.0)
    );
    println!(
        "  {:<58} {:>10}  {}",
        "writes of a no-op re-deploy (budget 0)",
        noop.writes,
        verdict(noop.writes == 0)
    );
    println!(
        "  {:<58} {:>10}  {}",
        "canary deploy / bare-create floor (budget <= 1.3x)",
        format!("{vs_floor:.2}x"),
        verdict(vs_floor <= 1.3)
    );
    println!(
        "  {:<58} {:>10}  {}",
        "cleanup / bare-delete floor (budget <= 1.5x)",
        format!("{cleanup_vs_floor:.2}x"),
        verdict(cleanup_vs_floor <= 1.5)
    );
    println!(
        "  {:<58} {:>10}",
        "speed-up of concurrency 6 over 1",
        format!("{speedup:.2}x")
    );
}
