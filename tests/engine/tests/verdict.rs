//! Canary verdicts against the real Letta server: what a test conversation isolates (per
//! object kind, read back from the server), a suite run with passing and failing cases, replay
//! of seeded production traffic, the verdict stored in metadata and read back, and the promote
//! gate (server faults: `verdict_faults.rs`). Every name is run-unique, so tests share one server safely.

use canary_core::client::conversations::TEST_SUMMARY_PREFIX;
use canary_core::client::Method;
use canary_core::fleet::FileSet;
use canary_core::verdict::{
    gate, parse_suite, plan_suite, read_verdict, replay, run_plan, store_verdict, GateDecision,
    Refusal, RunReport, Suite, Verdict,
};
use canary_tests::{client, unique, NativeTransport, EMBEDDING};
use serde_json::json;
use std::time::Instant;

#[path = "verdict/support.rs"]
mod support;
use support::*;

#[tokio::test]
async fn history_and_blocks_are_isolated() {
    let c = client(NativeTransport::default());
    let p = pair(&c, "iso", "You help.", "You help.").await;
    let before = snapshot(&c, &p.production).await;

    // A memory tool call in a test conversation on production.
    let conv = c
        .open_test_conversation(&p.production, "isolation")
        .await
        .expect("test conversation");
    assert!(conv
        .summary
        .as_deref()
        .is_some_and(|s| s.starts_with(TEST_SUMMARY_PREFIX)));
    assert_eq!(
        conv.isolated_block_ids.len(),
        2,
        "every label isolated: {conv:?}"
    );
    let r = c
        .send_in_conversation(
            &conv.id,
            "USE_TOOL:memory_insert label=persona new_string=ISOMARK",
        )
        .await
        .expect("send");
    assert_eq!(tool_calls(&r.reply), vec!["memory_insert"], "{r:?}");
    let mut copy_values = Vec::new();
    for id in &conv.isolated_block_ids {
        let b = raw_get(&format!("/blocks/{id}")).await.expect("block copy");
        copy_values.push(b["value"].as_str().unwrap_or_default().to_string());
    }
    assert!(
        copy_values.iter().any(|v| v.contains("ISOMARK")),
        "the conversation's copy took the edit: {copy_values:?}"
    );
    assert!(!c
        .conversation_messages(&conv.id)
        .await
        .expect("msgs")
        .is_empty());

    // Production: same in-context messages, same default history, blocks byte for byte.
    let after = snapshot(&c, &p.production).await;
    assert_eq!(before.0, after.0, "in-context message_ids unchanged");
    assert_eq!(before.1, after.1, "default conversation unchanged");
    assert_eq!(before.2, after.2, "blocks byte-for-byte unchanged");

    // Control: the same call in the canary's default conversation does edit its block, so the
    // check above can fail.
    let r = c
        .send_message(
            &p.canary,
            "USE_TOOL:memory_insert label=persona new_string=CTRLMARK",
        )
        .await
        .expect("control send");
    assert_eq!(tool_calls(&r), vec!["memory_insert"]);
    let canary_blocks = agent_blocks(&c, &p.canary).await;
    assert!(
        canary_blocks.iter().any(|b| b.2.contains("CTRLMARK")),
        "{canary_blocks:?}"
    );

    // Production's test conversation goes right after use, with its block copies.
    c.delete_conversation(&conv.id).await.expect("delete");
    assert_eq!(test_conversations(&c, &p.production).await, 0);
    for id in &conv.isolated_block_ids {
        assert!(
            raw_get(&format!("/blocks/{id}")).await.is_err(),
            "copy {id} deleted"
        );
    }
    drop_pair(&c, &p).await;
}

#[tokio::test]
async fn archival_inserts_are_not_isolated() {
    let c = client(NativeTransport::default());
    let p = pair(&c, "arc", "You help.", "You help.").await;
    let conv = c
        .open_test_conversation(&p.canary, "archival")
        .await
        .expect("test conversation");
    let r = c
        .send_in_conversation(&conv.id, "USE_TOOL:archival_memory_insert content=ARCHMARK")
        .await
        .expect("send");
    assert_eq!(
        tool_calls(&r.reply),
        vec!["archival_memory_insert"],
        "{r:?}"
    );
    let passages = raw_get(&format!("/agents/{}/archival-memory?limit=50", p.canary))
        .await
        .expect("archival memory");
    let texts: Vec<&str> = passages
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|x| x["text"].as_str())
        .collect();
    assert!(
        texts.iter().any(|t| t.contains("ARCHMARK")),
        "archival insert from a test conversation reached the agent's archive: {texts:?}"
    );

    // What cleanup (deleting the canary agent) does to a test conversation left on it.
    let copies = conv.isolated_block_ids.clone();
    c.delete_agent(&p.canary).await.expect("delete canary");
    let mut left = Vec::new();
    for id in &copies {
        if raw_get(&format!("/blocks/{id}")).await.is_ok() {
            left.push(id.clone());
        }
    }
    for id in &left {
        let _ = c.delete_block(id).await;
    }
    // Deleting an agent does not delete its test conversations' block copies: runs and the
    // chat delete their conversations (and so the copies) themselves.
    assert_eq!(left, copies, "block copies outlive the agent");
    drop_pair(&c, &p).await;
}

