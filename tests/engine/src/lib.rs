//! Native side of the engine tests: a reqwest [`Transport`], a fault-injecting wrapper, and
//! helpers that reach the real Letta server started by `make letta-up`.

use canary_core::client::{
    Body, Connection, LettaClient, Method, NetworkError, Request, Response, Transport,
};
use std::cell::{Cell, RefCell};

/// The reqwest [`Transport`] the `fleet-canary` command line runs on: the tests and
/// benchmarks use the very same one.
pub use canary_cli::NativeTransport;

/// Fails a share of requests (before or after they reach the server) and delays others:
/// the executor must still converge without duplicates or orphans.
pub struct Faulty<T> {
    /// The wrapped transport.
    pub inner: T,
    /// Fail every n-th request (0: never).
    pub fail_every: u64,
    /// Delay every m-th request by 50 ms (0: never).
    pub delay_every: u64,
    seq: Cell<u64>,
    /// How many faults were injected.
    pub injected: Cell<u64>,
}

impl<T> Faulty<T> {
    /// Wraps a transport.
    pub fn new(inner: T, fail_every: u64, delay_every: u64) -> Self {
        Faulty {
            inner,
            fail_every,
            delay_every,
            seq: Cell::new(0),
            injected: Cell::new(0),
        }
    }
}

impl<T: Transport> Transport for Faulty<T> {
    async fn send(&self, req: Request) -> Result<Response, NetworkError> {
        let n = self.seq.get() + 1;
        self.seq.set(n);
        if self.delay_every > 0 && n.is_multiple_of(self.delay_every) {
            self.inner.sleep(50).await;
        }
        if self.fail_every > 0 && n.is_multiple_of(self.fail_every) {
            self.injected.set(self.injected.get() + 1);
            // Alternate: lost before the server (no effect) and lost after (effect, no answer).
            if (n / self.fail_every).is_multiple_of(2) {
                return Err(NetworkError(
                    "injected fault: connection reset before sending".into(),
                ));
            }
            let _ = self.inner.send(req).await;
            return Ok(Response {
                status: 503,
                body: "{\"detail\":\"injected fault after the server acted\"}".into(),
                retry_after: None,
            });
        }
        self.inner.send(req).await
    }

    async fn sleep(&self, ms: u64) {
        self.inner.sleep(ms).await
    }
}

/// Fails matching requests — method `method`, URL containing `url_contains` — answering
/// `status` before they reach the server (so the server never acts on them): by default
/// exactly the first match. [`FailOnce::times`] fails the first few matches (a fault that
/// persists), [`FailOnce::after`] lets some matches through first. Deterministic, where
/// [`Faulty`] spreads many faults.
pub struct FailOnce<T> {
    /// The wrapped transport.
    pub inner: T,
    method: Method,
    url_contains: String,
    status: u16,
    left: Cell<usize>,
    skip: Cell<usize>,
    /// The URL of the first request that was failed, once it happened.
    pub failed: RefCell<Option<String>>,
    /// How many requests were failed.
    pub injected: Cell<usize>,
}

impl<T> FailOnce<T> {
    /// Wraps a transport; `status` should be one the client does not retry (e.g. 500).
    pub fn new(inner: T, method: Method, url_contains: &str, status: u16) -> Self {
        FailOnce {
            inner,
            method,
            url_contains: url_contains.into(),
            status,
            left: Cell::new(1),
            skip: Cell::new(0),
            failed: RefCell::new(None),
            injected: Cell::new(0),
        }
    }

    /// Fails the first `n` matching requests rather than only the first.
    pub fn times(self, n: usize) -> Self {
        self.left.set(n);
        self
    }

    /// Lets the first `n` matching requests through before failing any.
    pub fn after(self, n: usize) -> Self {
        self.skip.set(n);
        self
    }
}

