//! Connection: server URL, API key (memory only unless "remember for this tab"), project.

use crate::api;
use crate::app::check_health;
use crate::state::{AppState, Health};
use leptos::prelude::*;

/// The connection view.
#[component]
pub fn Connect() -> impl IntoView {
    let state = expect_context::<AppState>();
    let conn = state.conn;
    let key_note = RwSignal::new(None::<String>);
    // An API key belongs to the server it was entered for: another origin starts without it.
    let set_server = move |url: String| {
        // The same URL again (a second `change` as the field loses focus): nothing to do, and the
        // notice stays put, so the button being clicked does not move under the pointer.
        if conn.with_untracked(|c| c.base_url == url) {
            return;
        }
        let cleared = conn.with_untracked(|c| {
            c.api_key.is_some() && api::origin_of(&c.base_url) != api::origin_of(&url)
        });
        conn.update(|c| {
            if cleared {
                c.api_key = None;
            }
            c.base_url = url;
        });
        key_note.set(cleared.then(|| {
            "The API key was cleared: a key is only sent to the server it was entered for. Enter the key of this server, if it needs one.".to_string()
        }));
    };
    let save = move || {
        state.persist_connection();
        check_health(state);
    };
    view! {
        <section class="panel narrow" aria-labelledby="conn-title">
            <h1 id="conn-title">"Connection"</h1>
            <p class="hint">"The app talks to the Letta server directly from this browser tab. Nothing is written until you execute a reviewed plan."</p>
            <form class="form" on:submit=move |ev| { ev.prevent_default(); save(); }>
                <label for="server-url">"Server URL"</label>
                <input id="server-url" type="url" required placeholder="http://127.0.0.1:8283"
                    prop:value=move || conn.with(|c| c.base_url.clone())
                    on:change=move |ev| set_server(event_target_value(&ev).trim().trim_end_matches('/').to_string()) />
                <label for="api-key">"API key"</label>
                <input id="api-key" type="password" autocomplete="off" placeholder="only for Letta Cloud or a --secure server"
                    prop:value=move || conn.with(|c| c.api_key.clone().unwrap_or_default())
                    on:change=move |ev| { key_note.set(None); conn.update(|c| { let v = event_target_value(&ev); c.api_key = (!v.is_empty()).then_some(v); }) } />
                {move || key_note.get().map(|n| view! { <p class="notice" id="key-cleared">{n}</p> })}
                <label class="check">
                    <input type="checkbox" prop:checked=move || state.remember_key.get()
                        on:change=move |ev| state.remember_key.set(event_target_checked(&ev)) />
                    " Remember the key for this tab, for this server only (sessionStorage; never stored permanently)"
                </label>
                <label for="project">"Letta Cloud project (optional)"</label>
                <input id="project" type="text" placeholder="project slug"
                    prop:value=move || conn.with(|c| c.project.clone().unwrap_or_default())
                    on:change=move |ev| conn.update(|c| { let v = event_target_value(&ev); c.project = (!v.is_empty()).then_some(v); }) />
                <div class="actions"><button type="submit" class="primary">"Save and check"</button></div>
            </form>
            <div class="status-box" role="status" aria-live="polite">
                {move || match state.health.get() {
                    Health::Ok(v) => view! { <p class="ok" id="health">{format!("Connected: Letta server {v} is healthy.")}</p> }.into_any(),
                    Health::Checking => view! { <p id="health">"Checking…"</p> }.into_any(),
                    Health::Unknown => view! { <p id="health">"Not checked yet."</p> }.into_any(),
                    Health::Failed(problem) => {
                        let fix = problem.suggested_url().map(str::to_string);
                        view! {
                            <p class="bad" id="health" data-problem=problem.title()>{problem.to_string()}</p>
                            <div class="actions">
                                {fix.map(|url| {
                                    let label = format!("Use {url}");
                                    view! { <button class="primary" id="use-suggested" on:click=move |_| { set_server(url.clone()); save(); }>{label}</button> }
                                })}
                                <button id="retry-health" on:click=move |_| check_health(state)>"Retry"</button>
                            </div>
                        }.into_any()
                    }
                }}
            </div>
        </section>
    }
}
