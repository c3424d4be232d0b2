//! The native [`Transport`]: reqwest over rustls, for the command line, the engine tests and
//! the benchmarks (one implementation, so what the tests prove is what the CLI runs).

use canary_core::client::{Body, Method, NetworkError, Request, Response, Transport};
use futures::StreamExt;

/// A [`Transport`] over reqwest (HTTP and HTTPS).
#[derive(Clone)]
pub struct NativeTransport {
    http: reqwest::Client,
    /// Headers added to every request (e.g. Letta Cloud's `X-Project-Id`), which the core's
    /// connection settings do not carry.
    extra_headers: Vec<(String, String)>,
}

impl Default for NativeTransport {
    fn default() -> Self {
        NativeTransport {
            http: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(120))
                // A server that is not there should fail in seconds, not after two minutes.
                .connect_timeout(std::time::Duration::from_secs(10))
                .pool_max_idle_per_host(16)
                .user_agent(concat!("fleet-canary/", env!("CARGO_PKG_VERSION")))
                .build()
                .unwrap_or_default(),
            extra_headers: Vec::new(),
        }
    }
}

impl NativeTransport {
    /// Adds headers to every request.
    pub fn with_headers(mut self, headers: Vec<(String, String)>) -> Self {
        self.extra_headers = headers;
        self
    }

    fn build(&self, req: Request) -> reqwest::RequestBuilder {
        let m = match req.method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
            Method::Patch => reqwest::Method::PATCH,
            Method::Delete => reqwest::Method::DELETE,
        };
        let mut b = self.http.request(m, &req.url);
        for (k, v) in self.extra_headers.iter().chain(&req.headers) {
            b = b.header(k, v);
        }
        match req.body {
            Body::Empty => b,
            Body::Json(v) => b.json(&v),
            Body::File {
                name,
                content_type,
                content,
            } => {
                let part = reqwest::multipart::Part::bytes(content)
                    .file_name(name)
                    .mime_str(&content_type);
                match part {
                    Ok(p) => b.multipart(reqwest::multipart::Form::new().part("file", p)),
                    Err(_) => b,
                }
            }
        }
    }

    async fn start(&self, req: Request) -> Result<reqwest::Response, NetworkError> {
        self.build(req)
            .send()
            .await
            .map_err(|e| NetworkError(describe(&e)))
    }
}

/// reqwest's top-level message ("error sending request for url …") hides the cause
/// (connection refused, certificate problem); the user needs the whole chain.
fn describe(e: &reqwest::Error) -> String {
    let mut out = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

impl Transport for NativeTransport {
    async fn send(&self, req: Request) -> Result<Response, NetworkError> {
        let r = self.start(req).await?;
        let status = r.status().as_u16();
        let header = |name: &str| r.headers().get(name).and_then(|v| v.to_str().ok());
        let retry_after = header("retry-after")
            .and_then(|v| canary_core::client::retry_after_seconds(v, header("date")));
        let body = r.text().await.map_err(|e| NetworkError(describe(&e)))?;
        Ok(Response {
            status,
            body,
            retry_after,
        })
    }

    async fn send_streaming(
        &self,
        req: Request,
        on_chunk: &mut dyn FnMut(&str),
    ) -> Result<u16, NetworkError> {
        let r = self.start(req).await?;
        let status = r.status().as_u16();
        let mut stream = r.bytes_stream();
        let mut pending: Vec<u8> = Vec::new();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| NetworkError(describe(&e)))?;
            pending.extend_from_slice(&chunk);
            // Hand over only complete UTF-8; keep a split character for the next chunk.
            let valid = match std::str::from_utf8(&pending) {
                Ok(s) => s.len(),
                Err(e) => e.valid_up_to(),
            };
            if valid > 0 {
                on_chunk(&String::from_utf8_lossy(&pending[..valid]));
                pending.drain(..valid);
            }
        }
        Ok(status)
    }

    async fn sleep(&self, ms: u64) {
        tokio::time::sleep(std::time::Duration::from_millis(ms)).await
    }
}
