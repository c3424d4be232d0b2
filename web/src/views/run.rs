//! Execute: confirm what will change, then run the reviewed plan with live progress.

use crate::api;
use crate::state::{AgentStatus, AppState, HistoryEntry, PlanState, Reviewed, Route, RunState};
use crate::views::plan::compute;
use canary_core::execute::{execute, ExecError, ExecOptions, Progress};
use canary_core::plan::{Action, Kind, Mode};
use leptos::prelude::*;
use std::collections::BTreeMap;

fn restate(r: &Reviewed, server: &str) -> String {
    let p = &r.plan;
    let s = &p.summary;
    match p.mode {
        Mode::Cleanup => format!(
            "Delete {} canary agent(s) and {} other object(s) of prefix {} on {server}. Production agents, shared blocks, tools and archives are not touched.",
            p.deletions.iter().filter(|d| d.kind == Kind::Agent).count(),
            p.deletions.iter().filter(|d| d.kind != Kind::Agent).count(),
            p.prefix.clone().unwrap_or_default()
        ),
        Mode::Canary => format!(
            "Create {} and update {} canary agent(s) with prefix {}, and make {} shared-object change(s), on {server}. {}",
            s.create,
            s.update,
            p.prefix.clone().unwrap_or_default(),
            s.fleet_steps,
            if p.production_impact.iter().any(|i| i.accepted) {
                "You accepted updating a tool that production uses."
            } else {
                "No object a production agent uses is written."
            }
        ),
        Mode::Promote | Mode::Apply => format!(
            "Create {} and update {} PRODUCTION agent(s), and make {} shared-object change(s), on {server}.{}",
            s.create,
            s.update,
            s.fleet_steps,
            if p.cleanup_after { " Then delete the canaries, if every agent succeeded." } else { "" }
        ),
    }
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
    let conn = state.conn.get_untracked();
    let asked = restate(&reviewed, &conn.base_url);
    state.run.set(RunState::Running(Vec::new()));
    leptos::task::spawn_local(async move {
        let client = api::client(&conn);
        let exec = ExecOptions {
            concurrency: 6,
            now: api::now_iso(),
        };
        let on_progress = move |p: Progress| {
            state.run.update(|r| {
                if let RunState::Running(events) = r {
                    events.push(p);
                }
            });
        };
        let result = execute(
            &client,
            &reviewed.fleet,
            &reviewed.plan,
            &reviewed.options,
            &exec,
            &on_progress,
        )
        .await;
        match result {
            Ok(report) => {
                if reviewed.plan.mode != Mode::Cleanup {
                    let s = &reviewed.plan.summary;
                    state.record(HistoryEntry {
                        time: api::now_iso(),
                        mode: format!("{:?}", reviewed.plan.mode).to_lowercase(),
                        server: conn.base_url.clone(),
                        prefix: reviewed.plan.prefix.clone(),
                        summary: format!(
                            "{} created, {} updated, {} unchanged",
                            s.create, s.update, s.unchanged
                        ),
                        ok: report.ok(),
                        yaml: reviewed.source.0.clone(),
                        files: reviewed.source.1.clone(),
                    });
                }
                state.run.set(RunState::Finished(Box::new(report), asked));
                compute(state);
            }
            Err(ExecError::Stale(fresh)) => {
                state.plan.set(PlanState::Ready(Box::new(Reviewed {
                    plan: *fresh,
                    ..reviewed
                })));
                state.run.set(RunState::Failed(
                    "The server changed since you reviewed the plan, so nothing was run. The plan view now shows the new plan: review it and execute again.".into(),
                ));
            }
            Err(e) => state.run.set(RunState::Failed(e.to_string())),
        }
    });
}

