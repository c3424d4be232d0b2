//! The core in wasm32, in headless Chromium (`make test-wasm`): parse, validate, plan and
//! render behave as natively.
#![cfg(target_arch = "wasm32")]

use canary_core::fleet::{load_fleet, FileSet};
use canary_core::live::LiveState;
use canary_core::plan::{plan, Action, Mode, PlanOptions};
use canary_core::render::render_text;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const FLEET: &str = "shared_blocks:\n  - {name: p, description: d, limit: 10, value: v, agent_owned: false}\nagents:\n  - name: a\n    description: d\n    system_prompt: {value: hi}\n    llm_config: {model: x/y, context_window: 2000}\n    tools: []\n    shared_blocks: [p]\n";

#[wasm_bindgen_test]
fn parse_plan_render_in_the_browser() {
    let r = load_fleet(FLEET, &FileSet::new());
    assert!(r.ok, "{:?}", r.errors);
    let fleet = r.fleet.expect("fleet");
    let p = plan(&fleet, &LiveState::default(), &PlanOptions::default()).expect("plan");
    assert_eq!(p.agents[0].action, Action::Create);
    assert_eq!(p.agents[0].name, "CANARY-a");
    assert!(render_text(&p).contains("[+] CANARY-a (CREATE)"));
    let cleanup = plan(
        &fleet,
        &LiveState::default(),
        &PlanOptions {
            mode: Mode::Cleanup,
            ..PlanOptions::default()
        },
    )
    .expect("plan");
    assert!(cleanup.deletions().is_empty());
}

#[wasm_bindgen_test]
fn errors_carry_positions_in_the_browser() {
    let r = load_fleet("agents:\n  - name: a b\n", &FileSet::new());
    assert!(!r.ok);
    let name = r
        .errors
        .iter()
        .find(|e| e.path == "agents[0].name")
        .expect("name error");
    assert_eq!((name.line, name.column), (Some(2), Some(11)));
    let syntax = load_fleet("agents: [\n", &FileSet::new());
    assert!(syntax.errors[0].line.is_some());
}
