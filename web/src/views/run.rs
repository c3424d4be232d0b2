//! Execute: confirm what will change, then run the reviewed plan with live progress.

use crate::api;
use crate::state::{
    AgentStatus, AppState, Check, HistoryEntry, PlanState, Reviewed, Route, RunState,
};
use crate::views::plan::{compute, review, StaleNotice};
use canary_core::execute::{execute, CleanupReport, ExecError, ExecOptions, Progress, Timestamp};
use canary_core::plan::{Action, Mode};
use canary_core::wording::Convergence;
use leptos::prelude::*;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

fn restate(r: &Reviewed, server: &str) -> String {
    canary_core::render::restate(&r.plan, server)
}

fn statuses(events: &[Progress], r: &Reviewed) -> BTreeMap<String, AgentStatus> {
    let mut m: BTreeMap<String, AgentStatus> = r
        .plan
        .agents
        .iter()
        .filter(|a| !a.steps.is_empty())
        .map(|a| (a.name.clone(), AgentStatus::Queued))
        .collect();
    for e in events {
        match e {
            Progress::AgentStarted { name } => {
                m.insert(name.clone(), AgentStatus::Working);
            }
            Progress::AgentDone { name, error } => {
                m.insert(
                    name.clone(),
                    error
                        .clone()
                        .map(AgentStatus::Failed)
                        .unwrap_or(AgentStatus::Done),
                );
            }
            _ => {}
        }
    }
    m
}

fn start(state: AppState, reviewed: Reviewed) {
    // The last word before writing: the plan must still be for what the page shows.
    let differs = reviewed.inputs.differences(&state.inputs_untracked());
    if !differs.is_empty() {
        state.run.set(RunState::Failed(format!(
            "Not run: the page changed after this plan was computed ({}). Re-plan, review, then execute.",
            differs.join("; ")
        )));
        return;
    }
    let seq = state.plan_seq.get_value();
    let conn = reviewed.inputs.conn.clone();
    let asked = restate(&reviewed, &conn.base_url);
    state
        .run
        .set(RunState::Running(Box::new(reviewed.clone()), Vec::new()));
    leptos::task::spawn_local(async move {
        let client = api::client(&conn);
        let exec = match Timestamp::parse(&api::now_iso()) {
            Ok(now) => ExecOptions::new(now),
            Err(e) => {
                state
                    .run
                    .set(RunState::Failed(format!("the browser's clock: {e}")));
                return;
            }
        };
        let on_progress = move |p: Progress| {
            state.run.update(|r| {
                if let RunState::Running(_, events) = r {
                    events.push(p);
                }
            });
        };
        let result = execute(
            &client,
            &reviewed.fleet,
            &reviewed.plan,
            &reviewed.inputs.options,
            &exec,
            &on_progress,
        )
        .await;
        match result {
            Ok(report) => {
                // Recorded whatever phase two did: a promote wrote production either way.
                if reviewed.plan.mode != Mode::Cleanup {
                    state.record(HistoryEntry {
                        time: api::now_iso(),
                        mode: format!("{:?}", reviewed.plan.mode).to_lowercase(),
                        server: conn.base_url.clone(),
                        prefix: reviewed.plan.prefix.clone(),
                        summary: report.summary(),
                        ok: report.ok(),
                        phase_one_ok: Some(report.phase_one_ok()),
                        yaml: reviewed.inputs.yaml.clone(),
                        files: reviewed.inputs.files.clone(),
                    });
                }
                crate::views::test::after_promote(state, reviewed.plan.mode, &report);
                // Production has the fleet now: the next plan is a canary deploy again, so a
                // second production write never happens just because the selector stayed.
                if reviewed.plan.mode == Mode::Promote && report.phase_one_ok() {
                    state.options.update(|o| {
                        o.mode = Mode::Canary;
                        o.cleanup_after = false;
                    });
                }
                // Report first: the result is drawn now; the check that the server converged
                // follows below it, and its failure is a note there, never in its place.
                let n = next_check();
                state.run.set(RunState::Finished(
                    Box::new(report),
                    asked,
                    reviewed.plan.mode,
                    Check {
                        n,
                        state: Convergence::Checking,
                        ran: Box::new(reviewed.clone()),
                    },
                ));
                check(state, reviewed, n);
            }
            Err(ExecError::Stale(fresh)) => {
                // The fresh plan is for the executed inputs: it replaces only that plan, never
                // one the user started since.
                if state.plan_seq.try_get_value() == Some(seq) {
                    state.plan.set(PlanState::Ready(Arc::new(Reviewed {
                        plan: *fresh,
                        ..reviewed
                    })));
                }
                state.run.set(RunState::Failed(
                    "The server changed since you reviewed the plan, so nothing was run. The plan view now shows the new plan: review it and execute again.".into(),
                ));
            }
            Err(e) => state.run.set(RunState::Failed(e.to_string())),
        }
    });
}

