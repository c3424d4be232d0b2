//! Side-by-side chat as plain data: each turn sends one message to a canary and to its
//! production agent, and both replies belong to that turn. So canary turn N is always shown
//! beside production turn N (however long either reply is), and the pair is compared word by
//! word with the plan view's diff ([`crate::plan::diff_text`]).
//!
//! The browser supplies the clock (milliseconds from any origin) and the bytes; everything
//! here is pure, so the wording of a reply's latency and tokens is tested without a server.

use crate::client::LiveReply;
use crate::plan::{diff_text, TextChange};
use serde::{Deserialize, Serialize};

/// Where one side's reply is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", content = "detail", rename_all = "lowercase")]
pub enum SideStatus {
    /// Sent; nothing arrived yet.
    Waiting,
    /// Pieces are arriving.
    Streaming,
    /// The stream ended.
    Done,
    /// The user stopped it.
    Stopped,
    /// It failed, with what went wrong.
    Failed(String),
}

/// One side of a turn: the agent it went to, its reply so far and its timing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SideReply {
    /// The agent the message went to.
    pub agent_id: String,
    /// The reply as far as it arrived.
    pub reply: LiveReply,
    /// Where it is.
    pub status: SideStatus,
    /// When the message was sent (ms).
    pub started_ms: f64,
    /// When the first message piece arrived.
    pub first_ms: Option<f64>,
    /// When the stream ended, stopped or failed.
    pub ended_ms: Option<f64>,
}

impl SideReply {
    /// A message just sent to `agent_id`.
    pub fn start(agent_id: &str, now_ms: f64) -> SideReply {
        SideReply {
            agent_id: agent_id.to_string(),
            reply: LiveReply::default(),
            status: SideStatus::Waiting,
            started_ms: now_ms,
            first_ms: None,
            ended_ms: None,
        }
    }

    /// Whether the reply is still coming.
    pub fn in_flight(&self) -> bool {
        matches!(self.status, SideStatus::Waiting | SideStatus::Streaming)
    }

    /// A piece arrived: `reply` is the whole reply so far. Ignored once stopped, so a piece the
    /// network delivers after the stop does not bring the reply back.
    pub fn update(&mut self, reply: &LiveReply, now_ms: f64) {
        if !self.in_flight() {
            return;
        }
        if self.first_ms.is_none() && !reply.messages.is_empty() {
            self.first_ms = Some(now_ms);
        }
        self.reply = reply.clone();
        self.status = SideStatus::Streaming;
    }

    /// The stream ended, with the final reply or what went wrong. A stopped side stays stopped
    /// (its transport then fails with an abort, which is no error of the agent's).
    pub fn end(&mut self, result: Result<LiveReply, String>, now_ms: f64) {
        if !self.in_flight() {
            return;
        }
        self.ended_ms = Some(now_ms);
        match result {
            Ok(r) => {
                if self.first_ms.is_none() && !r.messages.is_empty() {
                    self.first_ms = Some(now_ms);
                }
                self.reply = r;
                self.status = SideStatus::Done;
            }
            Err(e) => self.status = SideStatus::Failed(e),
        }
    }

    /// The user stopped the reply; what arrived so far stays.
    pub fn stop(&mut self, now_ms: f64) {
        if self.in_flight() {
            self.status = SideStatus::Stopped;
            self.ended_ms = Some(now_ms);
        }
    }

    /// Milliseconds from sending to the end of the reply.
    pub fn latency_ms(&self) -> Option<u64> {
        self.ended_ms.map(|e| ms(e - self.started_ms))
    }

    /// Milliseconds from sending to the first piece.
    pub fn first_piece_ms(&self) -> Option<u64> {
        self.first_ms.map(|f| ms(f - self.started_ms))
    }

