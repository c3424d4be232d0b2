//! Server faults during a canary test run, against the real Letta server: a fault on a side's
//! first turn runs that side again in a fresh test conversation (and says so, on either
//! side), a fault after a completed turn is not retried (no turn is sent twice), a fault that
//! persists fails its side after exactly two attempts, a refusal after one, and spread faults
//! never stop the run nor leave a test conversation behind unreported. Production is untouched.

use canary_core::client::Method;
use canary_core::fleet::FileSet;
use canary_core::verdict::report::to_markdown;
use canary_core::verdict::{parse_suite, plan_suite, run_plan, RunOptions, RunPlan};
use canary_tests::{client, FailOnce, Faulty, NativeTransport};
use std::time::Instant;

#[path = "verdict/support.rs"]
mod support;
use support::*;

fn one_case_plan(p: &Pair, live: &canary_core::live::LiveState) -> RunPlan {
    let yaml = "name: faults\ncases:\n  - name: twice\n    input: [\"hi\", \"again\"]\n    checks: [{contains: '[v2]'}]\n";
    let r = parse_suite("s.yaml", yaml, Some(&p.fleet), &FileSet::new());
    assert!(r.ok, "{:?}", r.errors);
    let plan = plan_suite(&r.suite.expect("suite"), &p.fleet, live, &p.prefix);
    assert!(plan.blockers.is_empty(), "{:?}", plan.blockers);
    plan
}

/// The plan with the canary side only (a new agent has no production side), so every fault
/// lands on the canary.
fn canary_only(mut plan: RunPlan) -> RunPlan {
    plan.cases[0].target.production_id = None;
    plan
}

/// Messages of the fresh-conversation retry start this way.
const RETRIED: &str =
    "The first attempt failed on its first turn (server error 500: injected fault: refused before the server acted); the case ran again in a fresh test conversation.";

#[tokio::test]
async fn a_first_turn_fault_runs_the_side_again_in_a_fresh_conversation() {
    let c = client(NativeTransport::default());
    let p = pair(&c, "one", "You help.", "You help. REPLY_TAG:v2").await;
    let before = snapshot(&c, &p.production).await;
    let plan = one_case_plan(&p, &live(&c).await);
    let t0 = Instant::now();
    let clock = move || t0.elapsed().as_secs_f64() * 1000.0;

    // Both sides: the run's first send (either side's) answers 500 before the server acts.
    let faulty = client(FailOnce::new(
        NativeTransport::default(),
        Method::Post,
        "/messages",
        500,
    ));
    let report = run_plan(&faulty, &plan, &opts(&clock), &|_| {}).await;
    assert_eq!(faulty.transport().injected.get(), 1);
    let case = &report.cases[0];
    assert!(
        case.passed,
        "the fault cleared on the second attempt: {case:#?}"
    );
    let production = case.production.as_ref().expect("production side");
    let retried: Vec<_> = [&case.canary, production]
        .into_iter()
        .filter(|s| s.retried)
        .collect();
    assert_eq!(retried.len(), 1, "exactly the side that failed: {case:#?}");
    assert_eq!(retried[0].warnings, vec![RETRIED.to_string()]);
    for s in [&case.canary, production] {
        assert_eq!(s.error, None);
        assert_eq!(s.turns.len(), 2, "both turns of the second attempt: {s:#?}");
    }
    assert_eq!(report.totals.retried, 1);
    assert!(report.verdict.ok, "{:?}", report.verdict);
    let md = to_markdown(&report);
    assert!(
        md.contains("; 1 side ran again after a server fault."),
        "{md}"
    );
    assert!(md.contains("### Warnings"), "{md}");
    assert_eq!(test_conversations(&c, &p.canary).await, 0);
    assert_eq!(test_conversations(&c, &p.production).await, 0);

    // Canary conversations kept for inspection: the kept one is the one the report shows,
    // the failed attempt's is gone.
    let faulty = client(FailOnce::new(
        NativeTransport::default(),
        Method::Post,
        "/messages",
        500,
    ));
    let o = RunOptions {
        keep_canary_conversations: true,
        ..opts(&clock)
    };
    let report = run_plan(&faulty, &canary_only(plan.clone()), &o, &|_| {}).await;
    let side = &report.cases[0].canary;
    assert!(side.retried && report.cases[0].passed, "{side:#?}");
    let kept: Vec<String> = c
        .list_conversations(&p.canary)
        .await
        .expect("conversations")
        .into_iter()
        .filter(|x| x.is_test())
        .map(|x| x.id)
        .collect();
    assert_eq!(
        kept.iter().map(Some).collect::<Vec<_>>(),
        vec![side.conversation_id.as_ref()]
    );
    assert_eq!(
        c.sweep_test_conversations(&p.canary).await.expect("sweep"),
        1
    );
    assert_eq!(test_conversations(&c, &p.production).await, 0);
    assert_eq!(
        before,
        snapshot(&c, &p.production).await,
        "production untouched"
    );
    drop_pair(&c, &p).await;
}

