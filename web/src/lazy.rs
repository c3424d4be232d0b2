//! Views loaded on demand, so the first load stays small (issue 16: ≤ 300 KB gzip).
//!
//! Each view but the connection form is a split point: its code, and the engine code only it
//! uses (the YAML parser and validation, planning, execution, verdicts…), lives in a wasm chunk that
//! `scripts/build.js` cuts out with wasm-split. A split function only hands back the view's
//! constructor; the view itself is built synchronously by the route closure in `app.rs`, under
//! that closure's owner, exactly as an eagerly linked view would be (building it inside an
//! async `Suspend` instead leaves the old view's DOM handlers alive after its signals are
//! disposed). The chunks are fetched while the app is idle after the first paint, and on
//! demand when a route needs one first; a failed fetch is a `ChunkError` with a retry, never a
//! panic (the `fallible` option).

use crate::state::Route;
use crate::views;
use leptos::prelude::*;
use leptos::wasm_split::SplitLoaderError;

/// Builds a view; the function lives in the view's chunk.
pub type Constructor = fn() -> AnyView;

/// A view's chunk did not load (network error, server gone, a newer build replaced it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkError;

impl From<SplitLoaderError> for ChunkError {
    fn from(_: SplitLoaderError) -> Self {
        ChunkError
    }
}

macro_rules! split_view {
    ($name:ident, $chunk:ident, $view:path) => {
        #[leptos::wasm_split::wasm_split($chunk, wasm_split_path = ::leptos::wasm_split, fallible)]
        fn $name() -> Result<Constructor, ChunkError> {
            Ok(|| $view().into_any())
        }
    };
}

split_view!(fleet, view_fleet, views::fleet::FleetEditor);
split_view!(plan, view_plan, views::plan::PlanReview);
split_view!(run, view_run, views::run::Execute);
split_view!(canaries, view_canaries, views::canaries::Canaries);
split_view!(chat, view_chat, views::chat::Chat);
split_view!(test, view_test, views::test::Test);
split_view!(history, view_history, views::history::History);

fn eager(route: Route) -> Option<Constructor> {
    match route {
        Route::Connect => Some(|| views::connect::Connect().into_any()),
        _ => None,
    }
}

/// Fetches (once) and returns the constructor of a route's view.
pub async fn load(route: Route) -> Result<Constructor, ChunkError> {
    match route {
        Route::Fleet => fleet().await,
        Route::Plan => plan().await,
        Route::Run => run().await,
        Route::Canaries => canaries().await,
        Route::Chat => chat().await,
        Route::Test => test().await,
        Route::History => history().await,
        Route::Connect => eager(route).ok_or(ChunkError),
    }
}

thread_local! {
    /// The opening view's chunk, loaded before the app mounted ([`open`]); the registry takes it.
    static OPENED: std::cell::RefCell<Option<(Route, Result<Constructor, ChunkError>)>> =
        const { std::cell::RefCell::new(None) };
}

/// Loads the view the page opens on before the app mounts (`main.rs`): the page is then laid
/// out once, with its view, instead of once with "Loading…" and again when the chunk lands.
pub async fn open(route: Route) {
    let outcome = load(route).await;
    if eager(route).is_none() {
        OPENED.with(|o| *o.borrow_mut() = Some((route, outcome)));
    }
}

/// Whether a route's view can be built now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Its code is here.
    Ready,
    /// Fetching its chunk failed (Retry fetches again).
    Failed,
    /// Its chunk is on its way (or not asked for yet).
    Pending,
}

/// Where each route's view stands: built in, fetched, or failed to fetch.
#[derive(Clone, Copy)]
pub struct Views {
    loaded: RwSignal<Vec<(Route, Result<Constructor, ChunkError>)>>,
    /// Routes whose chunk is on its way: asked again, they start nothing.
    pending: StoredValue<Vec<Route>>,
}

impl Default for Views {
    fn default() -> Self {
        Self::new()
    }
}

