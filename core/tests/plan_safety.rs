//! Canary safety, per object kind, against hand-made server states: an object a production
//! agent uses is never written or deleted by a canary deploy or a cleanup, a canary-only copy
//! is recognised by our marker and prefix (never by its name alone), and what cannot be
//! planned says so instead of passing for "unchanged".

mod common;

use canary_core::canary::keys;
use canary_core::fleet::{load_fleet, Fleet};
use canary_core::live::{LiveBlock, LiveFolder, LiveState};
use canary_core::plan::{plan, Action, AgentStep, FleetStep, Kind, Mode, Plan, PlanOptions};
use canary_core::render::{render_text, restate};
use common::*;
use serde_json::{json, Map, Value};

/// The fleet with the `kb` folder's document changed.
fn fleet_with_new_document() -> Fleet {
    let mut f = files("return q");
    f.insert("kb/a.md".into(), "A, revised");
    let r = load_fleet(FLEET, &f);
    assert!(r.ok, "{:?}", r.errors);
    r.fleet.expect("fleet")
}

/// The fleet with the non-agent-owned shared block `policies` changed.
fn fleet_with_new_policy() -> Fleet {
    fleet_from(
        &FLEET.replace("value: Be kind.", "value: Be kind and brief."),
        "return q",
    )
}

fn agent_id(live: &LiveState, name: &str) -> String {
    live.agents
        .iter()
        .find(|a| a.name == name)
        .map(|a| a.id.clone())
        .expect("agent")
}

fn marker(prefix: &str) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert(keys::COPY_PREFIX.into(), json!(prefix));
    m
}

/// Every server id a plan writes to or deletes (fleet steps, agent block updates, deletions).
fn written_ids(p: &Plan) -> Vec<String> {
    let mut ids: Vec<String> = p
        .fleet_steps
        .iter()
        .filter_map(|s| match s {
            FleetStep::UpdateBlock { id, .. }
            | FleetStep::UpdateTool { id, .. }
            | FleetStep::SyncFolder { id, .. } => Some(id.clone()),
            _ => None,
        })
        .collect();
    for a in &p.agents {
        for s in &a.steps {
            if let AgentStep::UpdateBlock { id, .. } = s {
                ids.push(id.clone());
            }
        }
        if let Some(id) = &a.id {
            if !a.steps.is_empty() {
                ids.push(id.clone());
            }
        }
    }
    ids.extend(p.deletions().iter().map(|d| d.id.clone()));
    ids
}

#[test]
fn a_production_folder_named_like_a_copy_blocks_the_canary_and_is_never_touched() {
    let mut live = deployed(Mode::Apply);
    // A production folder that merely carries the copy's name, attached to production.
    live.folders.push(LiveFolder {
        id: "source-lookalike".into(),
        name: "CANARY-kb".into(),
        ..LiveFolder::default()
    });
    let support = agent_id(&live, "support");
    for a in live.agents.iter_mut().filter(|a| a.id == support) {
        a.folder_ids.push("source-lookalike".into());
    }
    let fleet = fleet_with_new_document();
    let p = plan(&fleet, &live, &opts(Mode::Canary)).expect("plan");
    assert!(!p.is_executable(), "must not run");
    assert!(
        p.blockers.iter().any(|b| b.contains("'CANARY-kb'")
            && b.contains("not a canary-only copy")
            && b.contains("support")),
        "{:?}",
        p.blockers
    );
    assert!(!written_ids(&p).contains(&"source-lookalike".to_string()));
    // A cleanup never takes it either (no copy marker).
    let c = plan(&fleet, &live, &opts(Mode::Cleanup)).expect("plan");
    assert!(!written_ids(&c).contains(&"source-lookalike".to_string()));
}