/// Numbers the checks after runs, across runs: a check lands only while it is the latest.
static CHECKS: AtomicU64 = AtomicU64::new(0);

fn next_check() -> u64 {
    CHECKS.fetch_add(1, Ordering::Relaxed) + 1
}

/// Plans the executed fleet again, with the read a preview makes, to prove the run converged.
/// The outcome lands below the report only while check `n` is the latest. The Plan view
/// takes the fresh plan when the page still shows the inputs that ran and no newer plan
/// computation started; when the page changed (a promote turns the mode back to canary), it
/// plans the page's own inputs as a re-plan does.
fn check(state: AppState, ran: Reviewed, n: u64) {
    let same_inputs = ran.inputs.differences(&state.inputs_untracked()).is_empty();
    let seq = if same_inputs {
        let seq = state.plan_seq.get_value() + 1;
        state.plan_seq.set_value(seq);
        state
            .plan
            .set(PlanState::Loading(Arc::new(ran.inputs.clone())));
        Some(seq)
    } else {
        compute(state);
        None
    };
    leptos::task::spawn_local(async move {
        let result = api::client(&ran.inputs.conn)
            .plan_live(&ran.fleet, &ran.inputs.options)
            .await;
        let outcome = match &result {
            Ok((_, fresh)) => Convergence::of(fresh),
            Err(e) => Convergence::Failed(e.to_string()),
        };
        state.run.try_update(|r| {
            if let RunState::Finished(.., c) = r {
                if c.n == n {
                    c.state = outcome;
                }
            }
        });
        if seq.is_some() && state.plan_seq.try_get_value() == seq {
            state.plan.set(match result {
                Ok((_, plan)) => PlanState::Ready(Arc::new(Reviewed { plan, ..ran })),
                Err(e) => PlanState::Failed(e.to_string()),
            });
        }
    });
}

/// Runs the check after the finished run again (its Retry button).
fn retry_check(state: AppState) {
    let n = next_check();
    let mut ran = None;
    state.run.update(|r| {
        if let RunState::Finished(.., c) = r {
            c.n = n;
            c.state = Convergence::Checking;
            ran = Some((*c.ran).clone());
        }
    });
    if let Some(ran) = ran {
        check(state, ran, n);
    }
}

/// The note under a finished run's report: where the check that it converged stands.
fn check_note(state: AppState, c: &Check) -> impl IntoView {
    let cls = match c.state {
        Convergence::Checking => "muted",
        Convergence::Converged => "ok",
        Convergence::Differs { .. } => "warn",
        Convergence::Failed(_) => "bad",
    };
    let failed = c.state.failed();
    view! {
        <div id="convergence" class=cls role=if failed { "alert" } else { "status" }>
            <p>{c.state.message()}</p>
            {failed.then(|| view! {
                <button id="retry-check" on:click=move |_| retry_check(state)>"Retry the check"</button>
            })}
        </div>
    }
}

