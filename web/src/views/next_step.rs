//! The next step after a run, offered at the end of its report: chat with a canary, run the
//! suite, promote, clean up. Which steps and their words come from the core
//! (`canary_core::wording::next_steps`); this only draws them and carries them out.

use crate::state::{AppState, ChatPair, Route};
use crate::views::plan::review;
use canary_core::execute::ExecReport;
use canary_core::plan::Mode;
use canary_core::wording::{next_steps, NextStep};
use leptos::prelude::*;

/// Opens the chat with a canary. The run knows the canary's id; the chat view reads the
/// canaries from the server and completes the pair with its production agent.
fn open_chat(state: AppState, canary: String, canary_id: String, production: String) {
    state.pair.set(Some(ChatPair {
        canary_id,
        canary_name: canary,
        production_id: None,
        production_name: production,
    }));
    state.go(Route::Chat);
}

/// Reviews the plan of another mode for the same fleet and prefix.
fn plan_mode(state: AppState, mode: Mode, prefix: &str) {
    state.options.update(|o| {
        o.mode = mode;
        o.prefix = prefix.to_string();
        o.cleanup_after = false;
    });
    review(state);
    state.go(Route::Plan);
}

/// The offers at the end of a finished run's report.
#[component]
pub fn NextSteps(report: ExecReport, mode: Mode) -> impl IntoView {
    let state = expect_context::<AppState>();
    let prefix = state.options.with_untracked(|o| o.prefix.clone());
    let steps = next_steps(mode, &report, &prefix);
    if steps.is_empty() {
        return None;
    }
    let items = steps
        .into_iter()
        .map(|step| {
            let why = step.why();
            let label = step.label();
            let id = format!("next-{}", step.key());
            let primary = matches!(step, NextStep::Chat { .. } | NextStep::CleanUp { .. });
            let run = move |_| match step.clone() {
                NextStep::Chat {
                    canary,
                    canary_id: Some(canary_id),
                    production,
                } => open_chat(state, canary, canary_id, production),
                NextStep::Chat { .. } => state.go(Route::Chat),
                NextStep::RunSuite => {
                    state.suite_requested.set_value(true);
                    state.go(Route::Test);
                }
                NextStep::Promote { prefix } => plan_mode(state, Mode::Promote, &prefix),
                NextStep::CleanUp { prefix, .. } => plan_mode(state, Mode::Cleanup, &prefix),
                NextStep::EditFleet => state.go(Route::Fleet),
                NextStep::History => state.go(Route::History),
            };
            view! {
                <li>
                    <button id=id class:primary=primary on:click=run>{label}</button>
                    <span class="muted">{why}</span>
                </li>
            }
        })
        .collect_view();
    Some(view! {
        <nav class="next-steps" id="next-steps" aria-labelledby="next-steps-title">
            <h2 id="next-steps-title">"Next step"</h2>
            <ul>{items}</ul>
        </nav>
    })
}
