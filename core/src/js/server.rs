//! The package's server functions: read the live state, plan against it, execute a reviewed
//! plan (with the stale check), list and describe canaries, send a message.
//!
//! Each takes a `Connection` object first and resolves to `{ ok, error, … }`; a promise never
//! rejects, so `await` is all a caller needs.

use super::fetch::FetchTransport;
use super::{from_js, from_js_or_default, load, to_js, Failure, Loaded};
use crate::client::{ChatMessage, ChatReply, Connection, LettaClient, PlanLiveError};
use crate::execute::{execute, ExecError, ExecOptions, Progress, Timestamp};
use crate::inspect::{describe, list_canaries};
use crate::live::LiveState;
use crate::plan::{Plan, PlanOptions};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use wasm_bindgen::prelude::*;

/// Where the server is (`Connection` in TypeScript).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ConnectionArg {
    base_url: String,
    #[serde(default)]
    api_key: Option<String>,
    #[serde(default)]
    project: Option<String>,
}

/// Execution settings (`ExecuteSettings` in TypeScript).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
struct SettingsArg {
    concurrency: Option<usize>,
    /// A promote the gate refuses runs anyway, with this reason recorded ([`super::gate`]).
    override_gate: Option<String>,
}

fn client(conn: JsValue) -> Result<LettaClient<FetchTransport>, Failure> {
    if conn.is_null() || conn.is_undefined() {
        return Err(Failure::input(
            "a connection is required: { baseUrl: \"http://127.0.0.1:8283\", apiKey?, project? }",
        ));
    }
    let c: ConnectionArg = from_js(conn, "the connection is not valid")?;
    if !(c.base_url.starts_with("http://") || c.base_url.starts_with("https://")) {
        return Err(Failure::input(format!(
            "the connection's baseUrl must start with http:// or https://, got '{}'",
            c.base_url
        )));
    }
    Ok(LettaClient::new(
        FetchTransport,
        Connection {
            base_url: c.base_url,
            api_key: c.api_key,
            project: c.project,
        },
    ))
}

pub(crate) fn now_iso() -> String {
    js_sys::Date::new_0()
        .to_iso_string()
        .as_string()
        .unwrap_or_default()
}

/// `{ ok: true, error: null, …fields }` or `{ ok: false, error, …fields as null }`.
fn answer(result: Result<Value, Failure>, fields: &[&str]) -> JsValue {
    let v = match result {
        Ok(Value::Object(mut m)) => {
            m.insert("ok".into(), json!(true));
            m.insert("error".into(), Value::Null);
            Value::Object(m)
        }
        Ok(other) => other,
        Err(f) => {
            let mut m = serde_json::Map::new();
            m.insert("ok".into(), json!(false));
            m.insert("error".into(), json!(f));
            for k in fields {
                m.insert((*k).into(), Value::Null);
            }
            Value::Object(m)
        }
    };
    to_js(&v)
}

/// Reads what the planner needs to know about the server for this fleet: every agent on the
/// server (its cost grows with the server). To plan, `planOnServer` reads only what the plan
/// needs, as `executePlan`'s stale check does.
#[wasm_bindgen(js_name = fetchLive, unchecked_return_type = "LiveResult")]
pub async fn fetch_live(
    #[wasm_bindgen(unchecked_param_type = "Connection")] conn: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] yaml: JsValue,
    #[wasm_bindgen(unchecked_param_type = "FleetFiles | null")] files: JsValue,
) -> JsValue {
    let r = async {
        let client = client(conn)?;
        let Loaded { fleet, warnings } = load(yaml, files)?;
        let live = client.fetch_live(&fleet).await?;
        Ok::<Value, Failure>(json!({"live": live, "warnings": warnings}))
    };
    answer(r.await, &["live", "warnings"])
}

