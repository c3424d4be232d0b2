//! `bench plan`: planning speed without a server, natively (the same fleets in wasm:
//! `core/tests/wasm_speed.rs` times `plan()` itself, `scripts/bench-plan.js` the JS package's
//! calls). Generated fleets of 10, 100 and 1,000 agents (the deploy benchmark's fleet shape),
//! canary mode, CPU time per run (and median wall time):
//!
//! - parse + validate (`load_fleet`);
//! - plan against an empty server (every agent a create);
//! - plan against the server a deploy of that fleet leaves (every canary there, with its own
//!   blocks, the shared block and the tool: a re-deploy, every agent compared field by field);
//! - the plan as JSON (what crosses to JavaScript in the browser and the JS package).

use canary_core::canary::{canary_metadata, keys, Prefix};
use canary_core::fleet::{load_fleet, FileSet, Fleet};
use canary_core::live::{LiveAgent, LiveBlock, LiveState, LiveTool};
use canary_core::plan::{plan, Action, PlanOptions};
use serde_json::{json, Map, Value};
use std::time::Instant;

/// The server a canary deploy of `fleet` with the default prefix leaves behind.
pub fn deployed(fleet: &Fleet) -> LiveState {
    let prefix = Prefix::new(canary_core::canary::DEFAULT_PREFIX).expect("default prefix");
    let mut live = LiveState::default();
    for (i, spec) in fleet.shared_blocks.iter().enumerate() {
        let mut metadata = Map::new();
        metadata.insert(keys::SHARED_BLOCK.into(), json!(spec.label));
        live.blocks
            .push(block(format!("block-shared-{i}"), spec, metadata));
    }
    let mut tools: Vec<String> = fleet
        .agents
        .iter()
        .flat_map(|a| a.tools.iter().map(|t| t.name.clone()))
        .collect();
    tools.sort();
    tools.dedup();
    for (i, name) in tools.iter().enumerate() {
        let source = fleet
            .agents
            .iter()
            .flat_map(|a| a.tools.iter())
            .find(|t| &t.name == name)
            .and_then(|t| t.source.clone());
        live.tools.push(LiveTool {
            id: format!("tool-{i}"),
            name: name.clone(),
            source_code: source,
            tool_type: Some("custom".into()),
        });
    }
    for (i, a) in fleet.agents.iter().enumerate() {
        let mut block_ids = Vec::new();
        for (j, spec) in a.memory_blocks.iter().enumerate() {
            let id = format!("block-{i}-{j}");
            live.blocks.push(block(id.clone(), spec, Map::new()));
            block_ids.push(id);
        }
        for label in &a.shared_blocks {
            if let Some(b) = live.blocks.iter().find(|b| &b.label == label) {
                block_ids.push(b.id.clone());
            }
        }
        let mut metadata = canary_metadata(&prefix, &a.name, "2026-12-01T00:00:00Z");
        metadata.insert(keys::REASONING.into(), Value::Bool(a.reasoning));
        live.agents.push(LiveAgent {
            id: format!("agent-{i}"),
            name: prefix.canary_name(&a.name).expect("canary name"),
            description: a.description.clone(),
            system: a.system_prompt.clone(),
            model: a.llm.model.clone(),
            context_window: Some(u64::from(a.llm.context_window)),
            max_tokens: a.llm.max_tokens.map(u64::from),
            embedding: a.embedding.clone(),
            tags: a.tags.clone(),
            tool_ids: a
                .tools
                .iter()
                .filter_map(|t| live.tools.iter().find(|x| x.name == t.name))
                .map(|t| t.id.clone())
                .collect(),
            block_ids,
            metadata,
            ..LiveAgent::default()
        });
    }
    live.canonicalize();
    live
}

fn block(
    id: String,
    spec: &canary_core::fleet::BlockSpec,
    metadata: Map<String, Value>,
) -> LiveBlock {
    LiveBlock {
        id,
        label: spec.label.clone(),
        value: spec.value.clone(),
        limit: spec.limit.into(),
        description: Some(spec.description.clone()),
        metadata,
    }
}

/// CPU time this thread has run, in milliseconds (`CLOCK_THREAD_CPUTIME_ID`): on a machine
/// shared with other builds, wall time mostly measures the others. `None` where it cannot be
/// read.
fn thread_cpu_ms() -> Option<f64> {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `t` is a valid, writable timespec; the call only writes it.
    let r = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    (r == 0).then(|| t.tv_sec as f64 * 1000.0 + t.tv_nsec as f64 / 1e6)
}

/// `reps` runs of `f`: the mean CPU time of this thread per run (the clock ticks every few
/// milliseconds on these machines, so a single short run reads 0 or a tick; the total over the
/// runs does not), or the median wall time where it cannot be read; and the median wall time.
fn median_ms(reps: usize, mut f: impl FnMut()) -> (f64, f64) {
    let mut wall = Vec::new();
    let start = thread_cpu_ms();
    for _ in 0..reps {
        let t = Instant::now();
        f();
        wall.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    wall.sort_by(|a, b| a.total_cmp(b));
    let median = wall[wall.len() / 2];
    let cpu = match (start, thread_cpu_ms()) {
        (Some(a), Some(b)) => (b - a) / reps as f64,
        _ => median,
    };
    (cpu, median)
}

/// Prints the figures and returns them as JSON (`plan_native_ms` of `target/bench-native.json`).
pub fn planning(fleet_yaml: impl Fn(usize) -> (String, FileSet)) -> Value {
    let mut rows = Vec::new();
    println!("Planning without a server (native), canary mode, this thread's CPU time per run (median wall time in brackets):");
    for n in [10, 100, 1000] {
        let (y, f) = fleet_yaml(n);
        let reps = if n == 1000 { 9 } else { 31 };
        let fleet = load_fleet(&y, &f).fleet.expect("bench fleet");
        let live = deployed(&fleet);
        let opts = PlanOptions::default();
        let redeploy = plan(&fleet, &live, &opts).expect("plan");
        let unchanged = redeploy
            .agents
            .iter()
            .filter(|a| a.action == Action::Unchanged)
            .count();
        assert_eq!(
            unchanged, n,
            "the generated server is the deployed fleet: every agent unchanged"
        );
        let parse = median_ms(reps, || {
            std::hint::black_box(load_fleet(&y, &f));
        });
        let empty = LiveState::default();
        let fresh = median_ms(reps, || {
            std::hint::black_box(plan(&fleet, &empty, &opts).expect("plan"));
        });
        let again = median_ms(reps, || {
            std::hint::black_box(plan(&fleet, &live, &opts).expect("plan"));
        });
        let created = plan(&fleet, &empty, &opts).expect("plan");
        let json = median_ms(reps, || {
            std::hint::black_box(serde_json::to_string(&created).expect("json"));
        });
        let shown = |(cpu, wall): (f64, f64)| format!("{cpu:.2} ms (wall {wall:.2})");
        println!(
            "  {n:>5} agents: parse + validate {} | plan, empty server {} | plan, re-deploy ({n} unchanged) {} | plan to JSON {} | parse + validate + plan {:.2} ms",
            shown(parse),
            shown(fresh),
            shown(again),
            shown(json),
            parse.0 + fresh.0
        );
        rows.push(json!({"agents": n, "parse_validate_ms": parse.0, "plan_empty_ms": fresh.0, "plan_redeploy_ms": again.0, "plan_json_ms": json.0, "median_ms": parse.0 + fresh.0, "wall_ms": {"parse_validate": parse.1, "plan_empty": fresh.1, "plan_redeploy": again.1}}));
    }
    Value::Array(rows)
}
