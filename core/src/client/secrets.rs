//! Agent secrets: read for the agents whose fleet entry has secrets (values stay in memory as
//! [`Sensitive`]), and the current values the executor merges into a write (the server's
//! PATCH replaces an agent's secrets whole).

use super::{enc, ApiError, LettaClient, Transport};
use crate::fleet::Fleet;
use crate::live::LiveState;
use crate::plan::Sensitive;
use futures::stream::{self, StreamExt, TryStreamExt};
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

    /// Fills in the secrets of the agents (production and canaries) that the fleet gives
    /// secrets; others are not read, so their values never leave the server.
    pub(crate) async fn read_secrets(
        &self,
        fleet: &Fleet,
        live: &mut LiveState,
    ) -> Result<(), ApiError> {
        let wanted: Vec<(usize, String)> = live
            .agents
            .iter()
            .enumerate()
            .filter(|(_, a)| {
                fleet.agents.iter().any(|s| {
                    !fleet.secrets_for(s).is_empty()
                        && (a.name == s.name || a.name.ends_with(s.name.as_str()))
                })
            })
            .map(|(i, a)| (i, a.id.clone()))
            .collect();
        let found: Vec<(usize, BTreeMap<String, String>)> = stream::iter(wanted)
            .map(
                |(i, id)| async move { Ok::<_, ApiError>((i, self.get_agent_secrets(&id).await?)) },
            )
            .buffer_unordered(6)
            .try_collect()
            .await?;
        for (i, secrets) in found {
            if let Some(a) = live.agents.get_mut(i) {
                a.secrets = secrets
                    .into_iter()
                    .map(|(k, v)| (k, Sensitive::new(v)))
                    .collect();
            }
        }
        Ok(())
    }
}