impl<T: Transport> Transport for FailOnce<T> {
    async fn send(&self, req: Request) -> Result<Response, NetworkError> {
        let matches = req.method == self.method && req.url.contains(&self.url_contains);
        if matches && self.skip.get() > 0 {
            self.skip.set(self.skip.get() - 1);
            return self.inner.send(req).await;
        }
        if matches && self.left.get() > 0 {
            self.left.set(self.left.get() - 1);
            self.injected.set(self.injected.get() + 1);
            self.failed
                .borrow_mut()
                .get_or_insert_with(|| req.url.clone());
            return Ok(Response {
                status: self.status,
                body: "{\"detail\":\"injected fault: refused before the server acted\"}".into(),
                retry_after: None,
            });
        }
        self.inner.send(req).await
    }

    async fn send_streaming(
        &self,
        req: Request,
        on_chunk: &mut dyn FnMut(&str),
    ) -> Result<u16, NetworkError> {
        self.inner.send_streaming(req, on_chunk).await
    }

    async fn sleep(&self, ms: u64) {
        self.inner.sleep(ms).await
    }
}

/// Records every request (method and path below `/v1`), so a test can say exactly which
/// requests a run made, per object.
pub struct Recording<T> {
    /// The wrapped transport.
    pub inner: T,
    log: RefCell<Vec<(Method, String)>>,
}

impl<T> Recording<T> {
    /// Wraps a transport.
    pub fn new(inner: T) -> Self {
        Recording {
            inner,
            log: RefCell::new(Vec::new()),
        }
    }

    /// The requests so far: method and path (with query) after `/v1`.
    pub fn log(&self) -> Vec<(Method, String)> {
        self.log.borrow().clone()
    }

    /// Starts recording from empty.
    pub fn reset(&self) {
        self.log.borrow_mut().clear();
    }

    fn record(&self, req: &Request) {
        let path = match req.url.find("/v1/") {
            Some(i) => req.url[i + 3..].to_string(),
            None => req.url.clone(),
        };
        self.log.borrow_mut().push((req.method, path));
    }
}

impl<T: Transport> Transport for Recording<T> {
    async fn send(&self, req: Request) -> Result<Response, NetworkError> {
        self.record(&req);
        self.inner.send(req).await
    }

    async fn send_streaming(
        &self,
        req: Request,
        on_chunk: &mut dyn FnMut(&str),
    ) -> Result<u16, NetworkError> {
        self.record(&req);
        self.inner.send_streaming(req, on_chunk).await
    }

    async fn sleep(&self, ms: u64) {
        self.inner.sleep(ms).await
    }
}

/// `GET /v1{path}` on the server under test, as JSON: for reads the core's client has no
/// call for (an agent's messages), so tests can check server state the engine never reads.
pub async fn get_json(path: &str) -> Result<serde_json::Value, String> {
    let mut headers = Vec::new();
    if let Some(k) = std::env::var("LETTA_API_KEY")
        .ok()
        .filter(|k| !k.is_empty())
    {
        headers.push(("Authorization".to_string(), format!("Bearer {k}")));
    }
    let req = Request {
        method: Method::Get,
        url: format!("{}/v1{path}", base_url().trim_end_matches('/')),
        headers,
        body: Body::Empty,
    };
    let r = NativeTransport::default()
        .send(req)
        .await
        .map_err(|e| e.0)?;
    if !(200..300).contains(&r.status) {
        return Err(format!("GET {path}: {} {}", r.status, r.body));
    }
    serde_json::from_str(&r.body).map_err(|e| format!("GET {path}: {e}"))
}

/// The server under test: `LETTA_BASE_URL`, or the local one from `make letta-up`.
pub fn base_url() -> String {
    std::env::var("LETTA_BASE_URL").unwrap_or_else(|_| "http://127.0.0.1:8283".into())
}

/// A client for the server under test.
pub fn client<T: Transport>(t: T) -> LettaClient<T> {
    LettaClient::new(
        t,
        Connection {
            base_url: base_url(),
            api_key: std::env::var("LETTA_API_KEY").ok(),
            project: None,
        },
    )
}

/// The model handle served by our deterministic model server.
pub const MODEL: &str = "openai-proxy/canary-echo";
/// The embedding handle the local server registers.
pub const EMBEDDING: &str = "openai/text-embedding-3-small";

/// ISO-8601 UTC now.
pub fn now_iso() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// A run-unique tag so that tests sharing one server never collide.
pub fn unique(label: &str) -> String {
    let n = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{label}{}", n % 1_000_000_000)
}
