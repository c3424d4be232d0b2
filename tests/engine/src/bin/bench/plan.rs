//! `bench plan`: planning speed without a server, natively (the browser's figures, the same
//! fleets in wasm, come from `scripts/bench-plan.js`). Generated fleets of 10, 100 and 1,000
//! agents (the deploy benchmark's fleet shape), canary mode, medians:
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

fn median_ms(reps: usize, mut f: impl FnMut()) -> f64 {
    let mut v: Vec<f64> = (0..reps)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// Prints the figures and returns them as JSON (`plan_native_ms` of `target/bench-native.json`).
pub fn planning(fleet_yaml: impl Fn(usize) -> (String, FileSet)) -> Value {
    let mut rows = Vec::new();
    println!("Planning without a server (native), canary mode, medians:");
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
        println!(
            "  {n:>5} agents: parse + validate {parse:.2} ms | plan, empty server {fresh:.2} ms | plan, re-deploy ({n} unchanged) {again:.2} ms | plan to JSON {json:.2} ms | parse + validate + plan {:.2} ms",
            parse + fresh
        );
        rows.push(json!({"agents": n, "parse_validate_ms": parse, "plan_empty_ms": fresh, "plan_redeploy_ms": again, "plan_json_ms": json, "median_ms": parse + fresh}));
    }
    Value::Array(rows)
}
