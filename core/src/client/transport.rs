//! The transport seam: the only way the core reaches the network.
//!
//! The browser implements it with `fetch` (gloo-net), tests with a native HTTP client; fault
//! injection and request counting wrap any transport. Futures are not `Send` because the
//! browser's are not.

use std::cell::Cell;
use std::future::Future;

/// HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GET
    Get,
    /// POST
    Post,
    /// PUT
    Put,
    /// PATCH
    Patch,
    /// DELETE
    Delete,
}

impl Method {
    /// The method name.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }

    /// Whether the request changes server state.
    pub fn is_write(self) -> bool {
        self != Method::Get
    }
}

/// A request body.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// No body.
    Empty,
    /// A JSON document.
    Json(serde_json::Value),
    /// One file as `multipart/form-data` field `file`.
    File {
        /// File name sent to the server.
        name: String,
        /// MIME type.
        content_type: String,
        /// Contents, as bytes: folder documents may be binary (a PDF is uploaded as it is).
        content: Vec<u8>,
    },
}

/// A request, fully addressed.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// Method.
    pub method: Method,
    /// Absolute URL.
    pub url: String,
    /// Extra headers (auth, project).
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Body,
}

/// A response: status and the whole body as text.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// HTTP status.
    pub status: u16,
    /// Body text.
    pub body: String,
    /// `Retry-After` in seconds, when the server sent one.
    pub retry_after: Option<f64>,
}

/// Seconds to wait from a `Retry-After` header: delta-seconds (`120`) or an HTTP-date
/// (`Wed, 21 Oct 2026 07:28:00 GMT`). A date is measured against the response's own `Date`
/// header, so no local clock is needed (the core has none); without a `Date`, a date value
/// cannot be turned into a wait and `None` is returned (the normal back-off then applies).
/// Every transport calls this, so they all read the header alike.
pub fn retry_after_seconds(value: &str, date: Option<&str>) -> Option<f64> {
    let v = value.trim();
    if let Ok(s) = v.parse::<f64>() {
        return (s.is_finite() && s >= 0.0).then_some(s);
    }
    let until = http_date_seconds(v)?;
    let now = http_date_seconds(date?.trim())?;
    Some((until - now).max(0) as f64)
}

/// Seconds since the epoch of an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the form
/// RFC 9110 requires servers to send.
fn http_date_seconds(s: &str) -> Option<i64> {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (_, rest) = s.split_once(", ")?;
    let parts: Vec<&str> = rest.split(' ').collect();
    let [day, month, year, time, "GMT"] = parts.as_slice() else {
        return None;
    };
    let m = MONTHS.iter().position(|x| x == month)? + 1;
    if day.len() != 2 || year.len() != 4 || time.len() != 8 {
        return None;
    }
    crate::inspect::epoch_seconds(&format!("{year}-{m:02}-{day}T{time}Z"))
}

/// A request that got no HTTP answer (connection refused, DNS, CORS refusal, timeout).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct NetworkError(pub String);

/// Sends requests. Implemented by the browser app and by native tests.
pub trait Transport {
    /// Sends one request and reads the whole response.
    fn send(&self, req: Request) -> impl Future<Output = Result<Response, NetworkError>>;

    /// Sends a request whose answer is a stream (server-sent events), feeding body text to
    /// `on_chunk` as it arrives; returns the status. The default reads the whole body first.
    fn send_streaming(
        &self,
        req: Request,
        on_chunk: &mut dyn FnMut(&str),
    ) -> impl Future<Output = Result<u16, NetworkError>> {
        async move {
            let r = self.send(req).await?;
            on_chunk(&r.body);
            Ok(r.status)
        }
    }

    /// Waits (for retry back-off).
    fn sleep(&self, ms: u64) -> impl Future<Output = ()>;
}

/// Counts the requests and writes that pass through a transport.
#[derive(Debug, Default)]
pub struct Counting<T> {
    /// The wrapped transport.
    pub inner: T,
    requests: Cell<u64>,
    writes: Cell<u64>,
}

impl<T> Counting<T> {
    /// Wraps a transport.
    pub fn new(inner: T) -> Self {
        Counting {
            inner,
            requests: Cell::new(0),
            writes: Cell::new(0),
        }
    }

    /// Requests sent so far.
    pub fn requests(&self) -> u64 {
        self.requests.get()
    }

    /// Writes (non-GET requests) sent so far.
    pub fn writes(&self) -> u64 {
        self.writes.get()
    }

    /// Starts counting from zero.
    pub fn reset(&self) {
        self.requests.set(0);
        self.writes.set(0);
    }

    fn count(&self, m: Method) {
        self.requests.set(self.requests.get() + 1);
        if m.is_write() {
            self.writes.set(self.writes.get() + 1);
        }
    }
}

impl<T: Transport> Transport for Counting<T> {
    async fn send(&self, req: Request) -> Result<Response, NetworkError> {
        self.count(req.method);
        self.inner.send(req).await
    }

    async fn send_streaming(
        &self,
        req: Request,
        on_chunk: &mut dyn FnMut(&str),
    ) -> Result<u16, NetworkError> {
        self.count(req.method);
        self.inner.send_streaming(req, on_chunk).await
    }

    async fn sleep(&self, ms: u64) {
        self.inner.sleep(ms).await
    }
}

impl<T: Transport> Transport for &T {
    async fn send(&self, req: Request) -> Result<Response, NetworkError> {
        (*self).send(req).await
    }

    async fn send_streaming(
        &self,
        req: Request,
        on_chunk: &mut dyn FnMut(&str),
    ) -> Result<u16, NetworkError> {
        (*self).send_streaming(req, on_chunk).await
    }

    async fn sleep(&self, ms: u64) {
        (*self).sleep(ms).await
    }
}