#[test]
fn a_marked_folder_copy_that_production_uses_is_never_written_or_deleted() {
    let mut live = deployed(Mode::Apply);
    live.folders.push(LiveFolder {
        id: "source-taken".into(),
        name: "CANARY-kb".into(),
        metadata: marker("CANARY-"),
        ..LiveFolder::default()
    });
    let support = agent_id(&live, "support");
    for a in live.agents.iter_mut().filter(|a| a.id == support) {
        a.folder_ids.push("source-taken".into());
    }
    let fleet = fleet_with_new_document();
    let p = plan(&fleet, &live, &opts(Mode::Canary)).expect("plan");
    assert!(
        p.blockers
            .iter()
            .any(|b| b.contains("'CANARY-kb'") && b.contains("production agent support uses it")),
        "{:?}",
        p.blockers
    );
    assert!(!written_ids(&p).contains(&"source-taken".to_string()));
    let c = plan(&fleet, &live, &opts(Mode::Cleanup)).expect("plan");
    assert!(!written_ids(&c).contains(&"source-taken".to_string()));
}

#[test]
fn our_unused_folder_copy_is_reused_and_synced() {
    let mut live = deployed(Mode::Apply);
    live.folders.push(LiveFolder {
        id: "source-copy".into(),
        name: "CANARY-kb".into(),
        metadata: marker("CANARY-"),
        ..LiveFolder::default()
    });
    let p = plan(&fleet_with_new_document(), &live, &opts(Mode::Canary)).expect("plan");
    assert!(p.is_executable(), "{:?}", p.blockers);
    assert!(p.fleet_steps.iter().any(|s| matches!(s,
        FleetStep::SyncFolder { id, copy_prefix: Some(pre), .. } if id == "source-copy" && pre == "CANARY-")));
    // The production folder is not written.
    let prod = live
        .folders
        .iter()
        .find(|f| f.name == "kb")
        .map(|f| f.id.clone())
        .expect("production kb");
    assert!(!written_ids(&p).contains(&prod));
}

#[test]
fn a_marked_block_copy_that_production_uses_is_never_written_or_deleted() {
    let mut live = deployed(Mode::Apply);
    live.blocks.push(LiveBlock {
        id: "block-taken".into(),
        label: "policies".into(),
        value: "old".into(),
        limit: 200,
        description: Some("Policies".into()),
        metadata: marker("CANARY-"),
    });
    let billing = agent_id(&live, "billing");
    for a in live.agents.iter_mut().filter(|a| a.id == billing) {
        a.block_ids.push("block-taken".into());
    }
    let fleet = fleet_with_new_policy();
    let p = plan(&fleet, &live, &opts(Mode::Canary)).expect("plan");
    assert!(
        p.blockers
            .iter()
            .any(|b| b.contains("block 'policies' (block-taken)") && b.contains("billing")),
        "{:?}",
        p.blockers
    );
    assert!(!written_ids(&p).contains(&"block-taken".to_string()));
    let c = plan(&fleet, &live, &opts(Mode::Cleanup)).expect("plan");
    assert!(!written_ids(&c).contains(&"block-taken".to_string()));
}

#[test]
fn a_copy_of_another_prefix_is_never_taken() {
    let mut live = deployed(Mode::Apply);
    live.blocks.push(LiveBlock {
        id: "block-other".into(),
        label: "policies".into(),
        value: "Be kind and brief.".into(),
        limit: 200,
        description: Some("Policies".into()),
        metadata: marker("RC-"),
    });
    live.folders.push(LiveFolder {
        id: "source-other".into(),
        name: "RC-kb".into(),
        metadata: marker("RC-"),
        ..LiveFolder::default()
    });
    let p = plan(&fleet_with_new_policy(), &live, &opts(Mode::Canary)).expect("plan");
    assert!(p.is_executable(), "{:?}", p.blockers);
    assert!(p.fleet_steps.iter().any(|s| matches!(s,
        FleetStep::CreateBlock { copy_prefix: Some(pre), .. } if pre == "CANARY-")));
    let ids = written_ids(&p);
    assert!(!ids.contains(&"block-other".to_string()));
    assert!(!ids.contains(&"source-other".to_string()));
    let c = plan(&fleet_with_new_policy(), &live, &opts(Mode::Cleanup)).expect("plan");
    let ids = written_ids(&c);
    assert!(!ids.contains(&"block-other".to_string()));
    assert!(!ids.contains(&"source-other".to_string()));
}

