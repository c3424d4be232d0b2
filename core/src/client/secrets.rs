//! Agent secrets: read for the agents whose fleet entry has secrets (by the live read's
//! extras; values stay in memory as [`crate::plan::Sensitive`]), and the current values the
//! executor merges into a write (the server's PATCH replaces an agent's secrets whole).

use super::{enc, ApiError, LettaClient, Transport};
use serde_json::Value;
use std::collections::BTreeMap;

fn secrets_of(agent: &Value) -> BTreeMap<String, String> {
    agent
        .get("secrets")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|s| {
            let k = s.get("key").and_then(Value::as_str)?;
            let v = s.get("value").and_then(Value::as_str).unwrap_or_default();
            Some((k.to_string(), v.to_string()))
        })
        .collect()
}

impl<T: Transport> LettaClient<T> {
    /// An agent's secrets, name → value.
    pub async fn get_agent_secrets(&self, id: &str) -> Result<BTreeMap<String, String>, ApiError> {
        let v = self
            .get(&format!("/agents/{}?include=agent.secrets", enc(id)))
            .await?;
        Ok(secrets_of(&v))
    }
}
