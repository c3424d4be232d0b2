//! Sending messages to an agent's default conversation: whole replies and streamed ones.
//! Test traffic goes through isolated conversations instead ([`super::conversations`]).

use super::messages::{self, ChatMessage, ChatReply};
use super::{enc, ApiError, Body, LettaClient, Method, Transport};
use serde_json::json;

impl<T: Transport> LettaClient<T> {
    /// Sends a message and waits for the whole reply.
    pub async fn send_message(&self, agent: &str, text: &str) -> Result<ChatReply, ApiError> {
        let body = json!({"messages": [{"role": "user", "content": text}]});
        let v = self
            .json(
                Method::Post,
                &format!("/agents/{}/messages", enc(agent)),
                Body::Json(body),
            )
            .await?;
        Ok(ChatReply::from_api(&v))
    }

    /// Sends a message and streams the reply: `on_message` sees each message as it arrives.
    pub async fn stream_message(
        &self,
        agent: &str,
        text: &str,
        on_message: &mut dyn FnMut(&ChatMessage),
    ) -> Result<ChatReply, ApiError> {
        let body = json!({"messages": [{"role": "user", "content": text}], "stream_tokens": false});
        let mut buffer = String::new();
        let mut reply = ChatReply::default();
        let mut take = |event: &str, reply: &mut ChatReply| {
            if let Some(m) = reply.push_event(event) {
                on_message(&m);
            }
        };
        self.post_streaming(
            &format!("/agents/{}/messages/stream", enc(agent)),
            body,
            &mut |chunk: &str| {
                buffer.push_str(chunk);
                for event in messages::drain_events(&mut buffer) {
                    take(&event, &mut reply);
                }
            },
        )
        .await?;
        // The body ended: an event without its closing blank line still counts.
        for event in messages::drain_events(&mut format!("{buffer}\n\n")) {
            take(&event, &mut reply);
        }
        Ok(reply)
    }

    /// Cancels these runs of an agent on the server (`POST /agents/{id}/messages/cancel`) and
    /// returns the ones the server says it cancelled. Only named runs: without ids the server
    /// would cancel every active run of the agent, and for a production agent that may be a
    /// real user's. The server (0.16.8) also answers `cancelled` for a run that had already
    /// finished; that run's status stays `completed`.
    pub async fn cancel_runs(
        &self,
        agent: &str,
        run_ids: &[String],
    ) -> Result<Vec<String>, ApiError> {
        if run_ids.is_empty() {
            return Ok(Vec::new());
        }
        let v = self
            .json(
                Method::Post,
                &format!("/agents/{}/messages/cancel", enc(agent)),
                Body::Json(json!({ "run_ids": run_ids })),
            )
            .await?;
        Ok(v.as_object()
            .into_iter()
            .flatten()
            .filter(|(_, status)| status.as_str() == Some("cancelled"))
            .map(|(id, _)| id.clone())
            .collect())
    }
}
