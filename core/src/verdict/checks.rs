//! Checks of a canary's replies, as data, and their evaluation (pure functions).

use super::run::SideResult;
use super::suite::CaseCheck;
use crate::client::ChatMessage;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One thing that must hold of a canary's replies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Check {
    /// The reply contains the text (case-insensitive, like letta-evals' `contains`).
    Contains(String),
    /// The reply does not contain the text (case-insensitive).
    NotContains(String),
    /// The reply matches the regular expression (anywhere, like letta-evals' `regex_match`).
    Regex(String),
    /// The trimmed reply equals the trimmed text.
    Exact(String),
    /// A tool was called during the case; every given argument must equal the call's.
    ToolCalled {
        /// Tool name.
        name: String,
        /// Arguments that must match (others are ignored).
        arguments: Map<String, Value>,
    },
    /// Every turn's reply equals production's reply to the same turn.
    SameAsProduction,
    /// Some turn's reply differs from production's.
    DiffersFromProduction,
    /// No turn took longer than this many milliseconds.
    MaxLatencyMs(u64),
}

impl Check {
    /// The YAML names of the checks.
    pub const NAMES: &'static [&'static str] = &[
        "contains",
        "not_contains",
        "regex",
        "exact",
        "tool_called",
        "same_as_production",
        "differs_from_production",
        "max_latency_ms",
    ];

    /// A short label such as `contains "Paris"`.
    pub fn label(&self) -> String {
        match self {
            Check::Contains(s) => format!("contains {s:?}"),
            Check::NotContains(s) => format!("does not contain {s:?}"),
            Check::Regex(s) => format!("matches /{s}/"),
            Check::Exact(s) => format!("equals {s:?}"),
            Check::ToolCalled { name, arguments } if arguments.is_empty() => {
                format!("calls tool {name}")
            }
            Check::ToolCalled { name, arguments } => {
                format!(
                    "calls tool {name} with {}",
                    Value::Object(arguments.clone())
                )
            }
            Check::SameAsProduction => "same reply as production".into(),
            Check::DiffersFromProduction => "reply differs from production".into(),
            Check::MaxLatencyMs(ms) => format!("each turn within {ms} ms"),
        }
    }
}

/// The outcome of one check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckResult {
    /// What was checked.
    pub label: String,
    /// Whether it held.
    pub passed: bool,
    /// Why not (or what was seen).
    pub detail: Option<String>,
}

/// Whether a tool call's arguments (JSON text) contain every wanted argument.
fn arguments_match(actual: &str, wanted: &Map<String, Value>) -> bool {
    if wanted.is_empty() {
        return true;
    }
    let Ok(Value::Object(got)) = serde_json::from_str::<Value>(actual) else {
        return false;
    };
    wanted.iter().all(|(k, want)| match (got.get(k), want) {
        (Some(g), w) if g == w => true,
        // YAML `1` vs JSON `"1"`, or the reverse: compare as text.
        (Some(g), w) => text_of(g) == text_of(w),
        (None, _) => false,
    })
}

fn text_of(v: &Value) -> String {
    v.as_str()
        .map(str::to_string)
        .unwrap_or_else(|| v.to_string())
}

fn short(s: &str) -> String {
    let t: String = s.chars().take(160).collect();
    if t.len() < s.len() {
        format!("{t}…")
    } else {
        t
    }
}

/// Evaluates one check against the canary's side; `production` is the baseline for the
/// comparison checks.
pub fn evaluate(c: &CaseCheck, side: &SideResult, production: Option<&SideResult>) -> CheckResult {
    let label = c.check.label();
    let result = |passed: bool, detail: Option<String>| CheckResult {
        label: label.clone(),
        passed,
        detail,
    };
    if let Some(e) = &side.error {
        return result(false, Some(format!("not run: {e}")));
    }
    let turn = c
        .turn
        .map(|t| t.saturating_sub(1))
        .unwrap_or_else(|| side.turns.len().saturating_sub(1));
    let reply = side
        .turns
        .get(turn)
        .map(|t| t.reply.assistant_text())
        .unwrap_or_default();
    let seen = || Some(format!("reply: {}", short(&reply)));
    match &c.check {
        Check::Contains(s) => {
            let ok = reply.to_lowercase().contains(&s.to_lowercase());
            result(ok, (!ok).then(seen).flatten())
        }
        Check::NotContains(s) => {
            let ok = !reply.to_lowercase().contains(&s.to_lowercase());
            result(ok, (!ok).then(seen).flatten())
        }
        Check::Exact(s) => {
            let ok = reply.trim() == s.trim();
            result(ok, (!ok).then(seen).flatten())
        }
        Check::Regex(p) => match regex_lite::Regex::new(p) {
            Ok(re) => {
                let ok = re.is_match(&reply);
                result(ok, (!ok).then(seen).flatten())
            }
            Err(e) => result(false, Some(format!("invalid regex: {e}"))),
        },
        Check::ToolCalled { name, arguments } => {
            let calls: Vec<(&str, &str)> = side
                .turns
                .iter()
                .flat_map(|t| t.reply.messages.iter())
                .filter_map(|m| match m {
                    ChatMessage::ToolCall { name, arguments } => {
                        Some((name.as_str(), arguments.as_str()))
                    }
                    _ => None,
                })
                .collect();
            let ok = calls
                .iter()
                .any(|(n, a)| n == name && arguments_match(a, arguments));
            let detail = (!ok).then(|| {
                if calls.is_empty() {
                    "no tool was called".to_string()
                } else {
                    format!(
                        "tools called: {}",
                        calls
                            .iter()
                            .map(|(n, a)| format!("{n}({})", short(a)))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                }
            });
            result(ok, detail)
        }
        Check::SameAsProduction | Check::DiffersFromProduction => {
            let Some(p) = production else {
                return result(false, Some("no production agent to compare with".into()));
            };
            if let Some(e) = &p.error {
                return result(false, Some(format!("production side failed: {e}")));
            }
            let differing = side
                .turns
                .iter()
                .zip(&p.turns)
                .position(|(a, b)| a.reply.assistant_text() != b.reply.assistant_text());
            let same = differing.is_none() && side.turns.len() == p.turns.len();
            let want_same = c.check == Check::SameAsProduction;
            let detail = match differing {
                Some(i) if want_same => Some(format!("turn {} differs", i + 1)),
                None if !want_same => Some("every reply equals production's".into()),
                _ => None,
            };
            result(same == want_same, detail)
        }
        Check::MaxLatencyMs(limit) => {
            let worst = side.turns.iter().map(|t| t.latency_ms).max().unwrap_or(0);
            let ok = worst <= *limit;
            result(ok, (!ok).then(|| format!("slowest turn took {worst} ms")))
        }
    }
}
