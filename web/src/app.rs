//! The shell: navigation, server status, theme, and the current view.

use crate::api;
use crate::state::{AppState, Health, Route};
use crate::views;
use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Asks the server for its health and explains failures.
pub fn check_health(state: AppState) {
    state.health.set(Health::Checking);
    let conn = state.conn.get_untracked();
    leptos::task::spawn_local(async move {
        let result = api::client(&conn).health().await;
        state.health.set(match result {
            Ok(v) => Health::Ok(v),
            Err(canary_core::client::ApiError::Network { .. }) => Health::Failed(format!(
                "No answer from {}. Either the server is not running, or it refuses this page's origin: start it with ACCEPTABLE_ORIGINS={} (comma-separated; `make run` does this for you).",
                conn.base_url,
                api::origin()
            )),
            Err(e) => Health::Failed(e.to_string()),
        });
    });
}

fn apply_theme(dark: bool) {
    if let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = root.set_attribute("data-theme", if dark { "dark" } else { "light" });
    }
}

/// The app.
#[component]
pub fn App() -> impl IntoView {
    let state = AppState::new(crate::example::example());
    provide_context(state);
    // A draft saved before a reload replaces the example (with a notice in the fleet view).
    views::editor::draft::install(state);

    // Deep links: follow the address bar.
    if let Some(w) = web_sys::window() {
        let on_hash = Closure::<dyn Fn()>::new(move || {
            let hash = web_sys::window()
                .and_then(|w| w.location().hash().ok())
                .unwrap_or_default();
            state.route.set(Route::from_hash(&hash));
        });
        let _ = w.add_event_listener_with_callback("hashchange", on_hash.as_ref().unchecked_ref());
        on_hash.forget();
    }
    Effect::new(move |_| apply_theme(state.dark.get()));
    // With a switch pending, this checks the key's own server: nothing reaches the link's one.
    check_health(state);

    let nav = Route::ALL.map(|r| {
        view! {
            <a href=format!("#/{}", r.slug()) class="tab" class:active=move || state.route.get() == r
               aria-current=move || (state.route.get() == r).then_some("page")>{r.label()}</a>
        }
    });
    let status = move || match state.health.get() {
        Health::Ok(v) => {
            view! { <span class="chip ok" title="server healthy">{format!("● Letta {v}")}</span> }
                .into_any()
        }
        Health::Checking => view! { <span class="chip">"● checking…"</span> }.into_any(),
        Health::Unknown => view! { <span class="chip">"● not checked"</span> }.into_any(),
        Health::Failed(_) => {
            view! { <a class="chip bad" href="#/connect">"● server unreachable"</a> }.into_any()
        }
    };
    view! {
        <header class="top">
            <div class="brand"><span class="logo" aria-hidden="true">"◆"</span>" Fleet Canary"</div>
            <nav aria-label="Views">{nav}</nav>
            <div class="top-right">
                {status}
                <button class="ghost" aria-label="Toggle dark theme" on:click=move |_| {
                    state.dark.update(|d| *d = !*d);
                    state.persist_theme();
                }>{move || if state.dark.get() { "☀ Light" } else { "☾ Dark" }}</button>
            </div>
        </header>
        {move || state.pending_server.get().map(|requested| {
            let current = state.conn.with(|c| c.base_url.clone());
            view! {
                <div class="callout warn server-confirm" id="server-confirm" role="alertdialog" aria-labelledby="server-confirm-title">
                    <h2 id="server-confirm-title">"Switch to another server?"</h2>
                    <p>"This link asks the app to use "<strong class="mono">{requested.clone()}</strong>"."</p>
                    <p>"You are connected to "<strong class="mono">{current.clone()}</strong>", and the API key remembered for this tab belongs to that server. It is never sent anywhere else: the new server starts without a key, and nothing is sent to it until you switch."</p>
                    <div class="actions">
                        <button class="primary" id="accept-server" on:click=move |_| {
                            state.accept_pending_server();
                            check_health(state);
                        }>{format!("Switch to {requested} (no API key)")}</button>
                        <button id="keep-server" on:click=move |_| state.pending_server.set(None)>{format!("Stay on {current}")}</button>
                    </div>
                </div>
            }
        })}
        <main id="main">
            {move || match state.route.get() {
                Route::Connect => views::connect::Connect().into_any(),
                Route::Fleet => views::fleet::FleetEditor().into_any(),
                Route::Plan => views::plan::PlanReview().into_any(),
                Route::Run => views::run::Execute().into_any(),
                Route::Canaries => views::canaries::Canaries().into_any(),
                Route::Chat => views::chat::Chat().into_any(),
                Route::Test => views::test::Test().into_any(),
                Route::History => views::history::History().into_any(),
            }}
        </main>
    }
}
