//! History: every applied fleet version, kept in this browser (never the API key). The version
//! production runs is marked; earlier production versions can be rolled back to (applied to
//! production again); any two versions can be compared; the history can be exported to a file
//! and imported from one, and clearing it asks first.

use crate::api;
use crate::state::{AppState, PlanState, Route, MAX_HISTORY};
use crate::views::diff::ChangeView;
use crate::views::file_picker::FilePicker;
use canary_core::history::{self, HistoryEntry, Standing};
use canary_core::plan::Mode;
use leptos::prelude::*;

/// What the last import did.
#[derive(Clone, PartialEq)]
enum Imported {
    Done(String),
    Failed(String),
}

/// An entry's time to the second, in UTC (the core's wording, as the verdicts' "run … UTC").
fn short_time(t: &str) -> String {
    canary_core::wording::readable_time_to_second(t)
}

/// The comparison of two chosen versions, older first.
fn comparison(h: &[HistoryEntry], picked: &[usize]) -> Option<impl IntoView> {
    let [a, b] = picked else { return None };
    // Newest first in the list: the higher index is the older version.
    let (older, newer) = (h.get(*a.max(b))?, h.get(*a.min(b))?);
    let changes = history::compare(older, newer);
    let title = format!(
        "From {} ({}) to {} ({})",
        short_time(&older.time),
        older.mode,
        short_time(&newer.time),
        newer.mode
    );
    let body = if changes.is_empty() {
        view! { <p class="muted" id="history-same">"The two versions are the same fleet: the same fleet.yaml and files."</p> }.into_any()
    } else {
        let rows = changes
            .into_iter()
            .map(|c| view! { <ChangeView change=c /> })
            .collect_view();
        view! { <div class="changes">{rows}</div> }.into_any()
    };
    Some(view! {
        <section class="card history-diff" id="history-diff" aria-labelledby="history-diff-title">
            <h2 id="history-diff-title">{title}</h2>
            {body}
        </section>
    })
}

