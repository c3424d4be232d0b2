//! Time limits for requests, the app-wide "a request got no answer" signal, and the health
//! probe whose outcome the core diagnoses.
//!
//! `fetch` has no time limit of its own: a server that accepts the connection and never answers
//! would leave a plan "Reading the server…" for ever. Every request therefore carries an abort
//! signal that fires after a limit, and the error then says so in words. Any request that gets
//! no answer also tells the app (see [`on_no_answer`]), which re-checks the server's health so
//! the header stops claiming a server that is gone is healthy.

use canary_core::client::diagnose::Probe;
use canary_core::client::{Body, Connection, Method, NetworkError, Request};
use gloo_timers::callback::Timeout;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// How long an ordinary request may take, in milliseconds.
pub const REQUEST_MS: u32 = 30_000;
/// How long a message to an agent (a model's reply) or an upload may take; for a streamed
/// reply, how long it may go without a new chunk.
pub const SLOW_MS: u32 = 300_000;
/// How long the health probe waits: a healthy server answers it at once.
pub const HEALTH_MS: u32 = 8_000;
/// How long the reachability check after a failed probe waits.
const REACH_MS: u32 = 5_000;

/// The time limit of a request: messages and uploads wait for a model or a large file.
pub fn limit_ms(req: &Request) -> u32 {
    if matches!(req.body, Body::File { .. }) || req.url.contains("/messages") {
        SLOW_MS
    } else {
        REQUEST_MS
    }
}

/// One request's time limit: aborts the request when it passes.
pub struct Deadline {
    ctrl: Option<web_sys::AbortController>,
    fired: Rc<Cell<bool>>,
    timer: RefCell<Option<Timeout>>,
    ms: u32,
}

impl Deadline {
    /// A limit of `ms` milliseconds, starting now.
    pub fn new(ms: u32) -> Deadline {
        let d = Deadline {
            ctrl: web_sys::AbortController::new().ok(),
            fired: Rc::new(Cell::new(false)),
            timer: RefCell::new(None),
            ms,
        };
        d.rearm();
        d
    }

    /// Starts the limit again (a streamed reply sent another chunk).
    pub fn rearm(&self) {
        let Some(ctrl) = self.ctrl.clone() else {
            return;
        };
        let fired = self.fired.clone();
        // Replacing the timer drops (cancels) the previous one.
        *self.timer.borrow_mut() = Some(Timeout::new(self.ms, move || {
            fired.set(true);
            ctrl.abort();
        }));
    }

    /// The signal the request carries: this limit's, joined with `outside` (a Stop button).
    pub fn signal(&self, outside: Option<&web_sys::AbortSignal>) -> Option<web_sys::AbortSignal> {
        let mine = self.ctrl.as_ref().map(|c| c.signal());
        match (mine, outside) {
            (Some(m), Some(o)) => Some(web_sys::AbortSignal::any(&js_sys::Array::of2(&m, o))),
            (Some(m), None) => Some(m),
            (None, o) => o.cloned(),
        }
    }

    /// Whether the limit passed.
    pub fn fired(&self) -> bool {
        self.fired.get()
    }

    /// The limit in whole seconds.
    pub fn seconds(&self) -> u32 {
        self.ms.div_ceil(1000)
    }

    /// A request's result with a time-out worded as one. Any failure without an answer, except
    /// one the outside signal asked for, is reported to [`on_no_answer`]'s listener.
    pub fn settle<T>(
        &self,
        result: Result<T, NetworkError>,
        outside: Option<&web_sys::AbortSignal>,
    ) -> Result<T, NetworkError> {
        match result {
            Ok(v) => Ok(v),
            Err(_) if self.fired() => {
                no_answer();
                Err(NetworkError(format!(
                    "no answer within {} s, so the request was given up (the server is overloaded or stuck, or a proxy holds the request)",
                    self.seconds()
                )))
            }
            Err(e) if outside.is_some_and(|s| s.aborted()) => Err(e),
            Err(e) => {
                no_answer();
                Err(e)
            }
        }
    }
}

type Listener = Rc<dyn Fn()>;

thread_local! {
    static NO_ANSWER: RefCell<Option<Listener>> = RefCell::new(None);
}

/// Sets what happens when any request gets no answer (the app re-checks the server's health).
pub fn on_no_answer(f: impl Fn() + 'static) {
    NO_ANSWER.with(|l| *l.borrow_mut() = Some(Rc::new(f)));
}

fn no_answer() {
    // Cloned out first: the listener may start requests of its own.
    let listener = NO_ANSWER.with(|l| l.borrow().clone());
    if let Some(f) = listener {
        f();
    }
}

/// One `GET /v1/health/` without retries, with a short limit; when it gets no answer, whether
/// the server answers a request that needs no permission from it (a `no-cors` fetch), which
/// tells "nothing listens there" from "it refuses this page's origin".
pub async fn probe_health(conn: &Connection) -> Probe {
    let url = format!("{}/v1/health/", conn.base_url.trim().trim_end_matches('/'));
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        // Not a URL the browser could fetch; the diagnosis says so without a request.
        return Probe::NoAnswer {
            message: "not an http(s) URL".into(),
            timed_out_after: None,
            reachable: None,
        };
    }
    let mut headers = Vec::new();
    if let Some(k) = conn.api_key.as_ref().filter(|k| !k.is_empty()) {
        headers.push(("Authorization".to_string(), format!("Bearer {k}")));
    }
    if let Some(p) = conn.project.as_ref().filter(|p| !p.is_empty()) {
        headers.push(("X-Project".to_string(), p.clone()));
    }
    let req = Request {
        method: Method::Get,
        url: url.clone(),
        headers,
        body: Body::Empty,
    };
    let deadline = Deadline::new(HEALTH_MS);
    let signal = deadline.signal(None);
    match super::send_once(req, signal.as_ref()).await {
        Ok(r) => Probe::Answer {
            status: r.status,
            body: r.body,
        },
        Err(e) if deadline.fired() => Probe::NoAnswer {
            message: e.0,
            timed_out_after: Some(deadline.seconds()),
            reachable: None,
        },
        Err(e) => Probe::NoAnswer {
            message: e.0,
            timed_out_after: None,
            reachable: Some(reachable(&url).await),
        },
    }
}

async fn reachable(url: &str) -> bool {
    let deadline = Deadline::new(REACH_MS);
    let signal = deadline.signal(None);
    let Ok(req) = gloo_net::http::RequestBuilder::new(url)
        .mode(web_sys::RequestMode::NoCors)
        .abort_signal(signal.as_ref())
        .build()
    else {
        return false;
    };
    req.send().await.is_ok()
}
