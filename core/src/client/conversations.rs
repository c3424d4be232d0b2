//! Test conversations: every test message (chat, suites, replay) goes through one of these,
//! never through an agent's default conversation.
//!
//! A conversation created with `isolated_block_labels` gets conversation-only copies of the
//! agent's blocks with those labels, and its own message history. We isolate **every** label
//! the agent has, so a memory tool call made during a test edits the copy. What this does not
//! isolate (archival memory, tool side effects) is established by the engine tests in
//! `tests/engine/tests/verdict.rs` and stated in [`crate::verdict::isolation`].
//!
//! Test conversations are marked by their summary ([`TEST_SUMMARY_PREFIX`]) because the create
//! body has no metadata; production's are deleted right after use, canaries' go with their
//! agent at cleanup.

use super::messages::ChatReply;
use super::stream::LiveReply;
use super::{enc, ApiError, Body, LettaClient, Method, Transport};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// The summary every test conversation starts with, so it is recognised (and swept) later.
pub const TEST_SUMMARY_PREFIX: &str = "fleet-canary test";

/// A conversation on the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Conversation {
    /// `conv-…`.
    pub id: String,
    /// The agent it belongs to.
    pub agent_id: String,
    /// The summary it was created with.
    pub summary: Option<String>,
    /// Ids of the conversation-only block copies.
    pub isolated_block_ids: Vec<String>,
}

impl Conversation {
    /// Reads the server's conversation object.
    pub fn from_api(v: &Value) -> Result<Conversation, ApiError> {
        let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
        let id = s("id").ok_or_else(|| {
            ApiError::Decode(format!(
                "conversation without an id: {}",
                v.to_string().chars().take(120).collect::<String>()
            ))
        })?;
        Ok(Conversation {
            id,
            agent_id: s("agent_id").unwrap_or_default(),
            summary: s("summary"),
            isolated_block_ids: v
                .get("isolated_block_ids")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default(),
        })
    }

    /// Whether this is one of our test conversations.
    pub fn is_test(&self) -> bool {
        self.summary
            .as_deref()
            .is_some_and(|s| s.starts_with(TEST_SUMMARY_PREFIX))
    }
}

/// A reply with what the runner measures besides the messages.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MeasuredReply {
    /// The messages.
    pub reply: ChatReply,
    /// Total tokens the server reported for the turn, when it did.
    pub total_tokens: Option<u64>,
}

fn total_tokens(v: &Value) -> Option<u64> {
    v.get("total_tokens").and_then(Value::as_u64)
}

