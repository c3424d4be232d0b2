//! `make bench`, native part: deploy speed and request economy against the real Letta server,
//! through the same executor the app uses, next to the server's own floor measured in the
//! same run; and parse + validate + plan medians. Prints a table and writes
//! `target/bench-native.json` for `scripts/bench.sh`.

use canary_core::client::{Counting, LettaClient};
use canary_core::execute::{execute, ExecOptions, Timestamp};
use canary_core::fleet::{load_fleet, FileSet, Fleet};
use canary_core::plan::{plan, Mode, PlanOptions};
use canary_tests::{client, now_iso, unique, NativeTransport, EMBEDDING, MODEL};
use futures::stream::{self, StreamExt};
use serde_json::{json, Value};
use std::time::Instant;

#[path = "bench/cli.rs"]
mod cli;
#[path = "bench/plan.rs"]
mod planning;
#[path = "bench/scale.rs"]
mod scale;

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
    let (_, p) = c.plan_live(fleet, o).await.expect("plan");
    c.transport().reset();
    let t = Instant::now();
    let r = execute(
        c,
        fleet,
        &p,
        o,
        &ExecOptions {
            concurrency,
            ..ExecOptions::new(Timestamp::parse(&now_iso()).expect("now is ISO-8601 UTC"))
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

/// Validation of a 10,000-agent fleet in which every agent misses `description` (one error
/// per agent, each with its line): milliseconds, median of 5, and the errors located.
fn invalid_fleet_validation() -> (f64, usize) {
    let mut y = String::from("agents:\n");
    for i in 0..10_000 {
        y.push_str(&format!("  - name: agent-{i}\n    system_prompt: {{value: p}}\n    llm_config: {{model: {MODEL}, context_window: 16000}}\n"));
    }
    let mut located = 0;
    let times: Vec<f64> = (0..5)
        .map(|_| {
            let t = Instant::now();
            let r = load_fleet(&y, &FileSet::new());
            let ms = t.elapsed().as_secs_f64() * 1000.0;
            located = r.errors.iter().filter(|e| e.line.is_some()).count();
            ms
        })
        .collect();
    (median(times), located)
}

/// Bodies of bare creates of the fleet's agents (what our create request carries).
fn bare_bodies(fleet: &Fleet, tag: &str, shared_id: &str, tool_id: &str) -> Vec<Value> {
    fleet
        .agents
        .iter()
        .map(|a| {
            json!({
                "name": format!("F{tag}-{}", a.name), "description": a.description, "system": a.system_prompt, "model": MODEL,
                "context_window_limit": 16000, "embedding": EMBEDDING, "include_base_tools": true, "reasoning": true,
                "memory_blocks": a.memory_blocks.iter().map(|b| json!({"label": b.label, "value": b.value, "limit": b.limit, "description": b.description})).collect::<Vec<_>>(),
                "block_ids": [shared_id], "tool_ids": [tool_id], "tags": a.tags,
                "metadata": {"lettactl.canary": true, "lettactl.canary.prefix": "F-", "lettactl.canary.productionName": a.name},
            })
        })
        .collect()
}

/// Deletes agents made by bare creates, with their own blocks; returns the seconds taken.
async fn bare_cleanup(
    bare: &LettaClient<NativeTransport>,
    ids: &[String],
    keep_block: &str,
) -> f64 {
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
                        .filter(|b| b != keep_block)
                        .collect()
                })
                .unwrap_or_default();
            (id.clone(), blocks)
        })
        .collect();
    floor_delete(bare, with_blocks, 6).await
}

const REPS: usize = 3;

/// One budget line; returns whether it passed.
fn budget(label: &str, measured: String, ok: bool) -> bool {
    println!(
        "  {label:<58} {measured:>10}  {}",
        if ok { "PASS" } else { "FAIL" }
    );
    ok
}

