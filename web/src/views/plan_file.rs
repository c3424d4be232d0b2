//! Plan files in the Plan view: "Download plan" saves the plan under review in the versioned
//! format of `core::planfile` (what `fleet-canary apply --plan` applies), and "Load plan file"
//! opens one (from `fleet-canary plan --out`, or downloaded earlier) for review.
//!
//! Loading puts the file's fleet and options into the page and plans them against the server
//! as it is now, like any review: the page never shows a plan it did not just compute. The note
//! then says whether that plan is the file's plan (same fingerprint: the file would apply as
//! reviewed) or not (the server or the options changed since the file was made).

use crate::api;
use crate::state::{AppState, PlanState};
use crate::views::file_picker::FilePicker;
use crate::views::plan::review;
use canary_core::planfile::{FleetSource, PlanFile, PlanFileError};
use leptos::prelude::*;

/// What the Plan view remembers of the last plan file it loaded.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadedPlanFile {
    /// The file's name.
    pub name: String,
    /// The fingerprint of the plan in the file.
    pub fingerprint: String,
    /// When it was made.
    pub created_at: String,
    /// The server it was made against.
    pub server: String,
}

/// Offers the plan under review as `plan.json`.
fn download(state: AppState) {
    let PlanState::Ready(r) = state.plan.get_untracked() else {
        return;
    };
    let file = PlanFile::new(
        r.plan.clone(),
        r.inputs.options.clone(),
        FleetSource {
            path: "fleet.yaml".into(),
            yaml: r.inputs.yaml.clone(),
            files: r.inputs.files.clone(),
        },
        &r.inputs.conn.base_url,
        &api::now_iso(),
    );
    api::download("plan.json", &file.to_json(), "application/json");
}

/// Reads the chosen plan file, adopts its fleet and options, and re-plans.
fn load(
    state: AppState,
    input: web_sys::HtmlInputElement,
    loaded: RwSignal<Option<LoadedPlanFile>>,
) {
    let Some(list) = input.files() else {
        return;
    };
    leptos::task::spawn_local(async move {
        let first = api::read_files(list).await.into_iter().next();
        // Only now: the file list is live, and clearing the input empties it. Cleared, the
        // same file can be chosen again (after the server changed, say).
        input.set_value("");
        let Some((name, bytes)) = first else {
            return;
        };
        let parsed = std::str::from_utf8(&bytes)
            .map_err(|_| PlanFileError::NotAPlanFile)
            .and_then(PlanFile::from_json);
        match parsed {
            Ok(f) => {
                let _ = loaded.try_set(Some(LoadedPlanFile {
                    name,
                    fingerprint: f.plan.fingerprint.clone(),
                    created_at: f.created_at.clone(),
                    server: f.server.clone(),
                }));
                state.load_yaml(f.fleet.yaml);
                state.files.set(f.fleet.files);
                state.options.set(f.options);
                review(state);
            }
            Err(e) => {
                let _ = loaded.try_set(None);
                state.plan.set(PlanState::Failed(format!("{name}: {e}")));
            }
        }
    });
}

/// The two buttons, for the Plan view's action bar.
#[component]
pub fn PlanFileButtons(loaded: RwSignal<Option<LoadedPlanFile>>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let ready = move || matches!(state.plan.get(), PlanState::Ready(_));
    view! {
        <button id="download-plan" disabled=move || !ready() on:click=move |_| download(state)
            title="Save this plan as a plan file (fleet-canary apply --plan FILE applies it)">"Download plan"</button>
        <FilePicker label="Load plan file" id="load-plan" accept=".json,application/json"
            title="Review a plan file from fleet-canary plan --out"
            on_pick=Callback::new(move |ev| load(state, event_target(&ev), loaded)) />
    }
}

/// Whether the plan on the page is the loaded file's plan.
#[component]
pub fn PlanFileNote(loaded: RwSignal<Option<LoadedPlanFile>>) -> impl IntoView {
    let state = expect_context::<AppState>();
    move || {
        let l = loaded.get()?;
        let same = match state.plan.get() {
            PlanState::Ready(r) => Some(r.plan.fingerprint == l.fingerprint),
            _ => None,
        };
        let made = format!("{} (made {} against {})", l.name, l.created_at, l.server);
        Some(match same {
            Some(true) => view! {
                <p class="callout ok" id="plan-file-note" data-current="true">{format!(
                    "{made}: the server still gives exactly this plan, so the file applies as reviewed."
                )}</p>
            }
            .into_any(),
            Some(false) => view! {
                <p class="callout warn" id="plan-file-note" data-current="false">{format!(
                    "{made}: this differs from the plan in the file (the server or the options changed since it was made); below is the plan as it is now. fleet-canary apply --plan would refuse the file."
                )}</p>
            }
            .into_any(),
            None => view! { <p class="muted" id="plan-file-note">{format!("{made}: planning…")}</p> }.into_any(),
        })
    }
}
