//! All browser I/O: the `fetch` transport for the core's Letta client, timers, the clock.

use canary_core::client::{
    retry_after_seconds, Body, Connection, LettaClient, Method, NetworkError, Request, Response,
    Transport,
};
use gloo_net::http::RequestBuilder;

mod deadline;
use deadline::Deadline;
pub use deadline::{on_no_answer, probe_health};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// The core's transport over the browser's `fetch`.
#[derive(Clone, Copy, Default)]
pub struct BrowserTransport;

fn builder(req: &Request, signal: Option<&web_sys::AbortSignal>) -> RequestBuilder {
    let mut b = match req.method {
        Method::Get => RequestBuilder::new(&req.url).method(gloo_net::http::Method::GET),
        Method::Post => RequestBuilder::new(&req.url).method(gloo_net::http::Method::POST),
        Method::Put => RequestBuilder::new(&req.url).method(gloo_net::http::Method::PUT),
        Method::Patch => RequestBuilder::new(&req.url).method(gloo_net::http::Method::PATCH),
        Method::Delete => RequestBuilder::new(&req.url).method(gloo_net::http::Method::DELETE),
    };
    for (k, v) in &req.headers {
        b = b.header(k, v);
    }
    b.abort_signal(signal)
}

fn network(e: impl std::fmt::Display) -> NetworkError {
    NetworkError(format!(
        "{e} (no HTTP answer: the server is down, or it refused this page's origin)"
    ))
}

async fn send_raw(
    req: Request,
    signal: Option<&web_sys::AbortSignal>,
) -> Result<web_sys::Response, NetworkError> {
    let b = builder(&req, signal);
    let request = match req.body {
        Body::Empty => b.build(),
        Body::Json(v) => b
            .header("Content-Type", "application/json")
            .body(v.to_string()),
        Body::File {
            name,
            content_type,
            content,
        } => {
            // Bytes, not text: a binary document must reach the server unchanged.
            let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(content.as_slice()));
            let opts = web_sys::BlobPropertyBag::new();
            opts.set_type(&content_type);
            let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &opts)
                .map_err(|e| network(format!("{e:?}")))?;
            let form = web_sys::FormData::new().map_err(|e| network(format!("{e:?}")))?;
            form.append_with_blob_and_filename("file", &blob, &name)
                .map_err(|e| network(format!("{e:?}")))?;
            b.body(form)
        }
    }
    .map_err(network)?;
    let resp = request.send().await.map_err(network)?;
    Ok(resp.into())
}

/// One request within its time limit (`deadline`), `signal` being an outside abort.
async fn send_with(
    req: Request,
    signal: Option<&web_sys::AbortSignal>,
) -> Result<Response, NetworkError> {
    let deadline = Deadline::new(deadline::limit_ms(&req));
    let joined = deadline.signal(signal);
    deadline.settle(send_once(req, joined.as_ref()).await, signal)
}

async fn send_once(
    req: Request,
    signal: Option<&web_sys::AbortSignal>,
) -> Result<Response, NetworkError> {
    let resp = send_raw(req, signal).await?;
    let status = resp.status();
    // Visible only when the server exposes them (Access-Control-Expose-Headers).
    let header = |name: &str| resp.headers().get(name).ok().flatten();
    let retry_after =
        header("retry-after").and_then(|v| retry_after_seconds(&v, header("date").as_deref()));
    let text = JsFuture::from(resp.text().map_err(|e| network(format!("{e:?}")))?)
        .await
        .map_err(|e| network(format!("{e:?}")))?;
    Ok(Response {
        status,
        body: text.as_string().unwrap_or_default(),
        retry_after,
    })
}

/// A streamed request: the time limit runs until the answer starts, then between chunks.
async fn stream_with(
    req: Request,
    signal: Option<&web_sys::AbortSignal>,
    on_chunk: &mut dyn FnMut(&str),
) -> Result<u16, NetworkError> {
    let deadline = Deadline::new(deadline::limit_ms(&req));
    let joined = deadline.signal(signal);
    let mut chunk = |text: &str| {
        deadline.rearm();
        on_chunk(text)
    };
    let result = stream_once(req, joined.as_ref(), &mut chunk).await;
    deadline.settle(result, signal)
}

async fn stream_once(
    req: Request,
    signal: Option<&web_sys::AbortSignal>,
    on_chunk: &mut dyn FnMut(&str),
) -> Result<u16, NetworkError> {
    let resp = send_raw(req, signal).await?;
    let status = resp.status();
    let Some(body) = resp.body() else {
        return Ok(status);
    };
    let reader: web_sys::ReadableStreamDefaultReader = body.get_reader().unchecked_into();
    let decoder = web_sys::TextDecoder::new().map_err(|e| network(format!("{e:?}")))?;
    let opts = web_sys::TextDecodeOptions::new();
    opts.set_stream(true);
    loop {
        let chunk = JsFuture::from(reader.read())
            .await
            .map_err(|e| network(format!("{e:?}")))?;
        let done = js_sys::Reflect::get(&chunk, &"done".into())
            .ok()
            .and_then(|d| d.as_bool())
            .unwrap_or(true);
        if done {
            break;
        }
        let value =
            js_sys::Reflect::get(&chunk, &"value".into()).map_err(|e| network(format!("{e:?}")))?;
        let bytes: js_sys::Uint8Array = value.unchecked_into();
        let text = decoder
            .decode_with_js_u8_array_and_options(&bytes, &opts)
            .unwrap_or_default();
        on_chunk(&text);
    }
    Ok(status)
}