/// The execute view.
#[component]
pub fn Execute() -> impl IntoView {
    let state = expect_context::<AppState>();
    let reviewed = move || match state.plan.get() {
        PlanState::Ready(r) => Some(*r),
        _ => None,
    };
    view! {
        <section class="panel narrow">
            <h1>"Execute"</h1>
            {move || match reviewed() {
                None => view! { <p class="muted">"Review a plan first."</p><button on:click=move |_| state.go(Route::Plan)>"Go to the plan"</button> }.into_any(),
                Some(r) => {
                    let server = state.conn.with(|c| c.base_url.clone());
                    let text = restate(&r, &server);
                    let blocked = !r.plan.is_executable();
                    let noop = r.plan.is_noop();
                    let r2 = r.clone();
                    let danger = matches!(r.plan.mode, Mode::Promote | Mode::Apply | Mode::Cleanup);
                    // After a run that converged, the result is the news: hide the (empty) next run.
                    let settled = move || noop && matches!(state.run.get(), RunState::Finished(..));
                    view! {
                        <div class=if danger { "callout warn" } else { "callout" } class:hidden=settled>
                            <p id="restate">{text}</p>
                            {noop.then(|| view! { <p class="ok">"Nothing to do: every agent is unchanged and a run would write nothing."</p> })}
                        </div>
                        <div class="actions" class:hidden=settled>
                            <button class=if danger { "danger" } else { "primary" } id="confirm"
                                disabled=move || blocked || noop || matches!(state.run.get(), RunState::Running(_))
                                on:click=move |_| start(state, r2.clone())>
                                {match r.plan.mode { Mode::Canary => "Deploy canaries", Mode::Promote => "Promote to production", Mode::Apply => "Apply to production", Mode::Cleanup => "Delete canaries" }}
                            </button>
                            <button on:click=move |_| state.go(Route::Plan)>"Back to the plan"</button>
                        </div>
                        {move || {
                            let r = r.clone();
                            match state.run.get() {
                                RunState::Idle => view! { <p class="muted">"Not started."</p> }.into_any(),
                                RunState::Running(events) => {
                                    let st = statuses(&events, &r);
                                    let total = st.len().max(1) + r.plan.fleet_steps.len() + r.plan.deletions.len();
                                    let done = st.values().filter(|s| matches!(s, AgentStatus::Done | AgentStatus::Failed(_))).count()
                                        + events.iter().filter(|e| matches!(e, Progress::FleetStep { .. } | Progress::Deleted { .. })).count();
                                    let rows = st.into_iter().map(|(n, s)| {
                                        let (cls, txt) = match s {
                                            AgentStatus::Queued => ("muted", "queued".to_string()),
                                            AgentStatus::Working => ("", "working…".to_string()),
                                            AgentStatus::Done => ("ok", "done".to_string()),
                                            AgentStatus::Failed(e) => ("bad", format!("failed: {e}")),
                                        };
                                        view! { <li><strong>{n}</strong>" "<span class=cls>{txt}</span></li> }
                                    }).collect_view();
                                    view! {
                                        <label for="progress">{format!("{done} of {total} step(s)")}</label>
                                        <progress id="progress" max=total.to_string() value=done.to_string()></progress>
                                        <ul class="status-list">{rows}</ul>
                                    }.into_any()
                                }
                                RunState::Finished(report, asked) => {
                                    let ok = report.ok();
                                    let agents = report.agents.iter().map(|a| {
                                        let verb = match a.action { Action::Create => "created", Action::Update => "updated", Action::Unchanged => "unchanged" };
                                        let (cls, txt) = match &a.error { None => ("ok", verb.to_string()), Some(e) => ("bad", format!("failed: {e}")) };
                                        let warn = a.warnings.join("; ");
                                        view! { <li><strong>{a.name.clone()}</strong>" "<span class=cls>{txt}</span>{(!warn.is_empty()).then(|| view! { <span class="muted">{format!(" ({warn})")}</span> })}</li> }
                                    }).collect_view();
                                    let fails = report.fleet.iter().chain(report.deletions.iter()).chain(report.cleanup.iter().flat_map(|c| c.deletions.iter()))
                                        .filter(|s| s.error.is_some())
                                        .map(|s| view! { <li class="bad">{format!("{}: {}", s.label, s.error.clone().unwrap_or_default())}</li> }).collect_view();
                                    let deleted = report.deletions.len() + report.cleanup.as_ref().map(|c| c.deletions.len()).unwrap_or(0);
                                    view! {
                                        <div id="result" class=if ok { "callout ok" } else { "callout bad" } role="status">
                                            <h2>{if ok { "Done" } else { "Finished with errors" }}</h2>
                                            <p class="muted">{format!("Ran: {asked}")}</p>
                                            {(deleted > 0).then(|| view! { <p>{format!("{deleted} object(s) deleted.")}</p> })}
                                            {report.cleanup_skipped.clone().map(|s| view! { <p class="bad">{s}</p> })}
                                            <ul class="status-list">{agents}</ul>
                                            <ul>{fails}</ul>
                                            {noop.then(|| view! { <p class="ok">"The server now matches the fleet: a re-run would write nothing."</p> })}
                                        </div>
                                        <button id="rerun" on:click=move |_| { compute(state); state.go(Route::Plan); }>"Re-plan (a re-run converges)"</button>
                                    }.into_any()
                                }
                                RunState::Failed(e) => view! { <p class="bad" role="alert" id="run-error">{e}</p> }.into_any(),
                            }
                        }}
                    }.into_any()
                }
            }}
        </section>
    }
}
