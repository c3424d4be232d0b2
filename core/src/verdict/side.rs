//! One side of a test case: a fresh test conversation on one agent, every turn of the case,
//! then the conversation's deletion (unless kept for inspection).
//!
//! A server fault before any turn completed (a 5xx, the model provider failing, a lost answer,
//! a busy agent) gets one more attempt in a fresh test conversation, after a back-off: a one-off
//! fault of the server should not fail a verdict. Only then, so that no completed turn is sent
//! twice; the failed turn itself may have acted before the fault (a tool it called), which the
//! retry repeats. A fault after a completed turn, a refusal of the request (invalid, not found,
//! unauthorized, quota) or a second fault fails the side.

use super::checks::CheckResult;
use super::suite::Case;
use crate::client::conversations::MeasuredReply;
use crate::client::{ApiError, ChatReply, LettaClient, Transport};
use serde::{Deserialize, Serialize};

/// One turn of one side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TurnResult {
    /// What was sent.
    pub user: String,
    /// What came back.
    pub reply: ChatReply,
    /// Wall time of the turn.
    pub latency_ms: u64,
    /// Tokens the server reported.
    pub tokens: Option<u64>,
}

/// One side (canary or production) of one case.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SideResult {
    /// Agent name.
    pub agent: String,
    /// The test conversation used.
    pub conversation_id: Option<String>,
    /// Turns that completed.
    pub turns: Vec<TurnResult>,
    /// Why the side did not finish.
    pub error: Option<String>,
    /// Check outcomes (canary side only).
    pub checks: Vec<CheckResult>,
    /// Problems that did not fail the side (e.g. deleting its conversation, a second attempt).
    pub warnings: Vec<String>,
    /// The side ran a second time after a server fault (its warnings say which).
    #[serde(default)]
    pub retried: bool,
}

impl SideResult {
    /// Every turn's assistant text, joined by blank lines (what replay diffs).
    pub fn text(&self) -> String {
        self.turns
            .iter()
            .map(|t| t.reply.assistant_text())
            .collect::<Vec<_>>()
            .join("\n\n")
    }

    /// Tokens over all turns.
    pub fn tokens(&self) -> u64 {
        self.turns.iter().filter_map(|t| t.tokens).sum()
    }
}

/// Whether a side that failed with `e` earns one more attempt: the server or its model
/// provider failed, the answer was lost, or the agent was busy. A refusal of the request itself
/// would fail again the same way.
pub(crate) fn worth_another_attempt(e: &ApiError) -> bool {
    matches!(
        e,
        ApiError::Server {
            status: 500..=599,
            ..
        } | ApiError::Llm(_)
            | ApiError::Network { .. }
            | ApiError::Busy(_)
    )
}

/// The fault in a few words, for the warning of a side that ran again (the errors' own
/// messages carry advice for a failure that stays, not for one that cleared).
pub(crate) fn fault_summary(e: &ApiError) -> String {
    let short = |s: &str| {
        let one_line = s.split_whitespace().collect::<Vec<_>>().join(" ");
        match one_line.char_indices().nth(120) {
            Some((i, _)) => format!("{}…", &one_line[..i]),
            None => one_line,
        }
    };
    match e {
        ApiError::Server { status, detail } => format!("server error {status}: {}", short(detail)),
        ApiError::Llm(m) => format!("the model provider failed: {}", short(m)),
        ApiError::Network { .. } => "the server's answer was lost (no HTTP answer)".into(),
        ApiError::Busy(_) => "the agent was busy with another request (409)".into(),
        other => short(&other.to_string()),
    }
}

/// One side to run: the agent, the case, and how.
pub(crate) struct SideRun<'a, T: Transport> {
    /// The client.
    pub client: &'a LettaClient<T>,
    /// The agent's id.
    pub agent_id: &'a str,
    /// The agent's name (for the report).
    pub agent: &'a str,
    /// The case.
    pub case: &'a Case,
    /// The test conversation's purpose (its summary says it).
    pub purpose: &'a str,
    /// Keep the test conversation for inspection.
    pub keep: bool,
    /// Milliseconds from a fixed origin.
    pub clock: &'a dyn Fn() -> f64,
}

impl<T: Transport> SideRun<'_, T> {
    /// One attempt: a fresh test conversation and every turn. With `may_retry`, a fault on the
    /// first turn that is [`worth_another_attempt`] is returned, to run the side again; the
    /// conversation is then deleted even when kept (the kept one is the one the report shows),
    /// as it is whenever conversations are not kept.
    async fn attempt(&self, may_retry: bool) -> (SideResult, Option<ApiError>) {
        let client = self.client;
        // The fault to run again after: on the first turn (or before it), and worth it.
        let retry_after = |side: &SideResult, e: ApiError| {
            (may_retry && side.turns.is_empty() && worth_another_attempt(&e)).then_some(e)
        };
        let mut side = SideResult {
            agent: self.agent.to_string(),
            ..SideResult::default()
        };
        let conv = match client
            .open_test_conversation(self.agent_id, self.purpose)
            .await
        {
            Ok(c) => c,
            Err(e) => {
                side.error = Some(format!("could not open a test conversation: {e}"));
                let retry = retry_after(&side, e);
                return (side, retry);
            }
        };
        side.conversation_id = Some(conv.id.clone());
        let mut retry = None;
        for text in &self.case.turns {
            let start = (self.clock)();
            match client.send_in_conversation(&conv.id, text).await {
                Ok(MeasuredReply {
                    reply,
                    total_tokens,
                }) => side.turns.push(TurnResult {
                    user: text.clone(),
                    reply,
                    latency_ms: ((self.clock)() - start).max(0.0) as u64,
                    tokens: total_tokens,
                }),
                Err(e) => {
                    side.error = Some(e.to_string());
                    retry = retry_after(&side, e);
                    break;
                }
            }
        }
        if !self.keep || retry.is_some() {
            if let Err(e) = client.delete_conversation(&conv.id).await {
                let e = e.to_string();
                side.warnings.push(format!(
                    "Test conversation {} was not deleted: {}.",
                    conv.id,
                    e.trim_end_matches('.')
                ));
            }
        }
        (side, retry)
    }

    /// Runs the side (see the module documentation for the retry).
    pub async fn run(&self) -> SideResult {
        let (first, fault) = self.attempt(true).await;
        let Some(fault) = fault else {
            return first;
        };
        self.client.pause(0).await;
        let (mut again, _) = self.attempt(false).await;
        let mut warnings = vec![format!(
            "The first attempt failed on its first turn ({}); the case ran again in a fresh test conversation.",
            fault_summary(&fault),
        )];
        warnings.extend(first.warnings);
        warnings.append(&mut again.warnings);
        again.warnings = warnings;
        again.retried = true;
        again
    }
}
