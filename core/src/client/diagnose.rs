//! Why a Letta server cannot be used, in words a user can act on.
//!
//! A browser only says "Failed to fetch", a JSON parser "expected value at line 1 column 1",
//! and a server URL with `/v1` at the end gives a bare 404. The app probes `GET /v1/health/`
//! once and hands what it got ([`Probe`]) to [`diagnose`], which names the common mistakes —
//! a trailing `/v1`, `https` to a plain-HTTP local server, a port nothing listens on, a web
//! page instead of the API, this page's origin refused (CORS), a refused API key — and says
//! what to change. Pure, so every case is unit-tested here and the page only draws the result.

use serde_json::Value;

/// The port a local Letta server listens on unless told otherwise (`letta server --port`).
pub const DEFAULT_LOCAL_PORT: u16 = 8283;

/// What one health request got back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Probe {
    /// An HTTP answer (any status), with its body text.
    Answer {
        /// HTTP status.
        status: u16,
        /// Body text.
        body: String,
    },
    /// No HTTP answer at all.
    NoAnswer {
        /// What the transport said.
        message: String,
        /// Set when the app gave up waiting after this many seconds (the request hung).
        timed_out_after: Option<u32>,
        /// Whether a request that needs no permission from the server (a browser's `no-cors`
        /// fetch) reached it: `Some(true)` means something answers there and only this page's
        /// origin is refused; `Some(false)` that nothing answers; `None` when not checked.
        reachable: Option<bool>,
    },
}

