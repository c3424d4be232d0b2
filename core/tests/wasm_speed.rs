//! Planning 1,000 agents in wasm (issue 16: ≤ 80 ms; V8, as in the browser): the deploy
//! benchmark's fleet shape, planned against an empty server, applied to an in-memory server
//! (`common::apply`, as the executor would), and planned again, which must be all unchanged.
//! Prints the CPU time per run (parse + validate, plan, re-plan) the process spent (Node's
//! `process.cpuUsage`: on a shared machine, wall time mostly measures the others) and the
//! median wall time; no assertion depends on timing. Not part of `make test-wasm` (a debug build
//! says nothing about speed); run it optimised, in Node:
//!
//! ```sh
//! cargo test -p canary-core --target wasm32-unknown-unknown --release --test wasm_speed -- --nocapture
//! ```
#![cfg(target_arch = "wasm32")]

mod common;

use canary_core::fleet::{load_fleet, FileSet};
use canary_core::plan::{plan, Action, PlanOptions};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = performance)]
    fn now() -> f64;
    #[wasm_bindgen(js_namespace = console)]
    fn log(s: &str);
    type CpuUsage;
    #[wasm_bindgen(js_namespace = process, js_name = cpuUsage)]
    fn cpu_usage() -> CpuUsage;
    #[wasm_bindgen(method, getter)]
    fn user(this: &CpuUsage) -> f64;
    #[wasm_bindgen(method, getter)]
    fn system(this: &CpuUsage) -> f64;
}

/// CPU time of the process so far, in milliseconds.
fn cpu_ms() -> f64 {
    let u = cpu_usage();
    (u.user() + u.system()) / 1000.0
}

/// The fleet of `tests/engine/src/bin/bench.rs` and `scripts/bench-plan.js`.
fn bench_fleet(n: usize) -> (String, FileSet) {
    let prompt = "You are a careful support agent. Answer briefly and precisely. ".repeat(16);
    let mut y = String::from("shared_blocks:\n  - name: policies_p\n    description: Policies\n    limit: 2000\n    value: Be kind.\n    agent_owned: false\nagents:\n");
    for i in 0..n {
        y.push_str(&format!(
            "  - name: bench-p-{i}\n    description: Bench agent {i}\n    system_prompt:\n      value: \"{prompt}\"\n    llm_config: {{model: openai-proxy/canary-echo, context_window: 16000}}\n    embedding: openai/text-embedding-3-small\n    tools: [bench_tool_p]\n    shared_blocks: [policies_p]\n    memory_blocks:\n      - {{name: persona, description: Who, limit: 500, value: I am agent {i}., agent_owned: true}}\n      - {{name: notes, description: Notes, limit: 500, value: Notes of {i}., agent_owned: false}}\n    tags: [bench, group-{}]\n",
            i % 5
        ));
    }
    let mut f = FileSet::new();
    f.insert(
        "tools/bench_tool_p.py".into(),
        "def bench_tool_p(q: str) -> str:\n    \"\"\"Echo.\n\n    Args:\n        q: text\n    \"\"\"\n    return q\n",
    );
    (y, f)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// The result, and (CPU ms, wall ms) it took.
fn timed<T>(f: impl FnOnce() -> T) -> (T, (f64, f64)) {
    let (c, t) = (cpu_ms(), now());
    let out = f();
    (out, (cpu_ms() - c, now() - t))
}

/// "X ms (wall Y)": the mean CPU time per run (the process clock ticks every few
/// milliseconds on these machines: the total over the runs is what is exact) and the median
/// wall time.
fn shown(v: &[(f64, f64)]) -> String {
    let cpu = v.iter().map(|x| x.0).sum::<f64>() / v.len() as f64;
    let wall = median(v.iter().map(|x| x.1).collect());
    format!("{cpu:.1} ms (wall {wall:.1})")
}

#[wasm_bindgen_test]
fn a_thousand_agents_plan_in_wasm_and_re_plan_unchanged() {
    const N: usize = 1000;
    let (y, files) = bench_fleet(N);
    let opts = PlanOptions::default();
    let (mut parse, mut first, mut again) = (Vec::new(), Vec::new(), Vec::new());
    // Three runs first: V8 compiles the module's hot functions again, optimised, on helper
    // threads while the first runs go (their CPU time would count).
    for run in 0..10 {
        let (report, ms) = timed(|| load_fleet(&y, &files));
        let warm = run >= 3;
        if warm {
            parse.push(ms);
        }
        let fleet = report.fleet.expect("the bench fleet is valid");
        let mut live = common::empty_server();
        let (p, ms) = timed(|| plan(&fleet, &live, &opts).expect("plan"));
        if warm {
            first.push(ms);
        }
        assert_eq!(p.summary.create, N);
        common::apply(&mut live, &p);
        let (p, ms) = timed(|| plan(&fleet, &live, &opts).expect("plan"));
        if warm {
            again.push(ms);
        }
        assert_eq!(
            p.agents
                .iter()
                .filter(|a| a.action == Action::Unchanged)
                .count(),
            N,
            "after the deploy, every agent is unchanged"
        );
        assert!(p.is_noop());
    }
    log(&format!(
        "wasm, {N} agents, CPU time per run (7 runs): parse + validate {} | plan, empty server {} | plan, re-deploy ({N} unchanged) {} (budget for planning: 80 ms)",
        shown(&parse),
        shown(&first),
        shown(&again),
    ));
}