/// Before the run: where its report will be.
const IDLE: &str = "Nothing has run for this plan yet: the report appears here, step by step, \
                    as the requests answer.";

/// What the run did or is doing. It stands apart from the plan view's state: the re-plan that
/// follows a run must not hide its result.
fn run_status(state: AppState) -> impl IntoView {
    move || match state.run.get() {
        RunState::Idle => view! { <p class="muted">{IDLE}</p> }.into_any(),
        RunState::Running(r, events) => {
            let st = statuses(&events, &r);
            let total = st.len().max(1) + r.plan.fleet_steps.len() + r.plan.deletions().len();
            let done = st
                .values()
                .filter(|s| matches!(s, AgentStatus::Done | AgentStatus::Failed(_)))
                .count()
                + events
                    .iter()
                    .filter(|e| matches!(e, Progress::FleetStep { .. } | Progress::Deleted { .. }))
                    .count();
            let rows = st
                .into_iter()
                .map(|(n, s)| {
                    let (cls, txt) = match s {
                        AgentStatus::Queued => ("muted", "queued".to_string()),
                        AgentStatus::Working => ("", "working…".to_string()),
                        AgentStatus::Done => ("ok", "done".to_string()),
                        AgentStatus::Failed(e) => ("bad", format!("failed: {e}")),
                    };
                    view! { <li><strong>{n}</strong>" "<span class=cls>{txt}</span></li> }
                })
                .collect_view();
            view! {
                <label for="progress">{format!("{done} of {}", canary_core::wording::count(total, "step"))}</label>
                <progress id="progress" max=total.to_string() value=done.to_string()></progress>
                <ul class="status-list">{rows}</ul>
            }
            .into_any()
        }
        RunState::Finished(report, asked, mode, check) => {
            let ok = report.ok();
            // A promote with "then clean up" reports each phase on its own: production was
            // written even when the cleanup then failed or was skipped.
            let two_phases = mode == Mode::Promote && report.cleanup.is_some();
            let heading = if ok {
                "Done"
            } else if two_phases && report.phase_one_ok() {
                "Promoted; the cleanup did not finish"
            } else {
                "Finished with errors"
            };
            let agents = report.agents.iter().map(|a| {
                let verb = match a.action { Action::Create => "created", Action::Update => "updated", Action::Unchanged => "unchanged", Action::Blocked => "blocked" };
                let (cls, txt) = match &a.error { None => ("ok", verb.to_string()), Some(e) => ("bad", format!("failed: {e}")) };
                let warn = a.warnings.join("; ");
                view! { <li><strong>{a.name.clone()}</strong>" "<span class=cls>{txt}</span>{(!warn.is_empty()).then(|| view! { <span class="muted">{format!(" ({warn})")}</span> })}</li> }
            }).collect_view();
            let step_fails = report
                .fleet
                .iter()
                .filter_map(|s| s.error.as_ref().map(|e| format!("{}: {e}", s.label)))
                .map(|line| view! { <li class="bad">{line}</li> })
                .collect_view();
            let cleanup = report.cleanup.clone().map(|c| match c {
                CleanupReport::Skipped { reason } => view! { <p class="bad" id="cleanup-skipped">{format!("Cleanup not run: {reason}")}</p> }.into_any(),
                CleanupReport::Ran { deletions } => {
                    let gone = deletions.iter().filter(|d| d.gone()).count();
                    let fails = deletions.iter()
                        .filter_map(|d| d.error().map(|e| format!("delete {} {}: {e}", d.kind, d.name)))
                        .map(|line| view! { <li class="bad">{line}</li> }).collect_view();
                    view! {
                        <p class=if gone == deletions.len() { "ok" } else { "bad" }>{format!("{gone} of {} deleted.", canary_core::wording::count(deletions.len(), "object"))}</p>
                        <ul>{fails}</ul>
                    }.into_any()
                }
            });
            let summary = report.summary();
            let note = check_note(state, &check);
            view! {
                <div id="result" class=if ok { "callout ok" } else { "callout bad" } role="status">
                    <h2>{heading}</h2>
                    <p class="muted">{format!("Ran: {asked}")}</p>
                    <p id="run-summary">{summary}</p>
                    <div class="result-phase" id="result-phase-one">
                        {two_phases.then(|| view! { <h3>"Phase one: promote to production"</h3> })}
                        <ul class="status-list">{agents}</ul>
                        <ul>{step_fails}</ul>
                    </div>
                    {cleanup.map(|c| view! {
                        <div class="result-phase" id="result-cleanup">
                            {two_phases.then(|| view! { <h3>"Phase two: clean up the canaries"</h3> })}
                            {c}
                        </div>
                    })}
                    {note}
                </div>
                <crate::views::next_step::NextSteps report={(*report).clone()} mode=mode />
                <button id="rerun" on:click=move |_| { review(state); state.go(Route::Plan); }>"Re-plan (a re-run converges)"</button>
            }.into_any()
        }
        RunState::Failed(e) => {
            view! { <p class="bad" role="alert" id="run-error">{e}</p> }.into_any()
        }
    }
}

