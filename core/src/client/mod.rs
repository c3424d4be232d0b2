//! A typed Letta REST client over a [`Transport`], with the retry rules of the workflow.
//!
//! Reads, updates and deletes are retried with back-off and jitter on 429/502/503/504 and
//! network errors (honouring `Retry-After`). Creates are not blindly retried: the server has no
//! idempotency key, so the executor looks an agent up after an ambiguous failure instead.

mod chat;
pub mod conversations;
pub mod diagnose;
mod live_read;
mod mcp;
pub mod messages;
mod objects;
mod secrets;
pub mod stream;
pub mod transport;

pub use live_read::PlanLiveError;
pub use messages::{parse_sse, ChatMessage, ChatReply};
pub use stream::{LiveReply, StreamedMessage, Usage};
pub use transport::{
    retry_after_seconds, Body, Counting, Method, NetworkError, Request, Response, Transport,
};

use serde_json::Value;
use std::cell::Cell;

/// Errors of Letta API calls, by what the user can do about them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// No HTTP answer at all.
    #[error("cannot reach the Letta server at {url}: {message}. Is it running? If the app runs in a browser, the server must allow this page's origin (add it to ACCEPTABLE_ORIGINS)")]
    Network {
        /// The URL tried.
        url: String,
        /// What the transport said.
        message: String,
    },
    /// 401/403.
    #[error("the server refused the API key ({status}): {detail}")]
    Unauthorized {
        /// Status.
        status: u16,
        /// Server detail.
        detail: String,
    },
    /// 402: plan quota (Letta Cloud).
    #[error(
        "your Letta plan's agent quota is used up (402); delete agents or upgrade the plan: {0}"
    )]
    Quota(String),
    /// 404.
    #[error("not found (404): {0}")]
    NotFound(String),
    /// 409: agent busy.
    #[error("the agent is busy with another request (409); try again when it finishes: {0}")]
    Busy(String),
    /// 400/422: the request was refused as malformed.
    #[error("the server refused the request as invalid ({status}): {detail}")]
    Invalid {
        /// Status.
        status: u16,
        /// Server detail.
        detail: String,
    },
    /// 429 after all retries.
    #[error("rate limited (429) after {0} attempts; wait and try again")]
    RateLimited(u32),
    /// The model provider behind the server failed.
    #[error("the model provider failed: {0}")]
    Llm(String),
    /// Any other server error.
    #[error("server error {status}: {detail}")]
    Server {
        /// Status.
        status: u16,
        /// Server detail.
        detail: String,
    },
    /// The answer was not what the API promises.
    #[error("unexpected answer from the server: {0}")]
    Decode(String),
    /// Paging did not advance: the server answered the same cursor twice.
    #[error("the server's paging of {0} did not advance (the same page came back twice); the list cannot be read completely, so nothing was planned from it")]
    PagingStuck(String),
    /// A create failed in a way that may have taken effect, every time, and no lookup found
    /// the agent it may have made.
    #[error("creating agent '{name}' failed {} without a clear answer (last: {last}); no agent from this run (started {started}) was found afterwards. Run again: the plan will show whether it exists", crate::wording::count(*.attempts, "time"))]
    Ambiguous {
        /// The agent's name.
        name: String,
        /// Create attempts made.
        attempts: u32,
        /// The run's start time (its marker).
        started: String,
        /// The last failure.
        last: Box<ApiError>,
    },
}

impl ApiError {
    /// Whether the request may have taken effect although it failed (for creates).
    pub fn is_ambiguous(&self) -> bool {
        matches!(
            self,
            ApiError::Network { .. }
                | ApiError::Server {
                    status: 502..=504,
                    ..
                }
        )
    }
}

/// Retry settings.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts in total (1 = no retry).
    pub attempts: u32,
    /// First back-off in milliseconds; doubles each time.
    pub base_ms: u64,
    /// Largest back-off.
    pub max_ms: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 5,
            base_ms: 200,
            max_ms: 5_000,
        }
    }
}

/// Connection settings.
#[derive(Debug, Clone, Default)]
pub struct Connection {
    /// Server base URL without `/v1` (e.g. `http://127.0.0.1:8283`).
    pub base_url: String,
    /// API key (Letta Cloud or a `--secure` server).
    pub api_key: Option<String>,
    /// Letta Cloud project slug (`X-Project`).
    pub project: Option<String>,
}

/// Page size of list calls.
const PAGE: usize = 100;

/// A Letta client.
pub struct LettaClient<T> {
    transport: T,
    conn: Connection,
    retry: RetryPolicy,
    jitter: Cell<u64>,
}

fn detail(body: &str) -> String {
    let v: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let d = v
        .get("detail")
        .map(|d| {
            if let Some(s) = d.as_str() {
                s.to_string()
            } else {
                d.to_string()
            }
        })
        .or_else(|| {
            v.get("error").map(|e| {
                e.get("message")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .unwrap_or_else(|| e.to_string())
            })
        })
        .unwrap_or_else(|| body.chars().take(300).collect());
    d.chars().take(500).collect()
}