impl<T: Transport> LettaClient<T> {
    /// The labels of every block attached to an agent (what a test conversation isolates).
    pub async fn block_labels(&self, agent_id: &str) -> Result<Vec<String>, ApiError> {
        let a = self.get_agent(agent_id).await?;
        let mut labels: Vec<String> = a
            .get("blocks")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|b| b.get("label").and_then(Value::as_str).map(str::to_string))
            .collect();
        labels.sort();
        labels.dedup();
        Ok(labels)
    }

    /// `POST /v1/conversations/?agent_id=`: a conversation with its own copies of the blocks
    /// labelled `isolated_labels`.
    pub async fn create_conversation(
        &self,
        agent_id: &str,
        summary: &str,
        isolated_labels: &[String],
    ) -> Result<Conversation, ApiError> {
        let body = json!({"summary": summary, "isolated_block_labels": isolated_labels});
        let v = self
            .json(
                Method::Post,
                &format!("/conversations/?agent_id={}", enc(agent_id)),
                Body::Json(body),
            )
            .await?;
        Conversation::from_api(&v)
    }

    /// A marked test conversation isolating every block label the agent has.
    pub async fn open_test_conversation(
        &self,
        agent_id: &str,
        purpose: &str,
    ) -> Result<Conversation, ApiError> {
        let labels = self.block_labels(agent_id).await?;
        let summary = if purpose.is_empty() {
            TEST_SUMMARY_PREFIX.to_string()
        } else {
            format!("{TEST_SUMMARY_PREFIX}: {purpose}")
        };
        self.create_conversation(agent_id, &summary, &labels).await
    }

    /// Every (not deleted) conversation of an agent.
    pub async fn list_conversations(&self, agent_id: &str) -> Result<Vec<Conversation>, ApiError> {
        self.list_all(&format!("/conversations/?agent_id={}", enc(agent_id)))
            .await?
            .iter()
            .map(Conversation::from_api)
            .collect()
    }

    /// One conversation.
    pub async fn get_conversation(&self, id: &str) -> Result<Conversation, ApiError> {
        let v = self.get(&format!("/conversations/{}", enc(id))).await?;
        Conversation::from_api(&v)
    }

    /// Deletes a conversation and its block copies.
    pub async fn delete_conversation(&self, id: &str) -> Result<(), ApiError> {
        self.call(
            Method::Delete,
            &format!("/conversations/{}", enc(id)),
            Body::Empty,
        )
        .await
        .map(|_| ())
    }

    /// Our test conversations on the whole server (any agent), in one read: the conversations
    /// whose summary carries our marker (`GET /v1/conversations/?summary_search=`, a contains
    /// match, so only those whose summary starts with it are kept).
    pub async fn test_conversations(&self) -> Result<Vec<Conversation>, ApiError> {
        let list = self
            .list_all(&format!(
                "/conversations/?summary_search={}",
                enc(TEST_SUMMARY_PREFIX)
            ))
            .await?;
        let mut out = Vec::new();
        for v in &list {
            let c = Conversation::from_api(v)?;
            if c.is_test() {
                out.push(c);
            }
        }
        Ok(out)
    }

    /// Deletes every test conversation left on an agent (a tab closed mid-test); returns how
    /// many went. Conversations not marked as ours are never touched.
    pub async fn sweep_test_conversations(&self, agent_id: &str) -> Result<usize, ApiError> {
        let mut n = 0;
        for c in self.list_conversations(agent_id).await? {
            if c.is_test() {
                self.delete_conversation(&c.id).await?;
                n += 1;
            }
        }
        Ok(n)
    }

    /// Sends one user message in a conversation and waits for the whole turn (JSON answer).
    pub async fn send_in_conversation(
        &self,
        conversation_id: &str,
        text: &str,
    ) -> Result<MeasuredReply, ApiError> {
        let body = json!({"messages": [{"role": "user", "content": text}], "streaming": false});
        let v = self
            .json(
                Method::Post,
                &format!("/conversations/{}/messages", enc(conversation_id)),
                Body::Json(body),
            )
            .await?;
        Ok(MeasuredReply {
            reply: ChatReply::from_api(&v),
            total_tokens: v.get("usage").and_then(total_tokens),
        })
    }

    /// Sends one user message in a conversation with token streaming (`stream_tokens: true`):
    /// `on_update` sees the reply each time a piece of it arrives, so the chat can show text as
    /// the model writes it. The parsing is [`LiveReply`]'s; this only moves bytes. A transport
    /// that is aborted mid-reply ends this with its network error (the caller knows it stopped).
    pub async fn stream_tokens_in_conversation(
        &self,
        conversation_id: &str,
        text: &str,
        on_update: &mut dyn FnMut(&LiveReply),
    ) -> Result<LiveReply, ApiError> {
        let body = json!({"messages": [{"role": "user", "content": text}], "streaming": true, "stream_tokens": true, "include_pings": false});
        let mut live = LiveReply::default();
        self.post_streaming(
            &format!("/conversations/{}/messages", enc(conversation_id)),
            body,
            &mut |chunk: &str| {
                if live.feed(chunk) {
                    on_update(&live);
                }
            },
        )
        .await?;
        if live.finish() {
            on_update(&live);
        }
        Ok(live)
    }

    /// The newest `limit` messages of an agent (the server returns them oldest first).
    /// `conversation` `Some("default")` reads only the default conversation (production
    /// traffic); `None` reads every conversation's messages. Read only.
    pub async fn agent_messages(
        &self,
        agent_id: &str,
        conversation: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Value>, ApiError> {
        let filter = conversation
            .map(|c| format!("&conversation_id={}", enc(c)))
            .unwrap_or_default();
        let v = self
            .get(&format!(
                "/agents/{}/messages?order=desc&limit={limit}{filter}",
                enc(agent_id)
            ))
            .await?;
        match v {
            Value::Array(a) => Ok(a),
            other => Err(ApiError::Decode(format!(
                "agent messages: expected a list, got {}",
                other.to_string().chars().take(80).collect::<String>()
            ))),
        }
    }

    /// Messages of one conversation, oldest first (up to 1000).
    pub async fn conversation_messages(
        &self,
        conversation_id: &str,
    ) -> Result<Vec<Value>, ApiError> {
        let v = self
            .get(&format!(
                "/conversations/{}/messages?order=asc&limit=1000",
                enc(conversation_id)
            ))
            .await?;
        Ok(v.as_array().cloned().unwrap_or_default())
    }
}