#[tokio::test]
async fn tool_side_effects_are_not_isolated() {
    let c = client(NativeTransport::default());
    let p = pair(&c, "tse", "You help.", "You help.").await;
    let name = format!("touch_{}", unique("t"));
    let source = format!(
        "def {name}(path: str) -> str:\n    \"\"\"Writes a marker file.\n\n    Args:\n        path: where to write it\n    \"\"\"\n    with open(path, 'w') as f:\n        f.write('touched')\n    return 'ok'\n"
    );
    let tool = c.create_tool(&source).await.expect("create tool");
    let tool_id = tool["id"].as_str().expect("tool id").to_string();
    c.attachment(&p.canary, "tools", &tool_id, true)
        .await
        .expect("attach tool");
    let marker = std::env::temp_dir().join(format!("{name}.marker"));
    let _ = std::fs::remove_file(&marker);
    let conv = c
        .open_test_conversation(&p.canary, "tool effects")
        .await
        .expect("test conversation");
    let r = c
        .send_in_conversation(
            &conv.id,
            &format!("USE_TOOL:{name} path={}", marker.display()),
        )
        .await
        .expect("send");
    assert_eq!(tool_calls(&r.reply), vec![name.clone()], "{r:?}");
    assert!(
        marker.exists(),
        "a tool called in a test conversation acts on the world like any other call"
    );
    let _ = std::fs::remove_file(&marker);
    let _ = c.delete_conversation(&conv.id).await;
    drop_pair(&c, &p).await;
    let _ = raw(Method::Delete, &format!("/tools/{tool_id}")).await;
}