    /// The line under a reply: latency, time to the first piece, tokens (from the server's
    /// usage statistics) and failed tool calls; `None` while it is still coming.
    pub fn stats(&self) -> Option<String> {
        let total = self.latency_ms()?;
        let mut parts = vec![match self.status {
            SideStatus::Stopped => format!("stopped after {}", seconds(total)),
            _ => seconds(total),
        }];
        if let Some(f) = self.first_piece_ms() {
            parts.push(format!("first token {}", seconds(f)));
        }
        let u = self.reply.usage.unwrap_or_default();
        parts.push(
            match (u.total_tokens, u.prompt_tokens, u.completion_tokens) {
                (Some(t), Some(p), Some(c)) => format!("{t} tokens ({p} in, {c} out)"),
                (Some(t), _, _) => format!("{t} tokens"),
                _ => "tokens not reported".to_string(),
            },
        );
        if let Some(steps) = u.step_count.filter(|s| *s > 1) {
            parts.push(format!("{steps} steps"));
        }
        match self.reply.failed_tool_calls() {
            0 => {}
            1 => parts.push("1 tool call failed".to_string()),
            n => parts.push(format!("{n} tool calls failed")),
        }
        if let Some(r) = self.reply.abnormal_stop() {
            parts.push(format!("ended: {r}"));
        }
        Some(parts.join(" · "))
    }
}

fn ms(d: f64) -> u64 {
    if d.is_finite() && d > 0.0 {
        d.round() as u64
    } else {
        0
    }
}

fn seconds(ms: u64) -> String {
    if ms < 1000 {
        format!("{ms} ms")
    } else {
        format!("{:.2} s", ms as f64 / 1000.0)
    }
}

/// One message sent to both sides, and their replies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatTurn {
    /// Unique within the app's session: a reply finds its turn by it, even after turns before
    /// it were cleared.
    pub id: u64,
    /// What the user sent.
    pub user: String,
    /// The canary's reply.
    pub canary: SideReply,
    /// Production's, when a production agent existed when it was sent.
    pub production: Option<SideReply>,
    /// The first turn of new test conversations after earlier turns: the agents do not
    /// remember what is above it.
    pub fresh_conversation: bool,
}

impl ChatTurn {
    /// Whether either side is still coming.
    pub fn in_flight(&self) -> bool {
        self.canary.in_flight() || self.production.as_ref().is_some_and(SideReply::in_flight)
    }

    /// The side that went to production (`true`) or the canary.
    pub fn side_mut(&mut self, production: bool) -> Option<&mut SideReply> {
        if production {
            self.production.as_mut()
        } else {
            Some(&mut self.canary)
        }
    }
}

/// How a turn's two replies compare.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "diff", rename_all = "lowercase")]
pub enum Comparison {
    /// A reply is still coming.
    Waiting,
    /// No production agent to compare with.
    Unpaired,
    /// A side stopped or failed: there is no whole reply to compare.
    Incomplete,
    /// Both said the same.
    Same,
    /// They differ: the diff from production's reply to the canary's.
    Different(TextChange),
}

/// Compares a turn's replies (what the agents said to the user, not their tool calls).
pub fn compare(turn: &ChatTurn) -> Comparison {
    let Some(prod) = &turn.production else {
        return Comparison::Unpaired;
    };
    if turn.in_flight() {
        return Comparison::Waiting;
    }
    if turn.canary.status != SideStatus::Done || prod.status != SideStatus::Done {
        return Comparison::Incomplete;
    }
    let (p, c) = (
        prod.reply.assistant_text(),
        turn.canary.reply.assistant_text(),
    );
    if p.trim() == c.trim() {
        Comparison::Same
    } else {
        Comparison::Different(diff_text(p.trim(), c.trim()))
    }
}

