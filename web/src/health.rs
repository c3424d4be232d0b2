//! Server health: the check (latest wins) and its diagnosis in words, the header's status chip
//! with Retry, re-checks when any request gets no answer, and Cancel for a slow plan.

use crate::api;
use crate::state::{AppState, Health, PlanState};
use canary_core::client::diagnose::diagnose;
use leptos::prelude::*;

/// Probes the server once and puts the diagnosis into `state.health`. Latest wins: a check
/// started later (Retry, another URL) replaces this one's outcome, never the other way round.
pub fn check_health(state: AppState) {
    let seq = state.health_seq.get_value() + 1;
    state.health_seq.set_value(seq);
    state.health.set(Health::Checking);
    let conn = state.conn.get_untracked();
    leptos::task::spawn_local(async move {
        let probe = api::probe_health(&conn).await;
        if state.health_seq.try_get_value() != Some(seq) {
            return;
        }
        let origin = api::origin();
        let page = (!origin.is_empty()).then_some(origin.as_str());
        let had_key = conn.api_key.as_ref().is_some_and(|k| !k.is_empty());
        state
            .health
            .set(match diagnose(&conn.base_url, page, had_key, &probe) {
                Ok(version) => Health::Ok(version),
                Err(problem) => Health::Failed(problem),
            });
    });
}

/// Checks the server now, and again whenever a request gets no answer while the header
/// says the server is fine: a server that stopped turns the header red at the next request.
pub fn watch(state: AppState) {
    api::on_no_answer(move || {
        if matches!(
            state.health.try_get_untracked(),
            Some(Health::Ok(_) | Health::Unknown)
        ) {
            check_health(state);
        }
    });
    check_health(state);
}

/// The header's server status: green with the version, or red with the problem's title
/// (linking to the Connection view, which explains it) and Retry.
#[component]
pub fn HealthChip() -> impl IntoView {
    let state = expect_context::<AppState>();
    let chip = move || {
        match state.health.get() {
        Health::Ok(v) => view! {
            <span class="chip ok" id="health-chip" data-health="ok" title="server healthy">{format!("● Letta {v}")}</span>
        }
        .into_any(),
        Health::Checking => {
            view! { <span class="chip" id="health-chip" data-health="checking">"● checking…"</span> }
                .into_any()
        }
        Health::Unknown => {
            view! { <span class="chip" id="health-chip" data-health="unknown">"● not checked"</span> }
                .into_any()
        }
        Health::Failed(p) => view! {
            <a class="chip bad" id="health-chip" data-health="bad" href="#/connect" title=p.to_string()>{format!("● {}", p.title())}</a>
            <button class="small health-retry" id="health-retry" on:click=move |_| check_health(state)>"Retry"</button>
        }
        .into_any(),
    }
    };
    view! { <span class="health-status" role="status" aria-live="polite">{chip}</span> }
}

/// Cancel for a plan that is still reading the server: the in-flight computation is dropped
/// (its number is no longer the latest, so its result never lands) and the view says so.
#[component]
pub fn CancelPlan() -> impl IntoView {
    let state = expect_context::<AppState>();
    let cancel = move |_| {
        if !matches!(state.plan.get_untracked(), PlanState::Loading(_)) {
            return;
        }
        state.plan_seq.set_value(state.plan_seq.get_value() + 1);
        state.plan.set(PlanState::Failed(
            "Planning cancelled: the server's answer, if it still comes, is ignored. Re-plan when the server answers (the header shows its state)."
                .into(),
        ));
    };
    view! { <button class="small" id="cancel-plan" on:click=cancel>"Cancel"</button> }
}
