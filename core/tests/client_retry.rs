//! Retry rules of the client, with a scripted transport (no server): which answers are
//! retried, how often, and which errors reach the caller by name.
#![cfg(not(target_arch = "wasm32"))]

use canary_core::client::{
    ApiError, Connection, LettaClient, Method, NetworkError, Request, Response, RetryPolicy,
    Transport,
};
use futures::executor::block_on;
use std::cell::RefCell;

/// Answers from a script; records what was asked and how long it was told to wait.
struct Scripted {
    answers: RefCell<Vec<Result<Response, NetworkError>>>,
    seen: RefCell<Vec<(Method, String)>>,
    slept: RefCell<Vec<u64>>,
}

fn ok(body: &str) -> Result<Response, NetworkError> {
    Ok(Response {
        status: 200,
        body: body.into(),
        retry_after: None,
    })
}

fn status(code: u16, retry_after: Option<f64>) -> Result<Response, NetworkError> {
    Ok(Response {
        status: code,
        body: format!("{{\"detail\":\"status {code}\"}}"),
        retry_after,
    })
}

fn scripted(mut answers: Vec<Result<Response, NetworkError>>) -> LettaClient<Scripted> {
    answers.reverse();
    let t = Scripted {
        answers: RefCell::new(answers),
        seen: RefCell::new(vec![]),
        slept: RefCell::new(vec![]),
    };
    LettaClient::new(
        t,
        Connection {
            base_url: "http://server".into(),
            api_key: Some("k".into()),
            project: Some("p".into()),
        },
    )
    .with_retry(RetryPolicy {
        attempts: 4,
        base_ms: 100,
        max_ms: 1000,
    })
}

impl Transport for Scripted {
    async fn send(&self, req: Request) -> Result<Response, NetworkError> {
        assert!(req
            .headers
            .contains(&("Authorization".into(), "Bearer k".into())));
        assert!(req.headers.contains(&("X-Project".into(), "p".into())));
        self.seen.borrow_mut().push((req.method, req.url));
        self.answers
            .borrow_mut()
            .pop()
            .unwrap_or_else(|| Err(NetworkError("script ended".into())))
    }
    async fn sleep(&self, ms: u64) {
        self.slept.borrow_mut().push(ms);
    }
}

#[test]
fn reads_retry_transient_failures_and_honour_retry_after() {
    let c = scripted(vec![
        status(429, Some(2.0)),
        status(503, None),
        Err(NetworkError("reset".into())),
        ok("{\"version\":\"0.16.8\"}"),
    ]);
    assert_eq!(block_on(c.health()).as_deref(), Ok("0.16.8"));
    let t = c.transport();
    assert_eq!(t.seen.borrow().len(), 4);
    assert_eq!(t.seen.borrow()[0].1, "http://server/v1/health/");
    let slept = t.slept.borrow();
    assert_eq!(slept[0], 2000, "Retry-After is honoured");
    assert!(
        slept[1] >= 100 && slept[2] >= 200,
        "back-off grows: {slept:?}"
    );
}

#[test]
fn gives_up_after_the_attempts() {
    let c = scripted(vec![
        status(502, None),
        status(502, None),
        status(502, None),
        status(502, None),
        ok("{}"),
    ]);
    assert!(matches!(
        block_on(c.health()),
        Err(ApiError::Server { status: 502, .. })
    ));
    assert_eq!(c.transport().seen.borrow().len(), 4);
}

#[test]
fn creates_are_not_blindly_retried() {
    let c = scripted(vec![status(503, None), ok("{\"id\":\"agent-1\"}")]);
    let r = block_on(c.create_agent(serde_json::json!({"name": "x"})));
    assert!(matches!(r, Err(ApiError::Server { status: 503, .. })));
    assert!(
        r.as_ref().err().is_some_and(|e| e.is_ambiguous()),
        "the executor looks the agent up before creating again"
    );
    assert_eq!(c.transport().seen.borrow().len(), 1);
    // 429 means the request was refused before it was handled: safe to retry even a create.
    let c = scripted(vec![status(429, Some(0.0)), ok("{\"id\":\"agent-1\"}")]);
    assert!(block_on(c.create_agent(serde_json::json!({"name": "x"}))).is_ok());
}

#[test]
fn errors_are_named_and_never_retried() {
    for (code, check) in [
        (
            402u16,
            (|e: &ApiError| matches!(e, ApiError::Quota(_))) as fn(&ApiError) -> bool,
        ),
        (404, |e| matches!(e, ApiError::NotFound(_))),
        (409, |e| matches!(e, ApiError::Busy(_))),
        (422, |e| matches!(e, ApiError::Invalid { status: 422, .. })),
        (401, |e| matches!(e, ApiError::Unauthorized { .. })),
    ] {
        let c = scripted(vec![status(code, None), ok("{}")]);
        let e = block_on(c.delete_agent("agent-1")).expect_err("an error");
        assert!(check(&e), "{code}: {e}");
        assert_eq!(
            c.transport().seen.borrow().len(),
            1,
            "{code} is not retried"
        );
    }
    let c = scripted(vec![Ok(Response {
        status: 500,
        body: "{\"error\":{\"type\":\"llm_error\",\"message\":\"provider down\"}}".into(),
        retry_after: None,
    })]);
    let e = block_on(c.send_message("agent-1", "hi")).expect_err("an error");
    assert_eq!(e.to_string(), "the model provider failed: provider down");
    assert!(ApiError::Quota("x".into()).to_string().contains("quota"));
}

#[test]
fn network_errors_explain_cors() {
    let c = scripted(vec![]);
    let c = c.with_retry(RetryPolicy {
        attempts: 1,
        base_ms: 1,
        max_ms: 1,
    });
    let e = block_on(c.health()).expect_err("no server");
    assert!(e.to_string().contains("ACCEPTABLE_ORIGINS"), "{e}");
}
