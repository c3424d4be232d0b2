//! A reply assembled while it streams: the server-sent events of `POST …/messages` with
//! `streaming: true, stream_tokens: true`, joined into whole messages as they arrive.
//!
//! With token streaming the server sends many events per message, each carrying the message's
//! `id` and only the new piece of it (`content`, `reasoning`, or the tool call's `arguments`).
//! Pieces are joined by id **and** message type, because the server gives the reasoning and the
//! assistant message of one step the same id. A tool return carries its call's `tool_call_id`
//! and a `status`: `error` marks both the return and its call as failed (the chat shows them in
//! red). `usage_statistics` gives the turn's tokens, `stop_reason` why it ended, and every
//! message names its `run_id`, which is what a stop cancels on the server.
//!
//! Pure and incremental: the transport feeds text in whatever pieces the network delivers, an
//! event split across two pieces waits in a buffer, and the same events in any chunking give
//! the same reply. Without token streaming (one event per message) nothing needs joining and
//! the result is the same.

use super::messages::{drain_events, ChatMessage, ChatReply};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Token counts the server reports for a turn (`usage_statistics`), when it does.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Usage {
    /// Tokens sent to the model, every step of the turn together.
    pub prompt_tokens: Option<u64>,
    /// Tokens the model produced.
    pub completion_tokens: Option<u64>,
    /// Both.
    pub total_tokens: Option<u64>,
    /// Model calls the turn took (a tool call makes two).
    pub step_count: Option<u64>,
}

impl Usage {
    fn from_api(v: &Value) -> Usage {
        let n = |k: &str| v.get(k).and_then(Value::as_u64);
        Usage {
            prompt_tokens: n("prompt_tokens"),
            completion_tokens: n("completion_tokens"),
            total_tokens: n("total_tokens"),
            step_count: n("step_count"),
        }
    }
}

/// One message of a streamed reply, with what joins its pieces and pairs a tool call with its
/// result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StreamedMessage {
    /// The server's message id (every token piece of one message carries it).
    pub id: Option<String>,
    /// The message, joined so far.
    pub message: ChatMessage,
    /// For a tool call or return: the call id that pairs them.
    pub tool_call_id: Option<String>,
    /// A tool call whose result was an error, or that error result.
    pub failed: bool,
}

/// A reply as far as it has arrived.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveReply {
    /// Messages in order of their first piece.
    pub messages: Vec<StreamedMessage>,
    /// Why the agent stopped (`end_turn`, `max_steps`, …), once said.
    pub stop_reason: Option<String>,
    /// Token counts, once reported (the server sends them after the last message).
    pub usage: Option<Usage>,
    /// The run on the server that produces this reply (what a stop cancels).
    pub run_id: Option<String>,
    /// The stream's `[DONE]` arrived.
    pub done: bool,
    /// Text of an event not complete yet.
    #[serde(skip)]
    pending: String,
}

fn kind(m: &ChatMessage) -> u8 {
    match m {
        ChatMessage::Assistant { .. } => 0,
        ChatMessage::Reasoning { .. } => 1,
        ChatMessage::ToolCall { .. } => 2,
        ChatMessage::ToolReturn { .. } => 3,
        ChatMessage::Error { .. } => 4,
    }
}

/// Appends a later piece of the same message to `into`.
fn join(into: &mut ChatMessage, piece: ChatMessage) {
    match (into, piece) {
        (ChatMessage::Assistant { content }, ChatMessage::Assistant { content: more }) => {
            content.push_str(&more)
        }
        (ChatMessage::Reasoning { reasoning }, ChatMessage::Reasoning { reasoning: more }) => {
            reasoning.push_str(&more)
        }
        (
            ChatMessage::ToolCall { name, arguments },
            ChatMessage::ToolCall {
                name: n,
                arguments: more,
            },
        ) => {
            if name.is_empty() {
                *name = n;
            }
            arguments.push_str(&more);
        }
        (into, piece) => *into = piece,
    }
}