/// Why the server at a URL cannot be used, with what to do. [`ConnectionProblem::title`] is
/// the short form for a status chip; the `Display` text is the whole explanation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConnectionProblem {
    /// The text is not an `http://` or `https://` URL.
    #[error("\"{url}\" is not a server URL: enter one that starts with http:// or https://, such as http://127.0.0.1:{DEFAULT_LOCAL_PORT}")]
    InvalidUrl {
        /// What was entered.
        url: String,
    },
    /// The URL ends in `/v1`; the app adds `/v1` itself, so every request went to `/v1/v1/…`.
    #[error("The server URL ends in /v1, but the app adds /v1 itself, so {url}/v1/health/ was not found (404). Use {suggested} instead.")]
    TrailingV1 {
        /// The URL entered.
        url: String,
        /// The URL without `/v1`.
        suggested: String,
    },
    /// The URL has a path after the host, and the API is not found below it.
    #[error("{url} has no Letta API below it (404 for {url}/v1/health/). Enter the server's address without a path: {suggested}.")]
    ExtraPath {
        /// The URL entered.
        url: String,
        /// Scheme, host and port only.
        suggested: String,
    },
    /// `https://` to a loopback address got no answer: a local server speaks plain HTTP.
    #[error(
        "No answer from {url}. A local Letta server speaks plain HTTP, not HTTPS: use {suggested}."
    )]
    HttpsToLocal {
        /// The URL entered.
        url: String,
        /// The same address with `http://`.
        suggested: String,
    },
    /// An `https://` page may not call an `http://` server on another host (mixed content).
    #[error("This page was loaded over HTTPS ({origin}), and the browser blocks its requests to the plain-HTTP server {url} (mixed content). Use the server's https:// address, or open the app over http://.")]
    MixedContent {
        /// The URL entered.
        url: String,
        /// This page's origin.
        origin: String,
    },
    /// Nothing answers at the URL (connection refused, unknown host).
    #[error("Nothing answers at {url}: no server is running there.{hint}")]
    NothingListening {
        /// The URL entered.
        url: String,
        /// What to try: start the local server, or the default port.
        hint: String,
    },
    /// Something answers at the URL, but the browser refused the answer to this page: the
    /// server does not allow this page's origin (CORS).
    #[error("The server at {url} is running but refuses this page's origin ({origin}): start it with ACCEPTABLE_ORIGINS={origin} (comma-separated; `make run` allows the app's port for you), or ask its operator to add it.")]
    OriginRefused {
        /// The URL entered.
        url: String,
        /// This page's origin.
        origin: String,
    },
    /// No answer, and whether anything listens could not be told apart from a CORS refusal.
    #[error("No answer from {url}. Either the server is not running, or it refuses this page's origin: start it with ACCEPTABLE_ORIGINS={origin} (comma-separated; `make run` allows the app's port for you).")]
    Unreachable {
        /// The URL entered.
        url: String,
        /// This page's origin (empty outside a browser).
        origin: String,
    },
    /// The request hung until the app gave up.
    #[error("{url} did not answer within {seconds} s: the server is overloaded or stuck, or a proxy holds the request. Retry; if it keeps timing out, restart the server.")]
    TimedOut {
        /// The URL entered.
        url: String,
        /// How long the app waited.
        seconds: u32,
    },
    /// The URL is this app's own address: the app answered with its page.
    #[error("{url} is this app's own address, which answers with the app's web page, not the Letta API. Enter the Letta server's URL (a local one is at http://127.0.0.1:{DEFAULT_LOCAL_PORT} by default).")]
    ThisApp {
        /// The URL entered.
        url: String,
    },
    /// A web page (HTML) answered instead of the API's JSON.
    #[error("{url} answered with a web page (HTML, status {status}), not the Letta API's JSON: the URL points at another site or the wrong port. A local Letta server is at http://127.0.0.1:{DEFAULT_LOCAL_PORT} by default.")]
    Html {
        /// The URL entered.
        url: String,
        /// The status of the page.
        status: u16,
    },
    /// An answer that is neither JSON nor HTML.
    #[error("{url} answered (status {status}) with something that is not JSON (\"{start}\"): it is not a Letta server. Check the host and port.")]
    NotJson {
        /// The URL entered.
        url: String,
        /// Status.
        status: u16,
        /// The first characters of the answer.
        start: String,
    },
    /// JSON, but not a Letta health answer, or no health route at all.
    #[error("{url} answers, but not like a Letta server (its /v1/health/ {what}). Check the host and port.")]
    NotLetta {
        /// The URL entered.
        url: String,
        /// What the health route gave.
        what: String,
    },
    /// 401/403: the API key is missing or wrong.
    #[error("{}", key_refused(url, *status, *had_key, detail))]
    KeyRefused {
        /// The URL entered.
        url: String,
        /// 401 or 403.
        status: u16,
        /// Whether the request carried a key.
        had_key: bool,
        /// The server's words.
        detail: String,
    },
    /// Any other error status.
    #[error("{url} answered its health check with error {status}: {detail}. The server is up but failing; see its log, then retry.")]
    ServerError {
        /// The URL entered.
        url: String,
        /// Status.
        status: u16,
        /// The server's words.
        detail: String,
    },
}

fn key_refused(url: &str, status: u16, had_key: bool, detail: &str) -> String {
    let what = if had_key {
        "refused the API key"
    } else {
        "needs an API key"
    };
    let detail = if detail.is_empty() {
        String::new()
    } else {
        format!(" ({detail})")
    };
    format!(
        "{url} {what} ({status}){detail}. Enter this server's key in the API key field (Letta Cloud: a key from app.letta.com; a self-hosted server started with --secure: its password)."
    )
}

impl ConnectionProblem {
    /// A few words for the header's status chip.
    pub fn title(&self) -> &'static str {
        match self {
            ConnectionProblem::InvalidUrl { .. }
            | ConnectionProblem::TrailingV1 { .. }
            | ConnectionProblem::ExtraPath { .. }
            | ConnectionProblem::HttpsToLocal { .. }
            | ConnectionProblem::ThisApp { .. } => "wrong server URL",
            ConnectionProblem::MixedContent { .. } => "blocked: mixed content",
            ConnectionProblem::NothingListening { .. } => "server not running",
            ConnectionProblem::OriginRefused { .. } => "origin refused",
            ConnectionProblem::Unreachable { .. } => "server unreachable",
            ConnectionProblem::TimedOut { .. } => "server timed out",
            ConnectionProblem::Html { .. }
            | ConnectionProblem::NotJson { .. }
            | ConnectionProblem::NotLetta { .. } => "not a Letta server",
            ConnectionProblem::KeyRefused { .. } => "API key refused",
            ConnectionProblem::ServerError { .. } => "server error",
        }
    }

    /// A corrected URL to offer with one click, when the mistake is clear from the URL.
    pub fn suggested_url(&self) -> Option<&str> {
        match self {
            ConnectionProblem::TrailingV1 { suggested, .. }
            | ConnectionProblem::ExtraPath { suggested, .. }
            | ConnectionProblem::HttpsToLocal { suggested, .. } => Some(suggested),
            _ => None,
        }
    }
}