/// Reads the server and plans the fleet against it: what `planFleet` gives with a fresh live
/// state, plus that state. The read is the one `executePlan`'s stale check makes: on a large
/// server only what these options need (the state then holds those agents only: re-plan it
/// offline with the same options), so its cost grows with the fleet, not the server.
#[wasm_bindgen(js_name = planOnServer, unchecked_return_type = "ServerPlanResult")]
pub async fn plan_on_server(
    #[wasm_bindgen(unchecked_param_type = "Connection")] conn: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] yaml: JsValue,
    #[wasm_bindgen(unchecked_param_type = "FleetFiles | null")] files: JsValue,
    #[wasm_bindgen(unchecked_param_type = "PlanOptions | null")] options: JsValue,
) -> JsValue {
    let r = async {
        let client = client(conn)?;
        let options: PlanOptions = from_js_or_default(options, "the options are not valid")?;
        let Loaded { fleet, warnings } = load(yaml, files)?;
        // The read `executePlan`'s stale check makes (narrow on a large server).
        let (live, p) = client
            .plan_live(&fleet, &options)
            .await
            .map_err(|e| match e {
                PlanLiveError::Api(e) => Failure::from(e),
                PlanLiveError::Plan(e) => Failure::new("plan", e.to_string()),
            })?;
        Ok::<Value, Failure>(json!({"plan": p, "live": live, "warnings": warnings}))
    };
    answer(r.await, &["plan", "live", "warnings"])
}

/// Options that differ from the plan's would make the re-plan differ and the run refuse as
/// "stale", blaming the server; say what is wrong instead.
pub(crate) fn check_options(plan: &Plan, options: &PlanOptions) -> Result<(), Failure> {
    let name = |m: crate::plan::Mode| match serde_json::to_value(m) {
        Ok(serde_json::Value::String(s)) => s,
        _ => format!("{m:?}"),
    };
    let prefix_differs = plan.prefix.as_ref().is_some_and(|p| *p != options.prefix);
    if plan.mode != options.mode || prefix_differs {
        return Err(Failure::input(format!(
            "the options do not match the plan: it was made for mode {}{}, the options say mode {} with prefix '{}'; pass the options the plan was made with",
            name(plan.mode),
            plan.prefix.as_ref().map(|p| format!(" with prefix '{p}'")).unwrap_or_default(),
            name(options.mode),
            options.prefix
        )));
    }
    Ok(())
}

fn exec_failure(e: ExecError) -> (Failure, Option<Plan>) {
    let message = e.to_string();
    match e {
        ExecError::Stale(fresh) => (Failure::new("stale", message), Some(*fresh)),
        ExecError::Blocked(_) => (Failure::new("blocked", message), None),
        ExecError::Api(api) => (Failure::from(api), None),
        ExecError::Plan(_) => (Failure::new("plan", message), None),
    }
}