/// The history view.
#[component]
pub fn History() -> impl IntoView {
    let state = expect_context::<AppState>();
    let picked = RwSignal::new(Vec::<usize>::new());
    let confirming = RwSignal::new(false);
    let imported = RwSignal::new(None::<Imported>);
    let import_seq = StoredValue::new(0u64);
    // Positions shift when the history changes: a choice made before means nothing after.
    Effect::new(move |_| {
        state.history.track();
        picked.set(Vec::new());
    });
    let load = move |i: usize, rollback: bool| {
        let Some(e) = state.history.with_untracked(|h| h.get(i).cloned()) else {
            return;
        };
        state.load_yaml(e.yaml);
        state.files.set(e.files);
        state.validate_now();
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
    let export = move |_| {
        let text = state
            .history
            .with_untracked(|h| history::export(h, &api::now_iso()));
        api::download("fleet-canary-history.json", &text, "application/json");
    };
    let import = move |ev: leptos::ev::Event| {
        let Some((input, list)) = api::picked_files(&ev) else {
            return;
        };
        let seq = import_seq.get_value() + 1;
        import_seq.set_value(seq);
        leptos::task::spawn_local(async move {
            let files = api::read_files(list).await;
            // Another file was chosen meanwhile (or the view is gone): that one counts.
            if import_seq.try_get_value() != Some(seq) {
                return;
            }
            input.set_value("");
            let Some((name, bytes)) = files.into_iter().next() else {
                return;
            };
            let outcome = match String::from_utf8(bytes) {
                Err(_) => Imported::Failed(format!(
                    "{name}: the file is not text (UTF-8), so it is not a history file. Nothing was imported."
                )),
                Ok(text) => match history::parse_file(&text) {
                    Err(e) => Imported::Failed(format!("{name}: {e}")),
                    Ok(entries) => {
                        let merged = state.history.with_untracked(|h| history::merge(h, entries, MAX_HISTORY));
                        let said = merged.describe();
                        state.set_history(merged.entries);
                        Imported::Done(said)
                    }
                },
            };
            imported.try_set(Some(outcome));
        });
    };
    let current_server = move || state.conn.with(|c| api::origin_of(&c.base_url));
    view! {
        <section class="panel narrow">
            <div class="panel-head">
                <h1>"History"</h1>
                <div class="actions">
                    <button id="history-export" on:click=export disabled=move || state.history.with(Vec::is_empty)>"Export"</button>
                    <FilePicker label="Import…" id="history-import" button_id="history-import-button" accept=".json,application/json"
                        on_pick=Callback::new(import) />
                    <button class="ghost" id="history-clear" disabled=move || state.history.with(Vec::is_empty)
                        on:click=move |_| confirming.set(true)>"Clear history"</button>
                </div>
            </div>
            <p class="hint">"Fleet versions applied from this browser, newest first. The version production runs is marked; roll back by applying an earlier production version again, then clean up the canaries. Tick two versions to compare them."</p>
            {move || imported.get().map(|i| match i {
                Imported::Done(t) => view! { <p class="callout ok" id="history-import-status" role="status">{t}</p> }.into_any(),
                Imported::Failed(t) => view! { <p class="callout bad" id="history-import-error" role="alert">{t}</p> }.into_any(),
            })}
            {move || confirming.get().then(|| {
                let n = state.history.with(Vec::len);
                view! {
                    <div class="callout warn" id="clear-confirm" role="alertdialog" aria-labelledby="clear-confirm-title">
                        <h2 id="clear-confirm-title">{format!("Delete all {} from this browser?", canary_core::wording::count(n, "version"))}</h2>
                        <p>"This cannot be undone, and rolling back needs these versions. Export them first to keep a copy."</p>
                        <div class="actions">
                            <button on:click=export>"Export first"</button>
                            <button class="danger" id="confirm-clear" on:click=move |_| { state.clear_history(); confirming.set(false); }>{format!("Delete {}", canary_core::wording::count(n, "version"))}</button>
                            <button id="cancel-clear" on:click=move |_| confirming.set(false)>"Keep them"</button>
                        </div>
                    </div>
                }
            })}
            {move || {
                let p = picked.get();
                state.history.with(|h| comparison(h, &p))
            }}
            {move || {
                let h = state.history.get();
                if h.is_empty() {
                    return view! { <p class="muted" id="no-history">"Nothing applied yet."</p> }.into_any();
                }
                let marks = history::standings(&h);
                let here = current_server();
                let rows = h.into_iter().zip(marks).enumerate().map(|(i, (e, standing))| {
                    let on_this_server = api::origin_of(&e.server) == here;
                    let (data, badge) = match standing {
                        Standing::InProduction => ("in-production", Some("IN PRODUCTION")),
                        Standing::WasProduction => ("was-production", None),
                        Standing::NotProduction => ("not-production", None),
                    };
                    let rollback = standing.can_roll_back().then(|| if on_this_server {
                        view! { <button class="primary rollback" on:click=move |_| load(i, true)>"Roll back to this version"</button> }.into_any()
                    } else {
                        view! { <span class="muted">{format!("Connect to {} to roll back to it.", e.server)}</span> }.into_any()
                    });
                    view! {
                        <li class="card history-entry" class:in-production=standing == Standing::InProduction data-standing=data>
                            <div>
                                <strong>{short_time(&e.time)}</strong>
                                <span class=format!("badge {}", if e.ok { "create" } else { "delete" })>{e.mode.clone()}</span>
                                {badge.map(|b| view! { <span class="badge prod" title="The newest version written to production on this server">{b}</span> })}
                                {e.prefix.clone().map(|p| view! { <span class="muted">{format!(" prefix {p}")}</span> })}
                            </div>
                            <div class="muted">{format!("{} — {}", e.server, e.summary)}</div>
                            {(standing == Standing::InProduction).then(|| view! { <p class="muted in-production-note">"Production runs this version (as far as this browser's history knows)."</p> })}
                            <div class="actions">
                                <label class="check compare">
                                    <input type="checkbox" class="compare-pick" prop:checked=move || picked.with(|p| p.contains(&i))
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            picked.update(|p| {
                                                p.retain(|x| *x != i);
                                                if on {
                                                    p.push(i);
                                                    if p.len() > 2 { p.remove(0); }
                                                }
                                            });
                                        } />
                                    " Compare"
                                </label>
                                <button on:click=move |_| load(i, false)>"Load into editor"</button>
                                {rollback}
                            </div>
                        </li>
                    }
                }).collect_view();
                view! { <ol class="history">{rows}</ol> }.into_any()
            }}
        </section>
    }
}
