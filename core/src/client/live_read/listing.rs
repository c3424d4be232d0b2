//! Reads for the views that list canaries (Canaries, Chat, the JS package's `listCanaries`)
//! and for a test suite's targets, at the cost of the canaries, not of the server.
//!
//! An agent read whole (with its tools, blocks and folders) costs the server ~8 ms; read light
//! (`include=agent.tags`: name, metadata, settings) about a sixth of that. Canaries of *any*
//! prefix are recognised by metadata, which the server cannot filter on, so listing them
//! needs every agent — light — and then only the canaries and their production agents whole
//! (what Describe and "differs from production" compare).

use super::super::{ApiError, LettaClient, Transport};
use crate::canary::{canary_mark, Prefix, DEFAULT_PREFIX};
use crate::live::{LiveAgent, LiveState};
use futures::stream::{self, StreamExt, TryStreamExt};
use serde_json::Value;
use std::collections::BTreeSet;

/// Whole agent reads in flight at once.
const IN_FLIGHT: usize = 6;

/// Of a light list of agents, the ids to read whole (canaries of any prefix and the
/// production agents named in their metadata) and the light JSON of the rest worth listing
/// (agents that merely start with a canary prefix: shown as "not a canary").
fn pick(light: Vec<Value>) -> (Vec<String>, Vec<Value>) {
    let agents: Vec<LiveAgent> = light.iter().map(LiveAgent::from_api).collect();
    let marks: Vec<Option<crate::canary::CanaryMark>> = agents
        .iter()
        .map(|a| canary_mark(&a.name, &a.metadata))
        .collect();
    let production: BTreeSet<&str> = marks
        .iter()
        .flatten()
        .map(|m| m.production_name.as_str())
        .collect();
    let mut prefixes: BTreeSet<&str> = marks.iter().flatten().map(|m| m.prefix.as_str()).collect();
    prefixes.insert(DEFAULT_PREFIX);
    let mut whole = Vec::new();
    let mut keep = Vec::new();
    for ((a, m), v) in agents.iter().zip(&marks).zip(&light) {
        if m.is_some() || production.contains(a.name.as_str()) {
            whole.push(a.id.clone());
        } else if prefixes.iter().any(|p| a.name.starts_with(p)) {
            keep.push(v.clone());
        }
    }
    (whole, keep)
}

impl<T: Transport> LettaClient<T> {
    /// Every agent, whole, when the server has at most `up_to`; `None` when it has more or
    /// cannot count them. The count comes first: reading a first page beside it made a large
    /// server serve that page for nothing, slowing the narrow reads that follow (a 10-agent
    /// plan beside 1,000 other agents: 2.45× its empty-server time with it, 1.77× without).
    pub(crate) async fn agents_if_at_most(
        &self,
        up_to: u64,
    ) -> Result<Option<Vec<Value>>, ApiError> {
        match self.count_agents().await {
            Ok(c) if c <= up_to => self.list_agents().await.map(Some),
            _ => Ok(None),
        }
    }

    /// Every agent, light (`include=agent.tags`: no tools, blocks or folders).
    pub async fn list_agents_light(&self) -> Result<Vec<Value>, ApiError> {
        self.list_all("/agents/?include=agent.tags").await
    }

    /// Reads agents by id, whole, six at a time; agents gone meanwhile are left out.
    async fn agents_whole(&self, ids: Vec<String>) -> Result<Vec<Value>, ApiError> {
        let found: Vec<Option<Value>> = stream::iter(ids)
            .map(|id| async move {
                match self.get_agent(&id).await {
                    Ok(v) => Ok(Some(v)),
                    Err(ApiError::NotFound(_)) => Ok(None),
                    Err(e) => Err(e),
                }
            })
            .buffer_unordered(IN_FLIGHT)
            .try_collect()
            .await?;
        Ok(found.into_iter().flatten().collect())
    }

    /// What listing and describing canaries needs: every canary on the server (any prefix,
    /// from metadata) and its production agent, whole; agents that merely start with a canary
    /// prefix, light; every tool and folder by name (Describe shows names, never ids). Other
    /// agents are not in the state. [`crate::inspect::list_canaries`] and
    /// [`crate::inspect::describe`] give on it what they give on the whole server.
    pub async fn read_canaries(&self) -> Result<LiveState, ApiError> {
        let (light, tools, folders) = futures::try_join!(
            self.list_agents_light(),
            self.list_tools(),
            self.list_folders()
        )?;
        let (whole, keep) = pick(light);
        let mut agents = self.agents_whole(whole).await?;
        agents.extend(keep);
        let folders: Vec<(Value, Vec<Value>)> = folders.into_iter().map(|f| (f, vec![])).collect();
        Ok(LiveState::from_api(&agents, &[], &tools, &folders, &[]))
    }

    /// The agents a test suite of `fleet` runs against, whole: every agent whose name contains
    /// `prefix` (`?query_text=`, a superset of the prefix's canaries) and the agents carrying
    /// the fleet's production names — or, on a server of at most 20 agents (`WHOLE_UP_TO`),
    /// the whole server in one read.
    /// [`crate::verdict::plan_suite`] finds on it the targets it finds on the whole server.
    pub async fn read_suite_agents(
        &self,
        fleet: &crate::fleet::Fleet,
        prefix: &Prefix,
    ) -> Result<LiveState, ApiError> {
        if let Some(all) = self.agents_if_at_most(super::scoped::WHOLE_UP_TO).await? {
            return Ok(LiveState::from_api(&all, &[], &[], &[], &[]));
        }
        let names = fleet.agents.iter().map(|a| a.name.clone());
        let production = stream::iter(names)
            .map(|n| async move { self.agents_named(&n).await })
            .buffer_unordered(IN_FLIGHT)
            .try_collect::<Vec<Vec<Value>>>();
        let (canaries, production) =
            futures::try_join!(self.agents_matching(prefix.as_str()), production)?;
        let mut seen = BTreeSet::new();
        let agents: Vec<Value> = canaries
            .into_iter()
            .chain(production.into_iter().flatten())
            .filter(|v| {
                let id = v.get("id").and_then(Value::as_str).unwrap_or_default();
                seen.insert(id.to_string())
            })
            .collect();
        Ok(LiveState::from_api(&agents, &[], &[], &[], &[]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn a(id: &str, name: &str, meta: Value) -> Value {
        json!({"id": id, "name": name, "metadata": meta})
    }

    #[test]
    fn canaries_and_their_production_are_read_whole_lookalikes_light() {
        let canary = |p: &str, prod: &str| json!({"lettactl.canary": true, "lettactl.canary.prefix": p, "lettactl.canary.productionName": prod});
        let light = vec![
            a("1", "CANARY-x", canary("CANARY-", "x")),
            a("2", "x", json!({})),
            a("3", "QA-y", canary("QA-", "y")),
            a("4", "QA-lookalike", json!({})),
            a("5", "CANARY-fake", json!({})),
            a("6", "unrelated", json!({})),
            a("7", "y", json!({})),
        ];
        let (whole, keep) = pick(light);
        assert_eq!(whole, vec!["1", "2", "3", "7"]);
        let kept: Vec<&str> = keep
            .iter()
            .filter_map(|v| v.get("id").and_then(Value::as_str))
            .collect();
        assert_eq!(kept, vec!["4", "5"]);
    }
}
