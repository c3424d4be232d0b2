//! History: every applied fleet version, kept in this browser (never the API key). Rolling
//! back is loading a previous version and applying it to production.

use crate::state::{AppState, PlanState, Route};
use canary_core::fleet::load_fleet;
use canary_core::plan::Mode;
use leptos::prelude::*;

/// The history view.
#[component]
pub fn History() -> impl IntoView {
    let state = expect_context::<AppState>();
    let load = move |i: usize, rollback: bool| {
        let Some(e) = state.history.with_untracked(|h| h.get(i).cloned()) else {
            return;
        };
        state.report.set(load_fleet(&e.yaml, &e.files));
        state.yaml.set(e.yaml);
        state.files.set(e.files);
        state.plan.set(PlanState::Empty);
        if rollback {
            state.options.update(|o| {
                o.mode = Mode::Apply;
                o.agents = None;
            });
            state.go(Route::Plan);
        } else {
            state.go(Route::Fleet);
        }
    };
    view! {
        <section class="panel narrow">
            <div class="panel-head">
                <h1>"History"</h1>
                <div class="actions"><button class="ghost" on:click=move |_| state.clear_history()>"Clear history"</button></div>
            </div>
            <p class="hint">"Fleet versions applied from this browser, newest first. Roll back by applying a previous version to production, then clean up the canaries."</p>
            {move || {
                let h = state.history.get();
                if h.is_empty() {
                    return view! { <p class="muted" id="no-history">"Nothing applied yet."</p> }.into_any();
                }
                let rows = h.into_iter().enumerate().map(|(i, e)| view! {
                    <li class="card history-entry">
                        <div>
                            <strong>{e.time.replace('T', " ").chars().take(19).collect::<String>()}</strong>
                            <span class=format!("badge {}", if e.ok { "create" } else { "delete" })>{e.mode.clone()}</span>
                            {e.prefix.clone().map(|p| view! { <span class="muted">{format!(" prefix {p}")}</span> })}
                        </div>
                        <div class="muted">{format!("{} — {}", e.server, e.summary)}</div>
                        <div class="actions">
                            <button on:click=move |_| load(i, false)>"Load into editor"</button>
                            <button class="primary" on:click=move |_| load(i, true)>"Roll back to this version"</button>
                        </div>
                    </li>
                }).collect_view();
                view! { <ol class="history">{rows}</ol> }.into_any()
            }}
        </section>
    }
}
