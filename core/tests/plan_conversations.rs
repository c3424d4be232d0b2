//! Conversations (lettactl's `conversations`): parsed with their errors located, created for
//! new and existing agents, each canary its own, never deleted, and converging.

mod common;

use canary_core::fleet::load_fleet;
use canary_core::plan::{plan, Action, AgentStep, Mode};
use common::*;

const YAML: &str = r#"agents:
  - name: helper
    description: Helps
    system_prompt: {value: You help.}
    llm_config: {model: openai/gpt-4.1, context_window: 32000}
    tools: []
    memory_blocks:
      - {name: persona, description: Me, limit: 100, value: I help., agent_owned: true}
    conversations:
      - summary: Onboarding
        isolated_blocks: [persona]
      - summary: Billing questions
"#;

fn conversation_steps(p: &canary_core::plan::Plan) -> Vec<String> {
    p.agents
        .iter()
        .flat_map(|a| a.steps.iter())
        .filter_map(|s| match s {
            AgentStep::CreateConversation { summary, .. } => Some(summary.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn conversations_are_created_once_for_each_agent_and_canary() {
    let f = fleet_from(YAML, "return q");
    assert_eq!(f.agents[0].conversations.len(), 2);
    assert_eq!(
        f.agents[0].conversations[0].isolated_blocks,
        vec!["persona"]
    );
    let mut live = empty_server();
    let canary = plan(&f, &live, &opts(Mode::Canary)).expect("plan");
    assert_eq!(
        conversation_steps(&canary),
        vec!["Onboarding", "Billing questions"]
    );
    apply(&mut live, &canary);
    let again = plan(&f, &live, &opts(Mode::Canary)).expect("plan");
    assert!(again.is_noop(), "converged: {:?}", again.agents);
    // Production gets its own on promote; the canary's do not count for it.
    let promote = plan(&f, &live, &opts(Mode::Promote)).expect("plan");
    assert_eq!(conversation_steps(&promote).len(), 2);
    apply(&mut live, &promote);
    assert!(plan(&f, &live, &opts(Mode::Promote))
        .expect("plan")
        .is_noop());
    // A new conversation in the fleet is one change on the existing agent.
    let more = YAML.replace(
        "      - summary: Billing questions\n",
        "      - summary: Billing questions\n      - summary: Returns\n",
    );
    let f2 = fleet_from(&more, "return q");
    let p = plan(&f2, &live, &opts(Mode::Promote)).expect("plan");
    assert_eq!(p.agents[0].action, Action::Update);
    assert_eq!(conversation_steps(&p), vec!["Returns"]);
    assert!(canary_core::render::render_text(&p).contains("+ conversation: Returns"));
    // Dropping one from the fleet deletes nothing.
    let fewer = YAML.replace("      - summary: Billing questions\n", "");
    let p = plan(&fleet_from(&fewer, "return q"), &live, &opts(Mode::Promote)).expect("plan");
    assert!(p.is_noop());
}

#[test]
fn conversation_errors_are_located() {
    let bad = YAML
        .replace(
            "isolated_blocks: [persona]",
            "isolated_blocks: [persona, nothere]",
        )
        .replace(
            "      - summary: Billing questions\n",
            "      - summary: Onboarding\n      - {sumary: x}\n",
        );
    let r = load_fleet(&bad, &files("return q"));
    assert!(!r.ok);
    let msgs: Vec<String> = r
        .errors
        .iter()
        .map(|e| format!("{} @{}:{}", e.message, e.path, e.line.unwrap_or(0)))
        .collect();
    assert!(
        msgs.iter().any(|m| m
            .contains("isolated block 'nothere' is not one of this agent's blocks (persona)")
            && m.contains("agents[0].conversations[0].isolated_blocks[1]")),
        "{msgs:?}"
    );
    assert!(
        msgs.iter()
            .any(|m| m.contains("conversation 'Onboarding' appears twice")),
        "{msgs:?}"
    );
    assert!(
        msgs.iter().any(|m| m.contains("unknown field 'sumary'")),
        "{msgs:?}"
    );
    assert!(
        r.errors.iter().all(|e| e.line.is_some()),
        "every error has a line"
    );
}