/// `bench [scale]`: everything, or only the reads-at-scale benchmark. Exits 1 when a budget
/// fails, so `make bench` fails with it.
#[tokio::main(flavor = "current_thread")]
async fn main() {
    println!("Native benchmarks against {} (server connection pooling on: LETTA_DISABLE_SQLALCHEMY_POOLING=false)", canary_tests::base_url());
    let c = client(Counting::new(NativeTransport::default()));
    let bare = client(NativeTransport::default());
    let part = std::env::args().nth(1);
    // `bench plan`: planning speed only, no server needed.
    if part.as_deref() == Some("plan") {
        planning::planning(|n| fleet_yaml("p", n));
        return;
    }
    c.health()
        .await
        .expect("the Letta server is not reachable; run `make letta-up`");
    let only_scale = part.as_deref() == Some("scale");
    // `bench deploy`: the deploy, cleanup and command-line rounds against the floors only.
    let skip_scale = part.as_deref() == Some("deploy");
    let (scaled, scale_ok) = if skip_scale {
        (json!(null), true)
    } else {
        let scaled = scale::reads_at_scale(&c, &bare, |u, n| {
            let (y, f) = fleet_yaml(u, n);
            load(&y, &f)
        })
        .await;
        let scale_ratio = scaled["ratio"].as_f64().unwrap_or(f64::INFINITY);
        let ok = budget(
            "10-agent plan, +1,000 unrelated agents / without (<= 1.5x)",
            format!("{scale_ratio:.2}x"),
            scale_ratio <= 1.5,
        );
        (scaled, ok)
    };
    if only_scale {
        std::process::exit(i32::from(!scale_ok));
    }
    let before = bare.list_agents().await.map(|a| a.len()).unwrap_or(0);
    println!("agents on the server before the run: {before} (reading the live state costs ~2.5 ms per agent)");
    println!("our runs and the floor are interleaved, {REPS} rounds; medians reported\n");

    let new_fleet = |tag: &str| {
        let u = unique(tag);
        let (y, f) = fleet_yaml(&u, AGENTS);
        let canary = PlanOptions {
            mode: Mode::Canary,
            prefix: format!("B{u}-"),
            ..PlanOptions::default()
        };
        (load(&y, &f), canary)
    };

    // One deploy at concurrency 1, for the speed-up figure.
    let (fleet1, canary1) = new_fleet("s");
    let d1 = run(&c, &fleet1, &canary1, 1).await;
    println!(
        "canary deploy of {AGENTS} agents, concurrency 1: {:.2} s, {} requests ({} writes)",
        d1.secs, d1.requests, d1.writes
    );
    run(
        &c,
        &fleet1,
        &PlanOptions {
            mode: Mode::Cleanup,
            ..canary1.clone()
        },
        6,
    )
    .await;

    // The floor needs a shared block and the tool, as our fleet has.
    let (fleet, canary) = new_fleet("b");
    let d6 = run(&c, &fleet, &canary, 6).await;
    println!(
        "canary deploy of {AGENTS} agents, concurrency 6: {:.2} s, {} requests ({} writes)",
        d6.secs, d6.requests, d6.writes
    );
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
    let first_cleanup = run(
        &c,
        &fleet,
        &PlanOptions {
            mode: Mode::Cleanup,
            ..canary.clone()
        },
        6,
    )
    .await;
    println!(
        "cleanup of {AGENTS} canaries: {:.2} s, {} requests",
        first_cleanup.secs, first_cleanup.requests
    );
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

    let (mut ours_deploy, mut ours_cleanup) = (vec![d6.secs], vec![first_cleanup.secs]);
    let cli_bin = cli::binary();
    let mut cli_deploy = Vec::new();
    let (mut floor4, mut floor8, mut floor_del) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..REPS {
        if round > 0 {
            let (f, o) = new_fleet("r");
            ours_deploy.push(run(&c, &f, &o, 6).await.secs);
            ours_cleanup.push(
                run(
                    &c,
                    &f,
                    &PlanOptions {
                        mode: Mode::Cleanup,
                        ..o
                    },
                    6,
                )
                .await
                .secs,
            );
        }
        if let Some(bin) = &cli_bin {
            // The same 50 agents through the command line, then cleaned up (untimed).
            let u = unique("cli");
            let (y, f) = fleet_yaml(&u, AGENTS);
            let prefix = format!("B{u}-");
            match cli::deploy(bin, &y, &f, &prefix) {
                Ok(secs) => cli_deploy.push(secs),
                Err(e) => println!("command-line deploy failed: {e}"),
            }
            let o = PlanOptions {
                mode: Mode::Cleanup,
                prefix,
                ..PlanOptions::default()
            };
            run(&c, &load(&y, &f), &o, 6).await;
        }
        for (conc, into) in [(4usize, &mut floor4), (8, &mut floor8)] {
            let (secs, ids) = floor_create(
                &bare,
                bare_bodies(
                    &fleet,
                    &format!("{}{round}{conc}", unique("f")),
                    &shared_id,
                    &tool_id,
                ),
                conc,
            )
            .await;
            into.push(secs);
            floor_del.push(bare_cleanup(&bare, &ids, &shared_id).await);
        }
        println!(
            "round {}: ours deploy {:.2} s, cleanup {:.2} s | floor create 4 in flight {:.2} s, 8 in flight {:.2} s, delete {:.2} s",
            round + 1,
            ours_deploy[round],
            ours_cleanup[round],
            floor4[round],
            floor8[round],
            floor_del[floor_del.len() - 1]
        );
    }
    let _ = bare.delete_block(&shared_id).await;
    // Leave the server as we found it: the production agents the promote made.
    let live = bare.fetch_live(&fleet).await.expect("live");
    for a in live
        .agents
        .iter()
        .filter(|a| fleet.agent(&a.name).is_some())
    {
        let _ = bare.delete_agent(&a.id).await;
        for b in &a.block_ids {
            let _ = bare.delete_block(b).await;
        }
    }

    let floor_best = median(floor4.clone()).min(median(floor8.clone()));
    let delete_floor = median(floor_del.clone());
    let (deploy_med, cleanup_med) = (median(ours_deploy.clone()), median(ours_cleanup.clone()));
    let plans = planning::planning(|n| fleet_yaml("p", n));
    let (invalid_ms, invalid_located) = invalid_fleet_validation();
    println!("validate 10,000 agents each missing 'description' (native): median {invalid_ms:.1} ms, {invalid_located} errors located");
    let speedup = d1.secs / deploy_med;
    let vs_floor = deploy_med / floor_best;
    if !cli_deploy.is_empty() {
        let cli_med = median(cli_deploy.clone());
        println!(
            "command line: `fleet-canary apply --canary` of {AGENTS} agents {cli_med:.2} s (median of {}), {:.2}x the bare-create floor",
            cli_deploy.len(),
            cli_med / floor_best
        );
    } else {
        println!("command line: not measured (set FLEET_CANARY_BIN; scripts/bench.sh does)");
    }
    let cleanup_vs_floor = cleanup_med / delete_floor;
    let results = json!({
        "agents_before": before,
        "deploy": {"agents": AGENTS, "c1_secs": d1.secs, "c1_requests": d1.requests, "c6_median_secs": deploy_med, "c6_requests": d6.requests, "c6_writes": d6.writes, "speedup": speedup, "requests_per_new_agent": per_agent},
        "noop": {"requests": noop.requests, "writes": noop.writes},
        "promote": {"secs": promote.secs, "requests": promote.requests},
        "cleanup": {"median_secs": cleanup_med, "requests": first_cleanup.requests},
        "floor": {"create4": floor4, "create8": floor8, "delete": floor_del, "best_create_median": floor_best, "delete_median": delete_floor},
        "ratios": {"deploy_vs_floor": vs_floor, "cleanup_vs_floor": cleanup_vs_floor},
        "reads_at_scale": scaled,
        "invalid_fleet_validation": {"agents": 10_000, "median_ms": invalid_ms, "errors_located": invalid_located},
        "plan_native_ms": plans,
    });
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

    println!("\nmedians: our deploy {deploy_med:.2} s, floor create {floor_best:.2} s; our cleanup {cleanup_med:.2} s, floor delete {delete_floor:.2} s");
    println!("\nBudgets (native executor):");
    let oks = [
        scale_ok,
        budget(
            "requests per new agent (budget <= 2)",
            format!("{per_agent:.2}"),
            per_agent <= 2.0,
        ),
        budget(
            "writes of a no-op re-deploy (budget 0)",
            noop.writes.to_string(),
            noop.writes == 0,
        ),
        budget(
            "canary deploy / bare-create floor (budget <= 1.2x)",
            format!("{vs_floor:.2}x"),
            vs_floor <= 1.2,
        ),
        budget(
            "cleanup / bare-delete floor (budget <= 1.2x)",
            format!("{cleanup_vs_floor:.2}x"),
            cleanup_vs_floor <= 1.2,
        ),
    ];
    println!(
        "  {:<58} {:>10}",
        "speed-up of concurrency 6 over 1",
        format!("{speedup:.2}x")
    );
    if oks.iter().any(|ok| !ok) {
        std::process::exit(1);
    }
}