fn classify(status: u16, body: &str) -> ApiError {
    let d = detail(body);
    match status {
        401 | 403 => ApiError::Unauthorized { status, detail: d },
        402 => ApiError::Quota(d),
        404 => ApiError::NotFound(d),
        409 => ApiError::Busy(d),
        400 | 422 => ApiError::Invalid { status, detail: d },
        429 => ApiError::RateLimited(1),
        500 if body.contains("llm_error") => ApiError::Llm(d),
        _ => ApiError::Server { status, detail: d },
    }
}

/// How much of a streamed answer is kept for the error message, should its status be an
/// error (an error answer is a short JSON object; a reply's events are not kept).
const ERROR_BODY_KEPT: usize = 16 * 1024;

/// Appends to `head` as much of `chunk` as fits in `limit` bytes, cut at a character boundary.
fn keep_head(head: &mut String, chunk: &str, limit: usize) {
    let mut end = limit.saturating_sub(head.len()).min(chunk.len());
    while !chunk.is_char_boundary(end) {
        end -= 1;
    }
    head.push_str(&chunk[..end]);
}

fn retryable(status: u16) -> bool {
    matches!(status, 429 | 502 | 503 | 504)
}

fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Relationships every agent read asks for explicitly: an explicit `include` returns only what
/// it lists, and the default depends on client headers.
const AGENT_INCLUDE: &str =
    "include=agent.tags&include=agent.tools&include=agent.blocks&include=agent.sources";

impl<T: Transport> LettaClient<T> {
    /// A client for one server.
    pub fn new(transport: T, conn: Connection) -> Self {
        LettaClient {
            transport,
            conn,
            retry: RetryPolicy::default(),
            jitter: Cell::new(0x9e37_79b9),
        }
    }

    /// Changes the retry policy.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The transport (for counters).
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// The connection settings.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// The retry policy in force.
    pub fn retry_policy(&self) -> RetryPolicy {
        self.retry
    }

    /// Waits the back-off of retry number `attempt` (0-based), with jitter: for callers that
    /// retry on their own terms, such as the executor's lookups after an ambiguous create.
    pub async fn pause(&self, attempt: u32) {
        self.transport.sleep(self.backoff(attempt, None)).await;
    }

    fn url(&self, path: &str) -> String {
        format!("{}/v1{}", self.conn.base_url.trim_end_matches('/'), path)
    }

    fn request(&self, method: Method, path: &str, body: Body) -> Request {
        let mut headers = Vec::new();
        if let Some(k) = self.conn.api_key.as_ref().filter(|k| !k.is_empty()) {
            headers.push(("Authorization".into(), format!("Bearer {k}")));
        }
        if let Some(p) = self.conn.project.as_ref().filter(|p| !p.is_empty()) {
            headers.push(("X-Project".into(), p.clone()));
        }
        Request {
            method,
            url: self.url(path),
            headers,
            body,
        }
    }

    fn backoff(&self, attempt: u32, retry_after: Option<f64>) -> u64 {
        if let Some(s) = retry_after {
            return ((s * 1000.0) as u64).min(self.retry.max_ms * 4);
        }
        let base = self
            .retry
            .base_ms
            .saturating_mul(1 << attempt.min(10))
            .min(self.retry.max_ms);
        // xorshift jitter: spreads retries of parallel agents apart.
        let mut x = self.jitter.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.jitter.set(x);
        base / 2 + x % (base / 2 + 1)
    }

    /// Sends with the retry rules; returns the body text of a 2xx answer.
    async fn call(&self, method: Method, path: &str, body: Body) -> Result<String, ApiError> {
        let may_retry_everything = method != Method::Post;
        let mut attempt = 0;
        loop {
            let req = self.request(method, path, body.clone());
            let url = req.url.clone();
            let result = self.transport.send(req).await;
            let last = attempt + 1 >= self.retry.attempts;
            match result {
                Ok(r) if (200..300).contains(&r.status) => return Ok(r.body),
                Ok(r)
                    if !last
                        && (r.status == 429 || (may_retry_everything && retryable(r.status))) =>
                {
                    self.transport
                        .sleep(self.backoff(attempt, r.retry_after))
                        .await;
                }
                Ok(r) if r.status == 429 => return Err(ApiError::RateLimited(attempt + 1)),
                Ok(r) => return Err(classify(r.status, &r.body)),
                Err(e) if !last && may_retry_everything => {
                    let _ = e;
                    self.transport.sleep(self.backoff(attempt, None)).await;
                }
                Err(e) => return Err(ApiError::Network { url, message: e.0 }),
            }
            attempt += 1;
        }
    }

    async fn json(&self, method: Method, path: &str, body: Body) -> Result<Value, ApiError> {
        let text = self.call(method, path, body).await?;
        if text.trim().is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_str(&text)
            .map_err(|e| ApiError::Decode(diagnose::not_json(path, &text, &e.to_string())))
    }