/// Runs a reviewed plan: re-reads the server, refuses with the new plan when anything changed
/// since the review (`outcome: "stale"`), else executes, calling `progress` per event.
/// `options` must be the ones the plan was made with. A promote goes through the promote gate
/// first ([`super::gate`]): without a passing verdict for this fleet version and prefix it is
/// refused (`error.kind: "gate"`), unless `settings.overrideGate` gives a reason, which is then
/// recorded on the promoted agents.
#[wasm_bindgen(js_name = executePlan, unchecked_return_type = "ExecuteResult")]
pub async fn execute_plan(
    #[wasm_bindgen(unchecked_param_type = "Connection")] conn: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] yaml: JsValue,
    #[wasm_bindgen(unchecked_param_type = "FleetFiles | null")] files: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Plan")] reviewed: JsValue,
    #[wasm_bindgen(unchecked_param_type = "PlanOptions | null")] options: JsValue,
    #[wasm_bindgen(unchecked_param_type = "((event: Progress) => void) | null")] progress: JsValue,
    #[wasm_bindgen(unchecked_param_type = "ExecuteSettings | null")] settings: JsValue,
) -> JsValue {
    let prepared = (|| {
        let client = client(conn)?;
        let reviewed: Plan = from_js(reviewed, "the plan is not a plan")?;
        let options: PlanOptions = from_js_or_default(options, "the options are not valid")?;
        let settings: SettingsArg = from_js_or_default(settings, "the settings are not valid")?;
        let callback: Option<js_sys::Function> = if progress.is_null() || progress.is_undefined() {
            None
        } else {
            Some(progress.dyn_into().map_err(|_| {
                Failure::input("the progress callback must be a function (or null)")
            })?)
        };
        check_options(&reviewed, &options)?;
        super::gate::check_override(reviewed.mode, settings.override_gate.as_deref())?;
        let loaded = load(yaml, files)?;
        Ok::<_, Failure>((client, reviewed, options, settings, callback, loaded))
    })();
    let (client, reviewed, options, settings, callback, loaded) = match prepared {
        Ok(p) => p,
        Err(f) => {
            return to_js(
                &json!({"ok": false, "outcome": "refused", "error": f, "report": null, "plan": null}),
            )
        }
    };
    let at = now_iso();
    let now = match Timestamp::parse(&at) {
        Ok(t) => t,
        Err(e) => {
            return to_js(
                &json!({"ok": false, "outcome": "refused", "error": Failure::input(e.to_string()), "report": null, "plan": null}),
            )
        }
    };
    let exec = ExecOptions {
        concurrency: settings.concurrency.unwrap_or(6).max(1),
        now,
    };
    let report_progress = |p: Progress| {
        if let Some(f) = &callback {
            // A throwing callback must not stop the run: the report still tells everything.
            let _ = f.call1(&JsValue::NULL, &to_js(&p));
        }
    };
    // A promote asks the promote gate first: refused, nothing is written.
    let gate = super::gate::check(
        &client,
        reviewed.mode,
        &loaded.fleet,
        &options.prefix,
        settings.override_gate.as_deref(),
        &at,
    )
    .await;
    let overridden = match gate {
        Ok(record) => record,
        Err(f) => {
            return to_js(
                &json!({"ok": false, "outcome": "refused", "error": f, "report": null, "plan": null}),
            )
        }
    };
    match execute(
        &client,
        &loaded.fleet,
        &reviewed,
        &options,
        &exec,
        &report_progress,
    )
    .await
    {
        Ok(mut report) => {
            if let Some(record) = &overridden {
                super::gate::record(&client, record, &mut report).await;
            }
            to_js(&json!({
            "ok": report.ok(), "outcome": "ran", "error": null, "summary": report.summary(),
            "report": report, "plan": null
            }))
        }
        Err(e) => {
            let (failure, fresh) = exec_failure(e);
            let outcome = if fresh.is_some() { "stale" } else { "refused" };
            to_js(&json!({
                "ok": false, "outcome": outcome, "error": failure, "report": null, "plan": fresh
            }))
        }
    }
}

/// Every canary and its production agent, tools and folders (no file lists): enough to list
/// and describe canaries, at the cost of the canaries (`LettaClient::read_canaries`).
async fn inventory(client: &LettaClient<FetchTransport>) -> Result<LiveState, Failure> {
    Ok(client.read_canaries().await?)
}

/// Every canary on the server, grouped by every prefix found in metadata, with ages.
#[wasm_bindgen(js_name = listCanaries, unchecked_return_type = "CanaryListResult")]
pub async fn list_canaries_js(
    #[wasm_bindgen(unchecked_param_type = "Connection")] conn: JsValue,
) -> JsValue {
    let r = async {
        let live = inventory(&client(conn)?).await?;
        Ok::<Value, Failure>(json!({"canaries": list_canaries(&live, &now_iso())}))
    };
    answer(r.await, &["canaries"])
}

