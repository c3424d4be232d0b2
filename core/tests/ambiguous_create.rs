//! Ambiguous creates and other transport edge cases, with a stateful fake server (no
//! network): a create answered 502 that completes on the server *later* must be found by a
//! lookup after a back-off, not sent twice; paging that does not advance stops with an
//! error; `Retry-After` dates are read against the server's `Date`.
#![cfg(not(target_arch = "wasm32"))]

use canary_core::client::{
    retry_after_seconds, ApiError, Body, Connection, LettaClient, Method, NetworkError, Request,
    Response, RetryPolicy, Transport,
};
use canary_core::execute::{run_plan, ExecOptions, Timestamp};
use canary_core::fleet::{load_fleet, FileSet};
use canary_core::live::LiveState;
use canary_core::plan::{plan, Mode, PlanOptions};
use futures::executor::block_on;
use serde_json::{json, Value};
use std::cell::RefCell;

const FLEET: &str = r#"agents:
  - name: solo
    description: One agent
    system_prompt: {value: You help.}
    llm_config: {model: openai/gpt-4.1, context_window: 32000}
    tools: []
"#;

/// A server whose agent create answers 502, while the agent appears in lists only after
/// `appears_after` more list calls (the create is still running on the server).
struct SlowCreate {
    appears_after: usize,
    lists_seen: RefCell<usize>,
    created: RefCell<Option<Value>>,
    posts: RefCell<usize>,
    sleeps: RefCell<Vec<(usize, u64)>>,
    /// When false, the create never lands at all.
    lands: bool,
}

impl SlowCreate {
    fn new(appears_after: usize, lands: bool) -> SlowCreate {
        SlowCreate {
            appears_after,
            lists_seen: RefCell::new(0),
            created: RefCell::new(None),
            posts: RefCell::new(0),
            sleeps: RefCell::new(vec![]),
            lands,
        }
    }
}

fn answer(status: u16, body: Value) -> Result<Response, NetworkError> {
    Ok(Response {
        status,
        body: body.to_string(),
        retry_after: None,
    })
}

impl Transport for SlowCreate {
    async fn send(&self, req: Request) -> Result<Response, NetworkError> {
        let path = req.url.trim_start_matches("http://server/v1");
        match (req.method, &req.body) {
            (Method::Post, Body::Json(body)) if path == "/agents/" => {
                *self.posts.borrow_mut() += 1;
                if self.lands {
                    let mut agent = body.clone();
                    agent["id"] = json!(format!("agent-{}", self.posts.borrow()));
                    *self.created.borrow_mut() = Some(agent);
                }
                answer(502, json!({"detail": "bad gateway"}))
            }
            (Method::Get, _) if path.starts_with("/agents/?name=") => {
                *self.lists_seen.borrow_mut() += 1;
                let visible = *self.lists_seen.borrow() > self.appears_after;
                let list: Vec<Value> = match (visible, self.created.borrow().clone()) {
                    (true, Some(a)) => vec![a],
                    // Another agent of the same name, made by someone else.
                    _ if !self.lands => {
                        vec![json!({"id": "agent-foreign", "name": "CANARY-solo", "metadata": {}})]
                    }
                    _ => vec![],
                };
                answer(200, Value::Array(list))
            }
            _ => answer(404, json!({"detail": format!("unexpected {path}")})),
        }
    }

    async fn sleep(&self, ms: u64) {
        let lists = *self.lists_seen.borrow();
        self.sleeps.borrow_mut().push((lists, ms));
    }
}

fn client(t: SlowCreate) -> LettaClient<SlowCreate> {
    LettaClient::new(
        t,
        Connection {
            base_url: "http://server".into(),
            ..Connection::default()
        },
    )
    .with_retry(RetryPolicy {
        attempts: 3,
        base_ms: 100,
        max_ms: 1000,
    })
}

fn run(c: &LettaClient<SlowCreate>) -> canary_core::execute::ExecReport {
    let r = load_fleet(FLEET, &FileSet::new());
    let fleet = r.fleet.expect("fleet");
    let opts = PlanOptions {
        mode: Mode::Canary,
        ..PlanOptions::default()
    };
    let p = plan(&fleet, &LiveState::default(), &opts).expect("plan");
    let now = Timestamp::parse("2026-12-01T09:00:00.000Z").expect("time");
    block_on(run_plan(c, &p, &ExecOptions::new(now), &|_| {}))
}

