//! Agent replies as typed messages, from the sync JSON answer or from server-sent events.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One message of an agent's reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ChatMessage {
    /// What the agent says to the user.
    Assistant {
        /// Text.
        content: String,
    },
    /// The model's reasoning.
    Reasoning {
        /// Text.
        reasoning: String,
    },
    /// A tool call.
    ToolCall {
        /// Tool name.
        name: String,
        /// Arguments as JSON text.
        arguments: String,
    },
    /// A tool's result.
    ToolReturn {
        /// The returned text.
        tool_return: String,
        /// `success` or `error`.
        status: String,
    },
    /// An error reported inside the stream.
    Error {
        /// What went wrong.
        message: String,
    },
}

impl ChatMessage {
    /// Reads one message object; `None` for kinds the chat does not show (pings, usage…).
    pub fn from_api(v: &Value) -> Option<ChatMessage> {
        let text = |k: &str| v.get(k).map(content_text).unwrap_or_default();
        match v.get("message_type")?.as_str()? {
            "assistant_message" => Some(ChatMessage::Assistant {
                content: text("content"),
            }),
            "reasoning_message" => Some(ChatMessage::Reasoning {
                reasoning: text("reasoning"),
            }),
            "tool_call_message" | "approval_request_message" => {
                let call = v
                    .get("tool_call")
                    .or_else(|| v.get("tool_calls").and_then(|c| c.get(0)))?;
                Some(ChatMessage::ToolCall {
                    name: call
                        .get("name")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string(),
                    arguments: call.get("arguments").map(content_text).unwrap_or_default(),
                })
            }
            "tool_return_message" => Some(ChatMessage::ToolReturn {
                tool_return: text("tool_return"),
                status: v
                    .get("status")
                    .and_then(Value::as_str)
                    .unwrap_or("success")
                    .to_string(),
            }),
            "error_message" => Some(ChatMessage::Error {
                message: text("message"),
            }),
            _ => None,
        }
    }
}

fn content_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(parts) => parts
            .iter()
            .map(|p| {
                p.get("text")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .unwrap_or_else(|| content_text(p))
            })
            .collect::<Vec<_>>()
            .join(""),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A whole reply.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatReply {
    /// Messages in order.
    pub messages: Vec<ChatMessage>,
    /// Why the agent stopped (`end_turn`, …).
    pub stop_reason: Option<String>,
}

impl ChatReply {
    /// Reads the sync answer `{messages, stop_reason}`.
    pub fn from_api(v: &Value) -> ChatReply {
        let mut r = ChatReply::default();
        for m in v
            .get("messages")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(msg) = ChatMessage::from_api(m) {
                r.messages.push(msg);
            }
        }
        r.stop_reason = v
            .get("stop_reason")
            .and_then(|s| s.get("stop_reason").or(Some(s)))
            .and_then(Value::as_str)
            .map(str::to_string);
        r
    }

    /// Adds one streamed event (its `data:` JSON); returns the chat message it carried.
    pub fn push_event(&mut self, data: &str) -> Option<ChatMessage> {
        if data.trim() == "[DONE]" {
            return None;
        }
        let v: Value = serde_json::from_str(data).ok()?;
        if v.get("message_type").and_then(Value::as_str) == Some("stop_reason") {
            self.stop_reason = v
                .get("stop_reason")
                .and_then(Value::as_str)
                .map(str::to_string);
            return None;
        }
        if v.get("message_type").is_none() {
            if let Some(e) = v.get("error") {
                let m = ChatMessage::Error {
                    message: e
                        .get("message")
                        .map(content_text)
                        .unwrap_or_else(|| e.to_string()),
                };
                self.messages.push(m.clone());
                return Some(m);
            }
        }
        let m = ChatMessage::from_api(&v)?;
        self.messages.push(m.clone());
        Some(m)
    }

    /// The assistant's text, joined.
    pub fn assistant_text(&self) -> String {
        self.messages
            .iter()
            .filter_map(|m| match m {
                ChatMessage::Assistant { content } => Some(content.as_str()),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// Takes every complete server-sent event out of `buffer` and returns their `data` payloads;
/// an incomplete event stays in the buffer for the next chunk.
pub fn drain_events(buffer: &mut String) -> Vec<String> {
    let normalized = buffer.replace("\r\n", "\n");
    let mut events = Vec::new();
    let mut rest = normalized.as_str();
    while let Some(end) = rest.find("\n\n") {
        let block = &rest[..end];
        let data: Vec<&str> = block
            .lines()
            .filter_map(|l| l.strip_prefix("data:"))
            .map(|d| d.strip_prefix(' ').unwrap_or(d))
            .collect();
        if !data.is_empty() {
            events.push(data.join("\n"));
        }
        rest = &rest[end + 2..];
    }
    *buffer = rest.to_string();
    events
}

/// Parses a whole server-sent-event body into a reply.
pub fn parse_sse(body: &str) -> ChatReply {
    let mut buf = format!("{body}\n\n");
    let mut reply = ChatReply::default();
    for e in drain_events(&mut buf) {
        reply.push_event(&e);
    }
    reply
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sse_split_across_chunks() {
        let mut buf = String::new();
        let mut reply = ChatReply::default();
        let body = "data: {\"message_type\":\"assistant_message\",\"content\":\"Echo: hi\"}\n\ndata: {\"message_type\":\"stop_reason\",\"stop_reason\":\"end_turn\"}\n\ndata: [DONE]\n\n";
        for chunk in body.as_bytes().chunks(7) {
            buf.push_str(std::str::from_utf8(chunk).unwrap_or_default());
            for e in drain_events(&mut buf) {
                reply.push_event(&e);
            }
        }
        assert_eq!(reply.assistant_text(), "Echo: hi");
        assert_eq!(reply.stop_reason.as_deref(), Some("end_turn"));
    }
}