impl Transport for BrowserTransport {
    async fn send(&self, req: Request) -> Result<Response, NetworkError> {
        send_with(req, None).await
    }

    async fn send_streaming(
        &self,
        req: Request,
        on_chunk: &mut dyn FnMut(&str),
    ) -> Result<u16, NetworkError> {
        stream_with(req, None, on_chunk).await
    }

    async fn sleep(&self, ms: u64) {
        gloo_timers::future::TimeoutFuture::new(ms.min(u64::from(u32::MAX)) as u32).await
    }
}

/// The fetch transport with an abort signal: aborting its controller ends the request where
/// it is (a streamed reply stops arriving; the core then sees a network error).
#[derive(Clone)]
pub struct AbortableTransport(pub web_sys::AbortSignal);

impl Transport for AbortableTransport {
    async fn send(&self, req: Request) -> Result<Response, NetworkError> {
        send_with(req, Some(&self.0)).await
    }

    async fn send_streaming(
        &self,
        req: Request,
        on_chunk: &mut dyn FnMut(&str),
    ) -> Result<u16, NetworkError> {
        stream_with(req, Some(&self.0), on_chunk).await
    }

    async fn sleep(&self, ms: u64) {
        BrowserTransport.sleep(ms).await
    }
}

/// A client whose requests `signal` can abort (the chat's Stop button).
pub fn abortable_client(
    conn: &Connection,
    signal: web_sys::AbortSignal,
) -> LettaClient<AbortableTransport> {
    LettaClient::new(AbortableTransport(signal), conn.clone())
}

/// Milliseconds since the epoch (for measuring replies).
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// A client for the configured server.
pub fn client(conn: &Connection) -> LettaClient<BrowserTransport> {
    LettaClient::new(BrowserTransport, conn.clone())
}

/// Now, as ISO-8601 UTC.
pub fn now_iso() -> String {
    js_sys::Date::new_0()
        .to_iso_string()
        .as_string()
        .unwrap_or_default()
}

/// This page's origin (for the CORS explanation).
pub fn origin() -> String {
    web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default()
}

/// The origin (`scheme://host:port`) of a server URL, which is what an API key is bound to.
/// A URL the browser cannot parse is its own origin, so it never matches another server.
pub fn origin_of(url: &str) -> String {
    web_sys::Url::new(url.trim())
        .map(|u| u.origin())
        .ok()
        .filter(|o| o != "null")
        .unwrap_or_else(|| url.trim().to_string())
}

fn storage(session: bool) -> Option<web_sys::Storage> {
    let w = web_sys::window()?;
    if session {
        w.session_storage().ok()?
    } else {
        w.local_storage().ok()?
    }
}

/// Reads a stored value (`session`: sessionStorage, else localStorage).
pub fn load(session: bool, key: &str) -> Option<String> {
    storage(session)?.get_item(key).ok()?
}

/// Stores a value; `None` removes it.
pub fn store(session: bool, key: &str, value: Option<&str>) {
    if let Some(s) = storage(session) {
        let _ = match value {
            Some(v) => s.set_item(key, v),
            None => s.remove_item(key),
        };
    }
}

/// Offers text as a file download.
pub fn download(name: &str, text: &str, mime: &str) {
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
        if let Ok(a) = doc.create_element("a") {
            let a: web_sys::HtmlAnchorElement = a.unchecked_into();
            a.set_href(&url);
            a.set_download(name);
            a.click();
        }
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}

/// The file input that fired `ev` (a `change` on `<input type=file>`) and the files chosen in
/// it; none when the event did not come from a file input. One place for the steps from an
/// input's event to its files, which every file input of the app takes. The list is live:
/// read it (`read_files`) before clearing the input, which empties it.
pub fn picked_files(ev: &web_sys::Event) -> Option<(web_sys::HtmlInputElement, web_sys::FileList)> {
    let input = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())?;
    let list = input.files()?;
    Some((input, list))
}

/// Reads the files chosen in a file input: (relative path, bytes). Bytes, because folder
/// documents may be binary; the core checks that prompts and sources are text.
pub async fn read_files(list: web_sys::FileList) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for i in 0..list.length() {
        let Some(file) = list.get(i) else { continue };
        let rel = js_sys::Reflect::get(&file, &"webkitRelativePath".into())
            .ok()
            .and_then(|v| v.as_string())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| file.name());
        if let Ok(buffer) = JsFuture::from(file.array_buffer()).await {
            out.push((rel, js_sys::Uint8Array::new(&buffer).to_vec()));
        }
    }
    out
}