impl Comparison {
    /// What the comparison row says.
    pub fn label(&self) -> &'static str {
        match self {
            Comparison::Waiting => "",
            Comparison::Unpaired => "No production agent yet: nothing to compare with.",
            Comparison::Incomplete => "Not compared: a reply was stopped or failed.",
            Comparison::Same => "Same reply from both.",
            Comparison::Different(_) => "The replies differ (production → canary):",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Tag;

    fn reply(text: &str, tokens: Option<(u64, u64)>) -> LiveReply {
        let mut r = LiveReply::default();
        r.feed(&format!(
            "data: {}\n\n",
            serde_json::json!({"id": "m", "message_type": "assistant_message", "content": text})
        ));
        if let Some((p, c)) = tokens {
            r.feed(&format!("data: {}\n\n", serde_json::json!({"message_type": "usage_statistics", "prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c, "step_count": 1})));
        }
        r
    }

    fn turn(canary: &str, production: Option<&str>) -> ChatTurn {
        let mut c = SideReply::start("agent-c", 1000.0);
        c.update(&reply(canary, None), 1200.0);
        c.end(Ok(reply(canary, Some((600, 8)))), 1850.0);
        let p = production.map(|t| {
            let mut p = SideReply::start("agent-p", 1000.0);
            p.end(Ok(reply(t, Some((590, 8)))), 2400.0);
            p
        });
        ChatTurn {
            id: 1,
            user: "hi".into(),
            canary: c,
            production: p,
            fresh_conversation: false,
        }
    }

    #[test]
    fn stats_say_latency_first_piece_and_tokens() {
        let t = turn("Echo: hi [v2]", Some("Echo: hi"));
        assert_eq!(t.canary.latency_ms(), Some(850));
        assert_eq!(t.canary.first_piece_ms(), Some(200));
        assert_eq!(
            t.canary.stats().as_deref(),
            Some("850 ms · first token 200 ms · 608 tokens (600 in, 8 out)")
        );
        // Everything arrived at the end: the first piece is the end.
        assert_eq!(
            t.production.as_ref().and_then(SideReply::stats).as_deref(),
            Some("1.40 s · first token 1.40 s · 598 tokens (590 in, 8 out)")
        );
    }

    #[test]
    fn replies_are_compared_word_by_word_only_when_both_are_whole() {
        let t = turn("Echo: hi [v2]", Some("Echo: hi"));
        let Comparison::Different(TextChange::Words(spans)) = compare(&t) else {
            panic!("{:?}", compare(&t));
        };
        assert!(spans
            .iter()
            .any(|s| s.tag == Tag::Insert && s.text.contains("[v2]")));
        assert!(spans.iter().all(|s| s.tag != Tag::Delete));
        assert_eq!(
            compare(&turn("Echo: hi", Some("Echo: hi "))),
            Comparison::Same
        );
        assert_eq!(compare(&turn("Echo: hi", None)), Comparison::Unpaired);

        let mut waiting = turn("a", Some("b"));
        waiting.production = Some(SideReply::start("agent-p", 0.0));
        assert_eq!(compare(&waiting), Comparison::Waiting);
        assert!(waiting.in_flight());
        if let Some(p) = waiting.side_mut(true) {
            p.stop(10.0);
        }
        assert_eq!(compare(&waiting), Comparison::Incomplete);
        assert!(!waiting.in_flight());
    }

    #[test]
    fn a_stop_keeps_what_arrived_and_ignores_late_pieces() {
        let mut s = SideReply::start("agent-c", 0.0);
        s.update(&reply("Echo: hel", None), 100.0);
        s.stop(300.0);
        assert_eq!(s.status, SideStatus::Stopped);
        s.update(&reply("Echo: hello there", None), 400.0);
        s.end(Err("The user aborted a request.".into()), 500.0);
        assert_eq!(s.status, SideStatus::Stopped);
        assert_eq!(s.reply.assistant_text(), "Echo: hel");
        assert_eq!(
            s.stats().as_deref(),
            Some("stopped after 300 ms · first token 100 ms · tokens not reported")
        );
    }

    #[test]
    fn failures_and_failed_tools_are_said() {
        let mut s = SideReply::start("agent-c", 0.0);
        assert_eq!(s.stats(), None, "nothing to say while it is coming");
        s.end(Err("agent busy".into()), 40.0);
        assert_eq!(s.status, SideStatus::Failed("agent busy".into()));
        let mut r = LiveReply::default();
        r.feed("data: {\"id\":\"c\",\"message_type\":\"tool_call_message\",\"tool_call\":{\"name\":\"t\",\"arguments\":\"{}\",\"tool_call_id\":\"k\"}}\n\n");
        r.feed("data: {\"id\":\"r\",\"message_type\":\"tool_return_message\",\"tool_return\":\"boom\",\"status\":\"error\",\"tool_call_id\":\"k\"}\n\n");
        r.feed("data: {\"message_type\":\"usage_statistics\",\"total_tokens\":90,\"step_count\":2}\n\n");
        let mut t = SideReply::start("agent-c", 0.0);
        t.end(Ok(r), 1500.0);
        assert_eq!(
            t.stats().as_deref(),
            Some("1.50 s · first token 1.50 s · 90 tokens · 2 steps · 1 tool call failed")
        );
    }
}
