//! The core's [`Transport`] over the global `fetch`, for the JavaScript package.
//!
//! It binds `fetch` and `setTimeout` as globals rather than through `window`, because Node 20
//! has both (and `FormData`, `Blob`, `Headers`, `TextDecoder`) but no `window`; the same code
//! then runs in browsers and in workers. The web app keeps its own transport (`web/src/api.rs`)
//! so that this module never lands in its bundle.

use crate::client::{Body, NetworkError, Request, Response, Transport};
use js_sys::{Array, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = fetch)]
    fn global_fetch(input: &web_sys::Request) -> Promise;

    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &js_sys::Function, ms: i32) -> JsValue;
}

/// Sends requests with the global `fetch` (Node 20+, browsers, workers).
#[derive(Debug, Clone, Copy, Default)]
pub struct FetchTransport;

/// The text of a JS error, with its `cause` (Node's fetch says only "fetch failed" and puts
/// the reason, such as `ECONNREFUSED`, there).
fn describe(e: &JsValue) -> String {
    let field = |v: &JsValue, k: &str| {
        Reflect::get(v, &k.into())
            .ok()
            .filter(|x| !x.is_undefined() && !x.is_null())
    };
    let text = |v: &JsValue| {
        field(v, "message")
            .and_then(|m| m.as_string())
            .or_else(|| v.as_string())
            .unwrap_or_else(|| format!("{v:?}"))
    };
    let mut out = text(e);
    if let Some(cause) = field(e, "cause") {
        let c = field(&cause, "code")
            .and_then(|c| c.as_string())
            .unwrap_or_else(|| text(&cause));
        out = format!("{out} ({c})");
    }
    out
}

fn network(e: JsValue) -> NetworkError {
    NetworkError(describe(&e))
}

fn build(req: Request) -> Result<web_sys::Request, NetworkError> {
    let headers = web_sys::Headers::new().map_err(network)?;
    for (k, v) in &req.headers {
        headers.append(k, v).map_err(network)?;
    }
    let init = web_sys::RequestInit::new();
    init.set_method(req.method.as_str());
    match req.body {
        Body::Empty => {}
        Body::Json(v) => {
            headers
                .append("Content-Type", "application/json")
                .map_err(network)?;
            init.set_body(&JsValue::from_str(&v.to_string()));
        }
        Body::File {
            name,
            content_type,
            content,
        } => {
            // fetch sets the multipart boundary itself when the body is a FormData.
            // Bytes, not text: a binary document must reach the server unchanged.
            let parts = Array::of1(&Uint8Array::from(content.as_slice()));
            let opts = web_sys::BlobPropertyBag::new();
            opts.set_type(&content_type);
            let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &opts)
                .map_err(network)?;
            let form = web_sys::FormData::new().map_err(network)?;
            form.append_with_blob_and_filename("file", &blob, &name)
                .map_err(network)?;
            init.set_body(&form);
        }
    }
    init.set_headers(&headers);
    web_sys::Request::new_with_str_and_init(&req.url, &init).map_err(network)
}

async fn send_raw(req: Request) -> Result<web_sys::Response, NetworkError> {
    let request = build(req)?;
    let resp = JsFuture::from(global_fetch(&request))
        .await
        .map_err(network)?;
    Ok(resp.unchecked_into())
}

impl Transport for FetchTransport {
    async fn send(&self, req: Request) -> Result<Response, NetworkError> {
        let resp = send_raw(req).await?;
        let status = resp.status();
        let retry_after = resp
            .headers()
            .get("retry-after")
            .ok()
            .flatten()
            .and_then(|v| v.trim().parse().ok());
        let text = JsFuture::from(resp.text().map_err(network)?)
            .await
            .map_err(network)?;
        Ok(Response {
            status,
            body: text.as_string().unwrap_or_default(),
            retry_after,
        })
    }

    async fn send_streaming(
        &self,
        req: Request,
        on_chunk: &mut dyn FnMut(&str),
    ) -> Result<u16, NetworkError> {
        let resp = send_raw(req).await?;
        let status = resp.status();
        let Some(body) = resp.body() else {
            return Ok(status);
        };
        let reader: web_sys::ReadableStreamDefaultReader = body.get_reader().unchecked_into();
        let decoder = web_sys::TextDecoder::new().map_err(network)?;
        let opts = web_sys::TextDecodeOptions::new();
        opts.set_stream(true);
        loop {
            let chunk = JsFuture::from(reader.read()).await.map_err(network)?;
            let done = Reflect::get(&chunk, &"done".into())
                .ok()
                .and_then(|d| d.as_bool())
                .unwrap_or(true);
            if done {
                break;
            }
            let value = Reflect::get(&chunk, &"value".into()).map_err(network)?;
            let bytes: Uint8Array = value.unchecked_into();
            let text = decoder
                .decode_with_js_u8_array_and_options(&bytes, &opts)
                .map_err(network)?;
            on_chunk(&text);
        }
        Ok(status)
    }

    async fn sleep(&self, ms: u64) {
        let ms = i32::try_from(ms).unwrap_or(i32::MAX);
        let wait = Promise::new(&mut |resolve, _reject| {
            set_timeout(&resolve, ms);
        });
        // A timer promise only resolves.
        let _ = JsFuture::from(wait).await;
    }
}