#[test]
fn an_agent_blocked_by_a_lookalike_is_not_counted_as_unchanged() {
    let mut live = empty_server();
    live.agents.push(canary_core::live::LiveAgent {
        id: "agent-look".into(),
        name: "CANARY-support".into(),
        ..Default::default()
    });
    let p = plan(&fleet(), &live, &opts(Mode::Canary)).expect("plan");
    let support = p
        .agents
        .iter()
        .find(|a| a.production_name == "support")
        .expect("support");
    assert_eq!(support.action, Action::Blocked);
    assert_eq!(p.summary.blocked, 1);
    assert_eq!(p.summary.unchanged, 0);
    assert!(render_text(&p).contains("[!] CANARY-support (BLOCKED"));
}

#[test]
fn promote_then_clean_up_is_one_reviewed_plan_with_both_phases() {
    let mut live = empty_server();
    let canary = plan(&fleet(), &live, &opts(Mode::Canary)).expect("plan");
    apply(&mut live, &canary);
    let promote = PlanOptions {
        cleanup_after: true,
        ..opts(Mode::Promote)
    };
    let p = plan(&fleet(), &live, &promote).expect("plan");
    assert!(p.cleanup_follows());
    let phase = p.cleanup.as_ref().expect("phase two");
    assert_eq!(phase.prefix, "CANARY-");
    assert_eq!(phase.agents(), 2, "both canaries go in phase two");
    assert_eq!(p.summary.create, 2, "phase one creates production");
    let text = render_text(&p);
    assert!(
        text.contains("Then, only if every agent above was promoted, clean up the canaries:"),
        "{text}"
    );
    assert!(text.contains("[-] agent CANARY-support"), "{text}");
    assert!(restate(&p, "http://s")
        .contains("Then, only if every agent succeeds, delete 2 canary agents"));
    // Without the option the same promote has no phase two, and another fingerprint.
    let plain = plan(&fleet(), &live, &opts(Mode::Promote)).expect("plan");
    assert!(plain.cleanup.is_none());
    assert_ne!(plain.fingerprint, p.fingerprint);
}

#[test]
fn rendering_a_plan_from_javascript_with_odd_counts_does_not_panic() {
    let mut live = empty_server();
    let canary = plan(&fleet(), &live, &opts(Mode::Canary)).expect("plan");
    apply(&mut live, &canary);
    let p = plan(&fleet(), &live, &opts(Mode::Cleanup)).expect("plan");
    let mut v = serde_json::to_value(&p).expect("json");
    // A hand-edited plan: the summary says nothing is deleted.
    v["summary"]["delete"] = json!(0);
    let odd: Plan = serde_json::from_value(v).expect("plan json");
    let text = render_text(&odd);
    assert!(text.contains("agent(s) to delete"), "{text}");
}

#[test]
fn a_folder_update_names_the_files_it_adds_replaces_and_removes() {
    let mut live = deployed(Mode::Apply);
    let kb = live
        .folders
        .iter_mut()
        .find(|f| f.name == "kb")
        .expect("kb");
    kb.files.insert("old.md".into(), 3);
    kb.file_ids.insert("old.md".into(), "file-old".into());
    let p = plan(&fleet_with_new_document(), &live, &opts(Mode::Promote)).expect("plan");
    let step = p
        .fleet_steps
        .iter()
        .find(|s| s.target() == (Kind::Folder, "kb"))
        .expect("folder step");
    assert_eq!(
        step.describe(),
        "Update folder 'kb': replace a.md; remove old.md"
    );
    assert!(render_text(&p).contains("[~] folder kb (UPDATE - replace a.md; remove old.md)"));
}

#[test]
fn plan_json_is_camel_case() {
    let p = plan(&fleet(), &empty_server(), &opts(Mode::Canary)).expect("plan");
    let json = serde_json::to_string(&p).expect("json");
    for key in [
        "\"productionName\"",
        "\"fleetSteps\"",
        "\"productionImpact\"",
        "\"totalChanges\"",
        "\"contextWindow\"",
        "\"memoryBlocks\"",
        "\"includeBaseTools\"",
        "\"copyPrefix\"",
    ] {
        assert!(json.contains(key), "{key} missing");
    }
    for snake in [
        "production_name",
        "fleet_steps",
        "copy_prefix",
        "with_agent",
    ] {
        assert!(!json.contains(snake), "{snake} in plan JSON");
    }
}

