//! Server health: the check (latest wins) and its diagnosis in words, the header's status chip
//! with Retry, re-checks when any request gets no answer and while the server is down, and
//! Cancel for a slow plan.

use crate::api;
use crate::state::{AppState, Health, PlanState};
use canary_core::client::diagnose::diagnose;
use leptos::prelude::*;

/// Probes the server once and puts the diagnosis into `state.health`. Latest wins: a check
/// started later (Retry, another URL) replaces this one's outcome, never the other way round.
/// While the answer is a problem, the server is asked again now and then ([`recheck_later`]),
/// so the header turns green by itself once the server is back.
pub fn check_health(state: AppState) {
    let seq = state.health_seq.get_value() + 1;
    state.health_seq.set_value(seq);
    state.health.set(Health::Checking);
    leptos::task::spawn_local(async move {
        let health = probe(state).await;
        if state.health_seq.try_get_value() != Some(seq) {
            return;
        }
        let failed = matches!(health, Health::Failed(_));
        state.health.set(health);
        if failed {
            recheck_later(state, seq, FIRST_RECHECK_MS);
        }
    });
}

/// The first quiet re-check after a failed one; each next one waits twice as long, up to
/// [`LAST_RECHECK_MS`].
const FIRST_RECHECK_MS: u32 = 3_000;
const LAST_RECHECK_MS: u32 = 30_000;

/// Asks the server again after `delay_ms`, without showing "checking…" (the header keeps the
/// problem until the answer changes it), for as long as check `seq` is the latest.
fn recheck_later(state: AppState, seq: u64, delay_ms: u32) {
    leptos::task::spawn_local(async move {
        gloo_timers::future::TimeoutFuture::new(delay_ms).await;
        if state.health_seq.try_get_value() != Some(seq) {
            return;
        }
        let health = probe(state).await;
        if state.health_seq.try_get_value() != Some(seq) {
            return;
        }
        let failed = matches!(health, Health::Failed(_));
        if state.health.try_get_untracked().as_ref() != Some(&health) {
            state.health.set(health);
        }
        if failed {
            recheck_later(state, seq, (delay_ms * 2).min(LAST_RECHECK_MS));
        }
    });
}

/// One probe of the server the page is connected to, in words.
async fn probe(state: AppState) -> Health {
    let conn = state.conn.get_untracked();
    let probe = api::probe_health(&conn).await;
    let origin = api::origin();
    let page = (!origin.is_empty()).then_some(origin.as_str());
    let had_key = conn.api_key.as_ref().is_some_and(|k| !k.is_empty());
    match diagnose(&conn.base_url, page, had_key, &probe) {
        Ok(version) => Health::Ok(version),
        Err(problem) => Health::Failed(problem),
    }
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
