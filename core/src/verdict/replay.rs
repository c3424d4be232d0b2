//! Replay of real traffic: the last N user messages of a production agent's **default**
//! conversation (read only) are sent to the canary and to production, each in its own test
//! conversation, and the replies are compared pair by pair.

use super::checks::Check;
use super::run::{CaseResult, PlannedCase, RunPlan, Target};
use super::suite::{Case, CaseCheck};
use crate::client::{ApiError, LettaClient, Transport};
use crate::plan::diff::{diff_text, TextChange};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The last `n` user messages of an agent's default conversation, oldest first. Reads only.
pub async fn read_traffic<T: Transport>(
    client: &LettaClient<T>,
    agent_id: &str,
    n: usize,
) -> Result<Vec<String>, ApiError> {
    if n == 0 {
        return Ok(Vec::new());
    }
    // Each user message comes with a few others (reasoning, assistant, tool calls).
    let limit = (n * 8).clamp(20, 1000);
    let messages = client
        .agent_messages(agent_id, Some("default"), limit)
        .await?;
    Ok(user_texts(&messages, n))
}

/// The text of the newest `n` user messages, oldest first. The server answers a descending
/// page oldest first (it reverses the page); dates have whole seconds only, so they cannot
/// order messages, but they do tell a list that came newest first, which is then reversed.
pub fn user_texts(messages: &[Value], n: usize) -> Vec<String> {
    let date = |m: Option<&Value>| {
        m.and_then(|m| m.get("date"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let mut newest_first: Vec<&Value> = messages.iter().collect();
    if date(messages.first()) <= date(messages.last()) {
        newest_first.reverse();
    }
    let mut out: Vec<String> = newest_first
        .into_iter()
        .filter(|m| m.get("message_type").and_then(Value::as_str) == Some("user_message"))
        .filter_map(|m| {
            let text = match m.get("content")? {
                Value::String(s) => s.clone(),
                Value::Array(parts) => parts
                    .iter()
                    .filter_map(|p| p.get("text").and_then(Value::as_str))
                    .collect::<Vec<_>>()
                    .join(""),
                _ => return None,
            };
            // Letta's own system events (login, heartbeats) arrive as JSON user messages.
            let system_event = serde_json::from_str::<Value>(&text)
                .ok()
                .and_then(|v| v.get("type").and_then(Value::as_str).map(str::to_string))
                .is_some_and(|t| t != "user_message");
            (!text.trim().is_empty() && !system_event).then_some(text)
        })
        .take(n)
        .collect();
    out.reverse();
    out
}

/// A run plan sending each message, as a case without checks, to one canary/production pair.
pub fn plan_replay(messages: &[String], target: Target, prefix: &str, fleet_hash: &str) -> RunPlan {
    RunPlan {
        suite: format!("replay of {}", target.production_name),
        fleet_hash: fleet_hash.to_string(),
        prefix: prefix.to_string(),
        cases: messages
            .iter()
            .enumerate()
            .map(|(i, m)| PlannedCase {
                case: Case {
                    name: format!("replay {}", i + 1),
                    turns: vec![m.clone()],
                    agents: Some(vec![target.production_name.clone()]),
                    checks: vec![],
                },
                target: target.clone(),
            })
            .collect(),
        concurrency: 4,
        blockers: if target.production_id.is_none() {
            vec![format!(
                "production has no agent '{}' to replay against",
                target.production_name
            )]
        } else {
            vec![]
        },
    }
}

/// One replayed message, both replies and their word diff (production → canary).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReplayPair {
    /// Case name (`replay N`).
    pub name: String,
    /// The production message replayed.
    pub user: String,
    /// Production's reply (or its error).
    pub production: String,
    /// The canary's reply (or its error).
    pub canary: String,
    /// Same text on both sides.
    pub same: bool,
    /// Word (or line) diff from production's reply to the canary's.
    pub diff: TextChange,
    /// What went wrong without failing a side (a second attempt after a server fault, a test
    /// conversation left behind), each prefixed with its side.
    #[serde(default)]
    pub warnings: Vec<String>,
}

fn side_text(s: Option<&super::run::SideResult>) -> String {
    match s {
        None => "(no production agent)".into(),
        Some(s) => match &s.error {
            Some(e) => format!("(failed: {e})"),
            None => s.text(),
        },
    }
}

/// The pairs of a replay run; `differences_only` drops the pairs that match.
pub fn pairs(results: &[CaseResult], differences_only: bool) -> Vec<ReplayPair> {
    results
        .iter()
        .filter(|r| !(differences_only && r.same))
        .map(|r| {
            let production = side_text(r.production.as_ref());
            let canary = side_text(Some(&r.canary));
            let warnings = r
                .sides()
                .flat_map(|(side, s)| s.warnings.iter().map(move |w| format!("{side}: {w}")))
                .collect();
            // The message, from whichever side got to send it (a side can fail before).
            let user = r
                .sides()
                .filter_map(|(_, s)| s.turns.first())
                .map(|t| t.user.clone())
                .next()
                .unwrap_or_default();
            ReplayPair {
                name: r.case.clone(),
                user,
                warnings,
                diff: diff_text(&production, &canary),
                production,
                canary,
                same: r.same,
            }
        })
        .collect()
}

/// A suite case from a replayed pair: the same reply as production when they matched,
/// else exactly the canary's reply (accepting the new behaviour as the expectation).
pub fn case_from_pair(pair: &ReplayPair, agent: &str, name: &str) -> Case {
    let check = if pair.same {
        Check::SameAsProduction
    } else {
        Check::Exact(pair.canary.clone())
    };
    Case {
        name: name.to_string(),
        turns: vec![pair.user.clone()],
        agents: Some(vec![agent.to_string()]),
        checks: vec![CaseCheck { check, turn: None }],
    }
}
