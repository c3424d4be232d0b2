//! Server faults during a canary test run, against the real Letta server: a one-off fault is
//! run again in a fresh test conversation (and says so), a fault that persists fails its side
//! after exactly two attempts, a refusal is not retried, and spread faults never stop the run.
//! Whatever happens, no test conversation is left behind and production is untouched.

use canary_core::client::Method;
use canary_core::fleet::FileSet;
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

#[tokio::test]
async fn a_one_off_server_fault_runs_the_side_again_in_a_fresh_conversation() {
    let c = client(NativeTransport::default());
    let p = pair(&c, "one", "You help.", "You help. REPLY_TAG:v2").await;
    let before = snapshot(&c, &p.production).await;
    let plan = one_case_plan(&p, &live(&c).await);
    // The first send of the run (either side's) answers 500 before the server acts on it.
    let faulty = client(FailOnce::new(
        NativeTransport::default(),
        Method::Post,
        "/messages",
        500,
    ));
    let t0 = Instant::now();
    let clock = move || t0.elapsed().as_secs_f64() * 1000.0;
    let o = RunOptions {
        keep_canary_conversations: true,
        ..opts(&clock)
    };
    let report = run_plan(&faulty, &plan, &o, &|_| {}).await;
    assert_eq!(faulty.transport().injected.get(), 1);
    let case = &report.cases[0];
    assert!(
        case.passed,
        "the fault cleared on the second attempt: {case:#?}"
    );
    let production = case.production.as_ref().expect("production side");
    let warned: Vec<_> = [&case.canary, production]
        .into_iter()
        .filter(|s| !s.warnings.is_empty())
        .collect();
    assert_eq!(
        warned.len(),
        1,
        "exactly the side that failed says so: {case:#?}"
    );
    assert!(
        warned[0].warnings[0]
            .starts_with("The first attempt stopped after 0 of 2 turns (server error 500: "),
        "{:?}",
        warned[0].warnings
    );
    for s in [&case.canary, production] {
        assert_eq!(s.error, None);
        assert_eq!(s.turns.len(), 2, "both turns of the second attempt: {s:#?}");
    }
    assert!(report.verdict.ok, "{:?}", report.verdict);
    assert!(
        report_markdown(&report).contains("### Warnings"),
        "the export lists the retry"
    );

    // The kept canary conversation is the one the report shows; a failed attempt's is gone
    // even though conversations were kept; production keeps none.
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
        vec![case.canary.conversation_id.as_ref()]
    );
    assert_eq!(test_conversations(&c, &p.production).await, 0);
    assert_eq!(
        before,
        snapshot(&c, &p.production).await,
        "production untouched"
    );
    assert_eq!(
        c.sweep_test_conversations(&p.canary).await.expect("sweep"),
        1
    );
    drop_pair(&c, &p).await;
}

#[tokio::test]
async fn a_persistent_fault_fails_after_two_attempts_and_a_refusal_after_one() {
    let c = client(NativeTransport::default());
    let p = pair(&c, "per", "You help.", "You help. REPLY_TAG:v2").await;
    let mut plan = one_case_plan(&p, &live(&c).await);
    // Canary only (a new agent has no production side), so every fault lands on it.
    plan.cases[0].target.production_id = None;
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

fn report_markdown(r: &canary_core::verdict::RunReport) -> String {
    canary_core::verdict::report::to_markdown(r)
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
    // A fault ends in a failed side, or in a second attempt that the side's warnings record.
    let marked = report
        .cases
        .iter()
        .flat_map(|c| std::iter::once(&c.canary).chain(c.production.as_ref()))
        .filter(|s| !s.warnings.is_empty() || s.error.is_some())
        .count();
    assert!(
        marked > 0,
        "faults show as failed sides or as retries: {:#?}",
        report.cases
    );
    assert!(faulty.transport().injected.get() > 0);
    assert!(
        report.totals.passed > 0,
        "the other cases still ran: {:#?}",
        report.totals
    );
    assert_eq!(report.verdict.ok, report.totals.failed == 0);
    // Clean up whatever the faults left behind on production.
    c.sweep_test_conversations(&p.production)
        .await
        .expect("sweep");
    assert_eq!(test_conversations(&c, &p.production).await, 0);
    drop_pair(&c, &p).await;
}
