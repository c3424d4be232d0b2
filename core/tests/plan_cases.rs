//! The planner against hand-made live states. A small in-memory "server" (tests/common)
//! applies plans, so convergence is checked without a network.

mod common;

use canary_core::canary::keys;
use canary_core::live::LiveAgent;
use canary_core::plan::{
    plan, Action, AgentStep, DeleteKind, FleetStep, Kind, Mode, Plan, PlanOptions,
};
use canary_core::render::render_text;
use common::*;
use serde_json::{json, Map, Value};

#[test]
fn first_canary_preview_creates_everything() {
    let p = plan(&fleet(), &empty_server(), &opts(Mode::Canary)).expect("plan");
    let names: Vec<(&str, Action)> = p
        .agents
        .iter()
        .map(|a| (a.name.as_str(), a.action))
        .collect();
    assert_eq!(
        names,
        vec![
            ("CANARY-support", Action::Create),
            ("CANARY-billing", Action::Create)
        ]
    );
    assert!(p.production_impact.is_empty() && p.blockers.is_empty());
    // Nothing exists in production, so the canary gets canary-only copies, never production objects.
    assert!(p.fleet_steps.iter().all(|s| match s {
        FleetStep::CreateBlock { copy_prefix, .. }
        | FleetStep::CreateFolder { copy_prefix, .. } => copy_prefix.as_deref() == Some("CANARY-"),
        FleetStep::CreateTool { .. } | FleetStep::CreateArchive { .. } => true,
        _ => false,
    }));
    // One create request per agent; the archive attach follows; no first message for canaries.
    let support = &p.agents[0];
    assert!(matches!(support.steps[0], AgentStep::Create(_)));
    assert!(!support
        .steps
        .iter()
        .any(|s| matches!(s, AgentStep::FirstMessage { .. })));
    let AgentStep::Create(c) = &support.steps[0] else {
        unreachable!()
    };
    assert_eq!(c.metadata.get(keys::CANARY), Some(&Value::Bool(true)));
    assert_eq!(
        c.metadata.get(keys::PRODUCTION_NAME),
        Some(&json!("support"))
    );
}