/// The pieces of a URL the diagnosis needs (no full URL parser: the bundle stays small).
struct Parts<'a> {
    scheme: String,
    host: &'a str,
    port: Option<u16>,
    path: &'a str,
}

impl Parts<'_> {
    fn port_or_default(&self) -> u16 {
        self.port
            .unwrap_or(if self.scheme == "https" { 443 } else { 80 })
    }

    fn origin(&self) -> String {
        match self.port {
            Some(p) => format!("{}://{}:{p}", self.scheme, self.host),
            None => format!("{}://{}", self.scheme, self.host),
        }
    }

    fn loopback(&self) -> bool {
        let h = self.host.to_ascii_lowercase();
        h == "localhost" || h.starts_with("127.") || h == "[::1]" || h == "0.0.0.0"
    }
}

fn parts(url: &str) -> Option<Parts<'_>> {
    let (scheme, rest) = url.trim().split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(end);
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    let (host, port) = if let Some(close) = authority.strip_prefix('[').and_then(|a| a.find(']')) {
        let (h, p) = authority.split_at(close + 2);
        (h, p.strip_prefix(':'))
    } else {
        match authority.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return None;
    }
    let port = match port {
        Some(p) => Some(p.parse::<u16>().ok()?),
        None => None,
    };
    Some(Parts {
        scheme,
        host,
        port,
        path: path.split(['?', '#']).next().unwrap_or_default(),
    })
}

fn without_v1(url: &str) -> Option<String> {
    let t = url.trim().trim_end_matches('/');
    let cut = t.len().checked_sub(3)?;
    t.get(cut..)
        .filter(|s| s.eq_ignore_ascii_case("/v1"))
        .map(|_| t[..cut].trim_end_matches('/').to_string())
}

/// Whether a body is a web page rather than an API answer.
pub fn looks_like_html(body: &str) -> bool {
    // JSON never starts with `<`; every HTML page (doctype, comment, tag) does.
    body.trim_start().starts_with('<')
}

fn start_of(body: &str) -> String {
    let s: String = body.trim().chars().take(40).collect();
    s.replace(['\n', '\r'], " ")
}

fn detail_of(body: &str) -> String {
    let d = serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| {
            v.get("detail").map(|d| {
                d.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| d.to_string())
            })
        })
        .unwrap_or_else(|| start_of(body));
    d.chars().take(200).collect()
}