#[tokio::test]
async fn a_fault_after_a_completed_turn_is_not_retried() {
    let c = client(NativeTransport::default());
    let p = pair(&c, "aft", "You help.", "You help. REPLY_TAG:v2").await;
    let plan = canary_only(one_case_plan(&p, &live(&c).await));
    let t0 = Instant::now();
    let clock = move || t0.elapsed().as_secs_f64() * 1000.0;
    // The first turn goes through; the second answers 500.
    let faulty = client(
        FailOnce::new(NativeTransport::default(), Method::Post, "/messages", 500)
            .times(5)
            .after(1),
    );
    let report = run_plan(&faulty, &plan, &opts(&clock), &|_| {}).await;
    assert_eq!(faulty.transport().injected.get(), 1, "no second attempt");
    let side = &report.cases[0].canary;
    assert!(!side.retried);
    assert_eq!(
        side.turns.len(),
        1,
        "the first turn's reply is kept: {side:#?}"
    );
    assert!(
        side.error.as_deref().is_some_and(|e| e.contains("500")),
        "{side:#?}"
    );
    assert!(side.warnings.is_empty(), "{:?}", side.warnings);
    assert!(!report.verdict.ok);
    assert_eq!(test_conversations(&c, &p.canary).await, 0);
    drop_pair(&c, &p).await;
}

#[tokio::test]
async fn a_persistent_fault_fails_after_two_attempts_and_a_refusal_after_one() {
    let c = client(NativeTransport::default());
    let p = pair(&c, "per", "You help.", "You help. REPLY_TAG:v2").await;
    let plan = canary_only(one_case_plan(&p, &live(&c).await));
    let t0 = Instant::now();
    let clock = move || t0.elapsed().as_secs_f64() * 1000.0;

    for (status, attempts) in [(500, 2), (422, 1)] {
        let faulty = client(
            FailOnce::new(
                NativeTransport::default(),
                Method::Post,
                "/messages",
                status,
            )
            .times(5),
        );
        let report = run_plan(&faulty, &plan, &opts(&clock), &|_| {}).await;
        assert_eq!(
            faulty.transport().injected.get(),
            attempts,
            "status {status}: attempts"
        );
        let side = &report.cases[0].canary;
        assert!(!report.cases[0].passed);
        assert!(
            side.error
                .as_deref()
                .is_some_and(|e| e.contains(&status.to_string())),
            "{side:#?}"
        );
        assert_eq!(side.retried, attempts == 2);
        assert_eq!(side.warnings.len(), attempts - 1, "{side:#?}");
        assert_eq!(report.totals.errors, 1);
        assert!(!report.verdict.ok);
        assert_eq!(
            test_conversations(&c, &p.canary).await,
            0,
            "status {status}"
        );
    }
    drop_pair(&c, &p).await;
}

#[tokio::test]
async fn spread_faults_never_stop_the_run() {
    let c = client(NativeTransport::default());
    let p = pair(&c, "flt", "You help.", "You help.").await;
    let yaml = format!(
        "name: faults\nmax_concurrent: 3\ncases:\n{}",
        (1..=6)
            .map(|i| format!("  - name: c{i}\n    input: message {i}\n    checks: [{{contains: 'message {i}'}}]\n"))
            .collect::<String>()
    );
    let r = parse_suite("s.yaml", &yaml, Some(&p.fleet), &FileSet::new());
    let s = r.suite.expect("suite");
    let plan = plan_suite(&s, &p.fleet, &live(&c).await, &p.prefix);
    let faulty = client(Faulty::new(NativeTransport::default(), 4, 0));
    let t0 = Instant::now();
    let clock = move || t0.elapsed().as_secs_f64() * 1000.0;
    let o = opts(&clock);
    let run = run_plan(&faulty, &plan, &o, &|_| {});
    let report = tokio::time::timeout(std::time::Duration::from_secs(240), run)
        .await
        .expect("the run finishes");
    assert_eq!(report.cases.len(), 6);
    assert!(faulty.transport().injected.get() > 0);
    // Every fault a side met is in its report: an error, or a warning (a second attempt, a
    // conversation not deleted).
    let reported =
        |s: &canary_core::verdict::SideResult| s.warnings.len() + usize::from(s.error.is_some());
    let canary_faults: usize = report.cases.iter().map(|c| reported(&c.canary)).sum();
    let production_faults: usize = report
        .cases
        .iter()
        .filter_map(|c| c.production.as_ref())
        .map(reported)
        .sum();
    assert!(
        canary_faults + production_faults > 0,
        "faults show as failed sides or as warnings: {:#?}",
        report.cases
    );
    assert!(
        report.totals.passed > 0,
        "the other cases still ran: {:#?}",
        report.totals
    );
    // A test conversation left behind is one a reported fault may have left (an answer lost
    // after the server acted): never more than the faults the report shows.
    for (id, faults) in [
        (&p.canary, canary_faults),
        (&p.production, production_faults),
    ] {
        let left = test_conversations(&c, id).await;
        assert!(
            left <= faults,
            "{left} conversations left on {id}, {faults} faults reported"
        );
        c.sweep_test_conversations(id).await.expect("sweep");
        assert_eq!(test_conversations(&c, id).await, 0);
    }
    drop_pair(&c, &p).await;
}