#[test]
fn a_plan_without_a_server_treats_built_in_tools_as_present_and_cannot_run() {
    // `tools` omitted: lettactl's defaults web_search and fetch_webpage.
    let yaml = "agents:\n  - name: a\n    description: A\n    system_prompt: {value: Hi}\n    llm_config: {model: openai/gpt-4.1, context_window: 32000}\n";
    let f = fleet_from(yaml, "return q");
    let p = plan(&f, &LiveState::unread(), &opts(Mode::Canary)).expect("plan");
    assert_eq!(p.blockers, vec![canary_core::plan::NOT_READ.to_string()]);
    assert_eq!(p.summary.create, 1);
    // Against a server that was read and lacks them, they block as before.
    let read = plan(&f, &LiveState::default(), &opts(Mode::Canary)).expect("plan");
    assert!(read
        .blockers
        .iter()
        .any(|b| b.contains("tool 'web_search' is not on the server")));
    assert!(!read.blockers.iter().any(|b| b.contains("was not read")));
}

#[test]
fn the_plan_says_what_each_folder_glob_matched() {
    let mut f = files("return q");
    f.insert("kb/b.md".into(), "B");
    f.insert("kb/c.txt".into(), "C");
    let yaml = FLEET.replace("files: [\"kb/*\"]", "files: [\"kb/*.md\"]");
    let r = load_fleet(&yaml, &f);
    assert!(r.ok, "{:?}", r.errors);
    let fleet = r.fleet.expect("fleet");
    let p = plan(&fleet, &empty_server(), &opts(Mode::Promote)).expect("plan");
    let text = render_text(&p);
    assert!(
        text.contains("[+] folder kb (CREATE, 2 file(s): a.md, b.md)"),
        "{text}"
    );
    assert!(text.contains("    kb/*.md → a.md, b.md"), "{text}");
}

#[test]
fn a_test_conversations_copy_of_a_shared_block_is_never_taken_for_production() {
    // A test conversation isolates the shared block: the server makes a copy with the same
    // label and metadata (our marker included), attached to no agent.
    let mut live = deployed(Mode::Apply);
    let prod = live
        .blocks
        .iter()
        .find(|b| b.label == "policies")
        .cloned()
        .expect("policies");
    let mut copy = prod.clone();
    copy.id = "block-0000-conversation-copy".into();
    live.blocks.insert(0, copy);
    let p = plan(&fleet_with_new_policy(), &live, &opts(Mode::Promote)).expect("plan");
    let updated: Vec<&str> = p
        .fleet_steps
        .iter()
        .filter_map(|s| match s {
            FleetStep::UpdateBlock { id, .. } => Some(id.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(
        updated,
        vec![prod.id.as_str()],
        "the production block, not the copy"
    );
}

/// The confirmation names only what the run writes: no "create 0 … and update 1".
#[test]
fn the_restatement_names_only_what_is_written() {
    let mut live = empty_server();
    let canary = plan(&fleet(), &live, &opts(Mode::Canary)).expect("plan");
    let first = restate(&canary, "http://s");
    assert!(
        first.starts_with(&format!(
            "Create {} with prefix CANARY-",
            canary_core::wording::count(canary.summary.create, "canary agent")
        )),
        "{first}"
    );
    assert!(!first.contains("update 0"), "{first}");
    apply(&mut live, &canary);
    // The same fleet promoted: production is created; then a change of one prompt updates it.
    let promote = plan(&fleet(), &live, &opts(Mode::Promote)).expect("plan");
    apply(&mut live, &promote);
    let changed = fleet_from(
        &FLEET.replace("You help customers.", "You help customers, briefly."),
        "return q",
    );
    let update = plan(&changed, &live, &opts(Mode::Promote)).expect("plan");
    assert_eq!((update.summary.create, update.summary.update), (0, 1));
    assert_eq!(
        restate(&update, "http://s"),
        "Update 1 PRODUCTION agent on http://s."
    );
    // Nothing left to do reads as such.
    let again = plan(&fleet(), &live, &opts(Mode::Promote)).expect("plan");
    assert_eq!(restate(&again, "http://s"), "Write nothing on http://s.");
}