/// The execute view.
#[component]
pub fn Execute() -> impl IntoView {
    let state = expect_context::<AppState>();
    let stale = Memo::new(move |_| !state.stale_reasons().is_empty());
    let confirm = move || {
        match state.plan.get() {
        // After a run, the re-plan is the report's convergence check, which says so itself.
        PlanState::Loading(_) if matches!(state.run.get(), RunState::Finished(..)) => ().into_any(),
        PlanState::Loading(_) => view! { <p class="muted" id="planning">"Reading the server and planning…"</p> }.into_any(),
        PlanState::Ready(r) => {
            let server = r.inputs.conn.base_url.clone();
            let text = restate(&r, &server);
            let blocked = !r.plan.is_executable();
            let noop = r.plan.is_noop();
            let r2 = r.clone();
            let danger = matches!(r.plan.mode, Mode::Promote | Mode::Apply | Mode::Cleanup);
            let gate_for = (r.plan.mode, canary_core::verdict::fleet_hash(&r.fleet));
            let gate_note = gate_for.clone();
            // After a run that converged, the result is the news: hide the (empty) next run.
            let settled = move || noop && matches!(state.run.get(), RunState::Finished(..));
            view! {
                <div class=if danger { "callout warn" } else { "callout" } class:hidden=settled>
                    <p id="restate">{text}</p>
                    <crate::views::test::GateNote plan=gate_note />
                    {noop.then(|| view! { <p class="ok">"Nothing to do: every agent is unchanged and a run would write nothing."</p> })}
                </div>
                <div class="actions" class:hidden=settled>
                    <button class=if danger { "danger" } else { "primary" } id="confirm"
                        disabled=move || blocked || noop || stale.get() || matches!(state.run.get(), RunState::Running(..)) || !crate::views::test::gate_allows(state, &gate_for)
                        on:click=move |_| start(state, (*r2).clone())>
                        {match r.plan.mode { Mode::Canary => "Deploy canaries", Mode::Promote => "Promote to production", Mode::Apply => "Apply to production", Mode::Cleanup => "Delete canaries" }}
                    </button>
                    <button on:click=move |_| state.go(Route::Plan)>"Back to the plan"</button>
                </div>
            }.into_any()
        }
        _ => view! { <p class="muted">"Review a plan first."</p><button on:click=move |_| state.go(Route::Plan)>"Go to the plan"</button> }.into_any(),
    }
    };
    view! {
        <section class="panel narrow">
            <h1>"Execute"</h1>
            <StaleNotice />
            {confirm}
            {run_status(state)}
        </section>
    }
}
