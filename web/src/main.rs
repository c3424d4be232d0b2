//! Fleet Canary in the browser. `main` only mounts; the views live in `views/`, all browser
//! I/O in `api`, and every decision in `canary-core`.

mod api;
mod app;
mod example;
mod state;
mod views;

fn main() {
    leptos::mount::mount_to_body(app::App);
}