#[tokio::test]
async fn folder_file_state_is_not_isolated() {
    let c = client(NativeTransport::default());
    let p = pair(&c, "fld", "You help.", "You help.").await;
    let folder = c
        .create_folder(
            &format!("docs-{}", unique("f")),
            Some(EMBEDDING),
            Default::default(),
        )
        .await
        .expect("folder");
    let fid = folder["id"].as_str().expect("folder id").to_string();
    for name in ["a.md", "b.md"] {
        let file = canary_core::fleet::FolderFile {
            path: name.to_string(),
            content: format!("# {name}\nline two\nline three\n").into(),
        };
        c.upload_file(&fid, &file).await.expect("upload");
    }
    for _ in 0..120 {
        let files = c.folder_files(&fid).await.expect("files");
        let done = files
            .iter()
            .filter(|f| f["processing_status"].as_str() == Some("completed"))
            .count();
        if done == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    c.attachment(&p.canary, "folders", &fid, true)
        .await
        .expect("attach folder");
    let before = file_state(&p.canary).await;
    assert_eq!(before.len(), 2, "{before:?}");
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;

    // A file tool used in a test conversation changes the agent's own file state.
    let conv = c
        .open_test_conversation(&p.canary, "folder tools")
        .await
        .expect("test conversation");
    let r = c
        .send_in_conversation(&conv.id, "USE_TOOL:grep_files pattern=line")
        .await
        .expect("send");
    assert_eq!(tool_calls(&r.reply), vec!["grep_files"], "{r:?}");
    let after = file_state(&p.canary).await;
    assert_ne!(
        before, after,
        "file state (open files, last access) is per agent, not per conversation"
    );
    let _ = c.delete_conversation(&conv.id).await;
    drop_pair(&c, &p).await;
    let _ = c.delete_folder(&fid).await;
}

fn suite(p: &Pair) -> Suite {
    let yaml = format!(
        "name: smoke\nagents: [{a}]\ncases:\n  - name: tagged\n    input: hello\n    checks:\n      - contains: 'echo: hello'\n      - regex: '\\[v2\\]$'\n      - differs_from_production: true\n      - max_latency_ms: 60000\n  - name: unchanged\n    input: hello again\n    checks:\n      - same_as_production: true\n  - name: remembers\n    input: [\"hi\", \"USE_TOOL:memory_insert label=human new_string=tea\"]\n    checks:\n      - tool_called: {{name: memory_insert, arguments: {{label: human}}}}\n      - exact: 'Echo: hi [v2]'\n        turn: 1\n",
        a = p.production_name
    );
    let r = parse_suite("tests/suite.yaml", &yaml, Some(&p.fleet), &FileSet::new());
    assert!(r.ok, "{:?}", r.errors);
    r.suite.expect("suite")
}

#[tokio::test]
async fn suite_run_verdict_in_metadata_and_the_gate() {
    let c = client(NativeTransport::default());
    let p = pair(&c, "sui", "You help.", "You help. REPLY_TAG:v2").await;
    let before = snapshot(&c, &p.production).await;
    let t0 = Instant::now();
    let clock = move || t0.elapsed().as_secs_f64() * 1000.0;

    let s = suite(&p);
    let plan = plan_suite(&s, &p.fleet, &live(&c).await, &p.prefix);
    assert!(plan.blockers.is_empty(), "{:?}", plan.blockers);
    assert_eq!(plan.cases.len(), 3);
    let events = std::cell::RefCell::new(Vec::new());
    let report: RunReport =
        run_plan(&c, &plan, &opts(&clock), &|e| events.borrow_mut().push(e)).await;
    assert_eq!(events.borrow().len(), 6, "a start and an end per case");
    let by = |n: &str| report.cases.iter().find(|x| x.case == n).expect("case");
    assert!(by("tagged").passed, "{:#?}", by("tagged"));
    assert!(
        !by("unchanged").passed,
        "the prompt change shows: {:#?}",
        by("unchanged")
    );
    assert!(by("remembers").passed, "{:#?}", by("remembers"));
    assert_eq!(
        by("tagged").canary.turns[0].reply.assistant_text(),
        "Echo: hello [v2]"
    );
    assert_eq!(
        by("tagged")
            .production
            .as_ref()
            .expect("production side")
            .turns[0]
            .reply
            .assistant_text(),
        "Echo: hello"
    );
    assert!(by("tagged").canary.turns[0].latency_ms > 0);
    assert_eq!((report.totals.passed, report.totals.failed), (2, 1));
    assert!(!report.verdict.ok);
    assert_eq!(
        report.verdict.failed_cases,
        vec![format!("unchanged @ {}", p.production_name)]
    );

    // Production untouched; every test conversation is gone (an agent's deletion would leave
    // their block copies behind, see archival_inserts_are_not_isolated).
    assert_eq!(before, snapshot(&c, &p.production).await);
    assert_eq!(test_conversations(&c, &p.production).await, 0);
    assert_eq!(test_conversations(&c, &p.canary).await, 0);

    // The verdict is stored on the canary (merged into its metadata) and read back.
    let errors = store_verdict(&c, &report.verdict, std::slice::from_ref(&p.canary)).await;
    assert!(errors.is_empty(), "{errors:?}");
    let md = c.get_agent(&p.canary).await.expect("canary")["metadata"].clone();
    assert_eq!(md["lettactl.canary"], json!(true), "canary mark kept: {md}");
    let hash = plan.fleet_hash.clone();
    let read: Option<Verdict> = read_verdict(&c, p.prefix.as_str(), &hash)
        .await
        .expect("read");
    assert_eq!(read.as_ref(), Some(&report.verdict));

    // Gate: refused (failed), overridden with a reason, and refused for another fleet version.
    let d = gate(read.as_ref(), &hash, p.prefix.as_str(), None);
    assert!(
        matches!(
            d,
            GateDecision::Refused {
                refusal: Refusal::Failed { .. }
            }
        ),
        "{d:?}"
    );
    let d = gate(
        read.as_ref(),
        &hash,
        p.prefix.as_str(),
        Some("hotfix for an outage"),
    );
    assert!(d.allows());
    let d = gate(read.as_ref(), "0000000000000000", p.prefix.as_str(), None);
    assert!(matches!(
        d,
        GateDecision::Refused {
            refusal: Refusal::OtherFleet { .. }
        }
    ));

    // Fix the suite (the tag is intended) and run again: the gate allows.
    let mut fixed = s.clone();
    fixed.cases.retain(|c| c.name != "unchanged");
    let plan = plan_suite(&fixed, &p.fleet, &live(&c).await, &p.prefix);
    let report = run_plan(&c, &plan, &opts(&clock), &|_| {}).await;
    assert!(report.verdict.ok, "{:#?}", report.cases);
    assert!(
        store_verdict(&c, &report.verdict, std::slice::from_ref(&p.canary))
            .await
            .is_empty()
    );
    let read = read_verdict(&c, p.prefix.as_str(), &hash)
        .await
        .expect("read");
    assert!(matches!(
        gate(read.as_ref(), &hash, p.prefix.as_str(), None),
        GateDecision::Allowed { .. }
    ));
    drop_pair(&c, &p).await;
}

#[tokio::test]
async fn replay_of_seeded_production_traffic() {
    let c = client(NativeTransport::default());
    let p = pair(&c, "rep", "You help.", "You help. REPLY_TAG:v2").await;
    for m in ["where is my order", "can I return shoes", "thanks"] {
        c.send_message(&p.production, m)
            .await
            .expect("seed production");
    }
    let before = snapshot(&c, &p.production).await;
    let traffic = replay::read_traffic(&c, &p.production, 2)
        .await
        .expect("traffic");
    assert_eq!(
        traffic,
        vec!["can I return shoes", "thanks"],
        "the last 2, oldest first"
    );

    let live = live(&c).await;
    let target =
        canary_core::verdict::target_for(&live, &p.prefix, &p.production_name).expect("target");
    let plan = replay::plan_replay(&traffic, target, p.prefix.as_str(), "h");
    assert!(plan.blockers.is_empty());
    let t0 = Instant::now();
    let clock = move || t0.elapsed().as_secs_f64() * 1000.0;
    let report = run_plan(&c, &plan, &opts(&clock), &|_| {}).await;
    let pairs = replay::pairs(&report.cases, false);
    assert_eq!(pairs.len(), 2);
    assert_eq!(pairs[0].production, "Echo: can I return shoes");
    assert_eq!(pairs[0].canary, "Echo: can I return shoes [v2]");
    assert!(!pairs[0].same);
    let canary_core::plan::diff::TextChange::Words(spans) = &pairs[0].diff else {
        panic!("a one-line reply gives a word diff")
    };
    assert!(spans
        .iter()
        .any(|s| s.tag == canary_core::plan::diff::Tag::Insert && s.text.contains("[v2]")));
    assert_eq!(replay::pairs(&report.cases, true).len(), 2, "both differ");

    // Reading and replaying left production as it was.
    assert_eq!(before, snapshot(&c, &p.production).await);
    assert_eq!(test_conversations(&c, &p.production).await, 0);

    // A replayed pair saved as a case parses back into a suite that passes.
    let case = replay::case_from_pair(&pairs[0], &p.production_name, "saved");
    let yaml = canary_core::verdict::write::append_cases("", "replayed", &[case]).expect("yaml");
    let r = parse_suite("tests/suite.yaml", &yaml, Some(&p.fleet), &FileSet::new());
    let s = r.suite.expect("suite");
    let plan = plan_suite(&s, &p.fleet, &live, &p.prefix);
    let report = run_plan(&c, &plan, &opts(&clock), &|_| {}).await;
    assert!(report.verdict.ok, "{:#?}", report.cases);
    drop_pair(&c, &p).await;
}

/// Benchmark (run with `--ignored --nocapture`): a 50-case suite across 10 canary/production
/// pairs, run with the suite's concurrency against the same sends one at a time.
#[tokio::test]
#[ignore]
async fn bench_suite_50_cases_10_pairs() {
    let c = client(NativeTransport::default());
    let mut pairs = Vec::new();
    for i in 0..10 {
        pairs.push(pair(&c, &format!("b{i}x"), "You help.", "You help. REPLY_TAG:v2").await);
    }
    let live = live(&c).await;
    let t0 = Instant::now();
    let clock = move || t0.elapsed().as_secs_f64() * 1000.0;
    let mut plans = Vec::new();
    for p in &pairs {
        let yaml = format!(
            "name: bench\ncases:\n{}",
            (1..=5)
                .map(|i| format!("  - name: c{i}\n    input: question {i}\n    checks: [{{contains: 'question {i}'}}]\n"))
                .collect::<String>()
        );
        let s = parse_suite("s.yaml", &yaml, Some(&p.fleet), &FileSet::new())
            .suite
            .expect("suite");
        plans.push(plan_suite(&s, &p.fleet, &live, &p.prefix));
    }
    // One plan of 50 cases: the runner's plans are per fleet; merge them for the benchmark.
    let mut all = plans[0].clone();
    all.cases = plans.iter().flat_map(|p| p.cases.clone()).collect();
    assert_eq!(all.cases.len(), 50);
    let mut figures = Vec::new();
    for concurrency in [1, 8] {
        all.concurrency = concurrency;
        let start = Instant::now();
        let report = run_plan(&c, &all, &opts(&clock), &|_| {}).await;
        let secs = start.elapsed().as_secs_f64();
        assert_eq!(report.totals.passed, 50, "{:#?}", report.totals);
        figures.push((concurrency, secs));
    }
    for (n, s) in &figures {
        println!("suite of 50 cases x 2 sides, concurrency {n}: {s:.1} s");
    }
    println!(
        "speed-up of concurrency 8 over one at a time: {:.1}x",
        figures[0].1 / figures[1].1
    );
    for p in &pairs {
        drop_pair(&c, p).await;
    }
}
