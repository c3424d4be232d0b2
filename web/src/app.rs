//! The shell: navigation, server status, theme, and the current view.

use crate::state::{AppState, Route};
use crate::views;
use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

pub use crate::health::check_health;

fn apply_theme(dark: bool) {
    if let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = root.set_attribute("data-theme", if dark { "dark" } else { "light" });
    }
}

/// Names the view in the window title (history, tabs and screen readers say where you are).
fn set_title(r: Route) {
    if let Some(d) = web_sys::window().and_then(|w| w.document()) {
        d.set_title(&format!("{} — Fleet Canary", r.label()));
    }
}

/// Moves focus to the view's heading, so a screen reader announces the new view and Tab goes on
/// from there. Retried briefly: a view may render its heading a moment after the route changes.
fn focus_heading(tries: u32) {
    let done = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector("main h1").ok().flatten())
        .and_then(|h| h.dyn_into::<web_sys::HtmlElement>().ok())
        .map(|h| {
            if !h.has_attribute("tabindex") {
                let _ = h.set_attribute("tabindex", "-1");
            }
            let _ = h.focus();
        })
        .is_some();
    if !done && tries > 0 {
        gloo_timers::callback::Timeout::new(50, move || focus_heading(tries - 1)).forget();
    }
}

/// Blurs the focused element when it is in the view about to be replaced. Removing a focused
/// element makes Chromium update style and layout right then, with the old view still in the
/// page: at 2,000 agents that lays out the editor's whole text (0.6–1 s); blurred first, the
/// old view goes without a layout. Focus moves to the new view's heading afterwards.
fn release_focus() {
    let Some(d) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let inside = d
        .active_element()
        .filter(|a| a.closest("main").ok().flatten().is_some())
        .and_then(|a| a.dyn_into::<web_sys::HtmlElement>().ok());
    if let Some(a) = inside {
        let _ = a.blur();
    }
}

/// Scrolls the tab strip (one scrolling row in a narrow window) so this tab shows in full: the
/// current view's on a route change, the focused one while tabbing (the browser alone leaves a
/// half-hidden tab where it is).
fn reveal_tab(tab: Option<web_sys::HtmlElement>) {
    let nav = tab
        .as_ref()
        .and_then(|t| t.parent_element())
        .and_then(|n| n.dyn_into::<web_sys::HtmlElement>().ok());
    if let (Some(nav), Some(tab)) = (nav, tab) {
        let x =
            tab.offset_left() - nav.offset_left() - (nav.client_width() - tab.offset_width()) / 2;
        nav.set_scroll_left(x.max(0));
    }
}

fn active_tab() -> Option<web_sys::HtmlElement> {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| {
            d.query_selector("header nav a[aria-current=page]")
                .ok()
                .flatten()
        })
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
}

/// The app.
#[component]
pub fn App() -> impl IntoView {
    let state = AppState::new(crate::example::example());
    provide_context(state);
    // Every view but the connection form loads on demand (lazy.rs).
    let views = crate::lazy::Views::new();
    views.prefetch_all(state.route.get_untracked());
    // The view to show and whether its code is here: the route closure below re-runs only
    // when one of the two changes.
    let current = Memo::new(move |_| {
        let route = state.route.get();
        (route, views.status(route))
    });
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
        // A window that turns narrow keeps the current view's tab in the scrolling strip.
        let on_resize = Closure::<dyn Fn()>::new(|| reveal_tab(active_tab()));
        let _ = w.add_event_listener_with_callback("resize", on_resize.as_ref().unchecked_ref());
        on_resize.forget();
    }
    Effect::new(move |_| apply_theme(state.dark.get()));
    Effect::new(move |prev: Option<Route>| {
        let r = state.route.get();
        set_title(r);
        let moved = prev.is_some_and(|p| p != r);
        gloo_timers::callback::Timeout::new(0, move || {
            reveal_tab(active_tab());
            if moved {
                focus_heading(20);
            }
        })
        .forget();
        r
    });
    // With a switch pending, this checks the key's own server: nothing reaches the link's one.
    // Requests that get no answer re-check it, so a stopped server turns the header red.
    crate::health::watch(state);

    let nav = Route::ALL.map(|r| {
        view! {
            <a href=format!("#/{}", r.slug()) class="tab" class:active=move || state.route.get() == r
               aria-current=move || (state.route.get() == r).then_some("page")>{r.label()}</a>
        }
    });
    view! {
        <a class="skip-link" id="skip-link" href="#main" on:click=move |ev| {
            ev.prevent_default();
            focus_heading(0);
        }>"Skip to content"</a>
        <header class="top">
            <div class="brand"><span class="logo" aria-hidden="true">"◆"</span>" Fleet Canary"</div>
            <nav aria-label="Views" on:focusin=move |ev| {
                reveal_tab(ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok()));
            }>{nav}</nav>
            <div class="top-right">
                <crate::health::HealthChip />
                <button class="ghost" id="theme-toggle"
                    title=move || if state.dark.get() { "Switch to the light theme" } else { "Switch to the dark theme" }
                    on:click=move |_| {
                        state.dark.update(|d| *d = !*d);
                        state.persist_theme();
                    }>
                    <span aria-hidden="true">{move || if state.dark.get() { "☀ " } else { "☾ " }}</span>
                    {move || if state.dark.get() { "Light" } else { "Dark" }}
                </button>
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
            {move || {
                let (route, status) = current.get();
                release_focus();
                match (status, views.constructor(route)) {
                    (crate::lazy::Status::Ready, Some(build)) => {
                        // Each view under its own owner, also while it is mounted and
                        // updated (OwnedView): the contexts a view provides reach its own
                        // effects and go with it; the owner is disposed after the view's DOM
                        // is gone (its blur handlers may still read its signals).
                        let owner = Owner::new();
                        let view = owner.with(build);
                        leptos::tachys::reactive_graph::OwnedView::new_with_owner(view, owner).into_any()
                    }
                    (crate::lazy::Status::Failed, _) => view! {
                        <div class="callout bad" role="alert" id="view-load-error">
                            <p>{format!("The {} view did not load: the app could not fetch its code from the page's server. Your fleet and drafts are kept.", route.label())}</p>
                            <button class="primary" on:click=move |_| views.fetch(route)>"Retry"</button>
                        </div>
                    }.into_any(),
                    _ => {
                        views.fetch(route);
                        view! { <p class="muted" aria-busy="true" id="view-loading">{format!("Loading the {} view…", route.label())}</p> }.into_any()
                    }
                }
            }}
        </main>
    }
}