/// Describes a canary (by id or server name) beside its production agent.
#[wasm_bindgen(js_name = describeCanary, unchecked_return_type = "DescribeResult")]
pub async fn describe_canary(
    #[wasm_bindgen(unchecked_param_type = "Connection")] conn: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] canary: JsValue,
) -> JsValue {
    let r = async {
        let client = client(conn)?;
        let key = canary.as_string().ok_or_else(|| {
            Failure::input("the canary must be named by its id or name (a string)")
        })?;
        let live = inventory(&client).await?;
        let found: Vec<&str> = live
            .agents
            .iter()
            .filter(|a| a.id == key || a.name == key)
            .map(|a| a.id.as_str())
            .collect();
        let id = match found.as_slice() {
            [] => {
                return Err(Failure::new(
                    "notFound",
                    format!("no agent has the id or name '{key}'"),
                ))
            }
            [one] => *one,
            _ => {
                return Err(Failure::input(format!(
                    "{} agents are named '{key}'; pass the id of the one you mean",
                    found.len()
                )))
            }
        };
        let d = describe(&live, id).ok_or_else(|| {
            Failure::new(
                "notCanary",
                format!("'{key}' is not a canary: it lacks the canary metadata, so it is shown and treated as a normal agent"),
            )
        })?;
        Ok::<Value, Failure>(json!({"description": d}))
    };
    answer(r.await, &["description"])
}

/// A reply message as the package gives it (camelCase fields; `ChatMessage` in TypeScript).
#[derive(Serialize)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
enum MessageOut {
    Assistant { content: String },
    Reasoning { reasoning: String },
    ToolCall { name: String, arguments: String },
    ToolReturn { tool_return: String, status: String },
    Error { message: String },
}

impl From<&ChatMessage> for MessageOut {
    fn from(m: &ChatMessage) -> MessageOut {
        match m.clone() {
            ChatMessage::Assistant { content } => MessageOut::Assistant { content },
            ChatMessage::Reasoning { reasoning } => MessageOut::Reasoning { reasoning },
            ChatMessage::ToolCall { name, arguments } => MessageOut::ToolCall { name, arguments },
            ChatMessage::ToolReturn {
                tool_return,
                status,
            } => MessageOut::ToolReturn {
                tool_return,
                status,
            },
            ChatMessage::Error { message } => MessageOut::Error { message },
        }
    }
}

fn reply_out(r: &ChatReply) -> Value {
    json!({
        "messages": r.messages.iter().map(MessageOut::from).collect::<Vec<_>>(),
        "stopReason": r.stop_reason,
        "text": r.assistant_text(),
    })
}

/// Sends one message to an agent (by id or server name) and returns its reply; with a
/// `listener`, the reply is streamed and each message is passed on as it arrives.
#[wasm_bindgen(js_name = sendMessage, unchecked_return_type = "SendResult")]
pub async fn send_message(
    #[wasm_bindgen(unchecked_param_type = "Connection")] conn: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] agent: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] text: JsValue,
    #[wasm_bindgen(unchecked_param_type = "((message: ChatMessage) => void) | null")]
    listener: JsValue,
) -> JsValue {
    let r = async {
        let client = client(conn)?;
        let (Some(agent), Some(text)) = (agent.as_string(), text.as_string()) else {
            return Err(Failure::input(
                "sendMessage(connection, agent, text): agent and text must be strings",
            ));
        };
        let id = if agent.starts_with("agent-") {
            agent
        } else {
            let named = client.agents_named(&agent).await?;
            let ids: Vec<&str> = named.iter().filter_map(|a| a.get("id")?.as_str()).collect();
            match ids.as_slice() {
                [one] => one.to_string(),
                [] => {
                    return Err(Failure::new(
                        "notFound",
                        format!("no agent is named '{agent}'"),
                    ))
                }
                _ => {
                    return Err(Failure::input(format!(
                        "{} agents are named '{agent}'; pass the id of the one you mean",
                        ids.len()
                    )))
                }
            }
        };
        let reply = if listener.is_null() || listener.is_undefined() {
            client.send_message(&id, &text).await?
        } else {
            let f: js_sys::Function = listener
                .dyn_into()
                .map_err(|_| Failure::input("the listener must be a function (or null)"))?;
            let mut each = |m: &ChatMessage| {
                let _ = f.call1(&JsValue::NULL, &to_js(&MessageOut::from(m)));
            };
            client.stream_message(&id, &text, &mut each).await?
        };
        Ok::<Value, Failure>(json!({"agentId": id, "reply": reply_out(&reply)}))
    };
    answer(r.await, &["agentId", "reply"])
}