    /// `POST path` whose answer is a stream of server-sent events: `feed` sees the body text
    /// as the network delivers it (an error answer's too: it is JSON, in which the callers'
    /// event parsers find no events). A non-2xx status becomes the error a whole-body call
    /// would give ([`classify`] of the body's first [`ERROR_BODY_KEPT`] bytes); no answer at
    /// all, [`ApiError::Network`]. Never retried: a message that may have reached the agent
    /// must not be sent twice.
    async fn post_streaming(
        &self,
        path: &str,
        body: Value,
        feed: &mut dyn FnMut(&str),
    ) -> Result<(), ApiError> {
        let req = self.request(Method::Post, path, Body::Json(body));
        let url = req.url.clone();
        let mut head = String::new();
        let status = self
            .transport
            .send_streaming(req, &mut |chunk: &str| {
                keep_head(&mut head, chunk, ERROR_BODY_KEPT);
                feed(chunk);
            })
            .await
            .map_err(|e| ApiError::Network { url, message: e.0 })?;
        if (200..300).contains(&status) {
            Ok(())
        } else {
            Err(classify(status, &head))
        }
    }

    async fn get(&self, path: &str) -> Result<Value, ApiError> {
        self.json(Method::Get, path, Body::Empty).await
    }

    async fn list_all(&self, path: &str) -> Result<Vec<Value>, ApiError> {
        let sep = if path.contains('?') { '&' } else { '?' };
        let mut out: Vec<Value> = Vec::new();
        let mut after: Option<String> = None;
        loop {
            // Oldest first: new objects land on the last page instead of shifting the cursor.
            let page_path = match &after {
                Some(a) => format!("{path}{sep}order=asc&limit={PAGE}&after={}", enc(a)),
                None => format!("{path}{sep}order=asc&limit={PAGE}"),
            };
            let page = match self.get(&page_path).await? {
                Value::Array(a) => a,
                other => {
                    return Err(ApiError::Decode(format!(
                        "{path}: expected a list, got {}",
                        other.to_string().chars().take(80).collect::<String>()
                    )))
                }
            };
            let n = page.len();
            let next = page
                .last()
                .and_then(|v| v.get("id"))
                .and_then(Value::as_str)
                .map(str::to_string);
            out.extend(page);
            if n < PAGE || next.is_none() {
                return Ok(out);
            }
            // A server that answers the same cursor again would loop for ever.
            if next == after {
                return Err(ApiError::PagingStuck(path.to_string()));
            }
            after = next;
        }
    }

    /// `GET /v1/health/`: the server version.
    pub async fn health(&self) -> Result<String, ApiError> {
        let v = self.get("/health/").await?;
        Ok(v.get("version")
            .and_then(Value::as_str)
            .unwrap_or("unknown")
            .to_string())
    }

    /// Every agent, with tags, tools, blocks and folders, by cursor paging.
    pub async fn list_agents(&self) -> Result<Vec<Value>, ApiError> {
        self.list_all(&format!("/agents/?{AGENT_INCLUDE}")).await
    }

    /// Agents with this exact name.
    pub async fn agents_named(&self, name: &str) -> Result<Vec<Value>, ApiError> {
        self.list_all(&format!("/agents/?name={}&{AGENT_INCLUDE}", enc(name)))
            .await
    }

    /// One agent with its relationships.
    pub async fn get_agent(&self, id: &str) -> Result<Value, ApiError> {
        self.get(&format!("/agents/{}?{AGENT_INCLUDE}", enc(id)))
            .await
    }

    /// Creates an agent from a full create body; returns its JSON.
    pub async fn create_agent(&self, body: Value) -> Result<Value, ApiError> {
        self.json(Method::Post, "/agents/", Body::Json(body)).await
    }

    /// Patches an agent.
    pub async fn patch_agent(&self, id: &str, body: Value) -> Result<Value, ApiError> {
        self.json(
            Method::Patch,
            &format!("/agents/{}", enc(id)),
            Body::Json(body),
        )
        .await
    }

    /// Deletes an agent (its blocks stay).
    pub async fn delete_agent(&self, id: &str) -> Result<(), ApiError> {
        self.call(Method::Delete, &format!("/agents/{}", enc(id)), Body::Empty)
            .await
            .map(|_| ())
    }

    /// Attaches (`attach = true`) or detaches an object: `kind` is `tools`,
    /// `core-memory/blocks`, `folders` or `archives`.
    pub async fn attachment(
        &self,
        agent: &str,
        kind: &str,
        id: &str,
        attach: bool,
    ) -> Result<(), ApiError> {
        let verb = if attach { "attach" } else { "detach" };
        self.call(
            Method::Patch,
            &format!("/agents/{}/{kind}/{verb}/{}", enc(agent), enc(id)),
            Body::Empty,
        )
        .await
        .map(|_| ())
    }
}