#[test]
fn a_create_still_running_on_the_server_is_found_not_duplicated() {
    // Invisible to the first lookup, visible to the second.
    let c = client(SlowCreate::new(1, true));
    let report = run(&c);
    let t = c.transport();
    assert_eq!(*t.posts.borrow(), 1, "the create is sent once");
    assert_eq!(report.agents[0].error, None, "{report:?}");
    assert_eq!(report.agents[0].id.as_deref(), Some("agent-1"));
    let sleeps = t.sleeps.borrow();
    assert!(sleeps.len() >= 2, "{sleeps:?}");
    assert_eq!(sleeps[0].0, 0, "it backs off before the first lookup");
    assert!(sleeps[1].1 >= 100, "and longer before the next: {sleeps:?}");
}

#[test]
fn an_agent_of_the_same_name_that_is_not_from_this_create_is_not_taken() {
    // The create never lands; the lookups see only someone else's agent of that name:
    // retried within the policy, then a clear error — never a silent success.
    let c = client(SlowCreate::new(0, false));
    let report = run(&c);
    let t = c.transport();
    assert_eq!(*t.posts.borrow(), 3, "the policy's 3 attempts");
    assert_eq!(
        *t.lists_seen.borrow(),
        9,
        "3 lookups after each ambiguous failure"
    );
    let e = report.agents[0].error.clone().expect("error");
    assert!(e.contains("failed 3 times without a clear answer"), "{e}");
    assert!(e.contains("Run again"), "{e}");
    assert_eq!(report.agents[0].id, None, "agent-foreign is not ours");
}

/// Answers the same full page for ever.
struct StuckPages;

impl Transport for StuckPages {
    async fn send(&self, _req: Request) -> Result<Response, NetworkError> {
        let page: Vec<Value> = (0..100)
            .map(|i| json!({"id": format!("tool-{i}"), "name": format!("t{i}")}))
            .collect();
        answer(200, Value::Array(page))
    }
    async fn sleep(&self, _ms: u64) {}
}

#[test]
fn paging_that_does_not_advance_stops_with_an_error() {
    let c = LettaClient::new(
        StuckPages,
        Connection {
            base_url: "http://server".into(),
            ..Connection::default()
        },
    );
    let e = block_on(c.list_tools()).expect_err("stuck");
    assert!(matches!(e, ApiError::PagingStuck(_)), "{e}");
    assert!(e.to_string().contains("did not advance"));
}

#[test]
fn retry_after_reads_seconds_and_dates() {
    assert_eq!(retry_after_seconds("120", None), Some(120.0));
    assert_eq!(retry_after_seconds(" 1.5 ", None), Some(1.5));
    assert_eq!(retry_after_seconds("-3", None), None);
    assert_eq!(
        retry_after_seconds(
            "Tue, 01 Dec 2026 09:00:30 GMT",
            Some("Tue, 01 Dec 2026 09:00:00 GMT")
        ),
        Some(30.0)
    );
    // A date in the past means "now".
    assert_eq!(
        retry_after_seconds(
            "Tue, 01 Dec 2026 08:59:00 GMT",
            Some("Tue, 01 Dec 2026 09:00:00 GMT")
        ),
        Some(0.0)
    );
    // No Date header: a date cannot become a wait without a clock.
    assert_eq!(
        retry_after_seconds("Tue, 01 Dec 2026 09:00:30 GMT", None),
        None
    );
    assert_eq!(
        retry_after_seconds("soon", Some("Tue, 01 Dec 2026 09:00:00 GMT")),
        None
    );
}

#[test]
fn timestamps_are_checked() {
    assert!(Timestamp::parse("").is_err());
    assert!(Timestamp::parse("yesterday").is_err());
    assert!(Timestamp::parse("2026-12-01T09:00:00").is_err(), "UTC only");
    assert!(Timestamp::parse("2026-12-01T09:00:00.123Z").is_ok());
}
