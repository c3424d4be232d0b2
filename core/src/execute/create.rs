//! Agent creates after an ambiguous failure. Names are not unique on the server and a create
//! has no idempotency key, so a create that failed with a network error or a 502–504 may
//! have landed — or may still be running on the server. Sending it again at once duplicates
//! the agent. Instead: back off, look the agent up (by name and the create's own marker),
//! more than once, and send the create again only when no lookup found it, within the
//! client's retry policy.

use super::fleet_steps::id_of;
use super::Timestamp;
use crate::canary::keys;
use crate::client::{ApiError, LettaClient, Transport};
use serde_json::Value;

/// Lookups after each ambiguous failure, each after a longer pause.
pub(crate) const LOOKUPS: u32 = 3;

/// Creates an agent, safe against ambiguous failures (see the module docs).
pub(super) async fn create_agent<T: Transport>(
    client: &LettaClient<T>,
    body: Value,
    name: &str,
    now: &Timestamp,
) -> Result<String, ApiError> {
    let token = body
        .get("metadata")
        .and_then(|m| m.get(keys::CREATE_RUN))
        .cloned();
    let attempts = client.retry_policy().attempts.max(1);
    let mut pause = 0;
    for attempt in 1..=attempts {
        let error = match client.create_agent(body.clone()).await {
            Ok(v) => return id_of(&v),
            Err(e) if e.is_ambiguous() => e,
            Err(e) => return Err(e),
        };
        for _ in 0..LOOKUPS {
            client.pause(pause).await;
            pause += 1;
            let found = client.agents_named(name).await?;
            let ours = found.iter().find(|a| {
                token.is_some()
                    && a.get("metadata").and_then(|m| m.get(keys::CREATE_RUN)) == token.as_ref()
            });
            if let Some(a) = ours {
                return id_of(a);
            }
        }
        if attempt == attempts {
            return Err(ApiError::Ambiguous {
                name: name.to_string(),
                attempts,
                started: now.as_str().to_string(),
                last: Box::new(error),
            });
        }
    }
    unreachable_attempts(name)
}

/// `attempts` is at least 1, so the loop always returns; this keeps the compiler and the
/// reader sure of it without a panic.
fn unreachable_attempts(name: &str) -> Result<String, ApiError> {
    Err(ApiError::Decode(format!(
        "agent '{name}': no create attempt was made"
    )))
}