fn call_id(v: &Value) -> Option<String> {
    let call = v
        .get("tool_call")
        .or_else(|| v.get("tool_calls").and_then(|c| c.get(0).or(Some(c))));
    call.and_then(|c| c.get("tool_call_id"))
        .or_else(|| v.get("tool_call_id"))
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

impl LiveReply {
    /// Feeds a piece of the response body; returns whether anything visible changed.
    pub fn feed(&mut self, chunk: &str) -> bool {
        self.pending.push_str(chunk);
        let mut changed = false;
        for event in drain_events(&mut self.pending) {
            changed |= self.push_event(&event);
        }
        changed
    }

    /// The body ended: an event without its closing blank line still counts.
    pub fn finish(&mut self) -> bool {
        let mut rest = format!("{}\n\n", std::mem::take(&mut self.pending));
        let mut changed = false;
        for event in drain_events(&mut rest) {
            changed |= self.push_event(&event);
        }
        changed
    }

    /// Adds one event (its `data:` payload); returns whether anything visible changed.
    pub fn push_event(&mut self, data: &str) -> bool {
        if data.trim() == "[DONE]" {
            self.done = true;
            return true;
        }
        let Ok(v) = serde_json::from_str::<Value>(data) else {
            return false;
        };
        if let Some(run) = v.get("run_id").and_then(Value::as_str) {
            self.run_id.get_or_insert_with(|| run.to_string());
        }
        match v.get("message_type").and_then(Value::as_str) {
            Some("stop_reason") => {
                self.stop_reason = v
                    .get("stop_reason")
                    .and_then(Value::as_str)
                    .map(str::to_string);
                return true;
            }
            Some("usage_statistics") => {
                self.usage = Some(Usage::from_api(&v));
                return true;
            }
            None => {
                // An error the server reports inside the stream: `{"error": {…}}`.
                let mut fake = ChatReply::default();
                return match fake.push_event(data) {
                    Some(m) => {
                        self.push(None, m, None, false);
                        true
                    }
                    None => false,
                };
            }
            Some(_) => {}
        }
        let Some(message) = ChatMessage::from_api(&v) else {
            return false;
        };
        let id = v.get("id").and_then(Value::as_str).map(str::to_string);
        let failed =
            matches!(&message, ChatMessage::ToolReturn { status, .. } if status == "error");
        self.push(id, message, call_id(&v), failed);
        true
    }

    fn push(
        &mut self,
        id: Option<String>,
        message: ChatMessage,
        tool_call_id: Option<String>,
        failed: bool,
    ) {
        if failed {
            if let Some(call) = &tool_call_id {
                for m in &mut self.messages {
                    if matches!(m.message, ChatMessage::ToolCall { .. })
                        && m.tool_call_id.as_ref() == Some(call)
                    {
                        m.failed = true;
                    }
                }
            }
        }
        let same = self
            .messages
            .iter_mut()
            .find(|m| id.is_some() && m.id == id && kind(&m.message) == kind(&message));
        match same {
            Some(m) => {
                join(&mut m.message, message);
                m.failed |= failed;
                if m.tool_call_id.is_none() {
                    m.tool_call_id = tool_call_id;
                }
            }
            None => self.messages.push(StreamedMessage {
                id,
                message,
                tool_call_id,
                failed,
            }),
        }
    }

    /// What the agent said to the user, its messages joined by newlines.
    pub fn assistant_text(&self) -> String {
        self.messages
            .iter()
            .filter_map(|m| match &m.message {
                ChatMessage::Assistant { content } => Some(content.as_str()),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// How many tool calls failed.
    pub fn failed_tool_calls(&self) -> usize {
        self.messages
            .iter()
            .filter(|m| m.failed && matches!(m.message, ChatMessage::ToolCall { .. }))
            .count()
    }

    /// Whether the stream said why it stopped with something other than the normal end of a turn.
    pub fn abnormal_stop(&self) -> Option<&str> {
        self.stop_reason
            .as_deref()
            .filter(|r| !matches!(*r, "end_turn" | "requires_approval"))
    }

    /// The same reply in the shape of a whole answer (what suites and the CLI use).
    pub fn to_reply(&self) -> ChatReply {
        ChatReply {
            messages: self.messages.iter().map(|m| m.message.clone()).collect(),
            stop_reason: self.stop_reason.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(v: Value) -> String {
        format!("data: {v}\n\n")
    }

    fn token(id: &str, piece: &str) -> String {
        event(
            serde_json::json!({"id": id, "message_type": "assistant_message", "run_id": "run-1", "content": piece}),
        )
    }

    /// What the server sent for `hello there` with `stream_tokens: true` (shape copied from
    /// Letta 0.16.8's answer, ids shortened).
    fn token_stream() -> String {
        [
            token("message-a", "Echo: hel"),
            token("message-a", "lo th"),
            token("message-a", "ere"),
            event(serde_json::json!({"message_type": "stop_reason", "stop_reason": "end_turn"})),
            event(serde_json::json!({"message_type": "usage_statistics", "completion_tokens": 8, "prompt_tokens": 615, "total_tokens": 623, "step_count": 1})),
            "data: [DONE]\n\n".to_string(),
        ]
        .concat()
    }

    #[test]
    fn token_pieces_join_into_one_message_in_any_chunking() {
        let body = token_stream();
        let mut whole = LiveReply::default();
        whole.feed(&body);
        assert_eq!(whole.messages.len(), 1);
        assert_eq!(whole.assistant_text(), "Echo: hello there");
        assert_eq!(whole.run_id.as_deref(), Some("run-1"));
        assert_eq!(whole.stop_reason.as_deref(), Some("end_turn"));
        assert_eq!(whole.usage.and_then(|u| u.total_tokens), Some(623));
        assert_eq!(whole.usage.and_then(|u| u.prompt_tokens), Some(615));
        assert!(whole.done);
        for size in [1, 5, 17, 64] {
            let mut r = LiveReply::default();
            let chars: Vec<char> = body.chars().collect();
            for piece in chars.chunks(size) {
                r.feed(&piece.iter().collect::<String>());
            }
            assert_eq!(r, whole, "chunks of {size} characters");
        }
    }

    #[test]
    fn partial_text_is_visible_before_the_end() {
        let body = token_stream();
        let cut = body.find("lo th").unwrap_or(0);
        let mut r = LiveReply::default();
        assert!(r.feed(&body[..cut + 40]));
        // The first piece is complete; the second is still in the buffer.
        assert_eq!(r.assistant_text(), "Echo: hel");
        assert!(!r.done && r.usage.is_none());
        r.feed(&body[cut + 40..]);
        assert_eq!(r.assistant_text(), "Echo: hello there");
    }

    #[test]
    fn a_failed_tool_call_is_marked_on_the_call_and_its_return() {
        let body = [
            event(serde_json::json!({"id": "message-c", "message_type": "tool_call_message", "run_id": "run-2",
                "tool_call": {"name": "memory_insert", "arguments": "{\"label\": ", "tool_call_id": "call_1"}})),
            event(serde_json::json!({"id": "message-c", "message_type": "tool_call_message",
                "tool_call": {"name": null, "arguments": "\"nosuch\"}", "tool_call_id": "call_1"}})),
            event(serde_json::json!({"id": "message-r", "message_type": "tool_return_message", "name": "memory_insert",
                "tool_return": "'Block field nosuch does not exist'", "status": "error", "tool_call_id": "call_1"})),
            event(serde_json::json!({"id": "message-ok", "message_type": "tool_call_message",
                "tool_call": {"name": "other", "arguments": "{}", "tool_call_id": "call_2"}})),
            event(serde_json::json!({"id": "message-r2", "message_type": "tool_return_message",
                "tool_return": "fine", "status": "success", "tool_call_id": "call_2"})),
            token("message-d", "Tool memory_insert returned"),
        ]
        .concat();
        let mut r = LiveReply::default();
        r.feed(&body);
        assert_eq!(r.messages.len(), 5, "{r:?}");
        assert_eq!(
            r.messages[0].message,
            ChatMessage::ToolCall {
                name: "memory_insert".into(),
                arguments: "{\"label\": \"nosuch\"}".into()
            }
        );
        assert!(r.messages[0].failed && r.messages[1].failed);
        assert!(!r.messages[2].failed && !r.messages[3].failed);
        assert_eq!(r.failed_tool_calls(), 1);
        assert_eq!(r.run_id.as_deref(), Some("run-2"));
        assert!(!r.done, "no [DONE] yet");
    }

    #[test]
    fn reasoning_and_assistant_of_one_step_share_an_id_but_stay_apart() {
        let body = [
            event(serde_json::json!({"id": "message-s", "message_type": "reasoning_message", "reasoning": "Think"})),
            event(serde_json::json!({"id": "message-s", "message_type": "reasoning_message", "reasoning": "ing"})),
            token("message-s", "Hi"),
        ]
        .concat();
        let mut r = LiveReply::default();
        r.feed(&body);
        assert_eq!(r.messages.len(), 2);
        assert_eq!(
            r.messages[0].message,
            ChatMessage::Reasoning {
                reasoning: "Thinking".into()
            }
        );
        assert_eq!(r.assistant_text(), "Hi");
    }

    #[test]
    fn errors_pings_and_a_missing_final_blank_line() {
        let mut r = LiveReply::default();
        assert!(!r.feed("data: {\"message_type\":\"ping\"}\n\n"));
        assert!(!r.feed(": keep-alive comment\n\n"));
        assert!(
            r.feed("data: {\"error\": {\"type\": \"llm_error\", \"message\": \"model down\"}}\n\n")
        );
        assert_eq!(
            r.messages[0].message,
            ChatMessage::Error {
                message: "model down".into()
            }
        );
        // Without the closing blank line the event waits; the end of the body flushes it.
        assert!(!r.feed("data: {\"message_type\":\"stop_reason\",\"stop_reason\":\"max_steps\"}"));
        assert!(r.finish());
        assert_eq!(r.abnormal_stop(), Some("max_steps"));
        assert_eq!(r.to_reply().messages.len(), 1);
    }

    #[test]
    fn whole_messages_without_token_streaming_are_unchanged() {
        let body = [
            token("message-1", "First."),
            token("message-2", "Second."),
            "data: [DONE]\n\n".to_string(),
        ]
        .concat();
        let mut r = LiveReply::default();
        r.feed(&body);
        assert_eq!(r.assistant_text(), "First.\nSecond.");
        assert_eq!(r.to_reply().assistant_text(), "First.\nSecond.");
    }
}
