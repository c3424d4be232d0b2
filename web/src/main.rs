//! Fleet Canary in the browser. `main` only mounts (once the opening view's code is here); the
//! views live in `views/`, all browser I/O in `api`, and every decision in `canary-core`.

mod api;
mod app;
mod example;
mod health;
mod lazy;
mod state;
mod views;

/// How long the first paint waits for the opening view's code (boot.js fetches its pack
/// while this module starts; it is usually here at once). Past this, the app mounts with
/// "Loading…" in the view's place, and the view follows when its chunk lands.
const OPENING_WAIT_MS: u32 = 1_500;

fn main() {
    std::panic::set_hook(Box::new(|info| report_crash(&info.to_string())));
    let hash = web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default();
    let route = state::Route::from_hash(&hash);
    wasm_bindgen_futures::spawn_local(async move {
        let opened = std::pin::pin!(lazy::open(route));
        let waited = gloo_timers::future::TimeoutFuture::new(OPENING_WAIT_MS);
        futures::future::select(opened, waited).await;
        leptos::mount::mount_to_body(app::App);
    });
}

/// A bug stops the wasm module (the release build aborts on panic): say so on the page instead
/// of leaving a frozen tab, and log the message for the bug report. The fleet draft is in
/// localStorage, so a reload loses nothing typed.
fn report_crash(message: &str) {
    let text = format!(
        "Fleet Canary stopped on an internal error and must be reloaded (your fleet draft is kept). Please report: {message}"
    );
    web_sys::console::error_1(&text.as_str().into());
    // Where it happened, for the bug report: the JavaScript stack names the wasm functions in
    // a build that keeps names (`DEBUG=1 make build`).
    let error = js_sys::Error::new("panic");
    if let Some(stack) = js_sys::Reflect::get(&error, &"stack".into())
        .ok()
        .and_then(|s| s.as_string())
    {
        web_sys::console::error_1(&stack.into());
    }
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    if let (Ok(el), Some(body)) = (doc.create_element("div"), doc.body()) {
        let _ = el.set_attribute("role", "alert");
        let _ = el.set_attribute("class", "crash");
        el.set_text_content(Some(&text));
        let _ = body.prepend_with_node_1(&el);
    }
}