#[test]
fn golden_text_of_a_first_canary_preview() {
    let p = plan(&fleet(), &empty_server(), &opts(Mode::Canary)).expect("plan");
    let expected = "\
Canary deploy (prefix CANARY-)

[+] block policies (CREATE canary copy for CANARY-)
[+] block style (CREATE canary copy for CANARY-)
[+] folder CANARY-kb (CREATE, 1 file(s): a.md)
    kb/* → a.md
[+] tool lookup (CREATE)
[+] archive tickets (CREATE)

[+] CANARY-support (CREATE)
[+] CANARY-billing (CREATE)

Summary:
  [+] 2 agent(s) to create
  [~] 0 agent(s) to update (drift)
  [=] 0 agent(s) unchanged
  [*] 5 shared object change(s)
  Total changes: 7
";
    assert_eq!(render_text(&p), expected);
}

#[test]
fn every_mode_converges() {
    for mode in [Mode::Canary, Mode::Apply, Mode::Promote] {
        let live = deployed(mode);
        let again = plan(&fleet(), &live, &opts(mode)).expect("plan");
        assert!(
            again.is_noop(),
            "{mode:?} not converged:\n{}",
            render_text(&again)
        );
        assert!(again.agents.iter().all(|a| a.action == Action::Unchanged));
        assert_eq!(again.summary.total_changes, 0);
    }
}

#[test]
fn changed_prompt_model_and_tags_list_exactly_those() {
    let live = deployed(Mode::Canary);
    let yaml = FLEET
        .replace("You help customers.", "You help customers kindly.")
        .replace(
            "llm_config: {model: openai/gpt-4.1, context_window: 32000}\n    embedding",
            "llm_config: {model: openai/gpt-4.1-mini, context_window: 32000}\n    embedding",
        )
        .replace("tags: [support, tier-1]", "tags: [support, tier-2]");
    let p = plan(&fleet_from(&yaml, "return q"), &live, &opts(Mode::Canary)).expect("plan");
    let s = p
        .agents
        .iter()
        .find(|a| a.production_name == "support")
        .expect("support");
    assert_eq!(s.action, Action::Update);
    let fields: Vec<&str> = s.changes.iter().map(|c| c.field.as_str()).collect();
    assert_eq!(fields, vec!["system_prompt", "model", "tags"]);
    assert_eq!(s.changes[1].old.as_deref(), Some("openai/gpt-4.1"));
    assert_eq!(s.changes[2].new.as_deref(), Some("support, tier-2"));
    let AgentStep::Patch(patch) = &s.steps[0] else {
        panic!("a patch")
    };
    assert_eq!(
        patch.llm,
        Some(("openai/gpt-4.1-mini".into(), 32000, None)),
        "model travels with its context window"
    );
    assert_eq!(
        p.agents
            .iter()
            .find(|a| a.production_name == "billing")
            .map(|a| a.action),
        Some(Action::Unchanged)
    );
    assert!(render_text(&p).contains("[~] CANARY-support (UPDATE - 3 change(s))\n    ~ system_prompt: \"You help customers.\" -> \"You help customers kindly.\""));
}

#[test]
fn shared_block_change_copies_in_canary_mode_and_updates_in_promote_mode() {
    let live = deployed(Mode::Apply);
    let prod_block = live
        .blocks
        .iter()
        .find(|b| b.label == "policies")
        .expect("block")
        .clone();
    let changed = fleet_from(&FLEET.replace("Be kind.", "Be very kind."), "return q");

    let canary = plan(&changed, &live, &opts(Mode::Canary)).expect("plan");
    assert!(canary.fleet_steps.iter().any(|s| matches!(s, FleetStep::CreateBlock { spec, copy_prefix: Some(_) } if spec.label == "policies")));
    assert!(
        !canary
            .fleet_steps
            .iter()
            .any(|s| matches!(s, FleetStep::UpdateBlock { id, .. } if *id == prod_block.id)),
        "no write to the production block"
    );
    assert!(canary.production_impact.is_empty());
    let mut after = live.clone();
    apply(&mut after, &canary);
    assert_eq!(
        after.blocks.iter().find(|b| b.id == prod_block.id),
        Some(&prod_block),
        "production block unchanged"
    );
    assert!(
        plan(&changed, &after, &opts(Mode::Canary))
            .expect("plan")
            .is_noop(),
        "canary converged"
    );
    // The unchanged agent_owned: true shared block is the production object, no copy.
    let c = after
        .agents
        .iter()
        .find(|a| a.name == "CANARY-support")
        .expect("canary");
    let style_prod = live
        .blocks
        .iter()
        .find(|b| b.label == "style")
        .expect("style");
    assert!(c.block_ids.contains(&style_prod.id));

    let promote = plan(&changed, &live, &opts(Mode::Promote)).expect("plan");
    assert!(promote.fleet_steps.iter().any(
        |s| matches!(s, FleetStep::UpdateBlock { id, copy: false, .. } if *id == prod_block.id)
    ));
}

#[test]
fn agent_owned_blocks_are_never_synced() {
    let live = deployed(Mode::Apply);
    let yaml = FLEET
        .replace("value: I help.", "value: I help a lot.")
        .replace("value: Short answers.", "value: Long answers.");
    let p = plan(&fleet_from(&yaml, "return q"), &live, &opts(Mode::Apply)).expect("plan");
    assert!(p.is_noop(), "{}", render_text(&p));
    // …while an agent_owned: false block is.
    let p = plan(
        &fleet_from(&FLEET.replace("value: v1", "value: v2"), "return q"),
        &live,
        &opts(Mode::Apply),
    )
    .expect("plan");
    let s = &p.agents[0];
    assert!(s
        .steps
        .iter()
        .any(|st| matches!(st, AgentStep::UpdateBlock { spec, .. } if spec.value == "v2")));
}

#[test]
fn changed_tool_is_production_impact_in_canary_mode() {
    let live = deployed(Mode::Apply);
    let changed = fleet_from(FLEET, "return q.upper()");
    let p = plan(&changed, &live, &opts(Mode::Canary)).expect("plan");
    assert_eq!(p.production_impact.len(), 1);
    assert_eq!(p.production_impact[0].used_by, vec!["support"]);
    assert!(!p.production_impact[0].accepted && !p.is_executable());
    assert!(
        !p.fleet_steps.iter().any(|s| matches!(
            s,
            FleetStep::UpdateTool { .. } | FleetStep::CreateTool { .. }
        )),
        "never delete and re-create"
    );
    let accepted = plan(
        &changed,
        &live,
        &PlanOptions {
            accept_tool_updates: true,
            ..opts(Mode::Canary)
        },
    )
    .expect("plan");
    assert!(accepted.is_executable());
    assert!(accepted
        .fleet_steps
        .iter()
        .any(|s| matches!(s, FleetStep::UpdateTool { .. })));
    assert!(render_text(&accepted).contains("Production impact:\n  [!] tool lookup"));
    // In production modes the same change is a plain in-place update.
    let promote = plan(&changed, &live, &opts(Mode::Promote)).expect("plan");
    assert!(promote.production_impact.is_empty() && promote.is_executable());
}

#[test]
fn agent_filter_and_custom_prefix() {
    let o = PlanOptions {
        prefix: "TEST-".into(),
        agents: Some(vec!["billing".into()]),
        ..opts(Mode::Canary)
    };
    let p = plan(&fleet(), &empty_server(), &o).expect("plan");
    assert_eq!(
        p.agents.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(),
        vec!["TEST-billing"]
    );
    assert!(
        !p.fleet_steps
            .iter()
            .any(|s| matches!(s, FleetStep::CreateTool { .. })),
        "only what billing needs"
    );
    let bad = PlanOptions {
        agents: Some(vec!["nobody".into()]),
        ..opts(Mode::Canary)
    };
    assert_eq!(plan(&fleet(), &empty_server(), &bad).err().map(|e| e.to_string()).as_deref(), Some("agent 'nobody' is not in the fleet; the filter takes production names from the fleet file"));
    let empty = PlanOptions {
        prefix: String::new(),
        ..opts(Mode::Canary)
    };
    assert!(plan(&fleet(), &empty_server(), &empty).is_err());
}

#[test]
fn promote_updates_existing_production_in_place_and_creates_missing() {
    let mut live = empty_server();
    let only_support = PlanOptions {
        agents: Some(vec!["support".into()]),
        ..opts(Mode::Apply)
    };
    let first = plan(&fleet(), &live, &only_support).expect("plan");
    apply(&mut live, &first);
    let support_id = live.agents[0].id.clone();
    let changed = fleet_from(
        &FLEET.replace("description: Support", "description: Support team"),
        "return q",
    );
    let p = plan(&changed, &live, &opts(Mode::Promote)).expect("plan");
    let s = p
        .agents
        .iter()
        .find(|a| a.name == "support")
        .expect("support");
    assert_eq!(
        (s.action, s.id.as_deref()),
        (Action::Update, Some(support_id.as_str()))
    );
    let b = p
        .agents
        .iter()
        .find(|a| a.name == "billing")
        .expect("billing");
    assert_eq!(b.action, Action::Create);
    assert!(
        !b.steps
            .iter()
            .any(|st| matches!(st, AgentStep::FirstMessage { .. })),
        "billing has no first message"
    );
    let fresh = plan(&fleet(), &empty_server(), &opts(Mode::Promote)).expect("plan");
    assert!(fresh.agents[0]
        .steps
        .iter()
        .any(|st| matches!(st, AgentStep::FirstMessage { text } if text == "Hello")));
}

#[test]
fn cleanup_spares_lookalikes_and_other_fleets() {
    let mut live = deployed(Mode::Canary);
    let production = plan(&fleet(), &live, &opts(Mode::Apply)).expect("plan");
    apply(&mut live, &production);
    let production_ids: Vec<String> = live
        .agents
        .iter()
        .filter(|a| !a.name.starts_with("CANARY-"))
        .map(|a| a.id.clone())
        .collect();
    assert_eq!(production_ids.len(), 2);
    live.agents.push(LiveAgent {
        id: "agent-look".into(),
        name: "CANARY-x".into(),
        ..LiveAgent::default()
    });
    let mut other = Map::new();
    other.insert(keys::CANARY.into(), json!(true));
    other.insert(keys::PREFIX.into(), json!("CANARY-"));
    other.insert(keys::PRODUCTION_NAME.into(), json!("elsewhere"));
    live.agents.push(LiveAgent {
        id: "agent-other".into(),
        name: "CANARY-elsewhere".into(),
        metadata: other,
        ..LiveAgent::default()
    });
    let p = plan(&fleet(), &live, &opts(Mode::Cleanup)).expect("plan");
    let agents: Vec<&str> = p
        .deletions()
        .iter()
        .filter(|d| d.kind == DeleteKind::Agent)
        .map(|d| d.name.as_str())
        .collect();
    assert_eq!(agents, vec!["CANARY-support", "CANARY-billing"]);
    assert!(p
        .deletions()
        .iter()
        .any(|d| d.kind == DeleteKind::Block && d.name == "persona"));
    assert!(p
        .deletions()
        .iter()
        .any(|d| d.kind == DeleteKind::Block && d.name == "policies" && d.reason.contains("copy")));
    assert!(p
        .deletions()
        .iter()
        .any(|d| d.kind == DeleteKind::Folder && d.name == "CANARY-kb"));
    let kept: Vec<&str> = p
        .cleanup
        .as_ref()
        .expect("cleanup phase")
        .kept
        .iter()
        .filter(|k| k.kind == Kind::Agent)
        .map(|k| k.name.as_str())
        .collect();
    assert_eq!(kept, vec!["CANARY-x", "CANARY-elsewhere"]);
    // Tools and archives cannot even be planned for deletion (DeleteKind has no such kind).
    assert!(!p.deletions().iter().any(|d| production_ids.contains(&d.id)));
    let production_blocks: Vec<&String> = live
        .agents
        .iter()
        .filter(|a| production_ids.contains(&a.id))
        .flat_map(|a| a.block_ids.iter())
        .collect();
    assert!(
        !p.deletions()
            .iter()
            .any(|d| production_blocks.contains(&&d.id)),
        "never a block production uses"
    );
    let text = render_text(&p);
    assert!(
        text.contains("[=] CANARY-x kept - not a canary (no canary metadata); never deleted"),
        "{text}"
    );
    // Everything of the prefix, when asked: the other fleet's canary goes too, never the lookalike.
    let all = plan(
        &fleet(),
        &live,
        &PlanOptions {
            all_canaries: true,
            ..opts(Mode::Cleanup)
        },
    )
    .expect("plan");
    assert!(all.deletions().iter().any(|d| d.name == "CANARY-elsewhere"));
    assert!(!all.deletions().iter().any(|d| d.name == "CANARY-x"));
    // After the cleanup, production is whole and a second cleanup has nothing to do.
    let mut after = live.clone();
    apply(&mut after, &p);
    assert!(plan(&fleet(), &after, &opts(Mode::Apply))
        .expect("plan")
        .is_noop());
    let again = plan(&fleet(), &after, &opts(Mode::Cleanup)).expect("plan");
    assert!(again.deletions().is_empty(), "{}", render_text(&again));
}

#[test]
fn a_name_taken_by_a_non_canary_blocks_the_canary_deploy() {
    let mut live = empty_server();
    live.agents.push(LiveAgent {
        id: "agent-look".into(),
        name: "CANARY-support".into(),
        ..LiveAgent::default()
    });
    let p = plan(&fleet(), &live, &opts(Mode::Canary)).expect("plan");
    assert!(!p.is_executable());
    assert!(
        p.blockers[0].contains("is not a canary of prefix 'CANARY-'"),
        "{:?}",
        p.blockers
    );
}

#[test]
fn prune_detaches_only_what_the_fleet_dropped() {
    let live = deployed(Mode::Apply);
    let yaml = FLEET.replace(
        "tools: [lookup, conversation_search]",
        "tools: [conversation_search]",
    );
    let without = fleet_from(&yaml, "return q");
    let keep = plan(&without, &live, &opts(Mode::Apply)).expect("plan");
    assert!(
        keep.is_noop(),
        "removal only when pruning:\n{}",
        render_text(&keep)
    );
    let prune = plan(
        &without,
        &live,
        &PlanOptions {
            prune: true,
            ..opts(Mode::Apply)
        },
    )
    .expect("plan");
    let s = &prune.agents[0];
    assert!(s.steps.iter().any(
        |st| matches!(st, AgentStep::Detach { kind: Kind::Tool, target } if target.name == "lookup")
    ));
    assert!(s
        .changes
        .iter()
        .any(|c| c.field == "tools" && c.old.as_deref() == Some("lookup") && c.new.is_none()));
    assert_eq!(s.steps.len(), 1, "server-managed tools are never pruned");
}

#[test]
fn fingerprint_tracks_the_work() {
    let a = plan(&fleet(), &empty_server(), &opts(Mode::Canary)).expect("plan");
    let b = plan(&fleet(), &empty_server(), &opts(Mode::Canary)).expect("plan");
    assert_eq!(a.fingerprint, b.fingerprint);
    let c = plan(&fleet(), &deployed(Mode::Canary), &opts(Mode::Canary)).expect("plan");
    assert_ne!(a.fingerprint, c.fingerprint);
    // Every plan type serialises and comes back equal (the JS API and history rely on it).
    let json = serde_json::to_string(&a).expect("serialise");
    let back: Plan = serde_json::from_str(&json).expect("deserialise");
    assert_eq!(back, a);
}

#[test]
fn server_order_does_not_change_the_plan() {
    // The server lists relationships in row order, which changes after updates: the same
    // state in another order must give the same plan, or a re-check would look "stale".
    let mut a = deployed(Mode::Canary);
    let mut b = a.clone();
    b.agents.reverse();
    for ag in &mut b.agents {
        ag.block_ids.reverse();
        ag.tool_ids.reverse();
    }
    b.blocks.reverse();
    a.canonicalize();
    b.canonicalize();
    for mode in [Mode::Cleanup, Mode::Canary, Mode::Apply] {
        let pa = plan(&fleet(), &a, &opts(mode)).expect("plan");
        let pb = plan(&fleet(), &b, &opts(mode)).expect("plan");
        assert_eq!(pa.fingerprint, pb.fingerprint, "{mode:?}");
    }
}
