//! Secrets (lettactl's `secrets`, `global-secrets`, `preserve_secrets`): resolved from the
//! fleet or the caller's variables, set on create and merged on update, pruned only when
//! asked and never when preserved — and no value ever in a plan's JSON, text or Debug.

mod common;

use canary_core::plan::{plan, vars::Vars, AgentStep, Mode, PlanOptions, Sensitive};
use canary_core::render::render_text;
use common::*;

const YAML: &str = r#"global-secrets:
  SHARED_TOKEN: {value: global-hunter2}
preserve_secrets: [KEEP_ME]
agents:
  - name: helper
    description: Helps
    system_prompt: {value: You help.}
    llm_config: {model: openai/gpt-4.1, context_window: 32000}
    tools: []
    secrets:
      api_key: {from_env: HELPER_KEY}
      shared_token: {value: agent-wins}
"#;

fn with_vars(mode: Mode, key: &str) -> PlanOptions {
    PlanOptions {
        vars: Vars::new([("HELPER_KEY".to_string(), key.to_string())]),
        ..opts(mode)
    }
}

fn assert_no_values(p: &canary_core::plan::Plan, values: &[&str]) {
    let json = serde_json::to_string(p).expect("json");
    let text = render_text(p);
    let debug = format!("{p:?}");
    for v in values {
        assert!(!json.contains(v), "{v} in plan JSON");
        assert!(!text.contains(v), "{v} in plan text");
        assert!(!debug.contains(v), "{v} in Debug");
    }
}

#[test]
fn secrets_are_resolved_set_on_create_and_converge() {
    let f = fleet_from(YAML, "return q");
    let mut live = empty_server();
    let p = plan(&f, &live, &with_vars(Mode::Canary, "env-s3cret")).expect("plan");
    assert!(p.is_executable(), "{:?}", p.blockers);
    let AgentStep::Create(c) = &p.agents[0].steps[0] else {
        panic!("create first")
    };
    let values = c.secrets.values().expect("values in memory");
    assert_eq!(values["API_KEY"], "env-s3cret", "names are upper-cased");
    assert_eq!(
        values["SHARED_TOKEN"], "agent-wins",
        "the agent's entry wins"
    );
    assert_no_values(&p, &["env-s3cret", "agent-wins", "global-hunter2"]);
    apply(&mut live, &p);
    // The in-memory server keeps what the create sent (see tests/common).
    for a in &mut live.agents {
        a.secrets = values
            .iter()
            .map(|(k, v)| (k.clone(), Sensitive::new(v.clone())))
            .collect();
    }
    let again = plan(&f, &live, &with_vars(Mode::Canary, "env-s3cret")).expect("plan");
    assert!(again.is_noop(), "converged");
    // A rotated value is one change, named, value hidden.
    let rotated = plan(&f, &live, &with_vars(Mode::Canary, "rotated-s3cret")).expect("plan");
    let changes: Vec<String> = rotated.agents[0]
        .changes
        .iter()
        .map(|c| c.field.clone())
        .collect();
    assert_eq!(changes, vec!["secret API_KEY"]);
    assert!(render_text(&rotated)
        .contains("secret API_KEY: \"(sensitive value)\" -> \"(sensitive value), changed\""));
    assert_no_values(&rotated, &["rotated-s3cret", "env-s3cret"]);
    // A plan read back from JSON has no values, and says so when asked for them.
    let back: canary_core::plan::Plan =
        serde_json::from_str(&serde_json::to_string(&rotated).expect("json")).expect("plan");
    let AgentStep::Patch(pa) = &back.agents[0].steps[0] else {
        panic!("patch")
    };
    assert_eq!(
        pa.secrets.as_ref().map(|w| w.values()),
        Some(Err("API_KEY".to_string()))
    );
}

#[test]
fn a_missing_variable_blocks_unless_the_server_value_is_preserved() {
    let f = fleet_from(YAML, "return q");
    let p = plan(&f, &empty_server(), &opts(Mode::Canary)).expect("plan");
    assert!(
        p.blockers.iter().any(|b| b.contains("secret API_KEY of agent 'helper' comes from the variable HELPER_KEY, which has no value")),
        "{:?}",
        p.blockers
    );
    let preserving = YAML.replace(
        "{from_env: HELPER_KEY}",
        "{from_env: HELPER_KEY, preserve_existing: true}",
    );
    let f = fleet_from(&preserving, "return q");
    let mut live = empty_server();
    let first = plan(&f, &live, &with_vars(Mode::Promote, "first")).expect("plan");
    apply(&mut live, &first);
    for a in &mut live.agents {
        a.secrets.insert("API_KEY".into(), Sensitive::new("first"));
        a.secrets
            .insert("SHARED_TOKEN".into(), Sensitive::new("agent-wins"));
    }
    let p = plan(&f, &live, &opts(Mode::Promote)).expect("plan");
    assert!(p.is_noop(), "the server's value is kept: {:?}", p.blockers);
}

#[test]
fn prune_removes_undeclared_secrets_but_never_preserved_ones() {
    let f = fleet_from(YAML, "return q");
    let mut live = empty_server();
    let first = plan(&f, &live, &with_vars(Mode::Promote, "k")).expect("plan");
    apply(&mut live, &first);
    for a in &mut live.agents {
        for (k, v) in [
            ("API_KEY", "k"),
            ("SHARED_TOKEN", "agent-wins"),
            ("KEEP_ME", "x"),
            ("OLD", "y"),
        ] {
            a.secrets.insert(k.into(), Sensitive::new(v));
        }
    }
    assert!(
        plan(&f, &live, &with_vars(Mode::Promote, "k"))
            .expect("plan")
            .is_noop(),
        "undeclared ones stay"
    );
    let pruning = PlanOptions {
        prune: true,
        ..with_vars(Mode::Promote, "k")
    };
    let p = plan(&f, &live, &pruning).expect("plan");
    let AgentStep::Patch(pa) = &p.agents[0].steps[0] else {
        panic!("patch")
    };
    assert_eq!(
        pa.secrets.as_ref().map(|w| w.remove.clone()),
        Some(vec!["OLD".to_string()])
    );
}
