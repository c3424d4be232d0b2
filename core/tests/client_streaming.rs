//! The client's streamed sends (`stream_message`, `stream_tokens_in_conversation`) with a
//! scripted streaming transport (no server): what each sends, events split across chunks in
//! any way, and error answers and lost connections named exactly as a whole-body call names
//! them, never retried. Both go through one request path; these tests hold it to that.
#![cfg(not(target_arch = "wasm32"))]

use canary_core::client::{
    ApiError, ChatMessage, Connection, LettaClient, LiveReply, Method, NetworkError, Request,
    Response, Transport,
};
use futures::executor::block_on;
use serde_json::Value;
use std::cell::RefCell;

/// One streamed answer: status and body, delivered in pieces of `chunk` characters; or no
/// answer at all.
struct Streamed {
    answer: Result<(u16, String), NetworkError>,
    chunk: usize,
    seen: RefCell<Vec<Request>>,
}

impl Transport for Streamed {
    async fn send(&self, req: Request) -> Result<Response, NetworkError> {
        self.seen.borrow_mut().push(req);
        Err(NetworkError("a streamed send must not use send()".into()))
    }

    async fn send_streaming(
        &self,
        req: Request,
        on_chunk: &mut dyn FnMut(&str),
    ) -> Result<u16, NetworkError> {
        self.seen.borrow_mut().push(req);
        let (status, body) = self.answer.clone()?;
        let chars: Vec<char> = body.chars().collect();
        for piece in chars.chunks(self.chunk.max(1)) {
            on_chunk(&piece.iter().collect::<String>());
        }
        Ok(status)
    }

    async fn sleep(&self, _ms: u64) {}
}

fn client(answer: Result<(u16, String), NetworkError>, chunk: usize) -> LettaClient<Streamed> {
    LettaClient::new(
        Streamed {
            answer,
            chunk,
            seen: RefCell::new(vec![]),
        },
        Connection {
            base_url: "http://server/".into(),
            api_key: Some("k".into()),
            project: None,
        },
    )
}

fn sse(events: &[&str]) -> String {
    events.iter().map(|e| format!("data: {e}\n\n")).collect()
}

/// The one request the client sent, with its JSON body.
fn sent(c: &LettaClient<Streamed>) -> (Method, String, Value, Vec<(String, String)>) {
    let seen = c.transport().seen.borrow();
    assert_eq!(seen.len(), 1, "exactly one request, never retried");
    let r = &seen[0];
    let body = match &r.body {
        canary_core::client::Body::Json(v) => v.clone(),
        other => panic!("a JSON body, got {other:?}"),
    };
    (r.method, r.url.clone(), body, r.headers.clone())
}

#[test]
fn a_streamed_message_reads_events_split_anywhere_and_the_last_without_its_blank_line() {
    let mut body = sse(&[
        r#"{"message_type":"reasoning_message","reasoning":"thinking"}"#,
        r#"{"message_type":"assistant_message","content":"Echo: hi"}"#,
        r#"{"message_type":"stop_reason","stop_reason":"end_turn"}"#,
    ]);
    // The body ends right after the last event's data line.
    body.push_str("data: {\"message_type\":\"assistant_message\",\"content\":\"and more\"}");
    for chunk in [1, 3, 7, 64, 10_000] {
        let c = client(Ok((200, body.clone())), chunk);
        let mut seen = Vec::new();
        let reply = block_on(c.stream_message("agent-1", "hi", &mut |m| seen.push(m.clone())))
            .expect("a reply");
        assert_eq!(
            seen,
            vec![
                ChatMessage::Reasoning {
                    reasoning: "thinking".into()
                },
                ChatMessage::Assistant {
                    content: "Echo: hi".into()
                },
                ChatMessage::Assistant {
                    content: "and more".into()
                },
            ],
            "chunks of {chunk}"
        );
        assert_eq!(reply.messages, seen);
        assert_eq!(reply.stop_reason.as_deref(), Some("end_turn"));
        let (method, url, json, headers) = sent(&c);
        assert_eq!(method, Method::Post);
        assert_eq!(url, "http://server/v1/agents/agent-1/messages/stream");
        assert_eq!(json["messages"][0]["content"], "hi");
        assert_eq!(json["stream_tokens"], false);
        assert!(headers.contains(&("Authorization".into(), "Bearer k".into())));
    }
}