impl Views {
    /// The registry, with the built-in views ready (and the opening view, if [`open`] loaded it).
    pub fn new() -> Self {
        Self {
            loaded: RwSignal::new(OPENED.with(|o| o.borrow_mut().take()).into_iter().collect()),
            pending: StoredValue::new(Vec::new()),
        }
    }

    /// The view's constructor if its code is here; `Some(Err)` if fetching it failed.
    pub fn get(&self, route: Route) -> Option<Result<Constructor, ChunkError>> {
        eager(route)
            .map(Ok)
            .or_else(|| self.loaded.with(|l| entry(l, route)))
    }

    /// Where a route's view stands, for the route closure to track: unlike `get`, it changes
    /// only when this route's own chunk lands or fails, not when another view's does (the open
    /// view would otherwise be rebuilt, and lose its state, at every prefetched chunk).
    pub fn status(&self, route: Route) -> Status {
        match self.get(route) {
            Some(Ok(_)) => Status::Ready,
            Some(Err(_)) => Status::Failed,
            None => Status::Pending,
        }
    }

    /// The view's constructor when its code is here, without tracking.
    pub fn constructor(&self, route: Route) -> Option<Constructor> {
        self.get_untracked(route).and_then(Result::ok)
    }

    /// Starts fetching a route's chunk unless it is here or on its way; the view re-renders
    /// when it lands. Safe to call while rendering: nothing is written before the fetch has
    /// started (a write there would re-run the render that called it, forever).
    pub fn fetch(&self, route: Route) {
        let here = eager(route).is_some()
            || self
                .loaded
                .with_untracked(|l| l.iter().any(|(r, c)| *r == route && c.is_ok()));
        if here || self.pending.with_value(|p| p.contains(&route)) {
            return;
        }
        leptos::task::spawn_local(self.start(route));
    }

    /// Marks the route's chunk as on its way, fetches it and records the outcome. A failed
    /// attempt's notice gives way to "Loading…" while this one runs.
    fn start(&self, route: Route) -> impl std::future::Future<Output = ()> + 'static {
        let this = *self;
        this.pending.update_value(|p| p.push(route));
        async move {
            this.loaded.try_update(|l| l.retain(|(r, _)| *r != route));
            let outcome = load(route).await;
            this.settle(route, outcome);
        }
    }

    fn settle(&self, route: Route, outcome: Result<Constructor, ChunkError>) {
        self.pending.try_update_value(|p| p.retain(|r| *r != route));
        self.loaded.try_update(|l| {
            if !l.iter().any(|(r, c)| *r == route && c.is_ok()) {
                l.retain(|(r, _)| *r != route);
                l.push((route, outcome));
            }
        });
    }

    /// Fetches every chunk, one after the other, and then the editor's code (web/editor), once
    /// the first view is on the page (its own
    /// chunk first, then a pause): navigation is then instant, and the first view does not
    /// share the connection or the CPU with code it does not show.
    pub fn prefetch_all(&self, first: Route) {
        let this = *self;
        leptos::task::spawn_local(async move {
            if this.get_untracked(first).is_none() {
                // The loader is shared: this waits for the fetch the route started.
                let _ = load(first).await;
            }
            gloo_timers::future::TimeoutFuture::new(500).await;
            for route in Route::ALL {
                let wanted = this.get_untracked(route).is_none()
                    && !this.pending.with_value(|p| p.contains(&route));
                if wanted {
                    this.start(route).await;
                }
            }
            crate::views::editor::cm::prefetch();
        });
    }

    fn get_untracked(&self, route: Route) -> Option<Result<Constructor, ChunkError>> {
        eager(route)
            .map(Ok)
            .or_else(|| self.loaded.with_untracked(|l| entry(l, route)))
    }
}

/// The recorded outcome of a route's chunk.
fn entry(
    loaded: &[(Route, Result<Constructor, ChunkError>)],
    route: Route,
) -> Option<Result<Constructor, ChunkError>> {
    loaded
        .iter()
        .find(|(r, _)| *r == route)
        .map(|(_, c)| c.clone())
}