/// The outcome of a health probe of the server at `url`: its version when it is a healthy
/// Letta server, otherwise the problem in words. `page_origin` is the origin of the page that
/// asked (a browser's `location.origin`), `None` outside a browser; `had_key` whether the
/// request carried an API key.
pub fn diagnose(
    url: &str,
    page_origin: Option<&str>,
    had_key: bool,
    probe: &Probe,
) -> Result<String, ConnectionProblem> {
    let url = url.trim().trim_end_matches('/').to_string();
    let Some(p) = parts(&url) else {
        return Err(ConnectionProblem::InvalidUrl { url });
    };
    let origin = page_origin.unwrap_or_default().to_string();
    let same_origin = page_origin.and_then(parts).is_some_and(|o| {
        o.scheme == p.scheme
            && o.host.eq_ignore_ascii_case(p.host)
            && o.port_or_default() == p.port_or_default()
    });
    match probe {
        Probe::Answer { status, body } => {
            let status = *status;
            let html = looks_like_html(body);
            if (200..300).contains(&status) {
                return match serde_json::from_str::<Value>(body) {
                    Ok(v) => match v.get("version").and_then(Value::as_str) {
                        Some(version) => Ok(version.to_string()),
                        None => Err(ConnectionProblem::NotLetta {
                            url,
                            what: format!("gave {}", start_of(body)),
                        }),
                    },
                    Err(_) if html && same_origin => Err(ConnectionProblem::ThisApp { url }),
                    Err(_) if html => Err(ConnectionProblem::Html { url, status }),
                    Err(_) => Err(ConnectionProblem::NotJson {
                        url,
                        status,
                        start: start_of(body),
                    }),
                };
            }
            match status {
                401 | 403 => Err(ConnectionProblem::KeyRefused {
                    url,
                    status,
                    had_key,
                    detail: if html { String::new() } else { detail_of(body) },
                }),
                404 | 405 => {
                    if let Some(suggested) = without_v1(&url) {
                        Err(ConnectionProblem::TrailingV1 { url, suggested })
                    } else if !p.path.trim_matches('/').is_empty() {
                        let suggested = p.origin();
                        Err(ConnectionProblem::ExtraPath { url, suggested })
                    } else if html && same_origin {
                        Err(ConnectionProblem::ThisApp { url })
                    } else if html {
                        Err(ConnectionProblem::Html { url, status })
                    } else {
                        Err(ConnectionProblem::NotLetta {
                            url,
                            what: format!("was not found ({status})"),
                        })
                    }
                }
                _ if html => Err(ConnectionProblem::Html { url, status }),
                _ => Err(ConnectionProblem::ServerError {
                    url,
                    status,
                    detail: detail_of(body),
                }),
            }
        }
        Probe::NoAnswer {
            timed_out_after,
            reachable,
            ..
        } => {
            if let Some(seconds) = timed_out_after {
                return Err(ConnectionProblem::TimedOut {
                    url,
                    seconds: *seconds,
                });
            }
            let page_https =
                page_origin.is_some_and(|o| o.to_ascii_lowercase().starts_with("https://"));
            if page_https && p.scheme == "http" && !p.loopback() {
                return Err(ConnectionProblem::MixedContent { url, origin });
            }
            if p.scheme == "https" && p.loopback() && *reachable != Some(true) {
                let rest = url.split_once("://").map_or("", |(_, r)| r);
                let suggested = format!("http://{rest}");
                return Err(ConnectionProblem::HttpsToLocal { url, suggested });
            }
            match reachable {
                Some(true) => Err(ConnectionProblem::OriginRefused { url, origin }),
                Some(false) => {
                    let port = p.port_or_default();
                    let hint = if p.loopback() && port != DEFAULT_LOCAL_PORT {
                        format!(" A local Letta server listens on port {DEFAULT_LOCAL_PORT} unless started with another --port: check the port ({port} here), or start the server (`make letta-up`).")
                    } else if p.loopback() {
                        " Start it (`make letta-up` in Fleet Canary's checkout, or `letta server`), then retry.".to_string()
                    } else {
                        " Check the host name and port, and that the server is up.".to_string()
                    };
                    Err(ConnectionProblem::NothingListening { url, hint })
                }
                None => Err(ConnectionProblem::Unreachable { url, origin }),
            }
        }
    }
}

/// The error text for an API answer that should have been JSON and was not: a web page gets
/// words (the server URL points at a site, not at the Letta API) instead of the parser's
/// "expected value at line 1 column 1".
pub fn not_json(path: &str, body: &str, parse_error: &str) -> String {
    if looks_like_html(body) {
        format!("{path}: the server answered with a web page (HTML), not the Letta API's JSON; the server URL points at another site or the wrong port (check it in the Connection view)")
    } else {
        format!(
            "{path}: the answer is not JSON ({parse_error}): \"{}\"",
            start_of(body)
        )
    }
}

#[cfg(test)]
mod tests;