#[test]
fn a_token_stream_joins_pieces_and_reports_each_change() {
    let body = sse(&[
        r#"{"id":"m1","message_type":"assistant_message","content":"Ec","run_id":"run-1"}"#,
        r#"{"id":"m1","message_type":"assistant_message","content":"ho: "}"#,
        r#"{"id":"m1","message_type":"assistant_message","content":"hi"}"#,
        r#"{"message_type":"stop_reason","stop_reason":"end_turn"}"#,
        r#"{"message_type":"usage_statistics","total_tokens":12}"#,
        "[DONE]",
    ]);
    for chunk in [2, 9, 10_000] {
        let c = client(Ok((200, body.clone())), chunk);
        let mut texts: Vec<String> = Vec::new();
        let live = block_on(c.stream_tokens_in_conversation(
            "conv-1",
            "hi",
            &mut |r: &LiveReply| texts.push(r.assistant_text()),
        ))
        .expect("a reply");
        assert_eq!(live.assistant_text(), "Echo: hi", "chunks of {chunk}");
        assert_eq!(live.stop_reason.as_deref(), Some("end_turn"));
        assert_eq!(live.usage.and_then(|u| u.total_tokens), Some(12));
        assert_eq!(live.run_id.as_deref(), Some("run-1"));
        assert!(live.done);
        if chunk < 60 {
            assert!(
                texts.first().is_some_and(|t| t == "Ec"),
                "the first piece is shown as it lands: {texts:?}"
            );
        }
        assert_eq!(texts.last().map(String::as_str), Some("Echo: hi"));
        let (method, url, json, _) = sent(&c);
        assert_eq!(method, Method::Post);
        assert_eq!(url, "http://server/v1/conversations/conv-1/messages");
        assert_eq!(json["streaming"], true);
        assert_eq!(json["stream_tokens"], true);
        assert_eq!(json["include_pings"], false);
    }
}

/// Both streamed sends, as one call: the error, and whether any message reached the caller.
fn both(status: u16, body: &str, chunk: usize) -> Vec<(ApiError, bool, usize)> {
    let mut out = Vec::new();
    let c = client(Ok((status, body.to_string())), chunk);
    let mut called = false;
    let e = block_on(c.stream_message("agent-1", "hi", &mut |_| called = true))
        .expect_err("an error answer");
    out.push((e, called, c.transport().seen.borrow().len()));
    let c = client(Ok((status, body.to_string())), chunk);
    let mut called = false;
    let e = block_on(c.stream_tokens_in_conversation("conv-1", "hi", &mut |_| called = true))
        .expect_err("an error answer");
    out.push((e, called, c.transport().seen.borrow().len()));
    out
}

#[test]
fn error_answers_are_named_like_whole_answers_and_never_retried() {
    let detail = |s: &str| format!("{{\"detail\":\"{s}\"}}");
    let cases: Vec<(u16, String, ApiError)> = vec![
        (
            404,
            detail("Conversation conv-1 not found"),
            ApiError::NotFound("Conversation conv-1 not found".into()),
        ),
        (
            409,
            detail("agent is busy"),
            ApiError::Busy("agent is busy".into()),
        ),
        (
            422,
            detail("bad body"),
            ApiError::Invalid {
                status: 422,
                detail: "bad body".into(),
            },
        ),
        (
            401,
            detail("no key"),
            ApiError::Unauthorized {
                status: 401,
                detail: "no key".into(),
            },
        ),
        (
            500,
            "{\"error\":{\"type\":\"llm_error\",\"message\":\"provider down\"}}".into(),
            ApiError::Llm("provider down".into()),
        ),
        (
            503,
            detail("overloaded"),
            ApiError::Server {
                status: 503,
                detail: "overloaded".into(),
            },
        ),
    ];
    for (status, body, expected) in cases {
        for chunk in [1, 5, 10_000] {
            for (e, called, requests) in both(status, &body, chunk) {
                assert_eq!(e, expected, "{status} in chunks of {chunk}");
                assert!(!called, "{status}: an error answer is no message");
                assert_eq!(requests, 1, "{status} is not retried");
            }
        }
    }
}

#[test]
fn no_answer_is_a_network_error_naming_the_url() {
    let lost = || Err(NetworkError("connection reset".into()));
    let c = client(lost(), 1);
    let e = block_on(c.stream_message("agent-1", "hi", &mut |_| {})).expect_err("no answer");
    assert_eq!(
        e,
        ApiError::Network {
            url: "http://server/v1/agents/agent-1/messages/stream".into(),
            message: "connection reset".into()
        }
    );
    assert_eq!(c.transport().seen.borrow().len(), 1, "not retried");
    let c = client(lost(), 1);
    let e = block_on(c.stream_tokens_in_conversation("conv-1", "hi", &mut |_| {}))
        .expect_err("no answer");
    assert_eq!(
        e,
        ApiError::Network {
            url: "http://server/v1/conversations/conv-1/messages".into(),
            message: "connection reset".into()
        }
    );
}

#[test]
fn a_long_error_answer_is_kept_only_in_part_and_cut_between_characters() {
    // An odd first byte, then two-byte characters: the kept part's end falls inside one
    // character unless the cut steps back to a boundary.
    let body = format!("x{}", "é".repeat(9_000));
    for chunk in [1, 7, 4096] {
        for (e, _, _) in both(502, &body, chunk) {
            match e {
                ApiError::Server {
                    status: 502,
                    detail,
                } => {
                    assert!(body.starts_with(&detail), "the start of the answer");
                    assert_eq!(detail.chars().count(), 300, "the message stays short");
                }
                other => panic!("a server error, got {other:?}"),
            }
        }
    }
}
