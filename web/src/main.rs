//! Fleet Canary in the browser. `main` only mounts; the views live in `views/`, all browser
//! I/O in `api`, and every decision in `canary-core`.

mod api;
mod app;
mod example;
mod health;
mod lazy;
mod state;
mod views;

fn main() {
    std::panic::set_hook(Box::new(|info| report_crash(&info.to_string())));
    leptos::mount::mount_to_body(app::App);
}

/// A bug stops the wasm module (the release build aborts on panic): say so on the page instead
/// of leaving a frozen tab, and log the message for the bug report. The fleet draft is in
/// localStorage, so a reload loses nothing typed.
fn report_crash(message: &str) {
    let text = format!(
        "Fleet Canary stopped on an internal error and must be reloaded (your fleet draft is kept). Please report: {message}"
    );
    web_sys::console::error_1(&text.as_str().into());
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
